"""Administration of the organisation tree: browse, search, create, edit, move, import."""
from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from dvkheo.access import admin_required, get_or_404
from dvkheo.accounts.models import User
from dvkheo.core import audit
from dvkheo.core.storage import UploadRejected, clean_original_name
from dvkheo.core import search
from dvkheo.core.urls import paginate, query_int
from dvkheo.extensions import db
from dvkheo.units import importer, operations, picker
from dvkheo.units.forms import UnitForm, UnitImportForm
from dvkheo.units.models import UNIT_KIND_LABELS, Unit, subtree_condition
from dvkheo.units.operations import UnitError

bp = Blueprint("units", __name__)

# An import report longer than this is cut; the first errors are enough to fix a sheet's pattern.
SHOWN_ISSUES = 200
# A unit sheet is small text; 5 MB is already about 100,000 rows.
IMPORT_MAX_BYTES = 5 * 1024 * 1024
CODE_TAKEN = "Mã đơn vị này vừa được dùng cho đơn vị khác. Vui lòng chọn mã khác."


def _units_by_id(ids: set[int]) -> dict[int, Unit]:
    if not ids:
        return {}
    return {unit.id: unit for unit in db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)))}


def _ancestors(units: list[Unit]) -> dict[int, Unit]:
    """Every ancestor of the given units, loaded with one query (for breadcrumbs and "Thuộc")."""
    return _units_by_id({ancestor for unit in units for ancestor in unit.ancestor_ids[:-1]})


def _child_counts(unit_ids: list[int]) -> dict[int, int]:
    if not unit_ids:
        return {}
    rows = db.session.execute(
        sa.select(Unit.parent_id, sa.func.count()).where(Unit.parent_id.in_(unit_ids)).group_by(Unit.parent_id)
    )
    return {parent_id: count for parent_id, count in rows}


def _kind_choices() -> list[tuple[str, str]]:
    """Standard kinds, then any other kind already used in the tree (from an import)."""
    used = db.session.scalars(sa.select(Unit.kind).distinct())
    extra = sorted(kind for kind in used if kind and kind not in UNIT_KIND_LABELS)
    return [*UNIT_KIND_LABELS.items(), *((kind, kind) for kind in extra)]


def _field_error(form, error: UnitError) -> None:
    target = getattr(form, error.field or "", None) or form.code
    target.errors.append(str(error))


@bp.route("/")
@admin_required
def index():
    """Browse one level of the tree (`parent`), or search its whole subtree (`q`, `kind`)."""
    args = {key: request.args.get(key, "").strip() for key in ("q", "kind", "parent")}
    scope = None
    parent_id = query_int("parent", strict=True)
    if parent_id is not None:
        scope = get_or_404(Unit, parent_id)
    searching = bool(args["q"] or args["kind"])
    query = sa.select(Unit)
    if searching:
        if scope is not None:
            query = query.where(subtree_condition(scope), Unit.id != scope.id)
        if args["q"]:
            query = query.where(search.matches(args["q"], Unit.search_text))
        if args["kind"]:
            query = query.where(Unit.kind == args["kind"])
        query = query.order_by(Unit.depth, Unit.code)
    else:
        level = Unit.parent_id == scope.id if scope is not None else Unit.parent_id.is_(None)
        query = query.where(level).order_by(Unit.code)
    page = paginate(query)
    return render_template(
        "units/index.html",
        page=page,
        args=args,
        scope=scope,
        searching=searching,
        ancestors=_ancestors([*page.items, *([scope] if scope else [])]),
        child_counts=_child_counts([unit.id for unit in page.items]),
        kinds=_kind_choices(),
        filter_args={key: value for key, value in args.items() if value},
    )


