"""Printers of the organising unit and their calibration for pre-printed blanks ("phôi").

A campaign's committee sees its unit's printers; the unit's secretary or chair (or an
administrator) adds, recalibrates and removes them, and downloads a test page printed with a
printer's offsets. Campaigns and printers outside the user's scope answer 404; staff who may only
read get 403. Each POST is one transaction: the actions flush and audit, the view commits.
"""
from __future__ import annotations

import re
from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField

from dvkheo import access
from dvkheo.awards import operations as award_ops
from dvkheo.awards.forms import VNDecimalField, format_decimal
from dvkheo.awards.models import AwardForm
from dvkheo.campaigns.models import Campaign
from dvkheo.certificates import printers as printer_ops
from dvkheo.certificates.models import PrinterCalibration
from dvkheo.certificates.views import bp
from dvkheo.core.forms import EmptyForm
from dvkheo.core.rules import RuleRefused
from dvkheo.core.text import fold
from dvkheo.core.urls import query_int
from dvkheo.extensions import db

NOT_SAVED = "Vui lòng sửa các mục được đánh dấu bên dưới."


class PrinterForm(FlaskForm):
    name = StringField("Tên máy in", render_kw={"placeholder": "Ví dụ: Máy in phòng Văn thư", "maxlength": 120})
    offset_x_mm = VNDecimalField(
        "Độ lệch x (mm)", minimum=-printer_ops.OFFSET_LIMIT_MM, maximum=printer_ops.OFFSET_LIMIT_MM,
        range_message="Độ lệch x phải từ −50 đến 50 mm.", render_kw={"placeholder": "0", "size": 6},
    )
    offset_y_mm = VNDecimalField(
        "Độ lệch y (mm)", minimum=-printer_ops.OFFSET_LIMIT_MM, maximum=printer_ops.OFFSET_LIMIT_MM,
        range_message="Độ lệch y phải từ −50 đến 50 mm.", render_kw={"placeholder": "0", "size": 6},
    )

    def to_input(self) -> printer_ops.PrinterInput:
        return printer_ops.PrinterInput(self.name.data or "", self.offset_x_mm.data, self.offset_y_mm.data)

    def attach(self, problems) -> list[str]:
        for problem in problems:
            if problem.field in self:
                self[problem.field].errors = list(self[problem.field].errors) + [problem.message]
        return [problem.message for problem in problems]


def _edit_form(printer: PrinterCalibration, formdata=None) -> PrinterForm:
    # One form per row: the prefix keeps every input's id unique on the page.
    return PrinterForm(
        formdata=formdata, prefix=f"p{printer.id}",
        data={"name": printer.name, "offset_x_mm": printer.offset_x_mm, "offset_y_mm": printer.offset_y_mm},
    )


def _load_campaign(campaign_id: int) -> Campaign:
    """The campaign's printers page: its committee and an administrator; others 404 (or 403 if staff without the right)."""
    campaign = access.get_or_404(Campaign, campaign_id)
    if not access.can_view_review(current_user, campaign):
        abort(404)
    access.require(
        access.can_print_certificates(current_user, campaign)
        or access.can_manage_printers(current_user, campaign.organising_unit_id)
    )
    return campaign


def _load_printer(printer_id: int, *, manage: bool) -> PrinterCalibration:
    """A printer of the user's own unit (any administrator's); another unit's printer is a 404."""
    printer = access.get_or_404(PrinterCalibration, printer_id)
    own_unit = getattr(current_user, "unit_id", None) == printer.unit_id
    if not (own_unit or access.can_manage_printers(current_user, printer.unit_id)):
        abort(404)
    if manage:
        access.require(access.can_manage_printers(current_user, printer.unit_id))
    return printer


def _printer_campaign(printer: PrinterCalibration) -> Campaign:
    """The campaign page the user came from (`campaign_id` in the query): it must be organised by the printer's unit."""
    campaign = _load_campaign(query_int("campaign_id", 0, strict=True))
    if campaign.organising_unit_id != printer.unit_id:
        abort(404)
    return campaign


