"""Reporting periods: a quarter, a half-year, a year or any range of days, with Vietnamese labels.

Public interface (kept stable; other modules build on it):

- `Period(kind, start, end)`: frozen; `kind` in {"quarter", "half", "year", "range"}, `start` and `end` are
  dates, both included, read in Vietnam's time zone. `Period.quarter(2026, 3)`, `Period.half(2026, 1)`,
  `Period.year(2026)`, `Period.range(start, end)` build one.
- `.label`: "Quý III/2026", "6 tháng đầu năm 2026", "6 tháng cuối năm 2026", "Năm 2026",
  "Từ 01/03/2026 đến 31/05/2026".
- `.previous()`: the period of the same kind and length just before (a range: the same number of days).
- `.buckets()`: consecutive `Bucket(label, start, end)` covering the period for a trend line: months up to
  24 months, else quarters, else years.
- `.starts_at` / `.ends_before`: the UTC instants bounding the period (for timestamp columns).
- `.query_args()`: the query-string arguments that `parse_period` reads back.
- `start_of_day(day)`: 00:00 of a day in Vietnam as a UTC datetime.
- `parse_period(args, today)`: the period named by query arguments `ky` (quarter|half|year|range), `nam`,
  `quy` (1-4), `nua` (1-2), `tu`, `den` (dd/mm/yyyy); anything missing, malformed or out of range gives
  the current year (of `today`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping

from dvkheo.core.timeutil import VIETNAM_TZ
from dvkheo.core.urls import parse_int

KINDS = ("quarter", "half", "year", "range")
KIND_LABELS = {"quarter": "Quý", "half": "6 tháng", "year": "Năm", "range": "Khoảng thời gian"}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
MIN_YEAR, MAX_YEAR = 2000, 2100
# A range longer than this is cut (a dashboard of a century helps nobody and costs the database).
MAX_RANGE_DAYS = 366 * 10


@dataclass(frozen=True)
class Bucket:
    label: str
    start: date
    end: date  # included


def start_of_day(day: date) -> datetime:
    """00:00 of `day` in Vietnam, as a UTC datetime."""
    return datetime.combine(day, time(), tzinfo=VIETNAM_TZ).astimezone(timezone.utc)


def _month_end(year: int, month: int) -> date:
    return (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")

    # --- builders -------------------------------------------------------------------------------

    @classmethod
    def quarter(cls, year: int, number: int) -> "Period":
        first_month = 3 * (number - 1) + 1
        return cls("quarter", date(year, first_month, 1), _month_end(year, first_month + 2))

    @classmethod
    def half(cls, year: int, number: int) -> "Period":
        return cls("half", date(year, 1, 1), date(year, 6, 30)) if number == 1 else cls(
            "half", date(year, 7, 1), date(year, 12, 31)
        )

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls("year", date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def range(cls, start: date, end: date) -> "Period":
        return cls("range", start, end)

    # --- reading --------------------------------------------------------------------------------

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"Quý {ROMAN[(self.start.month - 1) // 3 + 1]}/{self.start.year}"
        if self.kind == "half":
            return f"6 tháng {'đầu' if self.start.month == 1 else 'cuối'} năm {self.start.year}"
        if self.kind == "year":
            return f"Năm {self.start.year}"
        return f"Từ {self.start:%d/%m/%Y} đến {self.end:%d/%m/%Y}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def starts_at(self) -> datetime:
        return start_of_day(self.start)

    @property
    def ends_before(self) -> datetime:
        return start_of_day(self.end + timedelta(days=1))

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> "Period":
        if self.kind == "quarter":
            number = (self.start.month - 1) // 3 + 1
            return Period.quarter(self.start.year - (number == 1), 4 if number == 1 else number - 1)
        if self.kind == "half":
            return Period.half(self.start.year - 1, 2) if self.start.month == 1 else Period.half(self.start.year, 1)
        if self.kind == "year":
            return Period.year(self.start.year - 1)
        end = self.start - timedelta(days=1)
        return Period.range(end - timedelta(days=self.days - 1), end)

    def buckets(self) -> list[Bucket]:
        months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        step = 1 if months <= 24 else 3 if months <= 72 else 12
        result: list[Bucket] = []
        year, month = self.start.year, self.start.month
        if step == 3:
            month = 3 * ((month - 1) // 3) + 1
        elif step == 12:
            month = 1
        while date(year, month, 1) <= self.end:
            last_month = month + step - 1
            start = max(date(year, month, 1), self.start)
            end = min(_month_end(year, last_month), self.end)
            if step == 1:
                label = f"{month:02d}/{year}"
            elif step == 3:
                label = f"Quý {ROMAN[(month - 1) // 3 + 1]}/{year}"
            else:
                label = str(year)
            result.append(Bucket(label, start, end))
            month += step
            if month > 12:
                year, month = year + 1, month - 12
        return result

    def query_args(self) -> dict[str, str]:
        if self.kind == "quarter":
            return {"ky": "quarter", "nam": str(self.start.year), "quy": str((self.start.month - 1) // 3 + 1)}
        if self.kind == "half":
            return {"ky": "half", "nam": str(self.start.year), "nua": "1" if self.start.month == 1 else "2"}
        if self.kind == "year":
            return {"ky": "year", "nam": str(self.start.year)}
        return {"ky": "range", "tu": f"{self.start:%d/%m/%Y}", "den": f"{self.end:%d/%m/%Y}"}


def parse_day(text: Any) -> date | None:
    """A dd/mm/yyyy date within the supported years, else None."""
    parts = str(text or "").strip().split("/")
    if len(parts) != 3:
        return None
    day, month = parse_int(parts[0], minimum=1, maximum=31), parse_int(parts[1], minimum=1, maximum=12)
    year = parse_int(parts[2], minimum=MIN_YEAR, maximum=MAX_YEAR)
    if day is None or month is None or year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_period(args: Mapping[str, Any], today: date) -> Period:
    """The period the query arguments name; the current year when they name none that is valid."""
    kind = str(args.get("ky") or "").strip()
    year = parse_int(args.get("nam"), minimum=MIN_YEAR, maximum=MAX_YEAR) or today.year
    if kind == "quarter":
        number = parse_int(args.get("quy"), minimum=1, maximum=4)
        if number is not None:
            return Period.quarter(year, number)
    elif kind == "half":
        number = parse_int(args.get("nua"), minimum=1, maximum=2)
        if number is not None:
            return Period.half(year, number)
    elif kind == "range":
        start, end = parse_day(args.get("tu")), parse_day(args.get("den"))
        if start is not None and end is not None and start <= end:
            if (end - start).days >= MAX_RANGE_DAYS:
                start = end - timedelta(days=MAX_RANGE_DAYS - 1)
            return Period.range(start, end)
    elif kind == "year" and args.get("nam"):
        return Period.year(year)
    return Period.year(year if kind == "year" else today.year)
