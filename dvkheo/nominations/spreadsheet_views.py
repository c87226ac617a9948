"""Routes for paper-first intake via an XLSX template: download the template, upload it filled in."""
from __future__ import annotations

from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.campaigns.models import Campaign
from dvkheo.core.storage import clean_original_name
from dvkheo.core.urls import query_int
from dvkheo.extensions import db
from dvkheo.nominations import operations
from dvkheo.nominations import spreadsheet as sheets
from dvkheo.nominations.views import bp


@bp.route("/spreadsheet", methods=["GET", "POST"])
@login_required
def spreadsheet():
    access.require(access.can_nominate(current_user))
    campaigns = operations.open_campaigns_for(current_user.unit)
    selected_id = query_int("campaign", source=request.values)
    if selected_id is None and len(campaigns) == 1:
        selected_id = campaigns[0].id
    errors: list[sheets.RowError] = []
    filename = ""

    if request.method == "POST":
        campaign = next((c for c in campaigns if c.id == selected_id), None)
        upload = request.files.get("file")
        if campaign is None:
            errors.append(sheets.RowError(None, "", "Vui lòng chọn một đợt bình xét đang nhận hồ sơ của đơn vị."))
        if upload is None or not upload.filename:
            errors.append(sheets.RowError(None, "", "Vui lòng chọn tệp Excel (.xlsx) đã điền để tải lên."))
        if not errors:
            filename = clean_original_name(upload.filename)
            data = upload.stream.read(sheets.MAX_UPLOAD_BYTES + 1)
            result = sheets.parse_workbook(data, campaign, filename)
            if result.ok:
                created = sheets.import_rows(result.rows, campaign, current_user.unit, current_user, filename)
                db.session.commit()
                flash(f"Đã tạo {len(created)} hồ sơ nháp từ tệp Excel.", "success")
                return redirect(url_for(".index"))
            errors = result.errors

    return render_template(
        "nominations/spreadsheet.html",
        campaigns=campaigns,
        selected_id=selected_id,
        errors=errors,
        file_errors=[e for e in errors if e.row is None or not e.column],
        row_errors=[e for e in errors if e.row is not None and e.column],
        filename=filename,
        columns=sheets.COLUMNS,
        max_rows=sheets.MAX_ROWS,
        max_mb=sheets.MAX_UPLOAD_BYTES // (1024 * 1024),
    ), (422 if errors else 200)


@bp.route("/spreadsheet/template/<int:campaign_id>.xlsx")
@login_required
def spreadsheet_template(campaign_id: int):
    access.require(access.can_nominate(current_user))
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign not in operations.open_campaigns_for(current_user.unit):
        abort(404)
    return send_file(
        BytesIO(sheets.build_template(campaign)),
        mimetype=sheets.XLSX_MIMETYPE,
        as_attachment=True,
        download_name=f"mau-nhap-ho-so-dot-{campaign.id}.xlsx",
        max_age=0,
    )
