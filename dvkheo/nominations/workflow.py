"""The nomination workflow: one table of (state, action) -> new state, roles and guards.

`apply()` is the only code that changes `Nomination.status`. Later stages (review, public
voting, awards) add their rows to `TRANSITIONS`.
"""
from __future__ import annotations

from typing import Callable

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.core import audit
from dvkheo.core.rules import Problem, Transition, TransitionRefused
from dvkheo.core.timeutil import utcnow
from dvkheo.nominations import eligibility
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationAction as A
from dvkheo.nominations.states import NominationState as S

Guard = Callable[[Nomination, User], list[Problem]]
Permission = Callable[[User, Nomination], bool]


def _eligible(nomination: Nomination, actor: User) -> list[Problem]:
    return eligibility.check(nomination)


def _own_unit(user: User, nomination: Nomination) -> bool:
    return access.is_own_unit_submitter(user, nomination)


def _campaign_secretary(user: User, nomination: Nomination) -> bool:
    return user.role is Role.SECRETARY and access.is_campaign_staff(user, nomination.campaign)


UNIT = frozenset({Role.UNIT_SUBMITTER})
SECRETARY = frozenset({Role.SECRETARY})

TRANSITIONS: dict[tuple[S, A], Transition] = {
    (S.DRAFT, A.SUBMIT): Transition(S.SUBMITTED, UNIT, _own_unit, (_eligible,)),
    (S.SUBMITTED, A.RETURN): Transition(S.RETURNED, SECRETARY, _campaign_secretary, reason_required=True),
    (S.RESUBMITTED, A.RETURN): Transition(S.RETURNED, SECRETARY, _campaign_secretary, reason_required=True),
    (S.RETURNED, A.RESUBMIT): Transition(S.RESUBMITTED, UNIT, _own_unit, (_eligible,)),
    (S.DRAFT, A.WITHDRAW): Transition(S.WITHDRAWN, UNIT, _own_unit),
    (S.SUBMITTED, A.WITHDRAW): Transition(S.WITHDRAWN, UNIT, _own_unit),
    (S.RETURNED, A.WITHDRAW): Transition(S.WITHDRAWN, UNIT, _own_unit),
    (S.RESUBMITTED, A.WITHDRAW): Transition(S.WITHDRAWN, UNIT, _own_unit),
}


def _permitted(nomination: Nomination, action: A, actor: User) -> Transition | None:
    rule = TRANSITIONS.get((nomination.status, action))
    if rule is None or actor.role not in rule.roles or not rule.permission(actor, nomination):
        return None
    return rule


def available_actions(nomination: Nomination, actor: User) -> list[A]:
    """Actions the actor may attempt now (guards are checked only when attempted)."""
    return [action for action in A if _permitted(nomination, action, actor)]


def apply(nomination: Nomination, action: A, actor: User, reason: str | None = None) -> S:
    """Move the nomination by `action`.

    Side effects, in order: checks role and scope, checks the reason and the guards,
    sets the new status (and `submitted_at` on a submit), adds an audit event to the
    session. It does not commit: the request does, once.
    """
    rule = TRANSITIONS.get((nomination.status, action))
    if rule is None:
        raise TransitionRefused(
            [Problem("transition", f"Không thể “{action.label.lower()}” khi hồ sơ đang ở trạng thái “{nomination.status.label}”.")]
        )
    if actor.role not in rule.roles or not rule.permission(actor, nomination):
        raise TransitionRefused([Problem("permission", "Bạn không có quyền thực hiện thao tác này với hồ sơ.")])
    reason = (reason or "").strip() or None
    if rule.reason_required and not reason:
        raise TransitionRefused([Problem("reason", "Vui lòng ghi rõ lý do.", "reason")])
    problems = [problem for guard in rule.guards for problem in guard(nomination, actor)]
    if problems:
        raise TransitionRefused(problems)

    previous = nomination.status
    nomination.status = rule.target
    if action in (A.SUBMIT, A.RESUBMIT):
        nomination.submitted_at = utcnow()
    audit.record(
        "nomination",
        nomination.id,
        action.value,
        actor,
        from_state=previous.value,
        to_state=rule.target.value,
        reason=reason,
    )
    return rule.target
