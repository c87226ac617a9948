"""`flask seed-demo`: every role, a dozen nominations in several states, and idempotence."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.accounts.models import Role, User
from dvkheo.campaigns.models import Campaign, CampaignStatus
from dvkheo.core.audit import AuditEvent
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.demo import DEMO_PASSWORD, campaign_title
from dvkheo.extensions import db
from dvkheo.nominations import eligibility
from dvkheo.nominations.models import Attachment, Nomination
from dvkheo.nominations.states import LIVE_STATES, NominationState
from dvkheo.units.models import Unit

COUNTED = (Unit, User, Campaign, Nomination, Attachment, AuditEvent)


def _open_campaign() -> Campaign:
    return db.session.scalars(sa.select(Campaign).where(Campaign.title == campaign_title(today_in_vietnam().year))).one()


def _counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in COUNTED}


def test_seed_demo_creates_every_role_and_a_dozen_nominations(runner):
    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    assert "coso@demo.dvkheo.vn" in result.output
    assert DEMO_PASSWORD in result.output
    users = db.session.scalars(sa.select(User)).all()
    assert {user.role for user in users} == set(Role)
    assert all(user.check_password(DEMO_PASSWORD) for user in users)
    submitters = [user for user in users if user.role is Role.UNIT_SUBMITTER]
    assert len({user.unit_id for user in submitters}) == 3  # two communes and a village of one

    nominations = db.session.scalars(sa.select(Nomination)).all()
    assert len(nominations) >= 12
    assert len({n.status for n in nominations}) >= 4
    assert {NominationState.RETURNED, NominationState.RESUBMITTED, NominationState.WITHDRAWN} <= {n.status for n in nominations}


def test_seed_demo_data_obeys_the_rules(runner):
    runner.invoke(args=["seed-demo"], catch_exceptions=False)

    campaign = _open_campaign()
    assert campaign.status is CampaignStatus.NOMINATIONS_OPEN
    assert campaign.accepts_nominations()
    assert campaign.max_total_score == 100
    for nomination in db.session.scalars(sa.select(Nomination)):
        assert nomination.unit.is_within(nomination.campaign.organising_unit)
        if nomination.status in LIVE_STATES:
            # Dossiers of the campaign in review were sent before its deadline, which has since passed.
            problems = [p for p in eligibility.check(nomination) if p.rule != "campaign_open" or nomination.campaign_id == campaign.id]
            assert problems == [], nomination.title
            assert nomination.evidence_files()
    returns = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "return")).all()
    assert returns and all(event.reason for event in returns)


def test_seed_demo_twice_adds_nothing(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    before = _counts()

    second = runner.invoke(args=["seed-demo"])

    assert second.exit_code == 0, second.output
    assert _counts() == before
    assert "không thêm gì" in second.output


def test_seed_demo_refuses_production_without_flag(runner, monkeypatch):
    monkeypatch.setenv("DVKHEO_ENV", "production")

    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code != 0
    assert "production" in result.output
    assert _counts()["User"] == 0


def test_seed_demo_skips_missing_nominations_once_the_campaign_has_closed(runner):
    runner.invoke(args=["seed-demo"], catch_exceptions=False)
    campaign = _open_campaign()
    campaign.status = CampaignStatus.REVIEW
    db.session.delete(db.session.scalars(sa.select(Nomination).order_by(Nomination.id)).first())
    db.session.commit()
    before = _counts()

    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    assert "Bỏ qua 1 hồ sơ mẫu" in result.output
    assert _counts() == before


def test_seed_demo_gives_the_committee_a_campaign_in_review(runner):
    from dvkheo.demo_review import review_campaign_title
    from dvkheo.review.models import ReviewAssignment

    runner.invoke(args=["seed-demo"], catch_exceptions=False)

    campaign = db.session.scalars(sa.select(Campaign).where(Campaign.title == review_campaign_title(today_in_vietnam().year))).one()
    assert campaign.status is CampaignStatus.REVIEW
    statuses = [n.status for n in db.session.scalars(sa.select(Nomination).where(Nomination.campaign_id == campaign.id))]
    assert {NominationState.SCORED, NominationState.IN_REVIEW, NominationState.ON_HOLD, NominationState.SUBMITTED} <= set(statuses)
    assert statuses.count(NominationState.SCORED) == 3
    loads = db.session.execute(
        sa.select(ReviewAssignment.reviewer_id, sa.func.count())
        .join(Nomination, Nomination.id == ReviewAssignment.nomination_id)
        .where(Nomination.campaign_id == campaign.id)
        .group_by(ReviewAssignment.reviewer_id)
    ).all()
    counts = sorted(count for _, count in loads)
    assert counts[-1] - counts[0] <= 1  # the automatic assignment kept the loads even


def test_seed_demo_opens_a_public_vote_with_a_gallery(runner, client):
    from dvkheo.demo_review import public_campaign_title
    from dvkheo.voting import ledger

    runner.invoke(args=["seed-demo"], catch_exceptions=False)

    campaign = db.session.scalars(sa.select(Campaign).where(Campaign.title == public_campaign_title(today_in_vietnam().year))).one()
    assert campaign.status is CampaignStatus.PUBLIC_VOTING and campaign.voting_open()
    page = client.get(f"/binh-chon/dot/{campaign.id}").get_data(as_text=True)
    assert "Nồi cháo tình thương ở bệnh viện" in page
    report = ledger.verify(campaign.id)
    assert report.ok, report.problems
    batches = ledger.batches(campaign.id)
    # Two sealed batches, each at least the minimum a live batch may hold, and a few votes waiting.
    assert len(batches) == 2 and min(batch.size for batch in batches) >= 20
    assert report.pending > 0
    assert sum(ledger.tallies(campaign.id).values()) == sum(batch.cast_count for batch in batches) + report.pending


def test_seed_demo_issues_a_decision_whose_certificates_verify(runner, client):
    from dvkheo.awards.models import Decision, DecisionStatus
    from dvkheo.certificates.models import Certificate
    from dvkheo.demo_awards import award_campaign_title

    runner.invoke(args=["seed-demo"], catch_exceptions=False)

    campaign = db.session.scalars(sa.select(Campaign).where(Campaign.title == award_campaign_title(today_in_vietnam().year))).one()
    assert campaign.status is CampaignStatus.COUNCIL_DECISION
    decision = db.session.scalars(sa.select(Decision).where(Decision.campaign_id == campaign.id)).one()
    assert decision.status is DecisionStatus.ISSUED and decision.number_label == "01-QĐ/BDVTU"
    statuses = [n.status for n in db.session.scalars(sa.select(Nomination).where(Nomination.campaign_id == campaign.id))]
    assert sorted(s.value for s in statuses) == ["awarded", "awarded", "awarded", "failed_council", "passed_council"]
    serials = db.session.scalars(sa.select(Certificate.serial).where(Certificate.decision_id == decision.id)).all()
    assert len(serials) == 3
    page = client.get(f"/verify/{serials[0]}").get_data(as_text=True)
    assert "Còn hiệu lực" in page
    # Its public vote is over and sealed: the decision keeps the head of the final batch, as its annex prints.
    from dvkheo.council.models import CouncilBallot
    from dvkheo.voting import ledger

    batches = ledger.batches(campaign.id)
    assert len(batches) == 3 and batches[-1].final and ledger.pending(campaign.id) == 0
    assert decision.ledger_head["seq"] == 3 and decision.ledger_head["hash"] == batches[-1].hash
    ballot = db.session.scalars(sa.select(CouncilBallot).where(CouncilBallot.campaign_id == campaign.id)).one()
    assert ballot.ledger_head["hash"] == batches[-1].hash
    report = ledger.verify(campaign.id)
    assert report.ok, report.problems


def test_seed_demo_issues_in_both_the_party_and_the_state_format(runner):
    """The Ban Dân vận writes as the Party does; the commune's People's Committee gives a Giấy khen as the State does."""
    from dvkheo.awards.models import Decision, DecisionStatus, signature_lines
    from dvkheo.certificates.models import Certificate

    runner.invoke(args=["seed-demo"], catch_exceptions=False)
    decisions = {
        decision.format.code: decision
        for decision in db.session.scalars(sa.select(Decision).where(Decision.status == DecisionStatus.ISSUED))
    }
    assert set(decisions) == {"party", "state"}
    party, state = decisions["party"], decisions["state"]
    assert party.number_label == "01-QĐ/BDVTU" and party.issuing_body == "BAN DÂN VẬN"
    assert party.citation().startswith("Quyết định số 01-QĐ/BDVTU, ngày ")
    assert party.citation().endswith(" của Ban Dân vận Tỉnh ủy")
    assert signature_lines(party) == ["K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"]
    assert party.award_form.archive == "VT, HĐXC"
    assert state.number_label == "01/QĐ-UBND" and state.issuing_body == "ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ"
    assert " của Chủ tịch Ủy ban nhân dân xã Tịnh Khê" in state.citation() and " tháng " in state.citation()
    assert signature_lines(state) == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert state.campaign.organising_unit.name == "Xã Tịnh Khê"
    assert state.award_form.legal_bases[0].text.startswith("Căn cứ Luật Tổ chức chính quyền địa phương")
    for decision in (party, state):
        certificates = db.session.scalars(sa.select(Certificate).where(Certificate.decision_id == decision.id)).all()
        assert certificates, decision.number_label
