"""Administration of document systems ("thể thức văn bản"): list, create from a model, edit, delete."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.campaigns.forms import SESSION_EXPIRED
from dvkheo.core import audit
from dvkheo.core.forms import EmptyForm
from dvkheo.core.rules import RuleRefused
from dvkheo.documents import operations as ops
from dvkheo.documents.formats import DocumentFormat, issuer_example
from dvkheo.documents.forms import DocumentSystemForm
from dvkheo.documents.models import DocumentSystem
from dvkheo.extensions import db

bp = Blueprint("documents", __name__)


@bp.before_request
@login_required
def _administrators_only():
    access.require(access.can_manage_document_systems(current_user))


def _sample(fmt: DocumentFormat) -> dict:
    """A believable issuer for the sample: the Party's Ban, the Youth Union's committee, or a commune."""
    example = issuer_example(fmt)
    left_lines = tuple(line for line in (example.parent_body, example.issuing_body) if line)
    return ops.sample(fmt, example.code, example.in_text) | {"left_lines": left_lines, "place": example.place}


def _sample_of(form: DocumentSystemForm, fallback: DocumentFormat) -> tuple[dict, bool]:
    """The sample from the typed values when they make a valid system, else from `fallback` (and say so)."""
    settings = ops.cleaned(form.settings())
    if not ops.problems_of(form.name.data or "", settings):
        fmt = DocumentFormat.from_dict({**settings, "code": form.code.data or fallback.code, "name": form.name.data})
        return _sample(fmt), True
    return _sample(fallback), False


def _checked(form: DocumentSystemForm, *, creating: bool) -> bool:
    """The form's own checks and the operations' rules, all shown at once beside their fields."""
    ok = form.validate()
    problems = ops.problems_of(form.name.data or "", ops.cleaned(form.settings()))
    if creating:
        problems = ops.code_problems((form.code.data or "").strip().lower()) + problems
    form.attach([problem for problem in problems if not (problem.field in form and form[problem.field].errors)])
    return ok and not problems


@bp.route("/")
def index():
    systems = list(db.session.scalars(sa.select(DocumentSystem).order_by(DocumentSystem.builtin.desc(), DocumentSystem.name)))
    counts = ops.usage_counts()
    unchosen = counts.get(None, 0)
    return render_template(
        "documents/index.html",
        systems=systems,
        counts=counts,
        unchosen=unchosen,
        templates=ops.TEMPLATES,
        delete_form=EmptyForm(),
        deletable={system.id: ops.delete_problem(system) is None for system in systems},
        # Each system's sample number with its own example issuer's code: "05-QĐ/TĐTN" for the Youth Union's.
        sample_numbers={system.id: system.format.number_line(5, "QĐ", issuer_example(system.format).code)
                        for system in systems},
    )


@bp.route("/new", methods=["GET", "POST"])
def create():
    """A custom system, starting from the Party's, the State's, the Youth Union's example or an existing one (`from`).
    Side effects on success: one commit (the row and its audit event), a flash, a redirect to its edit page."""
    start_code, start, unknown = ops.starting_point(request.values.get("from"))
    if unknown and request.method == "GET":  # the page's own hidden "from" then names the Party's: said once
        flash(unknown, "warning")
    errors: list[str] = []
    if request.method == "POST":
        form = DocumentSystemForm()
    else:
        form = DocumentSystemForm(formdata=None, source=start)
        # A copy needs its own code and name; the model's are only a suggestion.
        form.code.data = "" if start_code in ("party", "state") else start.code
        form.name.data = "" if start_code in ("party", "state") else start.name
        if form.code.data and ops.code_problems(form.code.data):
            form.code.data = ""
    previewing = "preview" in request.form
    if request.method == "POST" and not previewing:
        if _checked(form, creating=True):
            try:
                system = ops.create_system(form.code.data, form.name.data, form.settings(), current_user, started_from=start_code)
            except RuleRefused as refused:
                db.session.rollback()
                errors = form.attach(refused.problems)
            else:
                db.session.commit()
                flash(f"Đã thêm thể thức văn bản “{system.name}”.", "success")
                return redirect(url_for(".edit", system_id=system.id))
        elif "csrf_token" in form and form.csrf_token.errors:
            errors = [SESSION_EXPIRED]
        else:
            errors = form.messages()
    if request.method == "POST":
        sample, from_typed = _sample_of(form, start)
    else:
        # Nothing typed yet: the form holds the model's values (its name and code left blank to fill in), so the
        # sample is the model's and there is no error to speak of.
        sample, from_typed = _sample(start), True
    return render_template(
        "documents/form.html", form=form, system=None, start_code=start_code, start=start, errors=errors,
        sample=sample, sample_from_typed=from_typed, history=[],
    ), (422 if errors else 200)


@bp.route("/<int:system_id>/edit", methods=["GET", "POST"])
def edit(system_id: int):
    """Every value of a system; "Xem trước" shows the sample from the typed values without saving.
    Side effects on save: one commit (the settings and an audit event with each change), a flash, a redirect."""
    system = access.get_or_404(DocumentSystem, system_id)
    errors: list[str] = []
    if request.method == "POST":
        form = DocumentSystemForm()
    else:
        form = DocumentSystemForm(formdata=None, source=system.format)
    form.code.data = system.code  # chosen once: award forms and the seeds find a system by it
    if request.method == "POST" and "preview" not in request.form:
        if _checked(form, creating=False):
            try:
                changed = ops.update_system(system, form.name.data, form.settings(), current_user)
            except RuleRefused as refused:
                db.session.rollback()
                errors = form.attach(refused.problems)
            else:
                db.session.commit()
                if changed:
                    flash(f"Đã lưu thể thức văn bản “{system.name}”.", "success")
                else:
                    flash("Không có thay đổi nào.", "info")
                return redirect(url_for(".index"))
        elif "csrf_token" in form and form.csrf_token.errors:
            errors = [SESSION_EXPIRED]
        else:
            errors = form.messages()
    sample, from_typed = _sample_of(form, system.format)
    return render_template(
        "documents/form.html", form=form, system=system, start_code=None, start=None, errors=errors,
        sample=sample, sample_from_typed=from_typed, history=audit.history("document_system", system.id),
        in_use=ops.usage_counts().get(system.id, 0),
        labels={field.name: field.label.text for field in form} | {"authority_prefixes": "Thẩm quyền ký", "name": "Tên thể thức"},
    ), (422 if errors else 200)


@bp.route("/<int:system_id>/delete", methods=["POST"])
def delete(system_id: int):
    """Delete a custom system no award form (or unit) uses. Side effects: one commit (the deletion and its audit)."""
    system = access.get_or_404(DocumentSystem, system_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name = system.name
    try:
        ops.delete_system(system, current_user)
    except RuleRefused as refused:
        db.session.rollback()
        flash(refused.problems[0].message, "error")
    else:
        db.session.commit()
        flash(f"Đã xóa thể thức văn bản “{name}”.", "success")
    return redirect(url_for(".index"))
