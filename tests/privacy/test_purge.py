"""The retention purge: after the period every personal field is gone (asserted on the database), campaigns
within their period keep theirs, and the vote ledger verifies with the same tallies."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core import jobs
from dvkheo.core.audit import AuditEvent
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.privacy import purge
from dvkheo.privacy.notices import NOTICE_VERSION
from dvkheo.voting import ledger
from dvkheo.voting.identity import email_hash
from dvkheo.voting.models import EmailCode, Objection, VoteChannel, Voter, VoterListEntry

EMAIL = "nguoi.binh.chon@example.vn"
NAME = "Phạm Thị Riêng Tư"
CONTACT = "0905 777 888"


def populate(campaign, make_nominee, tag: str) -> dict:
    """Voters by email and by list, an email code, objections with contacts, votes (one withdrawn)."""
    nominees = [make_nominee(f"Mô hình {tag} một", campaign=campaign), make_nominee(f"Mô hình {tag} hai", campaign=campaign)]
    entry = VoterListEntry(
        campaign_id=campaign.id, id_number_hash=("%02d" % len(tag)) * 32, full_name=NAME, name_key="pham thi rieng tu",
        birth_date=date(1970, 3, 4), locality="Thôn Bí Mật",
    )
    db.session.add(entry)
    db.session.flush()
    now = utcnow()
    emailed = Voter(campaign=campaign, identity_key=f"email:{email_hash(EMAIL)}", consent_at=now, consent_notice=NOTICE_VERSION)
    listed = Voter(campaign=campaign, identity_key=f"list:{entry.id}", list_entry=entry)
    db.session.add_all([emailed, listed])
    db.session.add(EmailCode(
        campaign_id=campaign.id, email_hash=email_hash(EMAIL), code_hash="c" * 64, created_at=now,
        expires_at=now + timedelta(minutes=10), consent_at=now, consent_notice=NOTICE_VERSION,
    ))
    db.session.add(Objection(
        campaign_id=campaign.id, nomination_id=nominees[0].id, author_name=NAME, author_contact=CONTACT,
        content="Nội dung phản ánh về mô hình.", consent_at=now, consent_notice=NOTICE_VERSION,
    ))
    db.session.commit()
    votes = [ledger.cast(campaign, voter, nominee, VoteChannel.ONLINE)
             for voter in (emailed, listed) for nominee in nominees]
    db.session.commit()
    ledger.withdraw(campaign, votes[0], emailed)
    db.session.commit()
    return {"nominees": nominees, "voters": [emailed, listed], "entry": entry}


def publish(campaign, days_ago: int, **retention) -> None:
    campaign.status = CampaignStatus.AWARDED
    campaign.results_published_at = utcnow() - timedelta(days=days_ago)
    for name, value in retention.items():
        setattr(campaign, name, value)
    db.session.commit()


def personal_values(campaign_id: int) -> list[str]:
    """Every stored value that identifies a citizen of the campaign (what must be gone after a purge)."""
    values = []
    for voter in db.session.scalars(sa.select(Voter).where(Voter.campaign_id == campaign_id)):
        if not voter.identity_key.startswith("purged:"):
            values.append(voter.identity_key)
        if voter.list_entry_id or voter.consent_at or voter.consent_notice:
            values.append(f"voter {voter.id} link/consent")
    for entry in db.session.scalars(sa.select(VoterListEntry).where(VoterListEntry.campaign_id == campaign_id)):
        values += [entry.full_name, entry.id_number_hash, str(entry.birth_date), entry.locality]
    for code in db.session.scalars(sa.select(EmailCode).where(EmailCode.campaign_id == campaign_id)):
        values += [code.email_hash, code.code_hash]
    for item in db.session.scalars(sa.select(Objection).where(Objection.campaign_id == campaign_id)):
        values += [v for v in (item.author_name, item.author_contact, item.consent_notice) if v]
    return values


@pytest.fixture
def two_campaigns(voting_campaign, make_campaign, make_nominee):
    """`old` published 200 days ago (voters 90, objectors 180: both due), `recent` 10 days ago (nothing due)."""
    today = today_in_vietnam()
    recent = make_campaign(
        status=CampaignStatus.PUBLIC_VOTING, title="Đợt gần đây",
        nominations_open_on=today - timedelta(days=60), nominations_close_on=today - timedelta(days=30),
        public_voting_open_on=today - timedelta(days=2), public_voting_close_on=today + timedelta(days=5),
    )
    old_data = populate(voting_campaign, make_nominee, "cũ")
    recent_data = populate(recent, make_nominee, "mới")
    return voting_campaign, recent, old_data, recent_data


def test_purge_after_the_period_removes_every_personal_field_and_keeps_the_count(runner, two_campaigns):
    old, recent, _old_data, _ = two_campaigns
    before = ledger.verify(old.id)
    assert before.ok and sum(before.tallies.values()) == 3
    publish(old, 200)
    publish(recent, 10)
    assert personal_values(old.id)
    recent_before = sorted(personal_values(recent.id))

    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert f"đợt số {old.id}" in result.output and f"đợt số {recent.id}" not in result.output

    db.session.expire_all()
    assert personal_values(old.id) == []
    objection = db.session.scalars(sa.select(Objection).where(Objection.campaign_id == old.id)).one()
    assert (objection.author_name, objection.author_contact, objection.anonymised_at is not None) == ("", "", True)
    assert objection.content == "Nội dung phản ánh về mô hình."  # the matter itself stays, without its author
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Voter).where(Voter.campaign_id == old.id)) == 2
    # The campaign still within its period keeps everything.
    assert sorted(personal_values(recent.id)) == recent_before

    after = ledger.verify(old.id)
    assert after.ok and after.tallies == before.tallies and after.head_hash == before.head_hash
    verified = runner.invoke(args=["votes", "verify", str(old.id)])
    assert verified.exit_code == 0 and "sổ cái nguyên vẹn" in verified.output

    audits = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "privacy_purge")).all()
    assert [(a.entity_id, a.details["voters"], a.details["voter_list_entries"], a.details["email_codes"], a.details["objections"])
            for a in audits] == [(old.id, 2, 1, 1, 1)]


def test_purge_is_idempotent(runner, two_campaigns):
    old, recent, _, _ = two_campaigns
    publish(old, 200)
    publish(recent, 10)
    assert runner.invoke(args=["privacy", "purge"]).exit_code == 0
    again = runner.invoke(args=["privacy", "purge"])
    assert again.exit_code == 0 and "Không có đợt bình xét nào đến hạn" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "privacy_purge")) == 1


def test_voters_and_objectors_have_their_own_periods(runner, two_campaigns):
    old, _recent, _, _ = two_campaigns
    publish(old, 100)  # voters (90 days) due, objectors (180 days) not yet
    assert runner.invoke(args=["privacy", "purge"]).exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VoterListEntry).where(VoterListEntry.campaign_id == old.id)) == 0
    assert db.session.scalars(sa.select(Objection.author_name).where(Objection.campaign_id == old.id)).one() == NAME
    old.results_published_at = utcnow() - timedelta(days=181)
    db.session.commit()
    assert runner.invoke(args=["privacy", "purge"]).exit_code == 0
    db.session.expire_all()
    assert personal_values(old.id) == []
    assert ledger.verify(old.id).ok


def test_dry_run_changes_nothing(runner, two_campaigns):
    old, _recent, _, _ = two_campaigns
    publish(old, 200)
    before = sorted(personal_values(old.id))
    result = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert result.exit_code == 0 and "Sẽ xóa" in result.output and "2 người bình chọn" in result.output
    db.session.expire_all()
    assert sorted(personal_values(old.id)) == before
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "privacy_purge")) == 0


def test_unpublished_campaign_is_never_purged(runner, voting_campaign, make_nominee):
    populate(voting_campaign, make_nominee, "đang")
    before = sorted(personal_values(voting_campaign.id))
    assert runner.invoke(args=["privacy", "purge"]).exit_code == 0
    db.session.expire_all()
    assert sorted(personal_values(voting_campaign.id)) == before


def test_publication_stamps_the_retention_start(voting_campaign):
    from dvkheo.campaigns import workflow

    assert purge.published_at(voting_campaign) is None
    workflow._stamp_publication(voting_campaign, None)
    assert purge.published_at(voting_campaign) is not None


def test_the_background_job_purges_without_redis(app, two_campaigns):
    old, recent, _, _ = two_campaigns
    publish(old, 200)
    publish(recent, 10)
    jobs.enqueue("dvkheo.privacy.purge.run_scheduled")
    assert jobs.wait_for_jobs(60)
    db.session.expire_all()
    assert personal_values(old.id) == [] and personal_values(recent.id)
    assert ledger.verify(old.id).ok


def test_cli_can_hand_the_purge_to_the_job_queue(runner, two_campaigns):
    old, recent, _, _ = two_campaigns
    publish(old, 200)
    publish(recent, 10)
    result = runner.invoke(args=["privacy", "purge", "--enqueue"])
    assert result.exit_code == 0 and "hàng đợi" in result.output
    assert jobs.wait_for_jobs(60)
    db.session.expire_all()
    assert personal_values(old.id) == [] and ledger.verify(old.id).ok
