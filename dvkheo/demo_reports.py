"""Demo periodic reports ("Báo cáo sơ kết/tổng kết"): Xã Tịnh Khê's committee has sent its report of the current
period (the year in December, else the current six months) to the province, and the province's Ban Dân vận has
a draft of its own report of the same period, prefilled from the figures, so that thuky@ sees one report received,
the "Tổng hợp" page with the communes that have not sent theirs, and a draft to complete.

Every move goes through `dvkheo.reports.report_workflow` (audited). Idempotent: a unit's report of the period is
made once.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from dvkheo.accounts.models import User
from dvkheo.extensions import db
from dvkheo.reports import report_documents, report_figures, report_period, report_workflow
from dvkheo.reports.models import PeriodicReport, PeriodKind
from dvkheo.units.models import Unit


def demo_period(today: date) -> tuple[PeriodKind, date, date]:
    """The year in December (the year-end review), else the current six months."""
    if today.month == 12:
        return (PeriodKind.YEAR, *report_period.bounds(PeriodKind.YEAR, today.year))
    return (PeriodKind.HALF, *report_period.bounds(PeriodKind.HALF, today.year, 1 if today.month <= 6 else 2))


COMMUNE_SITUATION = (
    "Đảng ủy, Ủy ban nhân dân xã đã ban hành kế hoạch thực hiện phong trào thi đua “Dân vận khéo”, giao chỉ tiêu "
    "mỗi thôn có ít nhất một mô hình; tổ chức hội nghị triển khai với 120 đại biểu là bí thư chi bộ, trưởng thôn "
    "và người đứng đầu các đoàn thể."
)
COMMUNE_SHORTCOMINGS = (
    "Một số thôn còn lúng túng trong việc chọn mô hình; việc ghi chép số liệu kết quả (ngày công, kinh phí Nhân "
    "dân đóng góp) chưa đầy đủ, ảnh hưởng đến việc đánh giá hiệu quả."
)


def _unit_sections(unit: Unit, kind: PeriodKind, starts_on: date, ends_on: date) -> dict[str, str]:
    figures = report_figures.live_figures(unit, kind, starts_on, ends_on)
    return report_figures.prefill(unit, kind, starts_on, ends_on, figures, report_documents.issuer_of(unit)["in_text"])


def seed_reports(province: Unit, commune: Unit, users: dict[str, User], today: date) -> int:
    """Add the demo reports (see the module's docstring); returns how many were added."""
    kind, starts_on, ends_on = demo_period(today)
    existing = set(db.session.scalars(sa.select(PeriodicReport.unit_id).where(
        PeriodicReport.starts_on == starts_on, PeriodicReport.ends_on == ends_on,
        PeriodicReport.unit_id.in_([province.id, commune.id]))))
    added = 0
    if commune.id not in existing and "thukyxa" in users:
        sections = _unit_sections(commune, kind, starts_on, ends_on)
        sections["situation"] = COMMUNE_SITUATION + "\n" + sections["situation"]
        sections["shortcomings"] = "\n".join(filter(None, [COMMUNE_SHORTCOMINGS, sections["shortcomings"]]))
        report = report_workflow.create(commune, kind, starts_on, ends_on, users["thukyxa"], sections)
        report_workflow.apply(report, report_workflow.A.SUBMIT, users["chutichxa"])
        added += 1
    if province.id not in existing and "thuky" in users:
        report_workflow.create(province, kind, starts_on, ends_on, users["thuky"],
                               _unit_sections(province, kind, starts_on, ends_on))
        added += 1
    db.session.flush()
    return added
