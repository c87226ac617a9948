"""When batches are sealed: after enough votes of one web process, when the campaign moves on to
its council, and from the timer's command once voting has closed (issue 14, item 1)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns import workflow as campaign_workflow
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core import jobs
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.voting import ledger, sealing
from dvkheo.voting.models import Vote, VoteChannel
from dvkheo.voting.session import session_values


@pytest.fixture
def sign_in_voter(client):
    def sign_in(voter):
        with client.session_transaction() as sess:
            sess.update(session_values(voter.campaign_id, voter.id, voter.session_version))
    return sign_in


def test_a_web_process_asks_for_a_seal_after_its_trigger_count(
    app, monkeypatch, client, sign_in_voter, voting_campaign, make_nominee, make_voter
):
    monkeypatch.setitem(app.config, "VOTE_BATCH_TRIGGER", 3)
    monkeypatch.setitem(app.config, "VOTE_BATCH_MIN", 1)
    monkeypatch.setitem(app.config, "VOTE_BATCH_MIN_VOTERS", 1)
    monkeypatch.setattr(sealing, "_votes_since_seal", {})
    nominees = [make_nominee() for _ in range(3)]
    voter = make_voter()
    sign_in_voter(voter)
    url = f"/binh-chon/dot/{voting_campaign.id}/binh-chon"
    for number, nominee in enumerate(nominees, start=1):
        assert client.post(url, data={"nomination_id": str(nominee.id), "website": ""}).status_code == 303
        assert jobs.wait_for_jobs(30)
        db.session.expire_all()
        assert len(ledger.batches(voting_campaign.id)) == (1 if number == 3 else 0)
    batch = ledger.batches(voting_campaign.id)[0]
    # The newest VOTE_BATCH_MIN entries wait for the next batch (so that the last is never small).
    assert batch.cast_count == 2 and not batch.final and ledger.pending(voting_campaign.id) == 1


def test_moving_to_the_council_seals_the_rest_as_the_final_batch(voting_campaign, make_nominee, make_voter, make_user):
    nominee = make_nominee()
    voting_campaign.public_voting_close_on = today_in_vietnam() - timedelta(days=1)
    db.session.commit()
    opens, _ = voting_campaign.voting_window()
    for number in range(2):
        ledger.cast(voting_campaign, make_voter(), nominee, VoteChannel.ONLINE, at=opens + timedelta(hours=1 + number))
    db.session.commit()
    secretary = make_user(Role.SECRETARY, voting_campaign.organising_unit)
    assert campaign_workflow.apply(
        voting_campaign, campaign_workflow.CampaignAction.START_COUNCIL_DECISION, secretary
    ) is CampaignStatus.COUNCIL_DECISION
    db.session.commit()
    (batch,) = ledger.batches(voting_campaign.id)
    assert batch.final and batch.cast_count == 2
    assert ledger.chain_head(voting_campaign.id) == (1, batch.hash)
    assert ledger.verify(voting_campaign.id).ok


def test_the_timer_seals_a_small_last_batch_only_once_voting_has_closed(
    app, monkeypatch, runner, voting_campaign, make_nominee, make_voter
):
    monkeypatch.setitem(app.config, "VOTE_BATCH_MIN", 20)
    monkeypatch.setitem(app.config, "VOTE_BATCH_MIN_VOTERS", 1)
    ledger.cast(voting_campaign, make_voter(), make_nominee(), VoteChannel.ONLINE)
    db.session.commit()
    assert "chưa đến hạn niêm phong (1 phiếu" in runner.invoke(args=["votes", "seal", "--all"]).output
    voting_campaign.voting_closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    output = runner.invoke(args=["votes", "seal", "--all"]).output
    assert "đã niêm phong lô số 1 (1 phiếu, 0 lượt rút)" in output
    assert ledger.batches(voting_campaign.id)[0].final


def test_one_voter_voting_and_withdrawing_again_and_again_never_makes_up_a_batch(
    app, monkeypatch, voting_campaign, make_nominee, make_voter
):
    """A seller proving their vote would fill a whole batch with their own entries: its counts would show
    the choice. A batch, and the entries kept waiting, must come from VOTE_BATCH_MIN_VOTERS people."""
    monkeypatch.setitem(app.config, "VOTE_BATCH_MIN", 4)
    monkeypatch.setitem(app.config, "VOTE_BATCH_MIN_VOTERS", 3)
    nominee = make_nominee()
    seller = make_voter()
    for _ in range(6):  # 12 entries, all the seller's
        vote = ledger.cast(voting_campaign, seller, nominee, VoteChannel.ONLINE)
        ledger.withdraw(voting_campaign, vote, seller)
        db.session.commit()
    assert sealing.seal_due(voting_campaign.id) is None
    others = [make_voter() for _ in range(4)]
    for voter in others:
        ledger.cast(voting_campaign, voter, nominee, VoteChannel.ONLINE)
    db.session.commit()
    # 16 waiting: the newest kept until they hold 4 entries of 3 people; the rest still holds only 2 people.
    assert sealing.seal_due(voting_campaign.id) is None
    for voter in [make_voter() for _ in range(3)]:
        ledger.cast(voting_campaign, voter, nominee, VoteChannel.ONLINE)
    db.session.commit()
    batch = sealing.seal_due(voting_campaign.id)
    db.session.commit()
    assert batch is not None
    sealed_voters = {vote.voter_id for vote in db.session.scalars(sa.select(Vote).where(
        sa.or_(Vote.cast_batch == batch.seq, Vote.withdrawal_batch == batch.seq)))}
    assert len(sealed_voters) >= 3 and ledger.pending(voting_campaign.id) >= 4
    assert ledger.verify(voting_campaign.id).ok
