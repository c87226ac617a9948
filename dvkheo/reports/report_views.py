"""Periodic reports for committees: the list (own and received), a report's page (narrative, figure tables,
submit, return), its downloads (PDF, Word, XLSX) and the "Tổng hợp" of the reports received for a period.

/bao-cao, /bao-cao/moi (POST), /bao-cao/<id>, /bao-cao/<id>/bao-cao.pdf|.docx, /bao-cao/<id>/bieu-so-lieu.xlsx,
/bao-cao/tong-hop.
"""
from __future__ import annotations

import io

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.core import audit
from dvkheo.core.rules import RuleRefused
from dvkheo.core.urls import paginate
from dvkheo.extensions import db
from dvkheo.reports import report_documents, report_figures, report_period, report_workflow
from dvkheo.reports.models import PeriodicReport
from dvkheo.reports.report_forms import NarrativeForm, PeriodForm, ReturnForm
from dvkheo.units.models import Unit

bp = Blueprint("periodic_reports", __name__)

A = report_workflow.A
PAGE_SIZE = 20


def _committee_only() -> None:
    if not (access.is_admin(current_user) or access.can_create_report(current_user)):
        abort(403)


def _with_labels(reports: list[PeriodicReport]) -> list[dict]:
    return [{"report": r, "title": report_documents.title_of(r), "period": report_documents.period_label(r)}
            for r in reports]


@bp.route("/bao-cao")
@login_required
def index():
    _committee_only()
    form = PeriodForm(prefix="p")
    form.year.data = form.year.data or report_period.default_year()
    return _render_index(form)


def _render_index(form: PeriodForm):
    """The list with the form to create; a refused creation comes back with what was chosen and typed."""
    query = (
        access.visible_reports(current_user)
        .options(so.joinedload(PeriodicReport.unit))
        .order_by(PeriodicReport.ends_on.desc(), PeriodicReport.id.desc())
    )
    page = paginate(query, per_page=PAGE_SIZE)
    return render_template(
        "reports/report_index.html", page=page, rows=_with_labels(page.items), form=form,
        may_create=access.can_create_report(current_user), own_unit_id=current_user.unit_id,
    )


@bp.route("/bao-cao/moi", methods=["POST"])
@login_required
def create():
    if not access.can_create_report(current_user):
        abort(403)
    form = PeriodForm(prefix="p")
    if not form.validate_on_submit():
        flash("Chưa lập được báo cáo: xem lỗi dưới từng ô.", "error")
        return _render_index(form), 422
    kind = form.kind()
    starts_on, ends_on = form.bounds()
    unit = current_user.unit
    figures = report_figures.live_figures(unit, kind, starts_on, ends_on, cached=True)
    sections = report_figures.prefill(unit, kind, starts_on, ends_on, figures,
                                      report_documents.issuer_of(unit)["in_text"])
    try:
        report = report_workflow.create(unit, kind, starts_on, ends_on, current_user, sections)
    except RuleRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            flash(problem.message, "error")
        existing = db.session.scalar(sa.select(PeriodicReport.id).where(
            PeriodicReport.unit_id == unit.id, PeriodicReport.starts_on == starts_on, PeriodicReport.ends_on == ends_on))
        if existing is not None:
            return redirect(url_for("periodic_reports.show", report_id=existing))
        return redirect(url_for("periodic_reports.index"))
    db.session.commit()
    flash("Đã lập báo cáo; các phần đã được điền sẵn từ số liệu, vui lòng xem lại và hoàn chỉnh.", "success")
    return redirect(url_for("periodic_reports.show", report_id=report.id))


@bp.route("/bao-cao/<int:report_id>", methods=["GET", "POST"])
@login_required
def show(report_id: int):
    report = access.load_report(report_id)
    narrative = NarrativeForm(prefix="n", obj=report if request.method == "GET" else None)
    return_form = ReturnForm(prefix="r")
    problems: list[str] = []
    if request.method == "POST":
        action = request.form.get("action", "")
        if action not in A._value2member_map_:
            abort(400)
        action = A(action)
        result = _act(report, action, narrative, return_form, problems)
        if result is not None:
            return result
    figures = report_figures.figures_of(report)
    return render_template(
        "reports/report_show.html", report=report, title=report_documents.title_of(report),
        period=report_documents.period_label(report), tables=report_documents.formatted_tables(figures),
        figures=figures, narrative=narrative, return_form=return_form, problems=problems,
        actions=report_workflow.available_actions(report, current_user), A=A,
        history=audit.history("periodic_report", report.id),
        issuer=report_documents.issuer_for(report), dashboard_url=_dashboard_url(report),
    ), (422 if problems else 200)


