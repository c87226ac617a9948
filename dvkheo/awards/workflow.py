"""The decision workflow: one table of (state, action) -> new state, who may take it, what must hold.

`apply()` is the only code that changes `Decision.status`. Issuing numbers the decision from the
register, marks it ISSUED and flushes before its effects run (awarding nominations, certificates,
revocations; see `decisions.issue_effects`), because the nominations' guard reads the issued line.
"""
from __future__ import annotations

import enum
from datetime import date
from typing import Callable

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.awards import decisions, notices
from dvkheo.awards.models import Decision, DecisionKind, DecisionStatus
from dvkheo.core import audit
from dvkheo.core.rules import Problem, Transition, TransitionRefused
from dvkheo.core.timeutil import format_date, today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.nominations.states import AWARDED_STATES
from dvkheo.nominations.states import NominationState as NS
from dvkheo.registry import recognition


class DecisionAction(str, enum.Enum):
    APPROVE = "approve"
    RETURN = "return"
    ISSUE = "issue"
    DISCARD = "discard"

    @property
    def label(self) -> str:
        return {
            DecisionAction.APPROVE: "Duyệt dự thảo",
            DecisionAction.RETURN: "Trả lại dự thảo để sửa",
            DecisionAction.ISSUE: "Ban hành quyết định",
            DecisionAction.DISCARD: "Hủy dự thảo",
        }[self]

    @property
    def done(self) -> str:
        """The flash message after the move."""
        return {
            DecisionAction.APPROVE: "Đã duyệt dự thảo quyết định; quyết định chờ ban hành.",
            DecisionAction.RETURN: "Đã trả lại dự thảo để Thư ký Hội đồng sửa.",
            DecisionAction.ISSUE: "Đã ban hành quyết định",
            DecisionAction.DISCARD: "Đã hủy dự thảo quyết định.",
        }[self]


A = DecisionAction
S = DecisionStatus
Guard = Callable[[Decision, User, dict], list[Problem]]


# --- guards ---------------------------------------------------------------------------------------


def _has_lines(decision: Decision, actor: User, options: dict) -> list[Problem]:
    if decision.kind is DecisionKind.REVOCATION:
        if decision.revocation_items:
            return []
        return [Problem("lines", "Quyết định thu hồi chưa có nội dung thu hồi nào.")]
    if decision.awardees:
        return []
    return [Problem("lines", "Danh sách kèm theo chưa có tập thể, cá nhân nào.")]


def _remove_line_advice(decision: Decision) -> str:
    """What to do about a line that may no longer be awarded. A draft is still edited by the secretary; an approved
    decision is locked, so it must first go back to draft (a chair's "Trả lại dự thảo để sửa")."""
    if decision.status is S.APPROVED:
        return (
            "quyết định đã được duyệt nên cần Chủ tịch Hội đồng trả lại dự thảo để sửa, "
            "bỏ hồ sơ này khỏi danh sách rồi duyệt lại trước khi ban hành"
        )
    return "hãy bỏ khỏi danh sách trước khi duyệt"


def _lines_still_passed(decision: Decision, actor: User, options: dict) -> list[Problem]:
    """Award and added lines need a nomination the council passed and nobody has since put on hold."""
    problems = []
    for line in decisions.awarding_lines(decision):
        status = line.nomination.status
        if status is NS.PASSED_COUNCIL:
            continue
        if status is NS.ON_HOLD:
            message = f"Hồ sơ “{line.recipient_name}” đang tạm dừng xét; {_remove_line_advice(decision)}."
        else:
            message = (
                f"Hồ sơ “{line.recipient_name}” không còn ở trạng thái “{NS.PASSED_COUNCIL.label}” "
                f"(hiện: “{status.label}”); {_remove_line_advice(decision)}."
            )
        problems.append(Problem("line_status", message))
    return problems


