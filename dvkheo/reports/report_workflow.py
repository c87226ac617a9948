"""A periodic report: one table of (state, action) -> new state, who may take it, what must hold.

The committee of a unit creates the report of a period (a draft), writes its narrative (SAVE) and submits it
to the level above (SUBMIT): the figure tables and the letterhead are frozen then, and the report takes its
number in the issuer's register. The committee above may return it for completion with a reason (RETURN); the
unit completes it and submits it again (the figures are taken and frozen anew, the number stays).
`apply()` is the only code that changes `PeriodicReport.state`; `create()` the only one that makes one.
"""
from __future__ import annotations

import enum
from datetime import date
from typing import Callable

import sqlalchemy as sa

from dvkheo import access
from dvkheo.accounts.models import User
from dvkheo.core import audit
from dvkheo.core.rules import Problem, RuleRefused, Transition, TransitionRefused, checked_rule, permitted_rule
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.reports.models import SECTION_MAX, SECTIONS, PeriodicReport, PeriodKind, ReportState


class ReportAction(str, enum.Enum):
    SAVE = "save"
    SUBMIT = "submit"
    RETURN = "return"

    @property
    def label(self) -> str:
        return {
            ReportAction.SAVE: "Lưu nháp",
            ReportAction.SUBMIT: "Gửi cấp trên",
            ReportAction.RETURN: "Trả lại để bổ sung",
        }[self]

    @property
    def done(self) -> str:
        return {
            ReportAction.SAVE: "Đã lưu báo cáo.",
            ReportAction.SUBMIT: "Đã gửi báo cáo lên cấp trên; số liệu của báo cáo được chốt tại thời điểm gửi.",
            ReportAction.RETURN: "Đã trả lại báo cáo để đơn vị bổ sung.",
        }[self]


A = ReportAction
S = ReportState
Guard = Callable[[PeriodicReport, User, dict], list[Problem]]
SECTION_NAMES = tuple(name for name, _ in SECTIONS)


def _sections_fit(report: PeriodicReport, actor: User, options: dict) -> list[Problem]:
    return [
        Problem("length", f"Mỗi phần không dài quá {SECTION_MAX:,} ký tự.".replace(",", "."), name)
        for name in SECTION_NAMES
        if len(options.get(name) or "") > SECTION_MAX
    ]


def _results_written(report: PeriodicReport, actor: User, options: dict) -> list[Problem]:
    text = options["results"] if "results" in options else report.results
    if not (text or "").strip():
        return [Problem("results", "Vui lòng viết phần “II. Kết quả thực hiện” trước khi gửi.", "results")]
    return []


def _has_level_above(report: PeriodicReport, actor: User, options: dict) -> list[Problem]:
    if report.unit.parent_id is None:
        return [Problem("parent", "Đơn vị không có cấp trên để gửi báo cáo.")]
    return []


def _period_started(report: PeriodicReport, actor: User, options: dict) -> list[Problem]:
    if report.starts_on > today_in_vietnam():
        return [Problem("period", "Kỳ báo cáo chưa bắt đầu; chưa thể gửi báo cáo.")]
    return []


COMMITTEE = frozenset(access.COMMITTEE_ROLES)
_writer = access.can_write_report
_recipient = access.can_return_report

TRANSITIONS: dict[tuple[S, A], Transition] = {
    (S.DRAFT, A.SAVE): Transition(S.DRAFT, COMMITTEE, _writer, (_sections_fit,)),
    # A returned report stays "returned" while completed, so the reason stays in sight until it is sent again.
    (S.RETURNED, A.SAVE): Transition(S.RETURNED, COMMITTEE, _writer, (_sections_fit,)),
    **{(state, A.SUBMIT): Transition(S.SUBMITTED, COMMITTEE, _writer,
                                     (_sections_fit, _results_written, _has_level_above, _period_started))
       for state in (S.DRAFT, S.RETURNED)},
    (S.SUBMITTED, A.RETURN): Transition(S.RETURNED, COMMITTEE, _recipient, reason_required=True),
}


def _permitted(report: PeriodicReport, action: A, actor: User | None) -> Transition | None:
    return permitted_rule(TRANSITIONS, report.state, action, report, actor)


