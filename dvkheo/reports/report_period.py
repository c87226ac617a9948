"""The period a periodic report covers, as the report writes it.

A quarter ("quý III năm 2026"), six months ("6 tháng đầu năm 2026": the mid-term review, "sơ kết"), a year
("năm 2026": the final review, "tổng kết") or a range of whole months. `bounds()` turns the choice into dates,
`label()` and `report_title()` into the words of the report.
"""
from __future__ import annotations

import calendar
from datetime import date

from dvkheo.core.timeutil import format_date, today_in_vietnam
from dvkheo.reports.models import PeriodKind
from dvkheo.reports.periods import Period

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
MOVEMENT = "phong trào thi đua “Dân vận khéo”"
YEAR_MIN, YEAR_MAX = 2000, 2100


def bounds(kind: PeriodKind, year: int, number: int | None = None,
           first_month: date | None = None, last_month: date | None = None) -> tuple[date, date]:
    """(first day, last day) of the period, as the dashboard's `Period` builds it; a range runs over whole months.
    Raises ValueError on a choice that names no period."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValueError("year")
    if kind is PeriodKind.QUARTER:
        if number not in (1, 2, 3, 4):
            raise ValueError("quarter")
        period = Period.quarter(year, number)
    elif kind is PeriodKind.HALF:
        if number not in (1, 2):
            raise ValueError("half")
        period = Period.half(year, number)
    elif kind is PeriodKind.YEAR:
        period = Period.year(year)
    else:
        if first_month is None or last_month is None or first_month > last_month:
            raise ValueError("range")
        period = Period.range(date(first_month.year, first_month.month, 1), _month_end(last_month))
    return period.start, period.end


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def label(kind: PeriodKind, starts_on: date, ends_on: date) -> str:
    """"quý III năm 2026", "6 tháng đầu năm 2026", "năm 2026", "từ ngày 01/01/2025 đến ngày 30/09/2026"."""
    if kind is PeriodKind.QUARTER:
        return f"quý {ROMAN[(starts_on.month + 2) // 3]} năm {starts_on.year}"
    if kind is PeriodKind.HALF:
        return f"6 tháng {'đầu' if starts_on.month == 1 else 'cuối'} năm {starts_on.year}"
    if kind is PeriodKind.YEAR:
        return f"năm {starts_on.year}"
    return f"từ ngày {format_date(starts_on)} đến ngày {format_date(ends_on)}"


def review_word(kind: PeriodKind) -> str:
    """A six-month report is a mid-term review ("sơ kết"), a year's or a range's a final one ("tổng kết")."""
    return {PeriodKind.QUARTER: "kết quả thực hiện", PeriodKind.HALF: "sơ kết"}.get(kind, "tổng kết")


def report_summary(kind: PeriodKind, starts_on: date, ends_on: date) -> str:
    """"sơ kết 6 tháng đầu năm 2026 phong trào thi đua “Dân vận khéo”" (lower case, as under "BÁO CÁO")."""
    if kind is PeriodKind.QUARTER:
        return f"kết quả thực hiện {MOVEMENT} {label(kind, starts_on, ends_on)}"
    if kind is PeriodKind.RANGE:
        return f"tổng kết {MOVEMENT} giai đoạn {label(kind, starts_on, ends_on)}"
    return f"{review_word(kind)} {label(kind, starts_on, ends_on)} {MOVEMENT}"


def report_title(kind: PeriodKind, starts_on: date, ends_on: date) -> str:
    """"Báo cáo sơ kết 6 tháng đầu năm 2026 phong trào thi đua “Dân vận khéo”"."""
    return f"Báo cáo {report_summary(kind, starts_on, ends_on)}"


def in_words(kind: PeriodKind, starts_on: date, ends_on: date) -> str:
    """How a sentence of the report opens: "Trong 6 tháng đầu năm 2026", "Trong quý III năm 2026"."""
    if kind is PeriodKind.RANGE:
        return f"Từ ngày {format_date(starts_on)} đến ngày {format_date(ends_on)}"
    return f"Trong {label(kind, starts_on, ends_on)}"


def default_year() -> int:
    return today_in_vietnam().year
