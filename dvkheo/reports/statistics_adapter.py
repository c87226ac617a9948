"""The dashboard's figures (dvkheo.reports.statistics) turned into the report's numbered tables.

The one place that reads the dashboard's dataclasses for the report, so that a test can check every cell of
the report's tables against `dashboard_figures()` for the same unit and period:

- Biểu số 01: per subordinate unit (`figures.units`, total `figures.totals`): registered, recognised, commended
  (and by award form and level, `figures.award_keys`), replications, follow-ups due and late.
- Biểu số 02: the subordinate units without any model (`figures.without_model`).
- Biểu số 03: per field and kind (`figures.fields`), this period and the previous one (`figures.previous`).
- Biểu số 04: the funnel per campaign (`figures.funnel`, total `figures.funnel_total`).
"""
from __future__ import annotations

from datetime import date

from dvkheo.reports.models import PeriodKind
from dvkheo.reports.periods import Period
from dvkheo.reports.statistics import OUTCOME_LABELS, OUTCOMES, STAGE_LABELS, STAGES, DashboardFigures, dashboard_figures
from dvkheo.units.models import UNIT_KIND_LABELS


def period_of(kind: PeriodKind, starts_on: date, ends_on: date) -> Period:
    return Period(kind.value, starts_on, ends_on)


def award_column(key) -> str:
    return f"commended:{key.form_name}:{key.level}"


def award_label(key) -> str:
    return f"{key.form_name} ({key.level_label.lower()})" if key.level_label else key.form_name


def _numeric(key: str, label: str) -> dict:
    return {"key": key, "label": label, "numeric": True}


def _text(key: str, label: str) -> dict:
    return {"key": key, "label": label, "numeric": False}


STT = _text("stt", "STT")


def unit_values(row, award_keys) -> dict:
    values = {
        "registered": row.registered, "recognised": row.recognised, "commended": row.commended,
        "replications": row.replications, "followups_due": row.followups_due, "followups_late": row.followups_late,
    }
    for key in award_keys:
        values[award_column(key)] = row.commended_by.get(key, 0)
    return values


def table_units(f: DashboardFigures) -> dict:
    columns = [STT, _text("unit", "Đơn vị"), _numeric("registered", "Mô hình, điển hình đăng ký"),
               _numeric("recognised", "Được công nhận"), _numeric("commended", "Được khen thưởng")]
    columns += [_numeric(award_column(key), award_label(key)) for key in f.award_keys]
    columns += [_numeric("replications", "Lượt nhân rộng"), _numeric("followups_due", "Theo dõi đến hạn"),
                _numeric("followups_late", "Theo dõi quá hạn")]
    rows = [{"stt": str(index), "unit": row.name, **unit_values(row, f.award_keys)}
            for index, row in enumerate(f.units, start=1)]
    return {
        "number": "01", "title": "Mô hình, điển hình theo đơn vị trực thuộc", "columns": columns, "rows": rows,
        "total": {"stt": "", "unit": "Tổng cộng", **unit_values(f.totals, f.award_keys)},
        "note": "Mỗi đơn vị gồm cả các đơn vị cấp dưới của đơn vị đó. Khen thưởng chia theo hình thức và cấp khen.",
    }


def table_without_model(f: DashboardFigures) -> dict:
    rows = [{"stt": str(index), "unit": row.name, "kind": UNIT_KIND_LABELS.get(row.kind, row.kind)}
            for index, row in enumerate(f.without_model, start=1)]
    return {
        "number": "02", "title": "Đơn vị trực thuộc chưa có mô hình, điển hình", "rows": rows, "total": None,
        "columns": [STT, _text("unit", "Đơn vị"), _text("kind", "Loại đơn vị")],
        "note": f"Có {len(rows)} đơn vị chưa có mô hình, điển hình." if rows else "Mọi đơn vị trực thuộc đều có mô hình, điển hình.",
    }


def table_fields(f: DashboardFigures) -> dict:
    previous = f.previous.label
    columns = [
        STT, _text("field", "Lĩnh vực"), _text("kind", "Tập thể, cá nhân"),
        _numeric("submitted", "Đăng ký trong kỳ"), _numeric("previous_submitted", f"Đăng ký kỳ trước ({previous})"),
        {**_numeric("submitted_change", "Tăng (+), giảm (-)"), "signed": True},
        _numeric("commended", "Khen thưởng trong kỳ"), _numeric("previous_commended", f"Khen thưởng kỳ trước ({previous})"),
        {**_numeric("commended_change", "Tăng (+), giảm (-)"), "signed": True},
    ]
    keys = ("submitted", "previous_submitted", "submitted_change", "commended", "previous_commended", "commended_change")
    rows = [{"stt": str(index), "field": row.field_name, "kind": row.kind_label, **{k: getattr(row, k) for k in keys}}
            for index, row in enumerate(f.fields, start=1)]
    total = {"stt": "", "field": "Tổng cộng", "kind": "", **{k: sum(row[k] for row in rows) for k in keys}}
    return {"number": "03", "title": "Mô hình, điển hình theo lĩnh vực, tập thể và cá nhân, so với kỳ trước",
            "columns": columns, "rows": rows, "total": total, "note": ""}


