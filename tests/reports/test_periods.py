from datetime import date, datetime, timezone

import pytest

from dvkheo.reports.periods import Period, parse_period

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    "period, label, previous_label",
    [
        (Period.quarter(2026, 3), "Quý III/2026", "Quý II/2026"),
        (Period.quarter(2026, 1), "Quý I/2026", "Quý IV/2025"),
        (Period.half(2026, 1), "6 tháng đầu năm 2026", "6 tháng cuối năm 2025"),
        (Period.half(2026, 2), "6 tháng cuối năm 2026", "6 tháng đầu năm 2026"),
        (Period.year(2026), "Năm 2026", "Năm 2025"),
        (Period.range(date(2026, 3, 1), date(2026, 5, 31)), "Từ 01/03/2026 đến 31/05/2026",
         "Từ 29/11/2025 đến 28/02/2026"),
    ],
)
def test_period_labels_and_previous(period, label, previous_label):
    assert period.label == label
    previous = period.previous()
    assert previous.label == previous_label
    assert previous.end.toordinal() + 1 == period.start.toordinal()


def test_quarter_bounds_are_vietnam_days():
    period = Period.quarter(2026, 3)
    assert (period.start, period.end) == (date(2026, 7, 1), date(2026, 9, 30))
    # 00:00 on 1 July in Hanoi is 17:00 on 30 June UTC.
    assert period.starts_at == datetime(2026, 6, 30, 17, tzinfo=timezone.utc)
    assert period.ends_before == datetime(2026, 9, 30, 17, tzinfo=timezone.utc)


def test_buckets_are_months_then_quarters():
    assert [b.label for b in Period.quarter(2026, 4).buckets()] == ["10/2026", "11/2026", "12/2026"]
    assert len(Period.year(2026).buckets()) == 12
    ranged = Period.range(date(2026, 3, 10), date(2026, 4, 5)).buckets()
    assert [(b.start, b.end) for b in ranged] == [(date(2026, 3, 10), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 4, 5))]
    long = Period.range(date(2020, 2, 1), date(2024, 12, 31)).buckets()
    assert long[0].label == "Quý I/2020" and long[0].start == date(2020, 2, 1) and long[-1].label == "Quý IV/2024"
    assert sum((b.end - b.start).days + 1 for b in long) == Period.range(date(2020, 2, 1), date(2024, 12, 31)).days


@pytest.mark.parametrize(
    "args, expected",
    [
        ({}, Period.year(2026)),
        ({"ky": "quarter", "nam": "2025", "quy": "2"}, Period.quarter(2025, 2)),
        ({"ky": "half", "nam": "2024", "nua": "2"}, Period.half(2024, 2)),
        ({"ky": "year", "nam": "2023"}, Period.year(2023)),
        ({"ky": "range", "tu": "01/03/2026", "den": "31/05/2026"}, Period.range(date(2026, 3, 1), date(2026, 5, 31))),
        # Malformed or out of range: the current year, never an error.
        ({"ky": "quarter", "nam": "2026", "quy": "5"}, Period.year(2026)),
        ({"ky": "quarter", "nam": "99999999999999999999", "quy": "1"}, Period.quarter(2026, 1)),
        ({"ky": "range", "tu": "31/05/2026", "den": "01/03/2026"}, Period.year(2026)),
        ({"ky": "range", "tu": "30/02/2026", "den": "01/03/2026"}, Period.year(2026)),
        ({"ky": "bogus"}, Period.year(2026)),
    ],
)
def test_parse_period(args, expected):
    assert parse_period(args, TODAY) == expected


def test_query_args_round_trip():
    for period in (Period.quarter(2026, 2), Period.half(2025, 1), Period.year(2024),
                   Period.range(date(2026, 1, 15), date(2026, 2, 14))):
        assert parse_period(period.query_args(), TODAY) == period
