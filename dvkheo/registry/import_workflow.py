"""An uploaded file of recognitions made elsewhere: one table of (state, action) -> new state, who may take it.

A checked file waits (PENDING) for its committee's confirmation; confirming imports it (IMPORTED), discarding
drops it and its content (DISCARDED). `apply()` is the only code that changes `ImportBatch.state`, and it
does so with a conditional UPDATE: of two confirmations of the same file (a double click, a replayed
request), the second finds the file no longer waiting and is refused, so a file is never imported twice.
"""
from __future__ import annotations

import enum

import sqlalchemy as sa

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.core import audit
from dvkheo.core.rules import Problem, Transition, TransitionRefused
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.registry.models import ImportBatch, ImportState


class ImportAction(str, enum.Enum):
    CONFIRM = "confirm"
    DISCARD = "discard"

    @property
    def label(self) -> str:
        return {ImportAction.CONFIRM: "Xác nhận nhập", ImportAction.DISCARD: "Hủy tệp này"}[self]


A = ImportAction
S = ImportState
COMMITTEE = frozenset({Role.SECRETARY, Role.CHAIR})

TRANSITIONS: dict[tuple[S, A], Transition] = {
    (S.PENDING, A.CONFIRM): Transition(S.IMPORTED, COMMITTEE, access.can_handle_import),
    (S.PENDING, A.DISCARD): Transition(S.DISCARDED, COMMITTEE, access.can_handle_import),
}


def _refused_state(batch: ImportBatch, action: A) -> TransitionRefused:
    if batch.state is S.IMPORTED:
        message = "Tệp này đã được nhập vào danh mục; không nhập lại lần nữa."
    elif batch.state is S.DISCARDED:
        message = "Tệp này đã bị hủy; vui lòng tải lên lại nếu cần nhập."
    else:
        message = f"Không thể “{action.label.lower()}” khi tệp đang ở trạng thái “{batch.state.label}”."
    return TransitionRefused([Problem("transition", message)])


def apply(batch: ImportBatch, action: A, actor: User, details: dict | None = None) -> S:
    """Move `batch` by `action`. Claims the file with one conditional UPDATE (state still PENDING), so the
    loser of two simultaneous confirmations is refused here; CONFIRM records who and when, DISCARD drops the
    content. Audits ("model_import", id, action, from, to, details). Does not commit."""
    action = A(action)
    rule = TRANSITIONS.get((batch.state, action))
    if rule is None:
        raise _refused_state(batch, action)
    if getattr(actor, "role", None) not in rule.roles or not rule.permission(actor, batch):
        raise TransitionRefused([Problem("permission", "Bạn không có quyền thực hiện thao tác này với tệp nhập.")])
    previous = batch.state
    values: dict = {"state": rule.target}
    if action is A.CONFIRM:
        values.update(imported_at=utcnow(), imported_by_id=actor.id)
    else:
        values.update(content=None)
    claimed = db.session.execute(
        sa.update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.state == previous)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(batch)
        raise _refused_state(batch, action)
    db.session.refresh(batch)
    audit.record(
        "model_import", batch.id, action.value, actor,
        from_state=previous.value, to_state=rule.target.value, details=details,
    )
    return rule.target
