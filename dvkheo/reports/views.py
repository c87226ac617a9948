"""The statistics page ("Thống kê"): figures of a unit's subtree for a period, for staff.

/thong-ke?don-vi=<unit id>&ky=quarter|half|year|range&nam=&quy=&nua=&tu=&den=
`don-vi` absent: the user's own unit (an administrator: the only top-level unit, else the whole tree);
`don-vi=0`: the whole tree (administrators). A unit outside the user's subtree: 403.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.core.urls import parse_int, query_int
from dvkheo.extensions import db
from dvkheo.reports.cache import figure_cache
from dvkheo.reports.periods import KIND_LABELS, MAX_RANGE_DAYS, MAX_YEAR, MIN_YEAR, ROMAN, Period, parse_day, parse_period
from dvkheo.reports.statistics import OUTCOME_LABELS, OUTCOMES, STAGE_LABELS, STAGES, WHOLE_COUNTRY, StageCounts
from dvkheo.units.models import Unit

bp = Blueprint("reports", __name__)

# Above this many campaigns (the whole country has hundreds: every commune may run its own), the page lists the
# campaigns of root and above one by one and sums those run below root per subordinate unit, with a link down.
MAX_FUNNEL_ROWS = 15


@dataclass
class FunnelLine:
    title: str
    note: str
    counts: StageCounts
    unit_id: int | None = None  # a grouped line: the subordinate unit to drill down to


def funnel_lines(figures) -> list[FunnelLine]:
    def single(row) -> FunnelLine:
        note = f"{row.organiser_name}{'' if row.organised_within else ' (cấp trên)'} · {row.year}"
        return FunnelLine(row.title, note, row.counts)

    if len(figures.funnel) <= MAX_FUNNEL_ROWS:
        return [single(row) for row in figures.funnel]
    lines = [single(row) for row in figures.funnel if row.organiser_child_id is None]
    names = {row.unit_id: row.name for row in figures.units}
    grouped: dict[int, tuple[StageCounts, list]] = {}
    for row in figures.funnel:
        if row.organiser_child_id is not None:
            counts, campaigns = grouped.setdefault(row.organiser_child_id, (StageCounts(), []))
            counts.merge(row.counts)
            campaigns.append(row)
    for unit_id, (counts, campaigns) in sorted(grouped.items(), key=lambda item: -item[1][0].submitted):
        lines.append(FunnelLine(f"Các đợt do {names.get(unit_id, '')} và cấp dưới tổ chức",
                                f"{len(campaigns)} đợt", counts, unit_id))
    return lines


def period_notice(args, period: Period) -> str | None:
    """What the page says when the period shown is not the one the query asked for (`parse_period` falls back to
    the current year on anything it cannot read, and cuts a range longer than ten years): never silently."""
    kind = str(args.get("ky") or "").strip()
    if not kind:
        return None
    shown = f"đang hiển thị số liệu {period.label[:1].lower()}{period.label[1:]}"
    if kind == "range":
        if period.kind != "range":
            return (f"Khoảng thời gian chưa hợp lệ (ngày viết theo dạng dd/mm/yyyy, trong các năm {MIN_YEAR}–{MAX_YEAR}, "
                    f"ngày bắt đầu không sau ngày kết thúc); {shown}.")
        if parse_day(args.get("tu")) != period.start:
            return (f"Khoảng thời gian dài quá {MAX_RANGE_DAYS // 366} năm; chỉ thống kê từ {period.start:%d/%m/%Y} "
                    f"đến {period.end:%d/%m/%Y}.")
        return None
    year_unreadable = bool(args.get("nam")) and parse_int(args.get("nam"), minimum=MIN_YEAR, maximum=MAX_YEAR) is None
    if kind != period.kind or year_unreadable:
        return f"Kỳ thống kê chưa hợp lệ; {shown}."
    return None


def _root_from_args():
    unit_id = query_int("don-vi", None, minimum=0)
    if unit_id is None:
        return access.statistics_root(current_user)
    if unit_id == 0:
        return None
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


@bp.route("/thong-ke")
@login_required
def dashboard():
    if not access.can_use_statistics(current_user):
        abort(403)
    root = _root_from_args()
    if not access.can_view_statistics(current_user, root):
        abort(403)
    today = today_in_vietnam()
    period = parse_period(request.args, today)
    cache = figure_cache()
    figures = cache.figures(root, period, today)

    # Where the user can go from here: the levels between their own unit (or the top) and the root.
    is_admin = access.is_admin(current_user)
    trail = []
    if root is not None:
        ids = root.ancestor_ids
        if not is_admin:
            ids = ids[ids.index(current_user.unit_id):]
        by_id = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)))}
        trail = [by_id[i] for i in ids if i in by_id]
    children = [row for row in figures.units if not row.is_root_itself]
    ranked = sorted(figures.units, key=lambda r: (-r.recognised, -r.commended, -r.registered, r.name))
    return render_template(
        "reports/dashboard.html", figures=figures, funnel=funnel_lines(figures), root=root, trail=trail, children=children, ranked=ranked,
        period=period, period_notice=period_notice(request.args, period), today=today, cache_seconds=cache.seconds, is_admin=is_admin,
        whole_country=WHOLE_COUNTRY, stages=STAGES, stage_labels=STAGE_LABELS, outcomes=OUTCOMES,
        outcome_labels=OUTCOME_LABELS, kind_labels=KIND_LABELS, roman=ROMAN,
        period_args=period.query_args(), root_arg=(root.id if root is not None else 0),
        years=list(range(today.year, today.year - 10, -1)),
        quarter_now=(today.month - 1) // 3 + 1,
    )
