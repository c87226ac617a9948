"""Batch printing pages: a decision's certificates, its print jobs, their progress and downloads.

Campaign staff (secretary, chair of the organising committee) print; other users inside the
campaign's tree (and an administrator) learn the page exists (403), everyone else gets 404.
A job's file is offered only when the job is DONE and the file on disk has the recorded size.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField

from dvkheo import access
from dvkheo.awards.models import AwardForm, Decision, DecisionAwardee
from dvkheo.certificates import batch
from dvkheo.certificates import printers as printer_ops
from dvkheo.certificates.models import (
    Certificate,
    CertificateStatus,
    PrinterCalibration,
    PrintJob,
    PrintJobStatus,
    PrintOutput,
)
from dvkheo.certificates.views import bp
from dvkheo.core import audit
from dvkheo.core.forms import EmptyForm
from dvkheo.core.filestore import store
from dvkheo.core.rules import RuleRefused
from dvkheo.extensions import db

# While a job runs, the page without JavaScript reloads itself this often (seconds); the script polls faster.
REFRESH_SECONDS = 5


class PrintJobForm(FlaskForm):
    output = RadioField(
        "Kiểu in",
        choices=[SelectChoice(output.value, output.label) for output in PrintOutput],
        default=PrintOutput.PLAIN.value,
        validate_choice=False,  # checked in `problems` with a Vietnamese message (WTForms has none)
    )
    printer_id = SelectField("Máy in (căn lề khi in lên phôi)", choices=[], validate_choice=False)

    def set_printers(self, printers: list[PrinterCalibration]) -> None:
        self.printer_id.choices = [SelectChoice("", "Không chọn máy in (không dịch lề)")] + [
            SelectChoice(
                str(printer.id), f"{printer.name} (lệch ngang {_mm(printer.offset_x_mm)}, dọc {_mm(printer.offset_y_mm)})"
            )
            for printer in printers
        ]

    def problems(self) -> list[str]:
        messages = []
        if self.output.data not in {output.value for output in PrintOutput}:
            messages.append("Vui lòng chọn kiểu in: in đầy đủ trên giấy trắng hoặc in lên phôi in sẵn.")
        if self.printer_id.data and self.printer_id.data not in {choice.value for choice in self.printer_id.choices}:
            messages.append("Máy in đã chọn không còn trong danh sách máy in của cơ quan; vui lòng chọn lại.")
        return messages


def _mm(value: float) -> str:
    return f"{value:+.1f} mm".replace(".", ",")


def _require_print(campaign) -> None:
    if access.can_print_certificates(current_user, campaign):
        return
    visible = access.can_view_review(current_user, campaign) or access.is_within_campaign_area(current_user, campaign)
    abort(403 if visible else 404)


def _load_decision(decision_id: int) -> Decision:
    decision = access.get_or_404(Decision, decision_id, so.joinedload(Decision.campaign))
    _require_print(decision.campaign)
    return decision


def _load_job(job_id: int) -> PrintJob:
    job = access.get_or_404(PrintJob, job_id, so.joinedload(PrintJob.decision).joinedload(Decision.campaign))
    _require_print(job.decision.campaign)
    return job


def _certificates(decision: Decision) -> list[Certificate]:
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .join(DecisionAwardee, Certificate.awardee_id == DecisionAwardee.id)
            .join(AwardForm, DecisionAwardee.award_form_id == AwardForm.id)
            .where(Certificate.decision_id == decision.id)
            .options(so.contains_eager(Certificate.awardee).contains_eager(DecisionAwardee.award_form))
            .order_by(DecisionAwardee.position, Certificate.id)
        )
    )


def _printers(decision: Decision) -> list[PrinterCalibration]:
    return printer_ops.printers_of(decision.campaign.organising_unit_id)


def _certificates_page(decision: Decision, form: PrintJobForm | None = None, errors=None, ticked=None, status: int = 200):
    printers = _printers(decision)
    if form is None:
        form = PrintJobForm(formdata=None)
    form.set_printers(printers)
    certificates = _certificates(decision)
    valid_count = sum(1 for certificate in certificates if certificate.status is CertificateStatus.VALID)
    return render_template(
        "certificates/decision_certificates.html",
        decision=decision,
        campaign=decision.campaign,
        certificates=certificates,
        valid_count=valid_count,
        printers=printers,
        form=form,
        errors=errors or [],
        ticked={str(value) for value in (ticked or [])},
        problems=batch.printable_decision_problems(decision),
        jobs=batch.jobs_of_decision(decision.id),
        certificate_pdf_available="certificates.certificate_pdf" in _view_functions(),
        decision_page_available="awards.decision" in _view_functions(),
    ), status


def _view_functions():
    from flask import current_app

    return current_app.view_functions


@bp.route("/certificates/decisions/<int:decision_id>")
@login_required
def decision_certificates(decision_id: int):
    decision = _load_decision(decision_id)
    return _certificates_page(decision)


@bp.route("/certificates/decisions/<int:decision_id>/print-jobs", methods=["POST"])
@login_required
def create_print_job(decision_id: int):
    decision = _load_decision(decision_id)
    form = PrintJobForm()
    form.set_printers(_printers(decision))
    ticked = request.form.getlist("certificate_ids")
    if not form.validate():
        messages = ["Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ; vui lòng tải lại trang và gửi lại."]
        return _certificates_page(decision, form, messages, ticked, 400)
    if messages := form.problems():
        return _certificates_page(decision, form, messages, ticked, 400)
    printer = None
    if form.printer_id.data:
        printer = db.session.get(PrinterCalibration, int(form.printer_id.data))
    try:
        job = batch.create_print_job(
            decision,
            current_user,
            certificate_ids=ticked or None,
            output=PrintOutput(form.output.data),
            printer=printer,
        )
    except RuleRefused as refused:
        db.session.rollback()
        if any(problem.rule == "permission" for problem in refused.problems):
            abort(403)
        return _certificates_page(decision, form, [problem.message for problem in refused.problems], ticked, 400)
    db.session.commit()
    batch.start(job)
    flash(f"Đã tạo yêu cầu in {job.total} giấy khen; hệ thống đang tạo tệp PDF.", "success")
    return redirect(url_for("certificates.print_job", job_id=job.id))


def _status_payload(job: PrintJob) -> dict:
    complete = batch.file_is_complete(job)
    return {
        "status": job.status.value,
        "label": job.status.label,
        "tone": job.status.tone,
        "done": job.done_count,
        "total": job.total,
        "percent": job.percent,
        "text": progress_text(job),
        "error": job.error or None,
        "download_url": url_for("certificates.download_print_job", job_id=job.id) if complete else None,
        "can_retry": batch.can_retry(job),
    }


def progress_text(job: PrintJob) -> str:
    if job.status is PrintJobStatus.DONE:
        return f"Đã tạo xong {job.total}/{job.total} giấy khen"
    if job.status is PrintJobStatus.QUEUED:
        return f"Đang chờ tạo tệp ({job.total} giấy khen)"
    if job.status is PrintJobStatus.FAILED:
        return f"Dừng lại sau {job.done_count}/{job.total} giấy khen"
    return f"Đã tạo {job.done_count}/{job.total} giấy khen"


@bp.route("/certificates/print-jobs/<int:job_id>")
@login_required
def print_job(job_id: int):
    job = _load_job(job_id)
    running = job.status in (PrintJobStatus.QUEUED, PrintJobStatus.RUNNING)
    stale = batch.is_stale(job)
    return render_template(
        "certificates/print_job.html",
        job=job,
        decision=job.decision,
        campaign=job.decision.campaign,
        running=running,
        stale=stale,
        refresh_seconds=REFRESH_SECONDS if running and not stale else None,
        progress_text=progress_text(job),
        file_complete=batch.file_is_complete(job),
        can_retry=batch.can_retry(job),
        history=audit.history("print_job", job.id),
        history_labels=batch.HISTORY_LABELS,
    )


@bp.route("/certificates/print-jobs/<int:job_id>/status")
@login_required
def print_job_status(job_id: int):
    job = _load_job(job_id)
    response = jsonify(_status_payload(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/certificates/print-jobs/<int:job_id>/retry", methods=["POST"])
@login_required
def retry_print_job(job_id: int):
    job = _load_job(job_id)
    form = EmptyForm()
    back = url_for("certificates.print_job", job_id=job.id)
    if not form.validate():
        flash("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ; vui lòng tải lại trang và gửi lại.", "error")
        return redirect(back)
    try:
        batch.retry(job, current_user)
    except RuleRefused as refused:
        db.session.rollback()
        if any(problem.rule == "permission" for problem in refused.problems):
            abort(403)
        for problem in refused.problems:
            flash(problem.message, "error")
        return redirect(back)
    db.session.commit()
    batch.start(job)
    flash("Đã gửi lại yêu cầu tạo tệp in.", "success")
    return redirect(back)


def _unavailable(code: int, title: str, message: str):
    return render_template("errors/error.html", code=code, title=title, message=message), code


@bp.route("/certificates/print-jobs/<int:job_id>/download")
@login_required
def download_print_job(job_id: int):
    job = _load_job(job_id)
    if job.status is not PrintJobStatus.DONE:
        if job.status is PrintJobStatus.FAILED:
            message = "Tạo tệp in bị lỗi nên không có tệp để tải. Vui lòng mở trang tệp in và bấm “Thử lại”."
        else:
            message = "Tệp in chưa tạo xong. Vui lòng đợi thanh tiến độ đạt 100% rồi tải về."
        return _unavailable(409, "Tệp in chưa sẵn sàng", message)
    if not batch.file_is_complete(job):
        return _unavailable(
            404,
            "Không tìm thấy tệp in",
            "Tệp in không còn trên máy chủ hoặc không còn nguyên vẹn. Vui lòng tạo tệp in mới từ danh sách giấy khen.",
        )
    return store().send(
        batch.file_key(job),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=job.file_name,
        max_age=0,
        etag=job.file_sha256,
    )
