"""Changes to the organisation tree: create, edit and move units.

Every function here flushes and audits but never commits: the caller (a view or a CLI
command) commits once, so one user action is one transaction.
"""
from __future__ import annotations

from typing import Any, Iterable

import sqlalchemy as sa

from dvkheo.core import audit
from dvkheo.core.text import fold
from dvkheo.extensions import db
from dvkheo.units import picker
from dvkheo.units.models import UNIT_KIND_LABELS, Unit

CODE_MAX = 40
NAME_MAX = 255

# Short words people type in a spreadsheet's "Loại" column, beyond the keys and labels.
_EXTRA_KIND_WORDS = {
    "thanh pho truc thuoc trung uong": "province",
    "thanh pho trung uong": "province",
    "dac khu": "special_zone",
    "luc luong vu trang": "armed_forces",
    "ban nganh": "agency",
    "doan the": "mass_organisation",
    "to dan pho": "village",
    "tram y te": "hospital",
    "truong": "school",
}


class UnitError(ValueError):
    """A refused change; the message is Vietnamese and shown as is, `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _kind_words() -> dict[str, str]:
    """Folded spellings of every known kind: its key, its label, and each part of the label."""
    words: dict[str, str] = {}
    for key, label in UNIT_KIND_LABELS.items():
        words[key] = key
        words[key.replace("_", " ")] = key
        words[fold(label)] = key
        for part in label.split(","):
            words.setdefault(fold(part), key)
    for word, key in _EXTRA_KIND_WORDS.items():
        words.setdefault(word, key)
    return words


KIND_WORDS = _kind_words()


def resolve_kind(text: str | None) -> str | None:
    """The kind key for what a person typed ("Xã", "phuong", "ward"...), or None if unknown."""
    return KIND_WORDS.get(fold(text).replace("_", " "))


def accepted_kinds_text() -> str:
    """The kinds a spreadsheet may use, for error messages and the import page."""
    return "; ".join(UNIT_KIND_LABELS.values())


def unit_by_code(code: str) -> Unit | None:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def find_parent(text: str | None) -> Unit | None:
    """The unit a form names as parent by code (any case) or name; None for a blank box (top level).

    Raises UnitError (field `parent_code`) when the text names no unit, or several (the form then
    lists them to choose from: dvkheo/units/picker.py).
    """
    text = (text or "").strip()
    if not text:
        return None
    parent, matches = picker.resolve(text)
    if parent is None:
        raise UnitError(picker.problem(text, matches, "đơn vị cấp trên"), "parent_code")
    return parent


def _require_free_code(code: str, unit: Unit | None = None) -> None:
    other = unit_by_code(code)
    if other is not None and other is not unit:
        raise UnitError(f"Mã “{code}” đã được dùng cho đơn vị “{other.name}”.", "code")


def check_parent_allowed(unit: Unit, parent: Unit | None) -> None:
    """Refuse a parent that would put `unit` inside its own subtree (the tree would become a loop)."""
    if parent is None or unit.id is None:
        return
    if parent.id == unit.id:
        raise UnitError("Một đơn vị không thể là cấp trên của chính nó.", "parent_code")
    if parent.is_within(unit):
        raise UnitError(
            f"Không thể chuyển “{unit.name}” vào dưới “{parent.name}”, "
            f"vì “{parent.name}” đang là đơn vị trực thuộc của “{unit.name}”.",
            "parent_code",
        )


def create_unit(*, code: str, name: str, kind: str, parent: Unit | None, actor: Any, active: bool = True,
                document_system_id: int | None = None) -> Unit:
    """Add one unit under `parent` (None: top level).

    Side effects: adds the row and flushes (the path needs the new id), sets path, depth and
    search text, adds a `unit/create` audit event. Raises UnitError when the code is taken.
    """
    code, name = code.strip(), name.strip()
    _require_free_code(code)
    unit = Unit(code=code, name=name, kind=kind, parent=parent, active=active, document_system_id=document_system_id or None)
    db.session.add(unit)
    db.session.flush()
    unit.assign_path()
    unit.refresh_search_text()
    audit.record(
        "unit", unit.id, "create", actor,
        details={"code": code, "name": name, "kind": kind, "parent": parent.code if parent else None,
                 **({"document_system": _system_code(document_system_id)} if document_system_id else {})},
    )
    return unit


def _system_code(system_id: int | None) -> str | None:
    if not system_id:
        return None
    from dvkheo.documents.models import DocumentSystem

    system = db.session.get(DocumentSystem, system_id)
    return system.code if system is not None else None


_KEEP = object()


def update_unit(
    unit: Unit, *, code: str, name: str, kind: str, parent: Unit | None, active: bool, actor: Any,
    document_system_id: Any = _KEEP,
) -> dict[str, list]:
    """Edit a unit; moving it to another parent carries its whole subtree along.

    Side effects: changes the row; on a move rewrites path and depth of every descendant with
    one UPDATE; flushes; adds a `unit/update` audit event listing the changes (none when
    nothing changed). Returns the changes as {field: [old, new]}. Raises UnitError for a
    taken code or a parent inside the unit's own subtree.
    """
    code, name = code.strip(), name.strip()
    _require_free_code(code, unit)
    check_parent_allowed(unit, parent)
    changes: dict[str, list] = {}
    for attribute, value in (("code", code), ("name", name), ("kind", kind), ("active", active)):
        if getattr(unit, attribute) != value:
            changes[attribute] = [getattr(unit, attribute), value]
            setattr(unit, attribute, value)
    if document_system_id is not _KEEP and unit.document_system_id != (document_system_id or None):
        # Recorded by code ("party", "state"): an id means nothing in the history.
        changes["document_system"] = [_system_code(unit.document_system_id), _system_code(document_system_id)]
        unit.document_system_id = document_system_id or None
        db.session.expire(unit, ["document_system"])
    if unit.parent_id != (parent.id if parent else None):
        changes["parent"] = [unit.parent.code if unit.parent else None, parent.code if parent else None]
        moved = move_subtree(unit, parent)
        if moved:
            changes["descendants_moved"] = [0, moved]
    if not changes:
        return changes
    unit.refresh_search_text()
    db.session.flush()
    if "name" in changes:
        from dvkheo.registry.models import refresh_place_names

        refresh_place_names([unit.id])
    audit.record("unit", unit.id, "update", actor, details=changes)
    return changes


def move_subtree(unit: Unit, parent: Unit | None) -> int:
    """Put `unit` under `parent` and recompute path and depth below it.

    Side effects: sets the parent, path and depth of `unit`, flushes, then rewrites the
    descendants' paths in one UPDATE (loaded descendants are refreshed in the session).
    Returns the number of descendants rewritten. The caller checks the move is allowed.
    """
    old_path, old_depth = unit.path, unit.depth
    unit.parent = parent
    unit.assign_path()
    db.session.flush()
    return rewrite_descendant_paths(old_path, unit.path, unit.depth - old_depth)


def rewrite_descendant_paths(old_prefix: str, new_prefix: str, depth_delta: int) -> int:
    """Replace the path prefix of every unit strictly below `old_prefix`.

    One UPDATE whatever the subtree's size (a province holds hundreds of communes).
    Side effects: writes to the database; units already loaded in the session get the new
    values through the "fetch" synchronisation. Returns the number of rows changed.
    """
    if old_prefix == new_prefix or not old_prefix:
        return 0
    result = db.session.execute(
        sa.update(Unit)
        .where(Unit.path.startswith(old_prefix, autoescape=True), Unit.path != old_prefix)
        .values(
            path=sa.literal(new_prefix, sa.String) + sa.func.substr(Unit.path, len(old_prefix) + 1),
            depth=Unit.depth + depth_delta,
        )
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


def units_by_codes(codes: Iterable[str], chunk: int = 900) -> dict[str, Unit]:
    """Load units by code in chunks (SQLite caps bound parameters per statement)."""
    wanted = sorted({code for code in codes if code})
    found: dict[str, Unit] = {}
    for start in range(0, len(wanted), chunk):
        for unit in db.session.scalars(sa.select(Unit).where(Unit.code.in_(wanted[start:start + chunk]))):
            found[unit.code] = unit
    return found
