"""Small reads the workflow guards and the access rules need about reviewer assignments."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.extensions import db
from dvkheo.review.models import AssignmentStatus, ReviewAssignment


def active_assignment_count(nomination_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            ReviewAssignment.nomination_id == nomination_id, ReviewAssignment.status == AssignmentStatus.ACTIVE
        )
    ) or 0


def assignment_progress(nomination_id: int) -> tuple[int, int]:
    """(active assignments, of which finalised) for one nomination."""
    active, final = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(ReviewAssignment.finalised_at),
        ).where(ReviewAssignment.nomination_id == nomination_id, ReviewAssignment.status == AssignmentStatus.ACTIVE)
    ).one()
    return active or 0, final or 0


def active_assignment(nomination_id: int, reviewer_id: int) -> ReviewAssignment | None:
    return db.session.scalar(
        sa.select(ReviewAssignment).where(
            ReviewAssignment.nomination_id == nomination_id,
            ReviewAssignment.reviewer_id == reviewer_id,
            ReviewAssignment.status == AssignmentStatus.ACTIVE,
        )
    )
