"""The signed copy of an issued decision: its upload from the decision page and its download.

The upload is one transaction: the checks run before anything is stored, and a refusal re-renders
the decision page (422) with the reason beside the file field, leaving no row and no file behind.
The public download, from a certificate's verification page, is in dvkheo.certificates.verify_views.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import NotFound

from dvkheo import access
from dvkheo.awards import decisions as ops
from dvkheo.awards import signed_copy
from dvkheo.awards.decision_forms import SignedCopyForm
from dvkheo.awards.decision_views import SESSION_EXPIRED, _decision_page, _load_decision, _problems
from dvkheo.awards.models import Decision, SignedCopy
from dvkheo.awards.views import bp
from dvkheo.core.rules import RuleRefused
from dvkheo.core.storage import send_stored
from dvkheo.core.timeutil import format_date
from dvkheo.extensions import db


def download_name(decision: Decision) -> str:
    """"QD-05-BDVTU-2026-ky-so.pdf": the decision's own file name, marked as the signed copy."""
    return ops.pdf_filename(decision).removesuffix(".pdf") + "-ky-so.pdf"


def signer_mismatch_text(copy: SignedCopy) -> str:
    """The warning every page offering the copy shows when its certificate names someone else."""
    return (
        f"Người ký trên chứng thư ({copy.certificate_signer}) khác người ký ghi trên quyết định "
        f"({copy.decision_signer_name})."
    )


def send_signed_copy(copy: SignedCopy, decision: Decision):
    """The stored bytes as they were signed, always as a download: a browser's viewer that saved or
    printed it again would drop the signature. Revalidated on every use, since a newer upload replaces
    it (for a signed-in user the app's security headers make it "no-store")."""
    try:
        response = send_stored(
            copy.stored_name, mimetype="application/pdf", as_attachment=True, download_name=download_name(decision),
            max_age=0,
        )
    except NotFound:
        current_app.logger.error("signed copy %s: stored file %s is missing", copy.id, copy.stored_name)
        raise

    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/decisions/<int:decision_id>/signed-copy", methods=["POST"])
@login_required
def upload_signed_copy(decision_id: int):
    decision = _load_decision(decision_id)
    access.require(access.can_issue_decision(current_user, decision))
    form = SignedCopyForm()
    if not form.validate_on_submit():
        errors = [SESSION_EXPIRED] if "csrf_token" in form.errors else list(form.file.errors)
        return _decision_page(decision, signed_form=form, errors=errors, status=422)
    upload = form.file.data
    data = upload.stream.read(current_app.config["MAX_FILE_BYTES"] + 1)
    try:
        copy = signed_copy.record_signed_copy(decision, data, upload.filename, current_user)
    except RuleRefused as refused:
        messages = [problem.message for problem in _problems(refused)]
        decision = _load_decision(decision_id)
        form.file.errors = list(messages)
        return _decision_page(decision, signed_form=form, errors=messages, status=422)
    db.session.commit()
    signed = f", ký ngày {format_date(copy.signed_at)}" if copy.signed_at else ""
    flash(
        f"Đã lưu bản ký số của Quyết định số {decision.number_label} (người ký: {copy.signer_name}{signed}) "
        "làm bản chính thức.",
        "success",
    )
    if copy.signer_differs:
        flash(signer_mismatch_text(copy), "warning")
    return redirect(url_for(".decision", decision_id=decision.id, _anchor="signed-copy"))


@bp.route("/decisions/<int:decision_id>/signed-copies/<int:copy_id>.pdf")
@login_required
def signed_copy_pdf(decision_id: int, copy_id: int):
    decision = _load_decision(decision_id)
    copy = db.session.get(SignedCopy, copy_id)
    if copy is None or copy.decision_id != decision.id:
        abort(404)
    return send_signed_copy(copy, decision)
