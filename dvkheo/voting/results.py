"""What the public and the voter see of the count: tallies (hidden, live or final), the ballot's
nominees, a voter's own receipts, and the per-page context the vote box and tally badge read.

Counts are aggregates of the votes table, which nothing here ever joins to a voter, except
`my_votes`, which reads the votes of the one voter signed in to this browser. Every function
issues a fixed number of queries whatever the number of nominees or votes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import sqlalchemy as sa
from flask import url_for
from werkzeug.routing import BuildError

from dvkheo.campaigns.models import Campaign, CampaignStatus
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.units.models import Unit
from dvkheo.voting import ledger
from dvkheo.voting.models import Vote, Voter

# Phases after the public vote: its count is final.
AFTER_VOTING = frozenset({CampaignStatus.COUNCIL_DECISION, CampaignStatus.AWARDED, CampaignStatus.CLOSED})
# Outcomes a published nominee can reach after the vote (it stays on the results page).
DECIDED_AFTER_VOTE = (NominationState.PASSED_COUNCIL, NominationState.FAILED_COUNCIL)


def voting_closed(campaign: Campaign, at: datetime | None = None) -> bool:
    """The vote is over: the campaign moved on, or its closing moment has passed."""
    if campaign.status in AFTER_VOTING:
        return True
    if campaign.status is not CampaignStatus.PUBLIC_VOTING:
        return False
    _, closes = campaign.voting_window()
    return closes is not None and (at or utcnow()) > closes


def tallies_visible(campaign: Campaign, at: datetime | None = None) -> bool:
    """Counts are public during the vote only when the campaign says so ("live"); always once it is over."""
    return bool(campaign.live_tallies) or voting_closed(campaign, at)


def identify_url(campaign_id: int) -> str:
    """Where a visitor proves who they are (the identification pages' `voting.identify`)."""
    try:
        return url_for("voting.identify", campaign_id=campaign_id)
    except BuildError:  # identification pages not registered in this build: their fixed address
        return f"/binh-chon/dot/{campaign_id}/xac-thuc"


# --- the context of one page ---------------------------------------------------------------------


@dataclass(frozen=True)
class MyVote:
    """One of the signed-in voter's votes (theirs alone: never shown to anyone else)."""

    vote_id: int
    nomination_id: int
    title: str
    receipt_code: str
    cast_at: datetime
    withdrawn_at: datetime | None
    withdrawal_receipt: str | None

    @property
    def live(self) -> bool:
        return self.withdrawn_at is None


@dataclass
class VoteContext:
    """Everything `_vote_box.html` and `_tally_badge.html` need, computed once per page.

    - `tallies`: live votes per nomination id, or None while they are hidden;
    - `live_votes`: nomination id -> the voter's live vote on it (empty without a voter);
    - `receipts`: every vote of the voter, newest first, withdrawn ones included;
    - `identify_url`: where an unidentified visitor goes to vote.
    """

    campaign_id: int
    voting_open: bool
    identified: bool
    votes_allowed: int
    withdrawal_allowed: bool
    final: bool
    identify_url: str = ""
    tallies: dict[int, int] | None = None
    receipts: list[MyVote] = field(default_factory=list)

    @cached_property
    def live_votes(self) -> dict[int, MyVote]:
        return {vote.nomination_id: vote for vote in self.receipts if vote.live}

    @property
    def votes_used(self) -> int:
        return len(self.live_votes)

    @property
    def votes_left(self) -> int:
        return max(self.votes_allowed - self.votes_used, 0)

    def count(self, nomination_id: int) -> int | None:
        """The nominee's count when tallies are shown, else None."""
        return None if self.tallies is None else self.tallies.get(nomination_id, 0)


def my_votes(voter: Voter) -> list[MyVote]:
    """The voter's votes with the nominee's title, newest first (one query)."""
    rows = db.session.execute(
        sa.select(
            Vote.id, Vote.nomination_id, Nomination.title, Vote.receipt_code, Vote.cast_at, Vote.withdrawn_at,
            Vote.withdrawal_receipt,
        )
        .join(Nomination, Nomination.id == Vote.nomination_id)
        .where(Vote.voter_id == voter.id, Vote.campaign_id == voter.campaign_id)
        .order_by(Vote.cast_at.desc(), Vote.id.desc())
    )
    return [MyVote(*row) for row in rows]


def vote_context(campaign: Campaign, voter: Voter | None, at: datetime | None = None) -> VoteContext:
    """The vote box and tally badge context of one page: at most two queries (tallies, the voter's votes).

    Gallery templates pass the result as `vote_ctx`, beside `campaign` and `nominee`.
    """
    at = at or utcnow()
    context = VoteContext(
        campaign_id=campaign.id,
        voting_open=campaign.voting_open(at),
        identified=voter is not None,
        votes_allowed=campaign.votes_per_voter,
        withdrawal_allowed=bool(campaign.vote_withdrawal_allowed),
        final=voting_closed(campaign, at),
        identify_url=identify_url(campaign.id),
    )
    if tallies_visible(campaign, at):
        context.tallies = ledger.tallies(campaign.id)
    if voter is not None:
        context.receipts = my_votes(voter)
    return context


# --- the nominees ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NomineeRow:
    nomination_id: int
    title: str
    nominee_name: str
    unit_name: str
    locality: str
    status: NominationState


def ballot_nominees(campaign_id: int) -> list[NomineeRow]:
    """The nominees one can vote for now: the campaign's shortlist, by title (one query)."""
    return _nominee_rows(
        sa.and_(Nomination.campaign_id == campaign_id, Nomination.status == NominationState.SHORTLISTED)
    )


def published_nominees(campaign_id: int) -> list[NomineeRow]:
    """Every nominee that stood in the public vote: still shortlisted, decided by the council since,
    or holding votes in the ledger (e.g. put on hold after an upheld objection). One query."""
    voted = sa.select(Vote.nomination_id).where(Vote.campaign_id == campaign_id).distinct()
    return _nominee_rows(
        sa.and_(
            Nomination.campaign_id == campaign_id,
            sa.or_(
                Nomination.status == NominationState.SHORTLISTED,
                Nomination.status.in_(DECIDED_AFTER_VOTE),
                Nomination.id.in_(voted),
            ),
        )
    )


def _nominee_rows(condition) -> list[NomineeRow]:
    query = (
        sa.select(
            Nomination.id, Nomination.title, Nomination.nominee_name, Unit.name, Nomination.locality, Nomination.status,
        )
        .join(Unit, Unit.id == Nomination.unit_id)
        .where(condition)
        .order_by(Nomination.title, Nomination.id)
    )
    return [NomineeRow(*row) for row in db.session.execute(query)]


@dataclass(frozen=True)
class ResultRow:
    place: int | None
    nominee: NomineeRow
    votes: int | None


def result_rows(campaign: Campaign, nominees: list[NomineeRow], tallies: dict[int, int] | None) -> list[ResultRow]:
    """Nominees with their counts, most votes first (equal counts share a place); by title while hidden."""
    if tallies is None:
        return [ResultRow(None, nominee, None) for nominee in nominees]
    ordered = sorted(nominees, key=lambda n: (-tallies.get(n.nomination_id, 0), n.title, n.nomination_id))
    rows: list[ResultRow] = []
    previous, place = None, 0
    for position, nominee in enumerate(ordered, start=1):
        votes = tallies.get(nominee.nomination_id, 0)
        if votes != previous:
            place, previous = position, votes
        rows.append(ResultRow(place, nominee, votes))
    return rows


# --- the public results page (and the API's copy of it) ------------------------------------------


@dataclass
class PublicResults:
    """What the public results page shows of a campaign's vote, as plain values (`ballot_views._results`, the API)."""

    rows: list[ResultRow]
    visible: bool
    final: bool
    total: int
    chain_seq: int
    chain_head: str
    recent_batches: list
    pending: int
    opens: datetime | None
    closes: datetime | None


def public_results(campaign: Campaign, recent_batches: int = 10) -> PublicResults:
    """Seals a closed vote's last batch first (`sealing.seal_if_closed`), then reads the counts (final ones from the
    ledger once voting is over), the nominees, the chain's head and its most recent batches: a fixed number of queries."""
    import sqlalchemy.orm as so

    from dvkheo.voting import sealing
    from dvkheo.voting.models import VoteBatch

    final = voting_closed(campaign)
    sealing.seal_if_closed(campaign)
    visible = tallies_visible(campaign)
    tallies = (ledger.published_tallies(campaign.id) if final else ledger.tallies(campaign.id)) if visible else None
    nominees = published_nominees(campaign.id)
    seq, head = ledger.chain_head(campaign.id)
    opens, closes = campaign.voting_window()
    recent = db.session.scalars(
        sa.select(VoteBatch).where(VoteBatch.campaign_id == campaign.id).order_by(VoteBatch.seq.desc()).limit(recent_batches)
        .options(so.load_only(VoteBatch.seq, VoteBatch.sealed_at, VoteBatch.hash))
    ).all()
    return PublicResults(
        rows=result_rows(campaign, nominees, tallies),
        visible=visible,
        final=final,
        total=sum(tallies.values()) if tallies else 0,
        chain_seq=seq,
        chain_head=head,
        recent_batches=list(recent),
        pending=ledger.pending(campaign.id) if visible and not final else 0,
        opens=opens,
        closes=closes,
    )