def _corrections_current(decision: Decision, actor: User, options: dict) -> list[Problem]:
    """A correcting line must correct the award as it now reads, still standing, and change something."""
    lines = decisions.correcting_lines(decision)
    if not lines:
        return []
    problems = []
    current = decisions.current_award_lines({line.nomination_id for line in lines})
    for line in lines:
        latest = current.get(line.nomination_id)
        if line.nomination.status not in AWARDED_STATES:
            problems.append(
                Problem("correction", f"Khen thưởng của “{line.recipient_name}” không còn hiệu lực ({line.nomination.status.label}); hãy bỏ khỏi danh sách.")
            )
        elif latest is None or latest.id != line.corrects_id:
            problems.append(
                Problem(
                    "correction",
                    f"Dòng “{line.recipient_name}” đã được sửa đổi bởi một quyết định khác ban hành sau; "
                    "hãy hủy dự thảo này và dự thảo lại từ quyết định mới nhất.",
                )
            )
    for line in decisions.unchanged_corrections(decision):
        problems.append(
            Problem(
                "unchanged",
                f"Dòng “{line.recipient_name}” chưa có nội dung nào được sửa đổi; hãy sửa hoặc bỏ khỏi danh sách.",
            )
        )
    return problems


def _header_complete(decision: Decision, actor: User, options: dict) -> list[Problem]:
    problems = []
    if not (decision.issuing_body or "").strip() or not (decision.issuer_code or "").strip():
        problems.append(Problem("issuer", "Quyết định chưa có cơ quan ban hành."))
    if not (decision.signer_name or "").strip() or not (decision.signer_title or "").strip():
        problems.append(Problem("signer", "Quyết định chưa có chức vụ và họ tên người ký."))
    return problems


def _issue_date(decision: Decision, actor: User, options: dict) -> list[Problem]:
    decided_on: date = options["decided_on"]
    if decided_on > today_in_vietnam():
        return [
            Problem(
                "decided_on",
                f"Ngày ban hành ({format_date(decided_on)}) không được sau ngày hôm nay ({format_date(today_in_vietnam())}).",
                "decided_on",
            )
        ]
    amended = decision.amends or decision.revokes
    if amended is not None and amended.decided_on and decided_on < amended.decided_on:
        return [
            Problem(
                "decided_on",
                f"Ngày ban hành không được trước ngày của Quyết định số {amended.number_label} ({format_date(amended.decided_on)}).",
                "decided_on",
            )
        ]
    return []


def _warnings_acknowledged(decision: Decision, actor: User, options: dict) -> list[Problem]:
    pending = decisions.unacknowledged(decision, options["warnings"])
    if not pending:
        return []
    return [
        Problem(
            "warnings",
            f"Có {len(pending)} cảnh báo về nguyên tắc một thành tích không khen thưởng nhiều lần; "
            "hãy xem xét và đánh dấu “Tôi đã xem xét các cảnh báo” trước khi ban hành.",
            "acknowledge",
        )
    ]


# --- permissions -----------------------------------------------------------------------------------


def _chair(user: User, decision: Decision) -> bool:
    return access.can_approve_decision(user, decision)


def _issuer(user: User, decision: Decision) -> bool:
    return access.can_issue_decision(user, decision)


def _drafter(user: User, decision: Decision) -> bool:
    return access.can_draft_decision(user, decision.campaign)


CHAIR = frozenset({Role.CHAIR})
COMMITTEE = frozenset({Role.SECRETARY, Role.CHAIR})
SECRETARY = frozenset({Role.SECRETARY})

CONTENT_GUARDS = (_has_lines, _lines_still_passed, _corrections_current, _header_complete)

TRANSITIONS: dict[tuple[S, A], Transition] = {
    (S.DRAFT, A.APPROVE): Transition(S.APPROVED, CHAIR, _chair, CONTENT_GUARDS),
    (S.APPROVED, A.RETURN): Transition(S.DRAFT, CHAIR, _chair, reason_required=True),
    (S.APPROVED, A.ISSUE): Transition(S.ISSUED, COMMITTEE, _issuer, CONTENT_GUARDS + (_issue_date, _warnings_acknowledged)),
    (S.DRAFT, A.DISCARD): Transition(S.DISCARDED, SECRETARY, _drafter),
}


def _before_issue(decision: Decision, actor: User, options: dict) -> None:
    decisions.take_number(decision, options["decided_on"])
    # Its certificates' title, design and emblem are frozen with it, as its header is: see `Decision.certificate_snapshot`.
    decisions.freeze_certificate_look(decision)
    # So is the vote ledger's head its annexed list prints (`decision_pdf.ledger_head`).
    decisions.freeze_ledger_head(decision)
    decision.issued_at = utcnow()
    decision.issued_by_id = actor.id


def _before_approve(decision: Decision, actor: User, options: dict) -> None:
    decision.approved_at = utcnow()
    decision.approved_by_id = actor.id


