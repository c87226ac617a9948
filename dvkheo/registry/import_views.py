"""Recording recognitions made elsewhere (`dvkheo.registry.importer`): upload, preview, confirm, history.

/mo-hinh/nhap (upload; templates mau.xlsx, mau.csv), /mo-hinh/nhap/<id> (preview of a waiting file, its
confirmation and discarding), /mo-hinh/nhap/lich-su (the committee's imports) and /mo-hinh/nhap/lich-su/<id>
(what one file brought). Only a committee's secretary and chair (`access.can_import_models`); a file is seen
by its committee only (404 elsewhere).
"""
from __future__ import annotations

import io

import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.core.rules import RuleRefused
from dvkheo.core.storage import UploadRejected
from dvkheo.core.urls import paginate
from dvkheo.extensions import db
from dvkheo.registry import import_workflow, importer
from dvkheo.registry.forms import ImportForm
from dvkheo.registry.models import ImportBatch, ImportState, RecognitionLevel
from dvkheo.registry.views import bp
from dvkheo.units.importer import ImportFailed

SHOWN_ISSUES = 500
HISTORY_PAGE = 20
DETAIL_PAGE = 100


def _require_committee() -> None:
    access.require(access.can_import_models(current_user))


def _load_batch(batch_id: int) -> ImportBatch:
    _require_committee()
    batch = db.session.get(
        ImportBatch, batch_id,
        options=[so.joinedload(ImportBatch.uploaded_by), so.joinedload(ImportBatch.imported_by), so.joinedload(ImportBatch.committee_unit)],
    )
    if batch is None or not access.can_handle_import(current_user, batch):
        abort(404)  # another committee learns nothing
    return batch


def _page(form, *, sheet=None, checked=None, issues=None, batch=None, problem=None):
    issues = issues if issues is not None else (checked.issues if checked is not None else [])
    return render_template(
        "registry/import.html",
        form=form,
        batch=batch,
        checked=checked,
        columns=sheet.columns if sheet is not None else {},
        issues=issues[:SHOWN_ISSUES],
        hidden_issues=max(0, len(issues) - SHOWN_ISSUES),
        problem=problem,
        spec=importer.COLUMNS,
        fields=importer.field_names(),
        levels=list(RecognitionLevel),
        max_mb=importer.MAX_BYTES // (1024 * 1024),
        max_rows=importer.MAX_ROWS,
        committee=current_user.unit,
    ), (422 if issues or problem else 200)


@bp.route("/mo-hinh/nhap", methods=["GET", "POST"])
@login_required
def import_upload():
    """Upload a file: read and check every row. A file without errors is kept (one transaction) and its preview
    opens at its own address; a file with errors is shown with them and nothing is kept."""
    _require_committee()
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(form)
    upload_file = form.file.data
    try:
        upload = importer.read_upload(upload_file.stream, upload_file.filename)
        sheet, checked = importer.check(upload, current_user.unit)
    except UploadRejected as refused:
        return _page(form, problem=str(refused))
    except ImportFailed as failed:
        return _page(form, issues=failed.issues)
    if not checked.ok:
        return _page(form, sheet=sheet, checked=checked)
    batch = importer.stage(upload, sheet, current_user)
    db.session.commit()
    return redirect(url_for("registry.import_preview", batch_id=batch.id))


@bp.route("/mo-hinh/nhap/<int:batch_id>")
@login_required
def import_preview(batch_id: int):
    """A waiting file, checked again against the registry as it is now: every row with the model it creates or
    joins. An imported file's address leads to its history page."""
    batch = _load_batch(batch_id)
    if batch.state is ImportState.IMPORTED:
        return redirect(url_for("registry.import_detail", batch_id=batch.id))
    if batch.state is ImportState.DISCARDED:
        flash("Tệp này đã bị hủy; vui lòng tải lên lại nếu cần nhập.", "info")
        return redirect(url_for("registry.import_upload"))
    try:
        sheet, checked = importer.check(importer.upload_of(batch), batch.committee_unit)
    except (UploadRejected, ImportFailed):  # a kept file was readable when kept; say so rather than fail
        abort(410)
    return _page(ImportForm(), sheet=sheet, checked=checked, batch=batch)


