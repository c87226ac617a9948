from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.campaigns.models import NomineeKind, _enum
from dvkheo.core import search
from dvkheo.core.text import fold
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.nominations.states import EDITABLE_STATES, NominationState


class Nomination(db.Model):
    """A "Hồ sơ đề nghị": the report of domain.md plus its evidence, owned by one unit."""

    __tablename__ = "nominations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="RESTRICT"), index=True)
    unit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    kind: so.Mapped[NomineeKind] = so.mapped_column(_enum(NomineeKind, 12))
    status: so.Mapped[NominationState] = so.mapped_column(_enum(NominationState), default=NominationState.DRAFT, index=True)

    # The report ("Báo cáo thành tích")
    title: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    nominee_name: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    collective_type_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("reference_items.id", ondelete="RESTRICT"))
    individual_category_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("reference_items.id", ondelete="RESTRICT"))
    nominee_position: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    nominee_birth_year: so.Mapped[int | None] = so.mapped_column()
    # An individual nominee agreed that the unit passes on their personal details (Law 91/2025):
    # when the unit ticked it, and the version of the notice it was shown.
    nominee_consent_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    nominee_consent_notice: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    field_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("reference_items.id", ondelete="RESTRICT"))
    locality: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    started_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    duration: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    situation: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    method: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    participation: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    results: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    households_count: so.Mapped[int | None] = so.mapped_column()
    money_contributed_vnd: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    working_days: so.Mapped[int | None] = so.mapped_column()
    road_length_m: so.Mapped[int | None] = so.mapped_column()
    area_m2: so.Mapped[int | None] = so.mapped_column()
    cases_resolved: so.Mapped[int | None] = so.mapped_column()
    replication: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # The unit's own public review ("bình xét công khai")
    review_held_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    review_attendees: so.Mapped[int | None] = so.mapped_column()
    review_votes_for: so.Mapped[int | None] = so.mapped_column()
    review_votes_cast: so.Mapped[int | None] = so.mapped_column()

    nominee_key: so.Mapped[str] = so.mapped_column(sa.String(300), default="", index=True)
    # The model's name folded, so the committee is warned of the same model nominated twice.
    model_key: so.Mapped[str] = so.mapped_column(sa.String(300), default="", server_default="", index=True)
    # Where a nomination returns when its hold ("Tạm dừng xét") is released.
    status_before_hold: so.Mapped[NominationState | None] = so.mapped_column(_enum(NominationState))
    search_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    # A dossier written from a confirmed replication carries its lineage to the registry.
    source_model_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(
        "registered_models.id", ondelete="SET NULL", use_alter=True, name="fk_nominations_source_model_id_registered_models"
    ))
    source_replication_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(
        "replications.id", ondelete="SET NULL", use_alter=True, name="fk_nominations_source_replication_id_replications"
    ))

    campaign: so.Mapped["Campaign"] = so.relationship()  # noqa: F821
    unit: so.Mapped["Unit"] = so.relationship()  # noqa: F821
    created_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821
    field: so.Mapped["ReferenceItem | None"] = so.relationship(foreign_keys=[field_id])  # noqa: F821
    collective_type: so.Mapped["ReferenceItem | None"] = so.relationship(foreign_keys=[collective_type_id])  # noqa: F821
    individual_category: so.Mapped["ReferenceItem | None"] = so.relationship(foreign_keys=[individual_category_id])  # noqa: F821
    source_model: so.Mapped["RegisteredModel | None"] = so.relationship(foreign_keys=[source_model_id])  # noqa: F821
    source_replication: so.Mapped["Replication | None"] = so.relationship(foreign_keys=[source_replication_id])  # noqa: F821
    attachments: so.Mapped[list["Attachment"]] = so.relationship(
        back_populates="nomination", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "review_votes_for IS NULL OR review_votes_cast IS NULL OR review_votes_for <= review_votes_cast",
            name="review_votes_within_cast",
        ),
        sa.Index("ix_nominations_unit_status", "unit_id", "status"),
        # The committee's inbox and ranking filter a campaign by status.
        sa.Index("ix_nominations_campaign_status", "campaign_id", "status"),
        # The unit's list page sorts by last update; this keeps it fast at 10,000 rows.
        sa.Index("ix_nominations_unit_updated", "unit_id", "updated_at", "id"),
    )

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES

    @property
    def display_title(self) -> str:
        return self.title or "(Chưa đặt tên mô hình)"

    def refresh_derived(self) -> None:
        """Recompute the folded search text and the identity used by the duplicate rule."""
        self.nominee_key = f"{self.kind.value}:{fold(self.nominee_name)}"
        self.model_key = fold(self.title)
        self.search_text = search.search_text(self.title, self.nominee_name, self.locality, self.nominee_position)

    @property
    def total_attachment_bytes(self) -> int:
        return sum(a.size_bytes for a in self.attachments)

    def evidence_files(self) -> list["Attachment"]:
        return [a for a in self.attachments if a.purpose == "evidence"]

    def __repr__(self) -> str:
        return f"<Nomination {self.id} {self.status.value}>"


class Attachment(db.Model):
    """An evidence file ("Minh chứng") or the unit's public-review minutes, stored outside static/."""

    __tablename__ = "attachments"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    nomination_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("nominations.id", ondelete="CASCADE"), index=True)
    criterion_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("criteria.id", ondelete="SET NULL"))
    purpose: so.Mapped[str] = so.mapped_column(sa.String(20), default="evidence")
    original_name: so.Mapped[str] = so.mapped_column(sa.String(255))
    stored_name: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    content_type: so.Mapped[str] = so.mapped_column(sa.String(120))
    size_bytes: so.Mapped[int] = so.mapped_column()
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    nomination: so.Mapped[Nomination] = so.relationship(back_populates="attachments")
    criterion: so.Mapped["Criterion | None"] = so.relationship()  # noqa: F821

    __table_args__ = (
        sa.CheckConstraint("purpose IN ('evidence', 'review_minutes')", name="purpose_known"),
        sa.CheckConstraint("size_bytes >= 0", name="size_non_negative"),
    )