def _before_return(decision: Decision, actor: User, options: dict) -> None:
    decision.approved_at = None
    decision.approved_by_id = None


BEFORE: dict[A, Callable[[Decision, User, dict], None]] = {
    A.ISSUE: _before_issue,
    A.APPROVE: _before_approve,
    A.RETURN: _before_return,
}
# Run after the new status is flushed.
EFFECTS: dict[A, tuple[Callable[[Decision, User], None], ...]] = {
    # The registry of models reads what the decision's own effects did (certificates, revocations).
    A.ISSUE: (decisions.issue_effects, recognition.on_issue),
}


def _permitted(decision: Decision, action: A, actor: User | None) -> Transition | None:
    rule = TRANSITIONS.get((decision.status, action))
    if rule is None or actor is None or getattr(actor, "role", None) not in rule.roles or not rule.permission(actor, decision):
        return None
    return rule


def available_actions(decision: Decision, actor: User | None) -> list[A]:
    """Actions the actor may attempt now (guards are checked only when attempted)."""
    return [action for action in A if _permitted(decision, action, actor)]


def blockers(decision: Decision, action: A, actor: User, **options) -> list[Problem]:
    """What would refuse `action` now, changing nothing: the role, scope and guard checks of `apply`.

    Lets a view ask for confirmation only of a move that would go through (dvkheo/core/confirm.py).
    Takes `apply`'s ISSUE options; ticked warnings count as acknowledged, as `apply` records them.
    """
    action = A(action)
    rule = _permitted(decision, action, actor)
    if rule is None:
        return [Problem("transition", f"Không thể “{action.label.lower()}” quyết định này.")]
    options = dict(options)
    if action is A.ISSUE:
        options["decided_on"] = options.get("decided_on") or today_in_vietnam()
        options["warnings"] = [] if options.get("acknowledge_warnings") else decisions.achievement_warnings(decision)
    return [problem for guard in rule.guards for problem in guard(decision, actor, options)]


def apply(decision: Decision, action: A, actor: User, reason: str | None = None, **options) -> S:
    """Move the decision by `action`.

    Options of ISSUE: `decided_on` (default: today in Vietnam) and `acknowledge_warnings` (the
    issuer ticked "Tôi đã xem xét các cảnh báo": the current warnings are stored as seen).

    Side effects, in order: checks role and scope, the reason and the guards; stamps approval or
    takes the number; sets the status; audits ("decision", id, action, from, to, reason);
    flushes; runs the action's EFFECTS; on RETURN notifies the secretaries (`notices.draft_returned`).
    It does not commit: the request does, once.
    """
    action = A(action)
    rule = TRANSITIONS.get((decision.status, action))
    if rule is None:
        raise TransitionRefused(
            [Problem("transition", f"Không thể “{action.label.lower()}” khi quyết định đang ở trạng thái “{decision.status.label}”.")]
        )
    if _permitted(decision, action, actor) is None:
        raise TransitionRefused([Problem("permission", "Bạn không có quyền thực hiện thao tác này với quyết định.")])
    reason = (reason or "").strip() or None
    if rule.reason_required and not reason:
        raise TransitionRefused([Problem("reason", "Vui lòng ghi rõ lý do trả lại.", "reason")])
    details: dict = {}
    if action is A.ISSUE:
        options["decided_on"] = options.get("decided_on") or today_in_vietnam()
        warnings = decisions.achievement_warnings(decision)
        options["warnings"] = warnings
        if options.get("acknowledge_warnings") and warnings:
            decision.acknowledged_warnings = sorted({*(decision.acknowledged_warnings or []), *(w.key for w in warnings)})
        details["acknowledged_warnings"] = [w.key for w in warnings]
    problems = [problem for guard in rule.guards for problem in guard(decision, actor, options)]
    if problems:
        raise TransitionRefused(problems)

    previous = decision.status
    before = BEFORE.get(action)
    if before is not None:
        before(decision, actor, options)
    decision.status = rule.target
    if action is A.ISSUE:
        details.update(number=decision.number_label, decided_on=decision.decided_on.isoformat())
    audit.record(
        "decision", decision.id, action.value, actor,
        from_state=previous.value, to_state=rule.target.value, reason=reason, details=details or None,
    )
    db.session.flush()
    for effect in EFFECTS.get(action, ()):
        effect(decision, actor)
    if action is A.RETURN:
        notices.draft_returned(decision, reason)
    return rule.target
