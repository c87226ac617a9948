"""Reporting upward (issue 16): the statistics of a unit's subtree for a period ("Thống kê").

- `dvkheo.reports.periods`: `Period`, `parse_period` (quarter, half-year, year or range; Vietnamese labels).
- `dvkheo.reports.statistics`: `dashboard_figures(root, period)` and its dataclasses; read its docstring
  for what each figure counts.
"""
