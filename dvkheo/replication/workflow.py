"""A replication's way: one table of (state, action) -> new state, who may take it, what must hold.

The declaring unit's staff submit a draft (or a returned declaration, edited); the committee above the unit
(secretary or chair of the parent level) confirms it or returns it with a reason; the unit may withdraw it
until it is confirmed. `apply()` is the only code that changes `Replication.status`; confirming keeps the
source model's `replication_count`.
"""
from __future__ import annotations

import enum
from typing import Callable

import sqlalchemy as sa

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.core import audit
from dvkheo.core.rules import Problem, Transition, TransitionRefused
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.replication.models import Replication, ReplicationState


class ReplicationAction(str, enum.Enum):
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    CONFIRM = "confirm"
    RETURN = "return"
    WITHDRAW = "withdraw"

    @property
    def label(self) -> str:
        return {
            ReplicationAction.SUBMIT: "Gửi xác nhận",
            ReplicationAction.RESUBMIT: "Gửi lại để xác nhận",
            ReplicationAction.CONFIRM: "Xác nhận nhân rộng",
            ReplicationAction.RETURN: "Trả lại để bổ sung",
            ReplicationAction.WITHDRAW: "Rút bản kê khai",
        }[self]

    @property
    def done(self) -> str:
        return {
            ReplicationAction.SUBMIT: "Đã gửi bản kê khai nhân rộng để cấp trên xác nhận.",
            ReplicationAction.RESUBMIT: "Đã gửi lại bản kê khai nhân rộng để cấp trên xác nhận.",
            ReplicationAction.CONFIRM: "Đã xác nhận; bản nhân rộng được công khai trên trang của mô hình.",
            ReplicationAction.RETURN: "Đã trả lại bản kê khai để đơn vị bổ sung.",
            ReplicationAction.WITHDRAW: "Đã rút bản kê khai nhân rộng.",
        }[self]


A = ReplicationAction
S = ReplicationState
Guard = Callable[[Replication, User, dict], list[Problem]]

# What a declaration must say before it is sent (a draft may be saved incomplete).
REQUIRED = (
    ("started_on", "Vui lòng nhập ngày bắt đầu áp dụng."),
    ("adaptation", "Vui lòng nêu đơn vị đã điều chỉnh, vận dụng mô hình thế nào."),
    ("scale", "Vui lòng nêu quy mô áp dụng."),
    ("first_results", "Vui lòng nêu kết quả bước đầu."),
)
EARLIEST_START_YEAR = 1990


