"""Follow-up of recognised models ("Theo dõi, đánh giá định kỳ").

A committee asks the unit that owns a recognised model how the model stands: once a year in a round
(`round_year` set, at most one request per model and year) or on demand. The unit answers with the
model's status and its figures; once the committee accepts the answer, the model takes that status and
the accepted figures become a public point of the model's history. Nothing else of a request is public:
not the unit's internal note, not the return reason, not the evidence files.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.campaigns.models import _enum
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.registry.models import ModelStatus


class FollowUpState(str, enum.Enum):
    REQUESTED = "requested"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            FollowUpState.REQUESTED: "Chưa trả lời",
            FollowUpState.DRAFT: "Đang soạn",
            FollowUpState.SUBMITTED: "Chờ xem xét",
            FollowUpState.RETURNED: "Bị trả lại",
            FollowUpState.ACCEPTED: "Đã chấp nhận",
            FollowUpState.CANCELLED: "Đã hủy",
        }[self]

    @property
    def tone(self) -> str:
        return {
            FollowUpState.REQUESTED: "warning",
            FollowUpState.DRAFT: "muted",
            FollowUpState.SUBMITTED: "info",
            FollowUpState.RETURNED: "danger",
            FollowUpState.ACCEPTED: "success",
            FollowUpState.CANCELLED: "muted",
        }[self]

    @property
    def awaits_unit(self) -> bool:
        return self in AWAITING_UNIT


AWAITING_UNIT = (FollowUpState.REQUESTED, FollowUpState.DRAFT, FollowUpState.RETURNED)


class FollowUp(db.Model):
    __tablename__ = "model_followups"
    __table_args__ = (sa.UniqueConstraint("model_id", "round_year", name="uq_model_followups_round"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    model_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("registered_models.id", ondelete="CASCADE"), index=True)
    # The committee that asked: its secretary or chair accepts, returns or cancels.
    committee_unit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    # The year the figures describe; `round_year` is the same year for a yearly round, None on demand
    # (NULLs never collide in a unique constraint, on SQLite and PostgreSQL alike).
    period_year: so.Mapped[int] = so.mapped_column(index=True)
    round_year: so.Mapped[int | None] = so.mapped_column()
    due_on: so.Mapped[date] = so.mapped_column(sa.Date, index=True)
    state: so.Mapped[FollowUpState] = so.mapped_column(_enum(FollowUpState, 12), default=FollowUpState.REQUESTED, index=True)
    reported_status: so.Mapped[ModelStatus | None] = so.mapped_column(_enum(ModelStatus, 12))
    people_reached: so.Mapped[int | None] = so.mapped_column()
    money_vnd: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    working_days: so.Mapped[int | None] = so.mapped_column()
    other_results: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    internal_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    return_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    requested_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    accepted_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))

    model: so.Mapped["RegisteredModel"] = so.relationship()  # noqa: F821
    committee_unit: so.Mapped["Unit"] = so.relationship()  # noqa: F821
    requested_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821
    files: so.Mapped[list["FollowUpFile"]] = so.relationship(
        back_populates="followup", order_by="FollowUpFile.id", cascade="all, delete-orphan"
    )

    def is_overdue(self, today: date) -> bool:
        return self.state.awaits_unit and self.due_on < today


class FollowUpFile(db.Model):
    """Evidence the unit attaches to its answer; only the unit and the committee ever download it."""

    __tablename__ = "model_followup_files"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    followup_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("model_followups.id", ondelete="CASCADE"), index=True)
    stored_name: so.Mapped[str] = so.mapped_column(sa.String(255))
    original_name: so.Mapped[str] = so.mapped_column(sa.String(255))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(120))
    size_bytes: so.Mapped[int] = so.mapped_column()
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    followup: so.Mapped[FollowUp] = so.relationship(back_populates="files")
