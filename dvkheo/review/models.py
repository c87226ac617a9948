from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.campaigns.models import _enum
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState


class HoldCategory(str, enum.Enum):
    """Why a nomination may not be commended or proposed for now (Decree 152/2025)."""

    DISCIPLINE = "discipline"
    INVESTIGATION = "investigation"
    INSPECTION = "inspection"
    COMPLAINT = "complaint"
    DENUNCIATION = "denunciation"
    OTHER = "other"

    @property
    def label(self) -> str:
        return HOLD_CATEGORY_LABELS[self]


HOLD_CATEGORY_LABELS = {
    HoldCategory.DISCIPLINE: "Đang xem xét kỷ luật",
    HoldCategory.INVESTIGATION: "Đang điều tra",
    HoldCategory.INSPECTION: "Đang thanh tra, kiểm tra",
    HoldCategory.COMPLAINT: "Có đơn khiếu nại chưa giải quyết",
    HoldCategory.DENUNCIATION: "Có đơn tố cáo chưa giải quyết",
    HoldCategory.OTHER: "Lý do khác",
}


class NominationHold(db.Model):
    """One period of "Tạm dừng xét": why, until when it is expected to last, who placed and released it."""

    __tablename__ = "nomination_holds"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    nomination_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("nominations.id", ondelete="CASCADE"), index=True)
    category: so.Mapped[HoldCategory] = so.mapped_column(_enum(HoldCategory, 20))
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    release_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    previous_status: so.Mapped[NominationState] = so.mapped_column(_enum(NominationState))
    placed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    placed_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    released_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    released_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    release_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    nomination: so.Mapped["Nomination"] = so.relationship()  # noqa: F821
    placed_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[placed_by_id])  # noqa: F821
    released_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[released_by_id])  # noqa: F821

    @property
    def is_open(self) -> bool:
        return self.released_at is None


class AssignmentStatus(str, enum.Enum):
    ACTIVE = "active"
    # The reviewer declared a conflict of interest; they are never assigned this nomination again.
    CONFLICT = "conflict"
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return {
            AssignmentStatus.ACTIVE: "Đang phân công",
            AssignmentStatus.CONFLICT: "Xung đột lợi ích",
            AssignmentStatus.REMOVED: "Đã thu hồi phân công",
        }[self]


class ReviewAssignment(db.Model):
    """A council member asked to score one nomination."""

    __tablename__ = "review_assignments"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    nomination_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("nominations.id", ondelete="CASCADE"))
    reviewer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    status: so.Mapped[AssignmentStatus] = so.mapped_column(_enum(AssignmentStatus, 12), default=AssignmentStatus.ACTIVE)
    # "auto" (balanced assignment) or "manual" (the secretary's choice)
    source: so.Mapped[str] = so.mapped_column(sa.String(10), default="manual")
    assigned_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    finalised_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    # The sheet's total, stored when it is finalised (a final sheet never changes) so that the ranking
    # reads thousands of totals without summing their scores; NULL on sheets finalised before it existed
    # or made directly (the ranking then sums the scores).
    final_total: so.Mapped[int | None] = so.mapped_column()
    # Set when the secretary typed in a paper scoring sheet on the reviewer's behalf.
    entered_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    conflict_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    conflict_declared_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))

    nomination: so.Mapped["Nomination"] = so.relationship()  # noqa: F821
    reviewer: so.Mapped["User"] = so.relationship(foreign_keys=[reviewer_id])  # noqa: F821
    assigned_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[assigned_by_id])  # noqa: F821
    entered_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[entered_by_id])  # noqa: F821
    scores: so.Mapped[list["Score"]] = so.relationship(back_populates="assignment", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("nomination_id", "reviewer_id", name="uq_review_assignments_nomination_reviewer"),
        sa.Index("ix_review_assignments_reviewer_status", "reviewer_id", "status"),
        sa.CheckConstraint("source IN ('auto', 'manual')", name="source_known"),
    )

    @property
    def is_final(self) -> bool:
        return self.finalised_at is not None

    @property
    def total(self) -> int:
        return sum(score.points for score in self.scores if score.points is not None)


class Score(db.Model):
    """Points for one rubric criterion given by one assignment, with the reviewer's comment."""

    __tablename__ = "scores"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    assignment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("review_assignments.id", ondelete="CASCADE"))
    criterion_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("criteria.id", ondelete="RESTRICT"))
    points: so.Mapped[int | None] = so.mapped_column()
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    updated_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    assignment: so.Mapped[ReviewAssignment] = so.relationship(back_populates="scores")
    criterion: so.Mapped["Criterion"] = so.relationship()  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "criterion_id", name="uq_scores_assignment_criterion"),
        sa.CheckConstraint("points IS NULL OR points >= 0", name="points_non_negative"),
    )
