"""The header block of a printed document ("phần đầu văn bản") as plain values, in the issuer's system.

The minutes, the achievement report and the scoring sheets print it with the decisions' own macro
(templates/pdf/_header.html) and the Word export reads the same dict, so a Party document gets "ĐẢNG CỘNG SẢN
VIỆT NAM" and an asterisk under the issuer, a State one the national title, the motto and a rule, every long
name breaks at the same balanced places in PDF and Word, and no template decides it alone.
"""
from __future__ import annotations

from datetime import date

from dvkheo.core.timeutil import official_date_line
from dvkheo.documents.formats import STATE, DocumentFormat, header_context

MARK_TEXT = {"asterisk": "*", "asterisks": "***"}
NBSP = "\u00a0"


def letterhead(fmt: DocumentFormat, *, parent_body: str, issuing_body: str, number: str = "", place: str = "",
               on: date | None = None, place_date: str | None = None) -> dict:
    """`formats.header_context()`'s keys (system "party" | "state", parent_body, issuing_body, parent_lines and
    issuing_lines cut by `balanced_lines`, mark, number with its lead ("Số 01-BB/HĐXC"; may be empty), right_lines,
    place_date), plus mark_text ("*", "***" or "").

    The decisions' header and this one are the same dict: a commune's council then prints "ỦY BAN NHÂN DÂN /
    XÃ TỊNH KHÊ" as its decisions and its Word copy do, never "ỦY BAN NHÂN DÂN XÃ TỊNH / KHÊ"."""
    if place_date is None:
        place_date = official_date_line(place, on) if on is not None and place else ""
    head = header_context(fmt, parent_body=parent_body, issuing_body=issuing_body, number=number, place_date=place_date)
    head["mark_text"] = MARK_TEXT.get(fmt.issuer_mark, "")
    return head


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