def _unit_form(unit: Unit | None, parent_code: str | None = None) -> UnitForm:
    """The unit form with the document systems to choose from; "inherit" says what the unit would get."""
    from dvkheo.documents.letterhead import unit_format
    from dvkheo.documents.models import DocumentSystem, ensure_builtin_systems

    form = UnitForm(obj=unit)
    ensure_builtin_systems()
    systems = db.session.scalars(sa.select(DocumentSystem).order_by(DocumentSystem.id)).all()
    inherited = "Văn bản hành chính nhà nước"
    if unit is not None and unit.parent is not None:
        inherited = unit_format(unit.parent).name
    elif unit is None and parent_code:
        parent = operations.unit_by_code(parent_code.strip())
        if parent is not None:
            inherited = unit_format(parent).name
    form.set_systems(systems, inherited)
    if form.document_system_id.data is None or (request.method == "GET" and unit is not None):
        # Absent from a request (an older form, a script): keep what the unit has.
        form.document_system_id.data = (unit.document_system_id if unit is not None else None) or 0
    return form


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    """Add a unit; `?parent_code=` pre-fills the parent. Side effects on success: one commit
    (the unit and its audit event), a flash message, a redirect to the parent's list."""
    form = _unit_form(None, request.values.get("parent_code") or request.args.get("parent_code"))
    if request.method == "GET":
        form.parent_code.data = request.args.get("parent_code", "")
    parent_picker = picker.read(form.parent_code)
    if not parent_picker.searching and form.validate_on_submit():
        try:
            parent = operations.find_parent(form.parent_code.data)
            unit = operations.create_unit(
                code=form.code.data, name=form.name.data, kind=form.kind.data,
                parent=parent, active=form.active.data, actor=current_user,
                document_system_id=form.document_system_id.data or None,
            )
            db.session.commit()
        except UnitError as error:
            db.session.rollback()
            _field_error(form, error)
        except sa.exc.IntegrityError:  # another admin took the code between our check and the insert
            db.session.rollback()
            form.code.errors.append(CODE_TAKEN)
        else:
            flash(f"Đã thêm đơn vị “{unit.name}”.", "success")
            return redirect(url_for(".index", parent=unit.parent_id) if unit.parent_id else url_for(".index"))
    return render_template("units/form.html", form=form, unit=None, parent_picker=parent_picker)


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(unit_id: int):
    """Edit or move a unit, with its change history. Side effects on success: one commit (the
    unit, its descendants' paths when moved, an audit event), a flash message, a redirect."""
    unit = get_or_404(Unit, unit_id)
    form = _unit_form(unit)
    form.allow_kind(unit.kind)
    if request.method == "GET":
        form.parent_code.data = unit.parent.code if unit.parent else ""
    parent_picker = picker.read(form.parent_code)
    if not parent_picker.searching and form.validate_on_submit():
        try:
            parent = operations.find_parent(form.parent_code.data)
            changes = operations.update_unit(
                unit, code=form.code.data, name=form.name.data, kind=form.kind.data,
                parent=parent, active=form.active.data, actor=current_user,
                document_system_id=form.document_system_id.data or None,
            )
            db.session.commit()
        except UnitError as error:
            db.session.rollback()
            _field_error(form, error)
        except sa.exc.IntegrityError:
            db.session.rollback()
            form.code.errors.append(CODE_TAKEN)
        else:
            if not changes:
                flash("Không có thay đổi nào để lưu.", "info")
            elif "descendants_moved" in changes:
                flash(f"Đã lưu và chuyển “{unit.name}” cùng {changes['descendants_moved'][1]} đơn vị trực thuộc.", "success")
            else:
                flash(f"Đã lưu đơn vị “{unit.name}”.", "success")
            return redirect(url_for(".edit", unit_id=unit.id))
    return render_template(
        "units/form.html",
        form=form,
        unit=unit,
        ancestors=_ancestors([unit]),
        child_count=_child_counts([unit.id]).get(unit.id, 0),
        user_count=db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.unit_id == unit.id)),
        history=audit.history("unit", unit.id),
        kind_labels=UNIT_KIND_LABELS,
        parent_picker=parent_picker,
    )


@bp.route("/picker")
@admin_required
def picker_matches():
    """Units matching `q` (code or name, any case, with or without diacritics) for static/js/unit_picker.js."""
    units = picker.search(request.args.get("q", ""), limit=picker.MAX_MATCHES + 1)
    return jsonify(
        matches=[match.as_json() for match in picker.describe(units[: picker.MAX_MATCHES])],
        more=len(units) > picker.MAX_MATCHES,
    )


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def import_units():
    """Upload a CSV/XLSX; every row is checked and either all rows are written or none.

    Side effects on success: one commit (units and their audit events), a flash message with
    the counts, a redirect. On any row error nothing is written and the report is shown.
    """
    form = UnitImportForm()
    issues: list[importer.ImportIssue] = []
    if form.validate_on_submit():
        upload = form.file.data
        name = clean_original_name(upload.filename)
        try:
            sheet = importer.read_sheet(upload.stream, upload.filename, max_bytes=IMPORT_MAX_BYTES)
            result = importer.import_rows(sheet.rows, actor=current_user, source=f"file:{name}", columns=sheet.columns)
            db.session.commit()
        except UploadRejected as error:
            form.file.errors.append(str(error))
        except importer.ImportFailed as failure:
            db.session.rollback()
            issues = failure.issues
        except sa.exc.IntegrityError:  # the tree changed under us between the check and the write
            db.session.rollback()
            form.file.errors.append("Cây đơn vị vừa được người khác thay đổi. Vui lòng tải tệp lên lại.")
        else:
            flash(f"Đã nhập tệp “{name}”: {result.summary()}.", "success")
            return redirect(url_for(".index"))
    return render_template(
        "units/import.html",
        form=form,
        issues=issues[:SHOWN_ISSUES],
        hidden_issues=max(0, len(issues) - SHOWN_ISSUES),
        column_titles=importer.COLUMN_TITLES,
        kind_labels=UNIT_KIND_LABELS,
        max_mb=IMPORT_MAX_BYTES // (1024 * 1024),
    )


_TEMPLATE_TYPES = {
    "csv": ("text/csv", importer.template_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", importer.template_xlsx),
}


@bp.route("/import/mau.<fmt>")
@admin_required
def import_template(fmt: str):
    """Download the empty import template (CSV or XLSX) with its two example rows. No side effects."""
    if fmt not in _TEMPLATE_TYPES:
        abort(404)
    mimetype, build = _TEMPLATE_TYPES[fmt]
    return send_file(io.BytesIO(build()), mimetype=mimetype, as_attachment=True, download_name=f"mau-nhap-don-vi.{fmt}")
