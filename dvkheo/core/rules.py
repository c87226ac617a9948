"""What every workflow shares: a refused rule says why, in Vietnamese, beside the right field."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Problem:
    rule: str
    message: str
    field: str | None = None


class RuleRefused(Exception):
    """A business rule forbids the action; `problems` say why, in Vietnamese."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class TransitionRefused(RuleRefused):
    """A workflow move is not allowed."""


@dataclass(frozen=True)
class Transition:
    """One row of a workflow table: where the action leads, who may take it, what must hold.

    An `automatic` row is a step the application takes itself, as a consequence of someone's
    action (the last sheet finalised, a ballot counted, a decision issued): `roles` and
    `permission` say whose action may cause it, and the audit records it under the system
    ("Hệ thống", no actor), never under the person whose action happened to trigger it.
    """

    target: Any
    roles: frozenset
    permission: Callable[..., bool]
    guards: tuple[Callable[..., list[Problem]], ...] = ()
    reason_required: bool = False
    automatic: bool = False


def permitted_rule(table: dict, state, action, subject, actor) -> Transition | None:
    """The row of `table` for (`state`, `action`) when `actor` may take it on `subject`, else None."""
    rule = table.get((state, action))
    if rule is None or actor is None or getattr(actor, "role", None) not in rule.roles or not rule.permission(actor, subject):
        return None
    return rule


def checked_rule(
    table: dict, state, action, subject, actor, *, noun: str, reason: str | None, reason_message: str, options: dict
) -> tuple[Transition, str | None]:
    """The row for (`state`, `action`) and the stripped reason, once the move exists, `actor` may take it, a
    required reason is given and every guard passes; else `TransitionRefused` saying why (`noun`: "báo cáo")."""
    rule = table.get((state, action))
    if rule is None:
        raise TransitionRefused(
            [Problem("transition", f"Không thể “{action.label.lower()}” khi {noun} đang ở trạng thái “{state.label}”.")]
        )
    if permitted_rule(table, state, action, subject, actor) is None:
        raise TransitionRefused([Problem("permission", f"Bạn không có quyền thực hiện thao tác này với {noun}.")])
    reason = (reason or "").strip() or None
    if rule.reason_required and not reason:
        raise TransitionRefused([Problem("reason", reason_message, "reason")])
    problems = [problem for guard in rule.guards for problem in guard(subject, actor, options)]
    if problems:
        raise TransitionRefused(problems)
    return rule, reason
