"""Dates are shown dd/mm/yyyy and campaign phases are judged in Vietnam's time zone."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def today_in_vietnam() -> date:
    return datetime.now(VIETNAM_TZ).date()


def as_vietnam(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # SQLite hands back naive datetimes that were stored as UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(VIETNAM_TZ)


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = as_vietnam(value).date()
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return as_vietnam(value).strftime("%H:%M %d/%m/%Y")


def official_date_line(place: str, value: date) -> str:
    """The italic place-and-date line of an official document.

    Decree 30/2020 pads days below 10 and only the months January and February
    ("tháng 01", "tháng 02"), so that nobody can add a digit by hand.
    """
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"{place}, ngày {value.day:02d} tháng {month} năm {value.year}"
