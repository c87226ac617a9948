"""The figures of a periodic report: its numbered tables ("Biểu số 01", "Biểu số 02"…), its totals, the
sentences prefilled from them, and the sums of the reports a committee received.

Every number comes from the dashboard (dvkheo.reports.statistics.dashboard_figures) for the report's unit and
period, so the report's tables and the dashboard ("Thống kê") never disagree. A table is plain JSON-able
values, so that it is frozen as it stands in `PeriodicReport.figures` when the report is submitted:

    {"number": "01", "title": …, "columns": [{"key", "label", "numeric"}], "rows": [{key: value}],
     "total": {key: value} | None, "note": str}

and `figures` is {"tables": [...], "totals": {...}, "period": {...}, "taken_at": iso}.
"""
from __future__ import annotations

from datetime import date

from dvkheo.core.timeutil import utcnow
from dvkheo.reports.models import PeriodKind
from dvkheo.reports import report_period

# The totals a report states and its level above sums (the keys of `figures["totals"]`), with their labels.
TOTALS = (
    ("registered", "Mô hình, điển hình đăng ký"),
    ("recognised", "Được công nhận"),
    ("commended", "Được khen thưởng"),
    ("replicated", "Lượt nhân rộng"),
    ("units_without_model", "Đơn vị chưa có mô hình"),
)


def vn_number(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)


def vn_percent(value: float) -> str:
    """12.0 -> "12", 3.456 -> "3,5" (decimal comma)."""
    text = f"{value:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def live_figures(unit, kind: PeriodKind, starts_on: date, ends_on: date, *, cached: bool = False) -> dict:
    """The report's tables and totals as the dashboard counts them now (`cached`: as the statistics page shows
    them, at most its stated interval old; a submission freezes a fresh count)."""
    from dvkheo.reports import statistics_adapter

    figures = statistics_adapter.report_figures(unit, kind, starts_on, ends_on, cached=cached)
    figures["taken_at"] = utcnow().isoformat()
    return figures


def figures_of(report) -> dict:
    """Frozen figures of a submitted report; live ones for a draft or a report returned for completion."""
    if report.is_frozen and report.figures:
        return report.figures
    return live_figures(report.unit, report.period_kind, report.starts_on, report.ends_on, cached=True)


# --- the sentences prefilled from the figures -----------------------------------------------------------------


def whole_area(unit) -> str:
    """"toàn tỉnh", "toàn xã", "toàn phường"…: how the report names its unit's whole subtree."""
    return {
        "province": "toàn tỉnh", "district": "toàn huyện", "commune": "toàn xã", "ward": "toàn phường",
        "town": "toàn thị trấn", "special_zone": "toàn đặc khu",
    }.get(unit.kind, "toàn đơn vị")


def change_words(current: int, previous: int | None, previous_words: str) -> str:
    """", tăng 12% so với cùng kỳ năm trước" | ", giảm 3,5% …" | ", bằng …" | "" when there is nothing to compare."""
    if previous is None or not previous_words:
        return ""
    if previous == 0:
        return f", trong khi {previous_words} chưa có mô hình nào đăng ký" if current else ""
    if current == previous:
        return f", bằng {previous_words}"
    change = (current - previous) * 100 / previous
    word = "tăng" if change > 0 else "giảm"
    return f", {word} {vn_percent(abs(change))}% so với {previous_words}"


