"""Replication ("Nhân rộng"): a unit declares that it applies a recognised model of another unit.

The committee above the declaring unit confirms it; a confirmed replication is public on the source
model's page. `RegisteredModel.replication_count` keeps the number of confirmed ones so the registry
list shows it without counting rows per model.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.campaigns.models import _enum
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db


class ReplicationState(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            ReplicationState.DRAFT: "Đang soạn",
            ReplicationState.SUBMITTED: "Chờ xác nhận",
            ReplicationState.RETURNED: "Bị trả lại",
            ReplicationState.CONFIRMED: "Đã xác nhận",
            ReplicationState.WITHDRAWN: "Đã rút",
        }[self]

    @property
    def tone(self) -> str:
        return {
            ReplicationState.DRAFT: "muted",
            ReplicationState.SUBMITTED: "info",
            ReplicationState.RETURNED: "warning",
            ReplicationState.CONFIRMED: "success",
            ReplicationState.WITHDRAWN: "muted",
        }[self]


def quoted(title: str) -> str:
    """A model's title in quotation marks, unless it already carries its own (“Hũ gạo tình thương” và ...)."""
    return title if "“" in title else f"“{title}”"


EDITABLE_STATES = frozenset({ReplicationState.DRAFT, ReplicationState.RETURNED})


class Replication(db.Model):
    __tablename__ = "replications"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    source_model_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("registered_models.id", ondelete="RESTRICT"), index=True
    )
    unit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    # Copied from the unit tree when declared, so the public list names the place without walking the tree.
    province_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"))
    commune_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"))
    status: so.Mapped[ReplicationState] = so.mapped_column(
        _enum(ReplicationState, 12), default=ReplicationState.DRAFT, index=True
    )
    started_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    adaptation: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    scale: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    people_reached: so.Mapped[int | None] = so.mapped_column()
    first_results: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    return_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    confirmed_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))

    source_model: so.Mapped["RegisteredModel"] = so.relationship()  # noqa: F821
    unit: so.Mapped["Unit"] = so.relationship(foreign_keys=[unit_id])  # noqa: F821
    province: so.Mapped["Unit | None"] = so.relationship(foreign_keys=[province_id])  # noqa: F821
    commune: so.Mapped["Unit | None"] = so.relationship(foreign_keys=[commune_id])  # noqa: F821
    files: so.Mapped[list["ReplicationFile"]] = so.relationship(
        back_populates="replication", order_by="ReplicationFile.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.Index("ix_replications_model_status", "source_model_id", "status"),
        sa.CheckConstraint("people_reached IS NULL OR people_reached >= 0", name="people_reached_non_negative"),
    )

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES

    @property
    def place(self) -> str:
        """"Xã Tịnh Khê, Tỉnh Quảng Ngãi": the commune and province of the unit, else the unit's name."""
        parts = [u.name for u in (self.commune, self.province) if u is not None]
        return ", ".join(parts) or self.unit.name

    @property
    def wider_place(self) -> str:
        """The commune and province around the unit, without repeating the unit itself."""
        return ", ".join(u.name for u in (self.commune, self.province) if u is not None and u.id != self.unit_id)

    @property
    def total_file_bytes(self) -> int:
        return sum(f.size_bytes for f in self.files)


class ReplicationFile(db.Model):
    """An evidence file of a replication, stored as the nominations' files are (checked by content and size)."""

    __tablename__ = "replication_files"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    replication_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("replications.id", ondelete="CASCADE"), index=True)
    original_name: so.Mapped[str] = so.mapped_column(sa.String(255))
    stored_name: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    content_type: so.Mapped[str] = so.mapped_column(sa.String(120))
    size_bytes: so.Mapped[int] = so.mapped_column()
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    replication: so.Mapped[Replication] = so.relationship(back_populates="files")

    @property
    def is_image(self) -> bool:
        from dvkheo.core.images import IMAGE_CONTENT_TYPES

        return self.content_type in IMAGE_CONTENT_TYPES
