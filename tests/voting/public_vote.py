"""A public vote run the way a campaign runs it, for the documents that print the vote ledger's head: votes cast
through the ledger while the window is open, a batch sealed during the vote, then the window closes and the manager
moves the campaign to the council, which seals what is left as the final batch."""
from __future__ import annotations

from datetime import timedelta

from dvkheo.campaigns import workflow
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.campaigns.workflow import CampaignAction
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.voting import ledger, sealing
from dvkheo.voting.models import Vote, VoteChannel, Voter


def _voter(campaign) -> Voter:
    voter = Voter(campaign=campaign, identity_key=f"email:ledger-head-{campaign.id}-{db.session.query(Voter).count() + 1}")
    db.session.add(voter)
    db.session.flush()
    return voter


def hold_public_vote(campaign, nominees, manager, *, during: int = 3, at_close: int = 2) -> tuple[int, str]:
    """`during` votes sealed in a batch while voting is open, `at_close` more sealed by the move to the council.
    `nominees` are shortlisted nominations of `campaign`. Returns the chain head after the final seal."""
    today = today_in_vietnam()
    campaign.status = CampaignStatus.PUBLIC_VOTING
    campaign.has_public_stage = True
    campaign.public_voting_open_on, campaign.public_voting_close_on = today - timedelta(days=3), today + timedelta(days=3)
    db.session.commit()
    for number in range(during + at_close):
        ledger.cast(campaign, _voter(campaign), nominees[number % len(nominees)], VoteChannel.ONLINE)
        db.session.commit()
        if number + 1 == during:
            assert sealing.seal(campaign.id, final=False, minimum=1) is not None
            db.session.commit()
    # The window has run its course; the manager hands the dossiers to the council.
    campaign.public_voting_close_on = today - timedelta(days=1)
    db.session.commit()
    workflow.apply(campaign, CampaignAction.START_COUNCIL_DECISION, manager)
    db.session.commit()
    assert campaign.status is CampaignStatus.COUNCIL_DECISION and ledger.pending(campaign.id) == 0
    return ledger.chain_head(campaign.id)


def seal_a_late_batch(campaign, nominee) -> tuple[int, str]:
    """One more batch after the documents were issued (a vote recorded late, sealed by the timer)."""
    vote = Vote(
        campaign_id=campaign.id, voter_id=_voter(campaign).id, nomination_id=nominee.id, channel=VoteChannel.ONLINE,
        receipt_code=ledger.new_receipt_code(), cast_at=utcnow(),
    )
    db.session.add(vote)
    db.session.flush()
    assert sealing.seal(campaign.id, final=True) is not None
    db.session.commit()
    return ledger.chain_head(campaign.id)
