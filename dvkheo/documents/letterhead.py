"""The header block of a printed document ("phần đầu văn bản") as plain values, in the issuer's system.

The PDF templates (templates/pdf/_letterhead.html) and the Word export read the same dict, so a Party
document gets "ĐẢNG CỘNG SẢN VIỆT NAM" and an asterisk under the issuer, a State one the national title,
the motto and a rule, and no template decides it alone.
"""
from __future__ import annotations

from datetime import date

from dvkheo.core.timeutil import official_date_line
from dvkheo.documents.formats import STATE, DocumentFormat

MARK_TEXT = {"asterisk": "*", "asterisks": "***"}
NBSP = "\u00a0"


def letterhead(fmt: DocumentFormat, *, parent_body: str, issuing_body: str, number: str = "", place: str = "",
               on: date | None = None, place_date: str | None = None) -> dict:
    """Keys: system, parent_body, issuing_body, mark ("asterisk" | "asterisks" | "rule" | "none"), mark_text
    ("*", "***" or ""), number (with its lead, "Số 01-BB/HĐXC"; may be empty), place_date (italic line),
    right_lines (the right column top to bottom; the last one is ruled)."""
    if place_date is None:
        place_date = official_date_line(place, on) if on is not None and place else ""
    return {
        "system": fmt.code,
        "parent_body": (parent_body or "").strip(),
        "issuing_body": (issuing_body or "").strip(),
        "mark": fmt.issuer_mark,
        "mark_text": MARK_TEXT.get(fmt.issuer_mark, ""),
        "number": number,
        "place_date": place_date,
        "right_lines": list(fmt.header_lines),
    }


def keep_last_words(text: str, count: int = 2) -> str:
    """Bind the last `count` words with no-break spaces, so a title never leaves "2026" alone on its last line."""
    words = (text or "").split()
    if len(words) <= count:
        return NBSP.join(words)
    return " ".join(words[:-count]) + " " + NBSP.join(words[-count:])


def system_sentence_case(fmt: DocumentFormat, text: str) -> str:
    """A summary line starts lower case in the Party's system ("họp Hội đồng…") and upper case in the State's."""
    if not text:
        return text
    upper = (fmt.summary_lead or "x")[:1].isupper()
    return (text[:1].upper() if upper else text[:1].lower()) + text[1:]


def unit_format(unit) -> DocumentFormat:
    """A unit's own system: its own choice, else its nearest ancestor's, else the State's.

    Grassroots units (communes, agencies) mostly sign their dossiers as a People's Committee or an agency; a
    Party cell or committee is set to the Party's system by an administrator."""
    from dvkheo.extensions import db
    from dvkheo.units.models import Unit

    if unit.document_system is not None:
        return unit.document_system.format
    ids = [i for i in reversed(unit.ancestor_ids) if i != unit.id]
    if ids:
        ancestors = {
            u.id: u for u in db.session.scalars(
                db.select(Unit).where(Unit.id.in_(ids), Unit.document_system_id.is_not(None))
            )
        }
        for ancestor_id in ids:
            if ancestor_id in ancestors:
                return ancestors[ancestor_id].document_system.format
    return STATE
