"""Picking a unit in a form by searching the tree: by code or name, with or without diacritics, any case.

The administrator's forms (a unit's parent, an account's unit) have one text box that takes a
code ("vn-w21211" as well as "VN-W21211") or words of the name ("tinh khe", "Tịnh Khê"). What
was typed resolves to one unit, or to a short list of matches that the form shows as choices
(radio buttons, no JavaScript needed). With JavaScript, static/js/unit_picker.js lists the same
matches while typing, from the `units.picker` JSON view.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from dvkheo.core import search as words
from dvkheo.extensions import db
from dvkheo.units.models import Unit

MAX_MATCHES = 20


@dataclass(frozen=True)
class Match:
    """A unit as a picker lists it: its code, its name and where it sits ("Tỉnh Quảng Ngãi › Xã Tịnh Khê")."""

    id: int
    code: str
    name: str
    path: str
    active: bool

    def as_json(self) -> dict:
        return {"code": self.code, "name": self.name, "path": self.path, "active": self.active}


def search(text: str | None, limit: int = MAX_MATCHES) -> list[Unit]:
    """Units whose code or name matches `text` (the units page's search), shallowest first, then by name."""
    text = (text or "").strip()
    if not text:
        return []
    # The units page's own search (dvkheo/core/search.py): words, folded, the last one a prefix.
    query = sa.select(Unit).where(words.matches(text, Unit.search_text)).order_by(Unit.depth, Unit.name, Unit.code)
    return list(db.session.scalars(query.limit(limit)))


def by_code(code: str) -> Unit | None:
    """The unit with this code, any case ("vn-w21211" finds "VN-W21211"); the exact spelling wins a tie."""
    code = code.strip()
    if not code:
        return None
    exact = db.session.scalar(sa.select(Unit).where(Unit.code == code))
    if exact is not None:
        return exact
    found = db.session.scalars(sa.select(Unit).where(sa.func.lower(Unit.code) == code.lower()).limit(2)).all()
    return found[0] if len(found) == 1 else None


def resolve(text: str | None) -> tuple[Unit | None, list[Unit]]:
    """(the unit `text` names, []) when it names one; (None, the matches) otherwise (maybe none).

    A code wins (any case); else the search: a single match is taken, several are returned for
    the person to choose from (at most MAX_MATCHES).
    """
    text = (text or "").strip()
    if not text:
        return None, []
    unit = by_code(text)
    if unit is not None:
        return unit, []
    matches = search(text)
    if len(matches) == 1:
        return matches[0], []
    return None, matches


def describe(units: list[Unit]) -> list[Match]:
    """The units with their place in the tree, in one query for all their ancestors."""
    ancestor_ids = {ancestor_id for unit in units for ancestor_id in unit.ancestor_ids[:-1]}
    names = dict(db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(ancestor_ids))).all()) if ancestor_ids else {}
    return [
        Match(
            id=unit.id, code=unit.code, name=unit.name, active=unit.active,
            path=" › ".join([*(names[i] for i in unit.ancestor_ids[:-1] if i in names), unit.name]),
        )
        for unit in units
    ]


@dataclass(frozen=True)
class PickerState:
    """What a form's unit box shows: the unit it names now, or the matches to choose from.

    `searching` is True when the person pressed "Tìm đơn vị" (the form is then shown again, not saved).
    """

    text: str
    picked: Match | None
    matches: list[Match]
    searching: bool


def read(field) -> PickerState:
    """Read a unit box of the posted form: a choice among listed matches (`<name>_pick`) replaces what
    was typed; then resolve it. Two queries at most (the unit or matches, their ancestors' names)."""
    from flask import request

    posted = request.method == "POST"
    if posted and request.form.get(f"{field.name}_pick", "").strip():
        field.data = request.form[f"{field.name}_pick"].strip()
    text = (field.data or "").strip()
    unit, matches = resolve(text)
    described = describe([unit] if unit is not None else matches)
    return PickerState(
        text=text,
        picked=described[0] if unit is not None else None,
        matches=[] if unit is not None else described,
        searching=posted and f"{field.name}_find" in request.form,
    )


def problem(text: str, matches: list[Unit], what: str = "đơn vị") -> str:
    """Why `text` names no single unit, as the form says it under the box."""
    if matches:
        return f"Có {len(matches)}{'+' if len(matches) >= MAX_MATCHES else ''} {what} khớp “{text}”; vui lòng chọn một {what} trong danh sách bên dưới."
    return f"Không tìm thấy {what} có mã hoặc tên “{text}”."