FUNNEL = STAGES + OUTCOMES  # every column of the statistics page's funnel, "Đã rút" included


def table_funnel(f: DashboardFigures) -> dict:
    labels = {**STAGE_LABELS, **OUTCOME_LABELS}
    columns = [STT, _text("campaign", "Đợt bình xét"), _text("organiser", "Cơ quan tổ chức")]
    columns += [_numeric(key, labels[key]) for key in FUNNEL]
    rows = [{"stt": str(index), "campaign": row.title, "organiser": row.organiser_name,
             **{key: getattr(row.counts, key) for key in FUNNEL}}
            for index, row in enumerate(f.funnel, start=1)]
    total = {"stt": "", "campaign": "Tổng cộng", "organiser": "", **{key: getattr(f.funnel_total, key) for key in FUNNEL}}
    return {"number": "04", "title": "Kết quả bình xét theo từng đợt", "columns": columns, "rows": rows,
            "total": total, "note": "Hồ sơ của các đơn vị trong địa bàn, kể cả ở đợt do cấp trên hoặc cấp dưới tổ chức."}


def totals_of(f: DashboardFigures) -> dict:
    """What the narrative states and the level above sums."""
    by_form: dict[str, int] = {}
    for key in f.award_keys:
        label = f"{key.form_name} {key.level_label.lower()}".strip()
        by_form[label] = by_form.get(label, 0) + f.totals.commended_by.get(key, 0)
    collective = sum(row.submitted for row in f.fields if row.kind == "collective")
    individual = sum(row.submitted for row in f.fields if row.kind == "individual")
    top = sorted((row for row in f.fields if row.submitted), key=lambda r: (-r.submitted, r.field_name))
    merged: dict[str, int] = {}
    for row in top:
        merged[row.field_name] = merged.get(row.field_name, 0) + row.submitted
    top_fields = sorted(merged.items(), key=lambda item: (-item[1], item[0]))[:3]
    from dvkheo.reports.report_figures import vn_number

    return {
        "registered": f.totals.registered,
        "recognised": f.totals.recognised,
        "commended": f.totals.commended,
        "replicated": f.totals.replications,
        "units_without_model": len(f.without_model),
        "units_without_model_names": [row.name for row in f.without_model],
        "collective": collective,
        "individual": individual,
        "previous_registered": sum(row.previous_submitted for row in f.fields),
        "previous_words": previous_words(f.previous),
        "campaigns": len(f.funnel),
        "submitted": f.funnel_total.submitted,
        "commended_by_form": ", ".join(f"{vn_number(n)} {label}" for label, n in by_form.items() if n),
        "top_fields": [f"{name} ({vn_number(n)})" for name, n in top_fields],
        "followups_late": f.totals.followups_late,
    }


def previous_words(previous: Period) -> str:
    """"6 tháng cuối năm 2025", "quý II năm 2026", "năm 2025"; a range: "kỳ trước (từ ngày … đến ngày …)"."""
    from dvkheo.reports.report_period import label

    words = label(PeriodKind(previous.kind), previous.start, previous.end)
    return f"kỳ trước ({words})" if previous.kind == PeriodKind.RANGE.value else words


def report_figures(unit, kind: PeriodKind, starts_on: date, ends_on: date, *, cached: bool = False) -> dict:
    """`cached`: the statistics page's figures (at most its stated interval old) instead of a fresh count: a draft
    is read and downloaded many times, and at national scale each count reads every dossier of the period."""
    period = period_of(kind, starts_on, ends_on)
    if cached:
        from dvkheo.core.timeutil import today_in_vietnam
        from dvkheo.reports.cache import figure_cache

        f = figure_cache().figures(unit, period, today_in_vietnam())
    else:
        f = dashboard_figures(unit, period)
    return {
        "tables": [table_units(f), table_without_model(f), table_fields(f), table_funnel(f)],
        "totals": totals_of(f),
        "period": {"kind": kind.value, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
                   "previous": f.previous.label},
    }