def _complete(replication: Replication, actor: User, options: dict) -> list[Problem]:
    problems = []
    for name, message in REQUIRED:
        value = getattr(replication, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(Problem(name, message, name))
    started_on = replication.started_on
    # A year typed wrong (2099, 1800) would be published on the model's page as the day it began.
    if started_on is not None and not (EARLIEST_START_YEAR <= started_on.year and started_on <= today_in_vietnam()):
        problems.append(Problem(
            "started_on", f"Ngày bắt đầu áp dụng phải từ năm {EARLIEST_START_YEAR} đến hôm nay.", "started_on"
        ))
    return problems


def _source_recognised(replication: Replication, actor: User, options: dict) -> list[Problem]:
    if not replication.source_model.is_recognised:
        return [Problem("recognised", "Mô hình gốc không còn được công nhận nên không thể xác nhận nhân rộng.")]
    return []


def _not_own_model(replication: Replication, actor: User, options: dict) -> list[Problem]:
    if replication.source_model.unit_id == replication.unit_id:
        return [Problem("own_model", "Đơn vị không thể kê khai nhân rộng mô hình của chính mình.")]
    return []


def _no_other_declaration(replication: Replication, actor: User, options: dict) -> list[Problem]:
    other = db.session.scalar(
        sa.select(Replication.id).where(
            Replication.source_model_id == replication.source_model_id,
            Replication.unit_id == replication.unit_id,
            Replication.id != replication.id,
            Replication.status.in_((S.SUBMITTED, S.CONFIRMED)),
        ).limit(1)
    )
    if other is not None:
        return [Problem("duplicate", f"Đơn vị đã có bản kê khai nhân rộng số {other} của mô hình này đang chờ hoặc đã được xác nhận.")]
    return []


UNIT = frozenset({Role.UNIT_SUBMITTER})
COMMITTEE = frozenset({Role.SECRETARY, Role.CHAIR})
_unit = access.is_replication_unit_staff
_committee = access.can_confirm_replication
_sending = (_complete, _not_own_model, _source_recognised, _no_other_declaration)

TRANSITIONS: dict[tuple[S, A], Transition] = {
    (S.DRAFT, A.SUBMIT): Transition(S.SUBMITTED, UNIT, _unit, _sending),
    (S.RETURNED, A.RESUBMIT): Transition(S.SUBMITTED, UNIT, _unit, _sending),
    (S.SUBMITTED, A.CONFIRM): Transition(S.CONFIRMED, COMMITTEE, _committee, (_not_own_model, _source_recognised)),
    (S.SUBMITTED, A.RETURN): Transition(S.RETURNED, COMMITTEE, _committee, reason_required=True),
    **{(state, A.WITHDRAW): Transition(S.WITHDRAWN, UNIT, _unit) for state in (S.DRAFT, S.SUBMITTED, S.RETURNED)},
}


def _permitted(replication: Replication, action: A, actor: User | None) -> Transition | None:
    rule = TRANSITIONS.get((replication.status, action))
    if rule is None or actor is None or getattr(actor, "role", None) not in rule.roles or not rule.permission(actor, replication):
        return None
    return rule


def available_actions(replication: Replication, actor: User | None) -> list[A]:
    return [action for action in A if _permitted(replication, action, actor)]


def refresh_count(model_id: int) -> int:
    """Recount the model's confirmed replications into `replication_count` (a recount, so it never drifts)."""
    from dvkheo.registry.models import RegisteredModel

    db.session.flush()
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Replication)
        .where(Replication.source_model_id == model_id, Replication.status == S.CONFIRMED)
    )
    db.session.execute(sa.update(RegisteredModel).where(RegisteredModel.id == model_id).values(replication_count=count))
    return count


def apply(replication: Replication, action: A, actor: User, reason: str | None = None) -> S:
    """Move the replication by `action`. Audits ("replication", id, action, from, to, reason). Does not commit."""
    action = A(action)
    rule = TRANSITIONS.get((replication.status, action))
    if rule is None:
        raise TransitionRefused(
            [Problem("transition", f"Không thể “{action.label.lower()}” khi bản kê khai đang ở trạng thái “{replication.status.label}”.")]
        )
    if _permitted(replication, action, actor) is None:
        raise TransitionRefused([Problem("permission", "Bạn không có quyền thực hiện thao tác này với bản kê khai nhân rộng.")])
    reason = (reason or "").strip() or None
    if rule.reason_required and not reason:
        raise TransitionRefused([Problem("reason", "Vui lòng ghi rõ lý do trả lại.", "reason")])
    problems = [problem for guard in rule.guards for problem in guard(replication, actor, {})]
    if problems:
        raise TransitionRefused(problems)
    previous = replication.status
    now = utcnow()
    if action in (A.SUBMIT, A.RESUBMIT):
        replication.submitted_at = now
    elif action is A.RETURN:
        replication.return_reason = reason
    elif action is A.CONFIRM:
        replication.confirmed_at = now
        replication.return_reason = None
    replication.status = rule.target
    replication.updated_at = now
    audit.record(
        "replication", replication.id, action.value, actor,
        from_state=previous.value, to_state=rule.target.value, reason=reason,
        details={"source_model_id": replication.source_model_id},
    )
    if action is A.CONFIRM:
        count = refresh_count(replication.source_model_id)
        db.session.expire(replication.source_model, ["replication_count"])
        audit.record(
            "registered_model", replication.source_model_id, "replicated", actor,
            details={"replication_id": replication.id, "replication_count": count},
        )
    return rule.target
