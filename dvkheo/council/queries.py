"""Small reads the workflow guards and the access rules need about the council."""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.council.models import BallotAttendance, BallotItem, BallotStatus, CouncilBallot, CouncilMember, CouncilRole
from dvkheo.extensions import db


def on_unclosed_ballot(nomination_id: int) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(BallotItem)
            .join(CouncilBallot, BallotItem.ballot_id == CouncilBallot.id)
            .where(BallotItem.nomination_id == nomination_id, CouncilBallot.status != BallotStatus.CLOSED)
        )
    )


def membership(campaign_id: int, user_id: int) -> CouncilMember | None:
    return db.session.scalar(
        sa.select(CouncilMember).where(CouncilMember.campaign_id == campaign_id, CouncilMember.user_id == user_id)
    )


# --- page reads (bounded: a fixed number of statements whatever the number of rows) ----------


def members(campaign_id: int) -> list[CouncilMember]:
    """The council, chair first, each with their user and unit loaded."""
    from dvkheo.accounts.models import User

    return list(
        db.session.scalars(
            sa.select(CouncilMember)
            .join(User, CouncilMember.user_id == User.id)
            .where(CouncilMember.campaign_id == campaign_id)
            .options(so.joinedload(CouncilMember.user).joinedload(User.unit))
            .order_by(sa.case((CouncilMember.council_role == CouncilRole.CHAIR, 0), else_=1), User.search_text, User.id)
        )
    )


def member_usage(campaign_id: int) -> dict[int, tuple[int, int]]:
    """user id -> (review assignments in this campaign, ballot attendances in this campaign)."""
    from dvkheo.nominations.models import Nomination
    from dvkheo.review.models import ReviewAssignment

    assignments = dict(
        db.session.execute(
            sa.select(ReviewAssignment.reviewer_id, sa.func.count())
            .join(Nomination, ReviewAssignment.nomination_id == Nomination.id)
            .where(Nomination.campaign_id == campaign_id)
            .group_by(ReviewAssignment.reviewer_id)
        ).all()
    )
    attendances = dict(
        db.session.execute(
            sa.select(BallotAttendance.member_id, sa.func.count())
            .join(CouncilBallot, BallotAttendance.ballot_id == CouncilBallot.id)
            .where(CouncilBallot.campaign_id == campaign_id)
            .group_by(BallotAttendance.member_id)
        ).all()
    )
    return {user_id: (assignments.get(user_id, 0), attendances.get(user_id, 0)) for user_id in {*assignments, *attendances}}


def candidates(campaign, term: str, limit: int = 30) -> list:
    """Active reviewer or chair accounts of the organising unit's subtree, not yet on the council,
    matching `term` word by word (`dvkheo.core.search`: "nguyen van" finds "Nguyễn Văn")."""
    from dvkheo.accounts.models import Role, User
    from dvkheo.core import search
    from dvkheo.units.models import Unit

    organiser = campaign.organising_unit
    query = (
        sa.select(User)
        .join(Unit, User.unit_id == Unit.id)
        .where(
            User.role.in_((Role.REVIEWER, Role.CHAIR)),
            User.active.is_(True),
            Unit.path.startswith(organiser.path, autoescape=True),
            ~User.id.in_(sa.select(CouncilMember.user_id).where(CouncilMember.campaign_id == campaign.id)),
        )
        .options(so.contains_eager(User.unit))
        .order_by(User.search_text, User.id)
        .limit(limit)
    )
    if term.strip():
        query = query.where(search.matches(term, User.search_text))
    return list(db.session.scalars(query))


def eligible_nominations(campaign_id: int) -> list:
    """Shortlisted dossiers of the campaign that may go on a new ballot: not on an unclosed ballot."""
    from dvkheo.nominations.models import Nomination
    from dvkheo.nominations.states import NominationState

    on_ballot = (
        sa.select(BallotItem.nomination_id)
        .join(CouncilBallot, BallotItem.ballot_id == CouncilBallot.id)
        .where(CouncilBallot.status != BallotStatus.CLOSED)
    )
    return list(
        db.session.scalars(
            sa.select(Nomination)
            .where(
                Nomination.campaign_id == campaign_id,
                Nomination.status == NominationState.SHORTLISTED,
                ~Nomination.id.in_(on_ballot),
            )
            .options(so.joinedload(Nomination.unit))
            .order_by(Nomination.title, Nomination.id)
        )
    )


def ballots(campaign_id: int) -> list[CouncilBallot]:
    return list(
        db.session.scalars(
            sa.select(CouncilBallot)
            .where(CouncilBallot.campaign_id == campaign_id)
            .options(so.joinedload(CouncilBallot.award_form))
            .order_by(CouncilBallot.id.desc())
        )
    )


def ballot_counts(ballot_ids: list[int]) -> dict[int, dict[str, int]]:
    """ballot id -> items, members, present, electronic votes: two grouped queries."""
    counts = {ballot_id: {"items": 0, "members": 0, "present": 0, "voted": 0} for ballot_id in ballot_ids}
    if not ballot_ids:
        return counts
    for ballot_id, items in db.session.execute(
        sa.select(BallotItem.ballot_id, sa.func.count()).where(BallotItem.ballot_id.in_(ballot_ids)).group_by(BallotItem.ballot_id)
    ):
        counts[ballot_id]["items"] = items
    for ballot_id, members_, present, voted in db.session.execute(
        sa.select(
            BallotAttendance.ballot_id,
            sa.func.count(),
            sa.func.sum(sa.case((BallotAttendance.present.is_(True), 1), else_=0)),
            sa.func.sum(sa.case((BallotAttendance.has_voted.is_(True), 1), else_=0)),
        )
        .where(BallotAttendance.ballot_id.in_(ballot_ids))
        .group_by(BallotAttendance.ballot_id)
    ):
        counts[ballot_id].update(members=members_, present=int(present or 0), voted=int(voted or 0))
    return counts


def load_ballot(ballot_id: int) -> CouncilBallot | None:
    """A ballot with everything its page shows: campaign and organiser, award form, attendance with
    members, items with their dossier and unit (a fixed number of statements)."""
    from dvkheo.campaigns.models import Campaign
    from dvkheo.nominations.models import Nomination

    return db.session.scalar(
        sa.select(CouncilBallot)
        .where(CouncilBallot.id == ballot_id)
        .options(
            so.joinedload(CouncilBallot.campaign).joinedload(Campaign.organising_unit),
            so.joinedload(CouncilBallot.award_form),
            so.selectinload(CouncilBallot.attendances).joinedload(BallotAttendance.member),
            so.selectinload(CouncilBallot.items).joinedload(BallotItem.nomination).joinedload(Nomination.unit),
        )
    )


def ballots_awaiting(user_id: int) -> list[CouncilBallot]:
    """Open ballots on which this member, present and voting electronically, has not voted yet."""
    from dvkheo.council.models import BallotAttendance

    return list(
        db.session.scalars(
            sa.select(CouncilBallot)
            .join(BallotAttendance, BallotAttendance.ballot_id == CouncilBallot.id)
            .where(
                BallotAttendance.member_id == user_id,
                BallotAttendance.present.is_(True),
                BallotAttendance.vote_mode == "electronic",
                BallotAttendance.has_voted.is_(False),
                CouncilBallot.status == BallotStatus.OPEN,
            )
            .options(sa.orm.joinedload(CouncilBallot.campaign), sa.orm.joinedload(CouncilBallot.award_form))
            .order_by(CouncilBallot.opened_at)
        ).unique()
    )
