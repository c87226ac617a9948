"""The public registry of recognised models ("Mô hình, điển hình Dân vận khéo").

A `RegisteredModel` is one model or exemplary person, whatever the number of awards it received:
a nomination forwarded upward stays the same model as its origin. Each award (or, later, a
recognition typed in from elsewhere) is a `Recognition`; a model whose recognitions are all revoked
is no longer held up (`is_recognised` false) and leaves the public list.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.campaigns.models import NomineeKind, _enum
from dvkheo.core import search
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db


class ModelStatus(str, enum.Enum):
    """Where the model stands after its award (follow-up sets it; a new model is maintained)."""

    MAINTAINED = "maintained"
    SCALED_UP = "scaled_up"
    PAUSED = "paused"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return {
            ModelStatus.MAINTAINED: "Duy trì",
            ModelStatus.SCALED_UP: "Nhân rộng, phát triển",
            ModelStatus.PAUSED: "Tạm dừng",
            ModelStatus.ENDED: "Đã kết thúc",
        }[self]


class SummaryState(str, enum.Enum):
    """The unit's draft of the public summary (the public text is `RegisteredModel.public_summary`)."""

    NONE = "none"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"

    @property
    def label(self) -> str:
        return {
            SummaryState.NONE: "Chưa có",
            SummaryState.DRAFT: "Đang soạn",
            SummaryState.SUBMITTED: "Chờ duyệt",
            SummaryState.RETURNED: "Bị trả lại",
            SummaryState.APPROVED: "Đã duyệt",
        }[self]


class RecognitionLevel(str, enum.Enum):
    """The level of the body that recognised the model, highest first by `rank`."""

    CENTRAL = "central"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    AGENCY = "agency"

    @property
    def label(self) -> str:
        return {
            RecognitionLevel.CENTRAL: "Trung ương",
            RecognitionLevel.PROVINCE: "Cấp tỉnh",
            RecognitionLevel.DISTRICT: "Cấp huyện",
            RecognitionLevel.COMMUNE: "Cấp xã",
            RecognitionLevel.AGENCY: "Cơ quan, đơn vị",
        }[self]

    @property
    def rank(self) -> int:
        return {
            RecognitionLevel.CENTRAL: 5,
            RecognitionLevel.PROVINCE: 4,
            RecognitionLevel.DISTRICT: 3,
            RecognitionLevel.COMMUNE: 2,
            RecognitionLevel.AGENCY: 1,
        }[self]

    @classmethod
    def of_unit_kind(cls, kind: str) -> "RecognitionLevel":
        if kind == "province":
            return cls.PROVINCE
        if kind == "district":
            return cls.DISTRICT
        if kind in COMMUNE_KINDS:
            return cls.COMMUNE
        return cls.AGENCY


COMMUNE_KINDS = frozenset({"commune", "ward", "special_zone", "town"})


class RecognitionSource(str, enum.Enum):
    AWARD = "award"  # a decision issued here
    EXTERNAL = "external"  # typed in (import of earlier years, another body's decision)

    @property
    def label(self) -> str:
        return "Quyết định khen thưởng" if self is RecognitionSource.AWARD else "Công nhận bên ngoài"


class ImportState(str, enum.Enum):
    """A file of recognitions made elsewhere: checked and waiting for the committee's confirmation, then
    imported (or dropped). See `dvkheo.registry.import_workflow`."""

    PENDING = "pending"
    IMPORTED = "imported"
    DISCARDED = "discarded"

    @property
    def label(self) -> str:
        return {
            ImportState.PENDING: "Chờ xác nhận",
            ImportState.IMPORTED: "Đã nhập",
            ImportState.DISCARDED: "Đã hủy",
        }[self]

    @property
    def tone(self) -> str:
        return {ImportState.PENDING: "warning", ImportState.IMPORTED: "success", ImportState.DISCARDED: "muted"}[self]