def _page(campaign: Campaign, *, add_form: PrinterForm | None = None, failed: tuple[int, PrinterForm] | None = None,
          errors: list[str] | None = None, status: int = 200):
    unit_id = campaign.organising_unit_id
    can_manage = access.can_manage_printers(current_user, unit_id)
    rows = printer_ops.printers_with_updater(unit_id)
    edit_forms = {}
    if can_manage:
        edit_forms = {printer.id: _edit_form(printer) for printer, _ in rows}
        if failed is not None:
            edit_forms[failed[0]] = failed[1]
    return render_template(
        "certificates/printers.html",
        campaign=campaign,
        rows=rows,
        can_manage=can_manage,
        add_form=(add_form or PrinterForm(formdata=None)) if can_manage else None,
        edit_forms=edit_forms,
        failed_id=failed[0] if failed else None,
        button_form=EmptyForm(),
        award_forms=award_ops.award_forms(campaign.id),
        errors=errors or [],
        mm=format_decimal,
        limit=printer_ops.OFFSET_LIMIT_MM,
    ), status


def _refused(refused: RuleRefused, form: PrinterForm) -> list[str]:
    db.session.rollback()
    if any(problem.rule == "permission" for problem in refused.problems):
        abort(403)
    return form.attach(refused.problems)


@bp.route("/certificates/campaigns/<int:campaign_id>/printers", methods=["GET", "POST"])
@login_required
def printers(campaign_id: int):
    campaign = _load_campaign(campaign_id)
    if request.method == "GET":
        return _page(campaign)
    access.require(access.can_manage_printers(current_user, campaign.organising_unit_id))
    form = PrinterForm()
    if not form.validate():
        return _page(campaign, add_form=form, errors=[NOT_SAVED], status=422)
    try:
        printer = printer_ops.create_printer(campaign.organising_unit_id, form.to_input(), current_user)
    except RuleRefused as refused:
        return _page(campaign, add_form=form, errors=_refused(refused, form), status=422)
    db.session.commit()
    flash(f"Đã thêm máy in “{printer.name}” (lệch x {format_decimal(printer.offset_x_mm)} mm, "
          f"y {format_decimal(printer.offset_y_mm)} mm).", "success")
    return redirect(url_for(".printers", campaign_id=campaign.id))


@bp.route("/certificates/printers/<int:printer_id>", methods=["POST"])
@login_required
def edit_printer(printer_id: int):
    printer = _load_printer(printer_id, manage=True)
    campaign = _printer_campaign(printer)
    form = _edit_form(printer, formdata=request.form)
    if not form.validate():
        return _page(campaign, failed=(printer.id, form), errors=[NOT_SAVED], status=422)
    try:
        changed = printer_ops.update_printer(printer, form.to_input(), current_user)
    except RuleRefused as refused:
        messages = _refused(refused, form)
        return _page(campaign, failed=(printer_id, form), errors=messages, status=422)
    db.session.commit()
    if changed:
        flash(f"Đã lưu máy in “{printer.name}” (lệch x {format_decimal(printer.offset_x_mm)} mm, "
              f"y {format_decimal(printer.offset_y_mm)} mm).", "success")
    else:
        flash("Không có thay đổi nào.", "info")
    return redirect(url_for(".printers", campaign_id=campaign.id))


@bp.route("/certificates/printers/<int:printer_id>/delete", methods=["POST"])
@login_required
def delete_printer(printer_id: int):
    printer = _load_printer(printer_id, manage=True)
    campaign = _printer_campaign(printer)
    if not EmptyForm().validate():
        abort(400)
    name = printer.name
    printer_ops.delete_printer(printer, current_user)
    db.session.commit()
    flash(f"Đã xóa máy in “{name}”. Các tệp in đã tạo vẫn giữ độ lệch lúc tạo.", "success")
    return redirect(url_for(".printers", campaign_id=campaign.id))


@bp.route("/certificates/printers/<int:printer_id>/test-page.pdf")
@login_required
def printer_test_page(printer_id: int):
    """A test page of `award_form`'s blank layout printed with this printer's offsets."""
    printer = _load_printer(printer_id, manage=False)
    award_form = db.session.get(AwardForm, query_int("award_form", 0, strict=True))
    if award_form is None or award_form.campaign.organising_unit_id != printer.unit_id:
        abort(404)
    campaign = award_form.campaign
    if not access.can_view_review(current_user, campaign):
        abort(404)
    access.require(
        access.can_print_certificates(current_user, campaign) or access.can_manage_printers(current_user, printer.unit_id)
    )
    from dvkheo.certificates.render import render_test_page_pdf

    pdf = render_test_page_pdf(award_form, printer.offset_x_mm, printer.offset_y_mm)
    slug = re.sub(r"[^a-z0-9]+", "-", fold(printer.name)).strip("-") or str(printer.id)
    return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=False, download_name=f"trang-in-thu-{slug}.pdf")
