"""An issued decision never changes: a guard on every ORM flush, whatever code tries.

Importing this module installs one `before_flush` listener on SQLAlchemy's `Session` class (so
on Flask-SQLAlchemy's sessions too); installing again is a no-op. It raises `ImmutableRecord`
when a flush would modify or delete a `Decision` that is ISSUED in the database, or add, change
or delete a `DecisionAwardee` or `RevocationItem` of one. Certificates are separate records
and may change status (revoked, replaced).

The transaction that issues a decision may still complete it (the issuing code and the test
fixture add its lines and certificates in that same transaction); from the next transaction on,
it is sealed. A correction is an amending decision, a revocation a revoking one.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.awards.models import Decision, DecisionAwardee, DecisionStatus, RevocationItem

# session.info key: ids of decisions that became ISSUED in the session's current transaction.
_ISSUING = "dvkheo.decisions_issued_in_transaction"


class ImmutableRecord(RuntimeError):
    """A change to an issued decision was attempted; the message says what to do instead, in Vietnamese."""


MESSAGE = (
    "Quyết định số {label} đã ban hành, không thể sửa hoặc xóa; "
    "hãy ban hành quyết định sửa đổi, bổ sung hoặc quyết định thu hồi."
)


def _status_in_database(decision: Decision) -> DecisionStatus | None:
    state = sa.inspect(decision)
    if state.pending or state.transient:
        return None
    history = state.attrs.status.history
    if history.deleted:
        return history.deleted[0]
    return decision.status


def _refuse(decision: Decision) -> ImmutableRecord:
    return ImmutableRecord(MESSAGE.format(label=decision.number_label))


def _check_parent(session: so.Session, decision_id: int | None, decision: Decision | None) -> None:
    if decision is None and decision_id is not None:
        decision = session.get(Decision, decision_id)
    if decision is None or decision.id in session.info.get(_ISSUING, ()):
        return
    if _status_in_database(decision) is DecisionStatus.ISSUED:
        raise _refuse(decision)


def _parents(session: so.Session, obj) -> list[tuple[int | None, Decision | None]]:
    """The decision(s) a line or item belongs to, now and before this flush."""
    state = sa.inspect(obj)
    parents = [(obj.decision_id, obj.decision)]
    history = state.attrs.decision_id.history
    parents += [(old, None) for old in history.deleted or () if old is not None]
    return parents


def _before_flush(session: so.Session, flush_context, instances) -> None:
    with session.no_autoflush:
        issuing = session.info.setdefault(_ISSUING, set())
        for obj in session.dirty:
            if isinstance(obj, Decision):
                history = sa.inspect(obj).attrs.status.history
                if history.deleted and history.deleted[0] is not DecisionStatus.ISSUED and obj.status is DecisionStatus.ISSUED:
                    issuing.add(obj.id)
        for obj in session.dirty:
            if isinstance(obj, Decision):
                if obj.id in issuing or not session.is_modified(obj, include_collections=False):
                    continue
                if _status_in_database(obj) is DecisionStatus.ISSUED:
                    raise _refuse(obj)
            elif isinstance(obj, (DecisionAwardee, RevocationItem)):
                if session.is_modified(obj, include_collections=False):
                    for decision_id, decision in _parents(session, obj):
                        _check_parent(session, decision_id, decision)
        for obj in session.deleted:
            if isinstance(obj, Decision):
                if obj.id not in issuing and _status_in_database(obj) is DecisionStatus.ISSUED:
                    raise _refuse(obj)
            elif isinstance(obj, (DecisionAwardee, RevocationItem)):
                for decision_id, decision in _parents(session, obj):
                    _check_parent(session, decision_id, decision)
        for obj in session.new:
            if isinstance(obj, (DecisionAwardee, RevocationItem)):
                _check_parent(session, obj.decision_id, obj.decision)


def _after_transaction_end(session: so.Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction: committed or rolled back
        session.info.pop(_ISSUING, None)


def install() -> None:
    """Listen on every Session (idempotent)."""
    if not sa.event.contains(so.Session, "before_flush", _before_flush):
        sa.event.listen(so.Session, "before_flush", _before_flush)
    if not sa.event.contains(so.Session, "after_transaction_end", _after_transaction_end):
        sa.event.listen(so.Session, "after_transaction_end", _after_transaction_end)


install()