class ImportBatch(db.Model):
    """One uploaded spreadsheet of models that a committee's lower levels recognised outside the app.

    The file itself is kept (at most `importer.MAX_BYTES`): the preview and the confirmation both read it
    again, so what is imported is exactly what was shown, checked against the registry as it is then.
    A discarded file's content is dropped.
    """

    __tablename__ = "model_import_batches"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    committee_unit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    state: so.Mapped[ImportState] = so.mapped_column(_enum(ImportState, 12), default=ImportState.PENDING, index=True)
    filename: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    file_kind: so.Mapped[str] = so.mapped_column(sa.String(8))  # "xlsx" or "csv", from the content
    size_bytes: so.Mapped[int] = so.mapped_column(default=0)
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    content: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)
    row_count: so.Mapped[int] = so.mapped_column(default=0)
    created_count: so.Mapped[int] = so.mapped_column(default=0)  # new models (the other rows attached to existing ones)
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    imported_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    imported_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True), index=True)

    committee_unit: so.Mapped["Unit"] = so.relationship()  # noqa: F821
    uploaded_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[uploaded_by_id])  # noqa: F821
    imported_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[imported_by_id])  # noqa: F821


class RegisteredModel(db.Model):
    __tablename__ = "registered_models"
    # On PostgreSQL, word search (LIKE '% word %', see dvkheo.core.search) uses a trigram index instead of
    # reading every model: at 100,000 models a search would otherwise scan them all.
    __table_args__ = (
        sa.Index(
            "ix_registered_models_search_trgm", "search_text",
            postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        # The list counts recognised models that have not ended from this index alone, not from the wide rows.
        sa.Index("ix_registered_models_recognised_status", "is_recognised", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # The first nomination of its lineage (forwarded copies belong to the same model); none for an import.
    origin_nomination_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("nominations.id", ondelete="RESTRICT"), unique=True
    )
    kind: so.Mapped[NomineeKind] = so.mapped_column(_enum(NomineeKind, 12))
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    nominee_name: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    unit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    province_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    commune_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    locality: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    field_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("reference_items.id", ondelete="RESTRICT"), index=True)
    first_year: so.Mapped[int | None] = so.mapped_column()
    last_year: so.Mapped[int | None] = so.mapped_column(index=True)
    highest_level: so.Mapped[RecognitionLevel | None] = so.mapped_column(_enum(RecognitionLevel, 12), index=True)
    status: so.Mapped[ModelStatus] = so.mapped_column(_enum(ModelStatus, 12), default=ModelStatus.MAINTAINED, index=True)
    # True while at least one recognition stands: only those models are public.
    is_recognised: so.Mapped[bool] = so.mapped_column(default=False, index=True)
    public_summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    summary_draft: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    summary_state: so.Mapped[SummaryState] = so.mapped_column(_enum(SummaryState, 12), default=SummaryState.NONE, index=True)
    summary_return_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    summary_approved_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    search_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    recognised_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True), index=True)
    # Confirmed replications elsewhere, kept by `dvkheo.replication.workflow` so the list never counts rows.
    replication_count: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # A model that began as a replication of another one ("Nhân rộng từ mô hình ...").
    source_model_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("registered_models.id", ondelete="SET NULL"))

    origin_nomination: so.Mapped["Nomination | None"] = so.relationship(foreign_keys=[origin_nomination_id])  # noqa: F821
    unit: so.Mapped["Unit"] = so.relationship(foreign_keys=[unit_id])  # noqa: F821
    province: so.Mapped["Unit | None"] = so.relationship(foreign_keys=[province_id])  # noqa: F821
    commune: so.Mapped["Unit | None"] = so.relationship(foreign_keys=[commune_id])  # noqa: F821
    field: so.Mapped["ReferenceItem | None"] = so.relationship()  # noqa: F821
    source_model: so.Mapped["RegisteredModel | None"] = so.relationship(remote_side=[id])
    recognitions: so.Mapped[list["Recognition"]] = so.relationship(
        back_populates="model", order_by="Recognition.id", cascade="all, delete-orphan"
    )
    photo_choices: so.Mapped[list["ModelPhoto"]] = so.relationship(
        back_populates="model", order_by="ModelPhoto.attachment_id", cascade="all, delete-orphan"
    )

    def refresh_search_text(self) -> None:
        """The model's words and those of its places: "thu gom rác Tịnh Khê" finds the commune's model
        with one indexed column (a second table in the condition would read every model)."""
        self.search_text = search.search_text(
            self.title, self.nominee_name, self.locality, *self.place_names(), self.public_summary
        )

    def place_names(self) -> list[str]:
        from dvkheo.units.models import Unit

        ids = dict.fromkeys(i for i in (self.unit_id, self.commune_id, self.province_id) if i is not None)
        return [unit.name for unit in (db.session.get(Unit, i) for i in ids) if unit is not None]

    @property
    def live_recognitions(self) -> list["Recognition"]:
        return [r for r in self.recognitions if r.revoked_at is None]


