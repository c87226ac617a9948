"""Small reads the workflow guards and the access rules need about the council."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.council.models import BallotItem, BallotStatus, CouncilBallot, CouncilMember
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
