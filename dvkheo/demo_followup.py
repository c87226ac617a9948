"""Demo follow-ups ("Theo dõi, đánh giá định kỳ"): models recognised in earlier years, imported from the
province's paper records (`dvkheo.demo_registry_import`), with two or three accepted yearly reports so their public page shows a chart;
this year's report of Xã Tịnh Khê waiting for coso@; an early report of Phường Cẩm Thành returned for a fix;
and one old model nobody followed, flagged on the committee's to-do page.

Every move goes through `dvkheo.followup.workflow` (so it is audited); only the dates are set back to the
years the reports describe. Idempotent: nothing is added once those models have a follow-up.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from dvkheo.accounts.models import User
from dvkheo.extensions import db
from dvkheo.followup import workflow
from dvkheo.followup.models import FollowUp
from dvkheo.registry.models import ModelStatus, RegisteredModel
from dvkheo.units.models import Unit


@dataclass(frozen=True)
class Report:
    years_ago: int
    status: ModelStatus
    people: int
    money_vnd: int
    working_days: int
    other: str


@dataclass(frozen=True)
class ImportedModel:
    title: str  # as in `dvkheo.demo_registry_import.HISTORY`, which brings the model into the registry
    reports: tuple[Report, ...]


IMPORTED = (
    ImportedModel(
        "Tổ tự quản “Ngõ phố bình yên”: Nhân dân tự giữ an ninh trật tự khu dân cư",
        (
            Report(3, ModelStatus.MAINTAINED, 420, 48_000_000, 260, "Lắp 12 camera an ninh ở các ngõ."),
            Report(2, ModelStatus.SCALED_UP, 980, 115_000_000, 410, "Hai khu dân cư lân cận áp dụng cách làm."),
            Report(1, ModelStatus.SCALED_UP, 1650, 182_500_000, 590, "Không xảy ra vụ trộm cắp nào trong năm."),
        ),
    ),
    ImportedModel(
        "Phụ nữ xã Tịnh Khê góp vốn xoay vòng giúp nhau thoát nghèo",
        (
            Report(2, ModelStatus.MAINTAINED, 65, 240_000_000, 120, "11 hộ thoát nghèo."),
            Report(1, ModelStatus.MAINTAINED, 92, 310_000_000, 150, "Thêm 8 hộ thoát nghèo; mở lớp dạy nghề may."),
        ),
    ),
    ImportedModel(
        "Thôn Trường Thọ vận động Nhân dân trồng cây xanh dọc đê biển",
        (),  # nobody followed it since: the committee's to-do page flags it
    ),
)


def _moment(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 2, 30, tzinfo=timezone.utc)


def seed_followup_stage(province: Unit, units: list[Unit], users: dict[str, User], today: date) -> int:
    """Add the demo follow-ups (see the module's docstring); returns the number of requests added."""
    # The models come from the province's import of its paper records (`dvkheo.demo_registry_import`).
    models = {m.title: m for m in db.session.scalars(
        sa.select(RegisteredModel).where(RegisteredModel.title.in_([spec.title for spec in IMPORTED])))}
    if len(models) < len(IMPORTED) or db.session.scalar(
        sa.select(FollowUp.id).where(FollowUp.model_id.in_([m.id for m in models.values()])).limit(1)
    ) is not None:
        return 0
    secretary = users["thuky"]
    writers = {user.unit_id: user for user in users.values() if user.role.value == "unit_submitter"}
    added = 0
    imported = []
    for spec in IMPORTED:
        model = models[spec.title]
        imported.append(model)
        writer = writers.get(model.unit_id)
        for report in spec.reports if writer is not None else ():
            year = today.year - report.years_ago
            followup = workflow.new_request(model, province.id, year, year, date(year, 12, 15), secretary)
            _answer(followup, writer, report, workflow.A.SEND)
            workflow.apply(followup, workflow.A.ACCEPT, secretary)
            followup.created_at = _moment(year, 11, 15)
            followup.submitted_at = _moment(year, 12, 10)
            followup.accepted_at = _moment(year, 12, 20)
            added += 1
    # This year's report of the women's savings group, asked for and not yet answered: coso@ sees it.
    women = imported[1]
    workflow.new_request(women, province.id, today.year, today.year, today + timedelta(days=12), secretary)
    added += 1
    # An early report of this year's award in Phường Cẩm Thành, sent and returned for a fix.
    digital = db.session.scalar(
        sa.select(RegisteredModel).where(RegisteredModel.unit_id == units[1].id, RegisteredModel.is_recognised.is_(True),
                                         RegisteredModel.id.notin_([m.id for m in imported])).order_by(RegisteredModel.id)
    )
    if digital is not None and digital.unit_id in writers:
        followup = workflow.new_request(digital, province.id, today.year, None, today + timedelta(days=20), secretary)
        _answer(followup, writers[digital.unit_id], Report(
            0, ModelStatus.SCALED_UP, 1340, 0, 0, "Ba tổ dân phố khác học theo cách làm của đoàn viên thanh niên.",
        ), workflow.A.SEND)
        workflow.apply(followup, workflow.A.RETURN, secretary,
                       reason="Đề nghị bổ sung số ngày công đoàn viên thanh niên tham gia hướng dẫn và kinh phí in tài liệu.")
        added += 1
    db.session.flush()
    return added


def _answer(followup: FollowUp, writer: User, report: Report, action) -> None:
    workflow.apply(
        followup, action, writer, reported_status=report.status, people_reached=report.people,
        money_vnd=report.money_vnd or None, working_days=report.working_days or None, other_results=report.other,
    )
