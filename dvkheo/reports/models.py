"""The periodic report of a committee ("Báo cáo sơ kết/tổng kết phong trào thi đua “Dân vận khéo”").

A committee (the secretary or chair of a unit) writes one report per unit and period: a quarter, six months
("sơ kết"), a year ("tổng kết") or a range of months. Its figure tables ("Biểu số liệu") come from the
dashboard's figures (dvkheo.reports.statistics): live while the report is a draft, frozen in `figures` (JSON)
when it is submitted to the level above, so what the level above received never moves. The narrative
sections are the secretary's text, prefilled from the figures. The letterhead (issuer, document system) is
frozen with the figures. `dvkheo.reports.report_workflow.apply()` is the only code that changes `state`.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.campaigns.models import _enum
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db


class ReportState(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return {
            ReportState.DRAFT: "Bản nháp",
            ReportState.SUBMITTED: "Đã gửi cấp trên",
            ReportState.RETURNED: "Trả lại để bổ sung",
        }[self]

    @property
    def tone(self) -> str:
        return {ReportState.DRAFT: "muted", ReportState.SUBMITTED: "success", ReportState.RETURNED: "danger"}[self]


class PeriodKind(str, enum.Enum):
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"
    RANGE = "range"

    @property
    def label(self) -> str:
        return {
            PeriodKind.QUARTER: "Quý",
            PeriodKind.HALF: "6 tháng (sơ kết)",
            PeriodKind.YEAR: "Năm (tổng kết)",
            PeriodKind.RANGE: "Khoảng thời gian",
        }[self]


# The narrative sections, in the order of the report: (attribute, heading).
SECTIONS = (
    ("situation", "I. TÌNH HÌNH TRIỂN KHAI"),
    ("results", "II. KẾT QUẢ THỰC HIỆN"),
    ("shortcomings", "III. HẠN CHẾ, NGUYÊN NHÂN"),
    ("directions", "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ"),
)
SECTION_MAX = 20_000


class PeriodicReport(db.Model):
    __tablename__ = "periodic_reports"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "starts_on", "ends_on", name="uq_periodic_reports_unit_period"),
        sa.CheckConstraint("starts_on <= ends_on", name="period_order"),
        # A submitted report carries its frozen figures and letterhead; a draft does not yet.
        sa.CheckConstraint("state <> 'submitted' OR (figures IS NOT NULL AND letterhead IS NOT NULL)",
                           name="submitted_frozen"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # The unit whose committee reports (its subtree is counted); it reports to its parent.
    unit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    period_kind: so.Mapped[PeriodKind] = so.mapped_column(_enum(PeriodKind, 10))
    starts_on: so.Mapped[date] = so.mapped_column(sa.Date)
    ends_on: so.Mapped[date] = so.mapped_column(sa.Date)
    state: so.Mapped[ReportState] = so.mapped_column(_enum(ReportState, 12), default=ReportState.DRAFT, index=True)
    situation: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    results: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    shortcomings: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    directions: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Frozen at submission: the figure tables and the issuer's letterhead (format, bodies, code, place).
    figures: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    letterhead: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    return_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    submissions: so.Mapped[int] = so.mapped_column(default=0)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))

    unit: so.Mapped["Unit"] = so.relationship()  # noqa: F821
    created_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821

    @property
    def is_frozen(self) -> bool:
        return self.state is ReportState.SUBMITTED

    def section_texts(self) -> dict[str, str]:
        return {name: getattr(self, name) or "" for name, _ in SECTIONS}
