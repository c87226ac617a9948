"""Meeting times as the secretary types them ("14:30", "14h30", "14 giờ 30 phút"), read back for the minutes."""
from __future__ import annotations

import re
from datetime import date

from dvkheo.core.timeutil import format_date

# The hour, then optionally a separator and the minutes; "phút" may close it. Anything else is refused rather
# than guessed, because the minutes quote it.
_CLOCK = re.compile(r"^(\d{1,2})(?:\s*(?:giờ|gio|g|h|:|\.)\s*(?:(\d{1,2})\s*(?:phút|phut|p|')?)?)?$", re.IGNORECASE)
CLOCK_FORMAT = "Giờ chưa đúng: nhập theo dạng 14:30 hoặc 14 giờ 30."


def parse_clock(text: str | None) -> tuple[int, int] | None:
    match = _CLOCK.match((text or "").strip())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def normalise_clock(text: str | None) -> str:
    """"8h" -> "08:00"; empty stays empty; text that does not read as a time is kept as typed."""
    parsed = parse_clock(text)
    if parsed is None:
        return (text or "").strip()
    return f"{parsed[0]:02d}:{parsed[1]:02d}"


def clock_words(text: str | None) -> str:
    """"16:30" -> "16 giờ 30 phút", as minutes write it; unreadable old text is printed as it was typed."""
    parsed = parse_clock(text)
    if parsed is None:
        return (text or "").strip()
    return f"{parsed[0]:02d} giờ {parsed[1]:02d} phút"


def moment_words(clock: str | None, on: date | None) -> str:
    """"16 giờ 30 phút, ngày 30/11/2026"; a missing part is a dotted blank to fill in by hand."""
    time_text = clock_words(clock) or "… giờ … phút"
    return f"{time_text}, ngày {format_date(on) if on else '…/…/…'}"


def clock_problem(text: str | None) -> str | None:
    """The Vietnamese message for a time that cannot be read; None when empty or readable."""
    if not (text or "").strip():
        return None
    return None if parse_clock(text) is not None else CLOCK_FORMAT


def ends_before_start(start: str | None, start_on: date | None, end: str | None, end_on: date | None) -> bool:
    begin, finish = parse_clock(start), parse_clock(end)
    if start_on is not None and end_on is not None and end_on != start_on:
        return end_on < start_on
    return begin is not None and finish is not None and finish <= begin