def available_actions(report: PeriodicReport, actor: User | None) -> list[A]:
    return [action for action in A if _permitted(report, action, actor)]


def apply(report: PeriodicReport, action: A, actor: User, reason: str | None = None, **options) -> S:
    """Move the report by `action`.

    SAVE and SUBMIT take the narrative sections (`SECTION_NAMES`) as typed. SUBMIT then freezes the figure
    tables and the letterhead (dvkheo.reports.report_documents.freeze) and gives the report its number on the
    first submission. RETURN takes the reason. Audits ("periodic_report", id, action, from, to, reason).
    Does not commit."""
    action = A(action)
    rule, reason = checked_rule(
        TRANSITIONS, report.state, action, report, actor, noun="báo cáo", reason=reason,
        reason_message="Vui lòng ghi rõ nội dung cần bổ sung.", options=options,
    )
    previous = report.state
    details = None
    if action in (A.SAVE, A.SUBMIT):
        for name in SECTION_NAMES:
            if name in options:
                setattr(report, name, (options[name] or "").strip())
    if action is A.SUBMIT:
        from dvkheo.reports import report_documents

        report_documents.freeze(report)
        report.submitted_at = utcnow()
        report.submissions = (report.submissions or 0) + 1
        report.return_reason = None
        details = {"number": report.letterhead.get("number"), "submission": report.submissions}
    elif action is A.RETURN:
        report.return_reason = reason
    report.state = rule.target
    audit.record(
        "periodic_report", report.id, action.value, actor,
        from_state=previous.value, to_state=rule.target.value, reason=reason, details=details,
    )
    if action is A.SUBMIT:
        _tell(report.unit.parent_id, f"{report.unit.name} đã gửi {_name(report)}.", report)
    elif action is A.RETURN:
        _tell(report.unit_id, f"Cấp trên trả lại {_name(report)} để bổ sung: {reason}", report)
    return rule.target


def _name(report: PeriodicReport) -> str:
    from dvkheo.reports.report_documents import title_of

    title = title_of(report)
    return title[:1].lower() + title[1:]


def _tell(unit_id: int | None, message: str, report: PeriodicReport) -> None:
    """Notify the committee (secretary, chair; active accounts) of `unit_id`, with a link to the report."""
    from dvkheo.core.notifications import notice_link, notify_all

    if unit_id is None:
        return
    committee = db.session.scalars(
        sa.select(User).where(User.unit_id == unit_id, User.role.in_(access.COMMITTEE_ROLES), User.active.is_(True))
        .order_by(User.id)
    ).all()
    notify_all(committee, message, notice_link("periodic_reports.show", report_id=report.id))


def create(unit, kind: PeriodKind, starts_on: date, ends_on: date, actor: User, sections: dict[str, str]) -> PeriodicReport:
    """A new draft of `unit`'s report for the period, its sections prefilled (`sections`), audited. Refused when the
    actor is not the unit's committee or the unit already has a report for exactly this period. Does not commit."""
    if not (access.can_create_report(actor) and actor.unit_id == unit.id):
        raise TransitionRefused([Problem("permission", "Bạn không có quyền lập báo cáo của đơn vị này.")])
    existing = db.session.scalar(
        sa.select(PeriodicReport.id).where(
            PeriodicReport.unit_id == unit.id, PeriodicReport.starts_on == starts_on, PeriodicReport.ends_on == ends_on
        )
    )
    if existing is not None:
        raise RuleRefused([Problem("duplicate", "Đơn vị đã có báo cáo của kỳ này; mở báo cáo đó để sửa.", "period_kind")])
    report = PeriodicReport(
        unit=unit, period_kind=kind, starts_on=starts_on, ends_on=ends_on, state=S.DRAFT, created_by=actor,
        **{name: sections.get(name, "") for name in SECTION_NAMES},
    )
    db.session.add(report)
    db.session.flush()
    audit.record(
        "periodic_report", report.id, "create", actor, to_state=S.DRAFT.value,
        details={"period": [starts_on.isoformat(), ends_on.isoformat()], "kind": kind.value},
    )
    return report
