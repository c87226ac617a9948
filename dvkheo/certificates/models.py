from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.campaigns.models import _enum
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db


class CertificateStatus(str, enum.Enum):
    VALID = "valid"
    REVOKED = "revoked"
    # An amending decision corrected the line: a new certificate took this one's place.
    REPLACED = "replaced"

    @property
    def label(self) -> str:
        return {
            CertificateStatus.VALID: "Còn hiệu lực",
            CertificateStatus.REVOKED: "Đã thu hồi",
            CertificateStatus.REPLACED: "Đã được thay thế",
        }[self]

    @property
    def tone(self) -> str:
        return {CertificateStatus.VALID: "success", CertificateStatus.REVOKED: "danger", CertificateStatus.REPLACED: "muted"}[
            self
        ]


class Certificate(db.Model):
    """One printed commendation ("Giấy khen", "Bằng khen") with the serial that anyone can verify.

    Printing the same certificate again (a reprint, a blank overlay) never makes a new row: the
    serial belongs to the award line, not to the sheet of paper.
    """

    __tablename__ = "certificates"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    serial: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    awardee_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("decision_awardees.id", ondelete="RESTRICT"), index=True)
    # The decision that created the certificate (an award or an amending decision).
    decision_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("decisions.id", ondelete="RESTRICT"), index=True)
    status: so.Mapped[CertificateStatus] = so.mapped_column(
        _enum(CertificateStatus, 12), default=CertificateStatus.VALID, index=True
    )
    issued_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    revoked_by_decision_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("decisions.id", ondelete="RESTRICT"))
    revocation_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    replaced_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("certificates.id", ondelete="SET NULL"))
    # Recovery of the revoked paper certificate (Law 06/2022, Chapter VII): when and how it came back.
    recovered_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    recovery_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    recovered_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    printed_count: so.Mapped[int] = so.mapped_column(default=0)

    awardee: so.Mapped["DecisionAwardee"] = so.relationship()  # noqa: F821
    decision: so.Mapped["Decision"] = so.relationship(foreign_keys=[decision_id])  # noqa: F821
    revoked_by_decision: so.Mapped["Decision | None"] = so.relationship(foreign_keys=[revoked_by_decision_id])  # noqa: F821
    replaced_by: so.Mapped["Certificate | None"] = so.relationship(remote_side=[id])
    # The certificate this one was issued in place of (reissued after a revocation, or after an amendment).
    replaces: so.Mapped["Certificate | None"] = so.relationship(
        primaryjoin="Certificate.id == foreign(Certificate.replaced_by_id)", uselist=False, viewonly=True
    )

    __table_args__ = (
        # At most one valid certificate per award line.
        sa.Index(
            "uq_certificates_valid_awardee",
            "awardee_id",
            unique=True,
            sqlite_where=sa.text("status = 'valid'"),
            postgresql_where=sa.text("status = 'valid'"),
        ),
        sa.CheckConstraint("status <> 'revoked' OR revoked_at IS NOT NULL", name="revoked_dated"),
    )


class PrinterCalibration(db.Model):
    """A printer of an office and how far it shifts the page: fields move by these millimetres on blanks."""

    __tablename__ = "printer_calibrations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    unit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    # Positive x moves right, positive y moves down, as a ruler on the sheet reads.
    offset_x_mm: so.Mapped[float] = so.mapped_column(sa.Float, default=0.0)
    offset_y_mm: so.Mapped[float] = so.mapped_column(sa.Float, default=0.0)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    unit: so.Mapped["Unit"] = so.relationship()  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("unit_id", "name", name="uq_printer_calibrations_unit_name"),
        sa.CheckConstraint("offset_x_mm BETWEEN -50 AND 50 AND offset_y_mm BETWEEN -50 AND 50", name="offsets_in_range"),
    )


class PrintOutput(str, enum.Enum):
    PLAIN = "plain"  # the whole certificate on plain paper
    BLANK = "blank"  # only the variable fields, for pre-printed blanks ("phôi")

    @property
    def label(self) -> str:
        return "In đầy đủ trên giấy trắng" if self is PrintOutput.PLAIN else "In lên phôi in sẵn"


class PrintJobStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {
            PrintJobStatus.QUEUED: "Đang chờ",
            PrintJobStatus.RUNNING: "Đang tạo tệp",
            PrintJobStatus.DONE: "Đã xong",
            PrintJobStatus.FAILED: "Bị lỗi",
        }[self]

    @property
    def tone(self) -> str:
        return {
            PrintJobStatus.QUEUED: "neutral",
            PrintJobStatus.RUNNING: "info",
            PrintJobStatus.DONE: "success",
            PrintJobStatus.FAILED: "danger",
        }[self]


class PrintJob(db.Model):
    """A batch PDF of a decision's certificates, made in the background.

    The file is offered only when `status` is DONE: it is written under a temporary name and
    renamed into place as the last step, and its size and SHA-256 are recorded then.
    """

    __tablename__ = "print_jobs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    decision_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    output: so.Mapped[PrintOutput] = so.mapped_column(_enum(PrintOutput, 8), default=PrintOutput.PLAIN)
    printer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("printer_calibrations.id", ondelete="SET NULL"))
    # The offsets used, copied when the job is created: recalibrating later never changes a made file.
    offset_x_mm: so.Mapped[float] = so.mapped_column(sa.Float, default=0.0)
    offset_y_mm: so.Mapped[float] = so.mapped_column(sa.Float, default=0.0)
    # None: every valid certificate of the decision; otherwise the chosen certificate ids.
    certificate_ids: so.Mapped[list[int] | None] = so.mapped_column(sa.JSON)
    status: so.Mapped[PrintJobStatus] = so.mapped_column(_enum(PrintJobStatus, 12), default=PrintJobStatus.QUEUED)
    total: so.Mapped[int] = so.mapped_column(default=0)
    done_count: so.Mapped[int] = so.mapped_column(default=0)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    error: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    file_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    file_size: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    file_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    queue_job_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    started_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    # Touched after every chunk: a RUNNING job whose heartbeat stopped belongs to a worker that died.
    heartbeat_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    finished_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))

    decision: so.Mapped["Decision"] = so.relationship()  # noqa: F821
    printer: so.Mapped[PrinterCalibration | None] = so.relationship()
    created_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821

    __table_args__ = (
        sa.CheckConstraint("done_count >= 0 AND done_count <= total", name="progress_in_range"),
        sa.CheckConstraint("status <> 'done' OR (file_name IS NOT NULL AND file_sha256 IS NOT NULL)", name="done_has_file"),
    )

    @property
    def percent(self) -> int:
        if self.status is PrintJobStatus.DONE:
            return 100
        return int(100 * self.done_count / self.total) if self.total else 0
