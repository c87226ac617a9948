"""Downloading one certificate as PDF, on plain paper or for a pre-printed blank with a printer's offsets.

Who may: `access.can_download_certificate` (the campaign's committee, an administrator, the unit whose
nomination was commended). Others inside the campaign's tree learn that it exists (403); anyone
else gets 404. A revoked or replaced certificate still downloads, with the mark across the page.

A download (GET) only reads: opening, previewing or re-downloading a PDF is not printing it, and a
link prefetched by a browser or a mail scanner must change nothing. A print is counted, and audited,
when the person says so with the "Ghi nhận đã in" button (POST, CSRF-checked), or when a batch print
job finishes its file (`batch.py`).
"""
from __future__ import annotations

from io import BytesIO

import sqlalchemy as sa
from flask import abort, flash, redirect, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField

from dvkheo import access
from dvkheo.certificates.models import Certificate, PrinterCalibration, PrintOutput
from dvkheo.certificates.views import bp
from dvkheo.core import audit
from dvkheo.core.urls import query_int
from dvkheo.extensions import db


def download_name(certificate: Certificate) -> str:
    """"giay-khen-DVK26-7QX4-M2PA.pdf"."""
    return f"giay-khen-{certificate.serial}.pdf"


def _load_certificate(certificate_id: int) -> Certificate:
    from dvkheo.certificates.render import load_for_print

    found = load_for_print([certificate_id])
    if not found:
        abort(404)
    certificate = found[0]
    if not access.can_download_certificate(current_user, certificate):
        abort(404)  # like a dossier: another unit does not learn that the certificate exists
    return certificate


class RecordPrintForm(FlaskForm):
    """The "Ghi nhận đã in" button: which output was printed, on which printer, and the page to go back to."""

    output = HiddenField(default=PrintOutput.PLAIN.value)
    printer = HiddenField(default="")
    next = HiddenField(default="")


def _printer_offsets(certificate: Certificate, source=None) -> tuple[PrinterCalibration | None, float, float]:
    """The `printer` asked for, which must belong to the campaign's organising unit (else 404)."""
    printer_id = query_int("printer", strict=True, source=source)
    if printer_id is None:
        return None, 0.0, 0.0
    printer = db.session.get(PrinterCalibration, printer_id)
    if printer is None or printer.unit_id != certificate.decision.campaign.organising_unit_id:
        abort(404)
    return printer, printer.offset_x_mm, printer.offset_y_mm


@bp.route("/certificates/<int:certificate_id>.pdf")
@login_required
def certificate_pdf(certificate_id: int):
    certificate = _load_certificate(certificate_id)
    try:
        output = PrintOutput(request.args.get("output", PrintOutput.PLAIN.value))
    except ValueError:
        abort(404)
    _printer, offset_x_mm, offset_y_mm = _printer_offsets(certificate)

    from dvkheo.certificates.render import render_certificates_pdf  # WeasyPrint loads only when a PDF is made

    pdf = render_certificates_pdf([certificate], output=output, offset_x_mm=offset_x_mm, offset_y_mm=offset_y_mm)
    response = send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=download_name(certificate),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _safe_back(target: str | None) -> str | None:
    # Only a path of this site: the hidden field must never send the user elsewhere.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/certificates/<int:certificate_id>/printed", methods=["POST"])
@login_required
def record_print(certificate_id: int):
    """Count one print of the certificate and audit it (who, which output, which printer and offsets)."""
    certificate = _load_certificate(certificate_id)
    form = RecordPrintForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        output = PrintOutput(form.output.data or PrintOutput.PLAIN.value)
    except ValueError:
        abort(400)
    printer, offset_x_mm, offset_y_mm = _printer_offsets(certificate, source={"printer": form.printer.data})
    # Counted in SQL: two offices printing at once must not lose a count.
    db.session.execute(
        sa.update(Certificate)
        .where(Certificate.id == certificate.id)
        .values(printed_count=Certificate.printed_count + 1)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "certificate",
        certificate.id,
        "print",
        current_user,
        details={
            "serial": certificate.serial,
            "output": output.value,
            "printer_id": printer.id if printer else None,
            "offset_x_mm": offset_x_mm,
            "offset_y_mm": offset_y_mm,
            "status": certificate.status.value,
        },
    )
    db.session.commit()
    count = db.session.scalar(sa.select(Certificate.printed_count).where(Certificate.id == certificate.id))
    flash(f"Đã ghi nhận in giấy khen số hiệu {certificate.serial} (lần in thứ {count}).", "success")
    back = _safe_back(form.next.data)
    return redirect(back or url_for("nominations.show", nomination_id=certificate.awardee.nomination_id))