class Recognition(db.Model):
    """One award of a model: a line of an issued decision, or one recognised elsewhere and imported from a file
    (source EXTERNAL, `import_batch_id` set, no decision line or certificate here)."""

    __tablename__ = "model_recognitions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    model_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("registered_models.id", ondelete="CASCADE"), index=True)
    source: so.Mapped[RecognitionSource] = so.mapped_column(_enum(RecognitionSource, 12), default=RecognitionSource.AWARD)
    nomination_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("nominations.id", ondelete="RESTRICT"), unique=True)
    # The decision line now standing for this award (an amendment moves it to the correcting line).
    awardee_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("decision_awardees.id", ondelete="RESTRICT"), index=True)
    decision_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("decisions.id", ondelete="RESTRICT"), index=True)
    certificate_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("certificates.id", ondelete="SET NULL"))
    import_batch_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("model_import_batches.id", ondelete="RESTRICT"), index=True
    )
    award_form_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    issuing_body: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    decision_number: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    decided_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    year: so.Mapped[int] = so.mapped_column(index=True)
    level: so.Mapped[RecognitionLevel] = so.mapped_column(_enum(RecognitionLevel, 12))
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    model: so.Mapped[RegisteredModel] = so.relationship(back_populates="recognitions")
    awardee: so.Mapped["DecisionAwardee | None"] = so.relationship()  # noqa: F821
    decision: so.Mapped["Decision | None"] = so.relationship()  # noqa: F821
    certificate: so.Mapped["Certificate | None"] = so.relationship()  # noqa: F821
    import_batch: so.Mapped[ImportBatch | None] = so.relationship()


class ModelPhoto(db.Model):
    """An evidence image of the model's nominations the unit chose for its public page.

    Evidence was sent to a committee, not to the public: an image is public only once the committee approves the
    summary it was chosen with (`is_public`); the unit's current choice (`in_draft`) waits for that approval as
    the draft text does. A row with neither flag set is deleted.
    """

    __tablename__ = "registered_model_photos"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    model_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("registered_models.id", ondelete="CASCADE"), index=True)
    attachment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("attachments.id", ondelete="CASCADE"), index=True)
    in_draft: so.Mapped[bool] = so.mapped_column(default=False)
    is_public: so.Mapped[bool] = so.mapped_column(default=False, index=True)

    model: so.Mapped[RegisteredModel] = so.relationship(back_populates="photo_choices")
    attachment: so.Mapped["Attachment"] = so.relationship()  # noqa: F821

    __table_args__ = (sa.UniqueConstraint("model_id", "attachment_id"),)



# Created with the table (tests, `create_all`); the migration creates it in production.
sa.event.listen(
    RegisteredModel.__table__, "before_create",
    sa.DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)


def refresh_place_names(unit_ids) -> int:
    """Refresh the search words of the models placed in renamed units; how many changed."""
    ids = list(unit_ids)
    if not ids:
        return 0
    changed = 0
    models = db.session.scalars(
        sa.select(RegisteredModel).where(
            sa.or_(RegisteredModel.unit_id.in_(ids), RegisteredModel.commune_id.in_(ids), RegisteredModel.province_id.in_(ids))
        )
    )
    for model in models:
        before = model.search_text
        model.refresh_search_text()
        changed += model.search_text != before
    return changed
