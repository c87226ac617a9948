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