def prefill(unit, kind: PeriodKind, starts_on: date, ends_on: date, figures: dict, issuer_in_text: str) -> dict[str, str]:
    """The four narrative sections, prefilled with sentences built from the figures (the secretary edits them)."""
    t = figures.get("totals") or {}
    opening = report_period.in_words(kind, starts_on, ends_on)
    area = whole_area(unit)
    campaigns = t.get("campaigns", 0)
    situation = [
        f"Thực hiện các văn bản chỉ đạo của cấp trên về phong trào thi đua “Dân vận khéo”, {issuer_in_text} đã "
        "hướng dẫn, triển khai phong trào đến các đơn vị trực thuộc, gắn với thực hiện nhiệm vụ chính trị của "
        "từng địa phương, cơ quan, đơn vị.",
    ]
    if campaigns:
        situation.append(
            f"{opening}, {vn_number(campaigns)} đợt bình xét mô hình, điển hình “Dân vận khéo” đã nhận "
            f"{vn_number(t.get('submitted', 0))} hồ sơ đề nghị của "
            + ("các đơn vị trực thuộc." if area == "toàn đơn vị" else f"các đơn vị trong {area.removeprefix('toàn ')}.")
        )
    kinds = ""
    if t.get("registered"):
        kinds = f" ({vn_number(t.get('collective', 0))} tập thể, {vn_number(t.get('individual', 0))} cá nhân)"
    results = [
        f"{opening}, {area} có {vn_number(t.get('registered', 0))} mô hình, điển hình “Dân vận khéo” đăng ký{kinds}"
        f"{change_words(t.get('registered', 0), t.get('previous_registered'), t.get('previous_words', ''))}; "
        f"{vn_number(t.get('recognised', 0))} mô hình, điển hình được công nhận; "
        f"{vn_number(t.get('commended', 0))} lượt được khen thưởng"
        + (f" ({t['commended_by_form']})" if t.get("commended_by_form") else "")
        + f"; {vn_number(t.get('replicated', 0))} lượt nhân rộng mô hình.",
    ]
    fields = t.get("top_fields") or []
    if fields:
        results.append("Các lĩnh vực có nhiều mô hình nhất: " + "; ".join(fields) + ".")
    results.append("(Số liệu chi tiết tại các biểu số liệu kèm theo.)")
    shortcomings = []
    without = t.get("units_without_model", 0)
    if without:
        names = t.get("units_without_model_names") or []
        shown = ", ".join(names[:10]) + (", …" if len(names) > 10 else "")
        shortcomings.append(
            f"Còn {vn_number(without)} đơn vị chưa có mô hình, điển hình “Dân vận khéo”" + (f": {shown}." if shown else ".")
        )
    if t.get("followups_late"):
        shortcomings.append(
            f"Có {vn_number(t['followups_late'])} báo cáo theo dõi mô hình đã quá hạn mà đơn vị chưa gửi."
        )
    directions = [
        "Tiếp tục quán triệt, triển khai phong trào thi đua “Dân vận khéo” gắn với nhiệm vụ chính trị của từng "
        "địa phương, cơ quan, đơn vị; kịp thời phát hiện, biểu dương, khen thưởng và nhân rộng các mô hình, điển "
        "hình tiêu biểu.",
        "Định kỳ theo dõi, đánh giá hiệu quả các mô hình đã được công nhận; hướng dẫn các đơn vị chưa có mô hình "
        "đăng ký xây dựng mô hình phù hợp.",
    ]
    return {
        "situation": "\n".join(situation),
        "results": "\n".join(results),
        "shortcomings": "\n".join(shortcomings),
        "directions": "\n".join(directions),
    }


# --- what the level above received ------------------------------------------------------------------------------


def received_summary(parent_unit, children: list, reports: list) -> dict:
    """The "Tổng hợp" of the reports the committee of `parent_unit` received for one period.

    `children` are the units right below; `reports` their reports of the period (any state). A row per child:
    its submitted report's frozen totals, or no figures and the reason (not written, draft, returned). The
    total line sums the submitted reports only."""
    by_unit = {report.unit_id: report for report in reports}
    keys = [key for key, _ in TOTALS]
    rows, total, missing = [], {key: 0 for key in keys}, []
    for child in children:
        report = by_unit.get(child.id)
        submitted = report is not None and report.is_frozen and report.figures
        values = {}
        if submitted:
            totals = report.figures.get("totals") or {}
            values = {key: int(totals.get(key) or 0) for key in keys}
            for key in keys:
                total[key] += values[key]
        else:
            missing.append(child)
        rows.append({"unit": child, "report": report if submitted else None, "values": values,
                     "status": "Đã gửi" if submitted else ("Đã trả lại để bổ sung" if report is not None
                                                            and report.state.value == "returned" else "Chưa gửi")})
    return {"columns": list(TOTALS), "rows": rows, "total": total, "missing": missing,
            "submitted": sum(1 for row in rows if row["report"] is not None)}