@bp.route("/mo-hinh/nhap/<int:batch_id>/xac-nhan", methods=["POST"])
@login_required
def import_confirm(batch_id: int):
    """Import the waiting file: all rows in one transaction or none; a second confirmation imports nothing."""
    batch = _load_batch(batch_id)
    try:
        checked = importer.confirm(batch, current_user)
        db.session.commit()
    except RuleRefused as refused:
        db.session.rollback()
        flash(" ".join(problem.message for problem in refused.problems), "error")
        if batch.state is ImportState.IMPORTED:
            return redirect(url_for("registry.import_detail", batch_id=batch.id))
        return redirect(url_for("registry.import_upload"))
    except ImportFailed as failed:
        db.session.rollback()
        # The registry changed since the preview (a model added, a unit moved): the same page, with the reasons.
        sheet, checked = importer.check(importer.upload_of(batch), batch.committee_unit)
        return _page(ImportForm(), sheet=sheet, checked=checked, batch=batch, issues=failed.issues)
    flash(
        f"Đã nhập {checked.created + checked.attached} lần công nhận từ tệp “{batch.filename}”; "
        f"{checked.created} mô hình, điển hình mới được đưa vào danh mục.",
        "success",
    )
    return redirect(url_for("registry.import_detail", batch_id=batch.id))


@bp.route("/mo-hinh/nhap/<int:batch_id>/huy", methods=["POST"])
@login_required
def import_discard(batch_id: int):
    batch = _load_batch(batch_id)
    try:
        import_workflow.apply(batch, import_workflow.A.DISCARD, current_user)
        db.session.commit()
    except RuleRefused as refused:
        db.session.rollback()
        flash(" ".join(problem.message for problem in refused.problems), "error")
    else:
        flash(f"Đã hủy tệp “{batch.filename}”; chưa có gì được nhập.", "success")
    return redirect(url_for("registry.import_upload"))


@bp.route("/mo-hinh/nhap/mau.<any(xlsx, csv):fmt>")
@login_required
def import_template(fmt: str):
    """The template: header, one example row naming one of the committee's units. No side effects."""
    _require_committee()
    if fmt == "xlsx":
        data, mimetype = importer.template_xlsx(current_user.unit), importer.XLSX_MIMETYPE
    else:
        data, mimetype = importer.template_csv(current_user.unit), "text/csv"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=f"mau-nhap-mo-hinh-da-cong-nhan.{fmt}", max_age=0)


@bp.route("/mo-hinh/nhap/lich-su")
@login_required
def import_history():
    _require_committee()
    page = paginate(
        access.import_batches(current_user)
        .where(ImportBatch.state == ImportState.IMPORTED)
        .options(so.joinedload(ImportBatch.imported_by), so.defer(ImportBatch.content))
        .order_by(ImportBatch.imported_at.desc(), ImportBatch.id.desc()),
        per_page=HISTORY_PAGE,
    )
    waiting = db.session.scalars(
        access.import_batches(current_user).where(ImportBatch.state == ImportState.PENDING)
        .options(so.joinedload(ImportBatch.uploaded_by), so.defer(ImportBatch.content))
        .order_by(ImportBatch.id.desc()).limit(20)
    ).all()
    return render_template("registry/import_history.html", page=page, waiting=waiting)


@bp.route("/mo-hinh/nhap/lich-su/<int:batch_id>")
@login_required
def import_detail(batch_id: int):
    """What one imported file brought: each model with its recognising body, decision number and date."""
    batch = _load_batch(batch_id)
    if batch.state is not ImportState.IMPORTED:
        return redirect(url_for("registry.import_preview", batch_id=batch.id))
    page = paginate(importer.imported_recognitions(batch), per_page=DETAIL_PAGE)
    return render_template("registry/import_detail.html", batch=batch, page=page)


@bp.route("/mo-hinh/nhap/lich-su/<int:batch_id>/tep")
@login_required
def import_file(batch_id: int):
    """The file as it was uploaded and imported (kept with the history)."""
    batch = _load_batch(batch_id)
    if batch.state is not ImportState.IMPORTED or not batch.content:
        abort(404)
    mimetype = importer.XLSX_MIMETYPE if batch.file_kind == "xlsx" else "text/csv"
    return send_file(io.BytesIO(batch.content), mimetype=mimetype, as_attachment=True,
                     download_name=f"nhap-mo-hinh-{batch.id}.{batch.file_kind}", max_age=0)