def _dashboard_url(report: PeriodicReport) -> str | None:
    """The statistics page ("Thống kê") of the same unit and period, where the viewer may open it."""
    from dvkheo.reports.periods import Period

    if not access.can_view_statistics(current_user, report.unit):
        return None
    period = Period(report.period_kind.value, report.starts_on, report.ends_on)
    return url_for("reports.dashboard", **{"don-vi": report.unit_id}, **period.query_args())


def _act(report: PeriodicReport, action, narrative: NarrativeForm, return_form: ReturnForm, problems: list[str]):
    """Save, submit or return in one transaction; on any refusal keep what was typed and say why beside it."""
    options, reason = {}, None
    if action in (A.SAVE, A.SUBMIT):
        if not narrative.validate_on_submit():
            problems.append("Báo cáo chưa được lưu: vui lòng sửa các mục được đánh dấu bên dưới.")
            return None
        options = narrative.values()
    else:
        if not return_form.validate_on_submit():
            problems.extend(m for errors in return_form.errors.values() for m in errors)
            return None
        reason = return_form.reason.data
    try:
        report_workflow.apply(report, action, current_user, reason=reason, **options)
    except RuleRefused as refused:
        db.session.rollback()
        if any(problem.rule == "permission" for problem in refused.problems):
            abort(403)
        for problem in refused.problems:
            field = getattr(narrative, problem.field, None) if problem.field else None
            if field is None and problem.field == "reason":
                field = return_form.reason
            if field is not None:
                field.errors = list(field.errors or []) + [problem.message]
            problems.append(problem.message)
        return None
    db.session.commit()
    flash(action.done, "success")
    return redirect(url_for("periodic_reports.show", report_id=report.id))


# --- downloads ----------------------------------------------------------------------------------------------


@bp.route("/bao-cao/<int:report_id>/bao-cao.pdf")
@login_required
def pdf(report_id: int):
    report = access.load_report(report_id)
    data = report_documents.report_pdf(report)
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=False,
                     download_name=report_documents.filename(report, "pdf"))


@bp.route("/bao-cao/<int:report_id>/bao-cao.docx")
@login_required
def docx(report_id: int):
    from dvkheo.documents.docx import MIMETYPE

    report = access.load_report(report_id)
    return send_file(io.BytesIO(report_documents.report_docx(report)), mimetype=MIMETYPE, as_attachment=True,
                     download_name=report_documents.filename(report, "docx"))


@bp.route("/bao-cao/<int:report_id>/bieu-so-lieu.xlsx")
@login_required
def xlsx(report_id: int):
    report = access.load_report(report_id)
    return send_file(io.BytesIO(report_documents.report_xlsx(report)), mimetype=report_documents.XLSX_MIMETYPE,
                     as_attachment=True, download_name=report_documents.filename(report, "xlsx"))


# --- what the level above received --------------------------------------------------------------------------


@bp.route("/bao-cao/tong-hop")
@login_required
def summary():
    if not access.can_summarise_reports(current_user):
        abort(403)
    form = PeriodForm(request.args, prefix="p", meta={"csrf": False})
    chosen = bool(request.args) and form.validate()
    if not request.args:
        form.year.data = report_period.default_year()
    result, starts_on, ends_on, kind = None, None, None, None
    if chosen:
        kind = form.kind()
        starts_on, ends_on = form.bounds()
        children = list(db.session.scalars(
            sa.select(Unit).where(Unit.parent_id == current_user.unit_id, Unit.active.is_(True)).order_by(Unit.name, Unit.id)
        ))
        reports = list(db.session.scalars(
            sa.select(PeriodicReport).where(
                PeriodicReport.unit_id.in_([child.id for child in children]) if children else sa.false(),
                PeriodicReport.starts_on == starts_on, PeriodicReport.ends_on == ends_on,
            )
        ))
        result = report_figures.received_summary(current_user.unit, children, reports)
    return render_template(
        "reports/report_summary.html", form=form, result=result, columns=report_figures.TOTALS,
        period=report_period.label(kind, starts_on, ends_on) if kind else "",
    ), (422 if request.args and not chosen else 200)
