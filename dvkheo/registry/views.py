"""The registry of models: public pages (no login) and the unit's and committee's work on a model's summary.

Public: /mo-hinh (search, filters, pages), /mo-hinh/<id> (a model's page, 410 once it is no longer
recognised), /mo-hinh/<id>/phieu.pdf (its one-page printable sheet), /mo-hinh/moi.atom (newly recognised models). Staff: /mo-hinh/<id>/tom-tat (write, submit,
approve, return: `dvkheo.registry.workflow`), /mo-hinh/tom-tat (the summaries waiting for me).
"""
from __future__ import annotations

from datetime import timezone

import sqlalchemy.orm as so
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.campaigns.models import NomineeKind
from dvkheo.core.filestore import store
from dvkheo.core.images import SIZES, ensure_thumbnail
from dvkheo.core.rules import RuleRefused
from dvkheo.core.timeutil import utcnow
from dvkheo.core.urls import paginate
from dvkheo.extensions import db
from dvkheo.registry import queries, workflow
from dvkheo.registry.forms import ReturnForm, SummaryForm
from dvkheo.replication import queries as replication_queries
from dvkheo.registry.models import ModelStatus, RecognitionLevel, RegisteredModel, SummaryState

from dvkheo.voting.gallery_views import PHOTO_MAX_AGE

bp = Blueprint("registry", __name__)

# Shared links need a raster picture (an SVG is not shown by social networks): this one, when a model has none.
DEFAULT_OG_IMAGE = "img/og-mo-hinh.png"


@bp.app_template_filter("atom_time")
def atom_time(value) -> str:
    """RFC 3339 in UTC, as Atom wants ("2026-11-20T08:30:00Z"); none means now."""
    value = value or utcnow()
    if value.tzinfo is None:  # SQLite gives back the UTC wall time
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def absolute(path: str) -> str:
    base = (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")
    return f"{base}{path}"


@bp.route("/mo-hinh")
def index():
    filters = queries.RegistryFilters.parse(request.args)
    page = paginate(
        queries.list_query(filters), per_page=queries.PAGE_SIZE,
        count_limit=queries.SEARCH_COUNT_LIMIT if filters.q else None,
    )
    return render_template(
        "registry/index.html",
        page=page,
        filters=filters,
        filter_args=filters.as_args(),
        choices=queries.filter_choices(filters),
        og_url=absolute(url_for("registry.index")),
        og_image=absolute(url_for("static", filename=DEFAULT_OG_IMAGE)),
        kinds=list(NomineeKind),
        levels=list(RecognitionLevel),
        statuses=list(ModelStatus),
    )


@bp.route("/mo-hinh/<int:model_id>")
def model(model_id: int):
    model = queries.load_model(model_id)
    if model is None:
        abort(404)
    if not model.is_recognised:
        # Gone on purpose, said so (a search engine drops it): its awards were all revoked.
        return render_template("registry/gone.html", model=model), 410
    return render_model_page(model)


def render_model_page(model: RegisteredModel, ask_form=None) -> str:
    """The model's public page; `ask_form` is a committee's refused follow-up request, shown with what it typed."""
    photos = [photo for photo in queries.photos(model) if ensure_thumbnail(photo.stored_name, "small") is not None]
    og_image = (
        absolute(url_for("registry.photo", model_id=model.id, attachment_id=photos[0].id, size="medium"))
        if photos else absolute(url_for("static", filename=DEFAULT_OG_IMAGE))
    )
    return render_template(
        "registry/model.html",
        model=model,
        recognitions=queries.forwarded_from(model),
        certificates=queries.valid_certificates(model.live_recognitions),
        photos=photos,
        small=SIZES["small"],
        og_url=absolute(url_for("registry.model", model_id=model.id)),
        og_image=og_image,
        can_edit=access.can_edit_model_summary(current_user, model),
        can_review=access.can_review_model_summary(current_user, model),
        **_followup_context(model, ask_form),
        replications=replication_queries.confirmed_of(model) if model.replication_count else [],
        can_replicate=access.can_declare_replication(current_user, model),
    )


def _followup_context(model: RegisteredModel, ask_form=None) -> dict:
    """The public history of accepted follow-ups (one query, capped), and for a committee that may ask, its
    request in progress (one more query) and the form to ask."""
    from dvkheo.followup import queries as followup_queries, workflow as followup_workflow
    from dvkheo.followup.forms import DeadlineForm

    history = followup_queries.history(model)
    context = {"history": history, "charts": followup_queries.history_charts(history), "ask_form": None, "pending": None}
    if access.can_request_followup(current_user, model):
        context["pending"] = followup_queries.pending_for_model(model)
        if ask_form is None:
            ask_form = DeadlineForm(prefix="ask")
            ask_form.due_on.data = followup_workflow.default_due_on()
        context["ask_form"] = ask_form
    return context


@bp.route("/mo-hinh/<int:model_id>/anh/<int:attachment_id>/<any(small, medium):size>.jpg")
def photo(model_id: int, attachment_id: int, size: str):
    """A resized JPEG of a recognised model's public photo (resized and cached as the gallery's are)."""
    model = queries.load_model(model_id)
    if model is None or not model.is_recognised:
        abort(404)
    attachment = next((p for p in queries.photos(model) if p.id == attachment_id), None)
    key = ensure_thumbnail(attachment.stored_name, size) if attachment is not None else None
    if key is None:
        abort(404)
    response = store().send(key, mimetype="image/jpeg", etag=f"{attachment.sha256[:32]}-{size}", max_age=PHOTO_MAX_AGE)
    response.cache_control.public = True
    return response


@bp.route("/mo-hinh/<int:model_id>/phieu.pdf")
def sheet(model_id: int):
    """The printable one-page model sheet (public data only); answered 304 while nothing on it changed."""
    model = queries.load_model(model_id)
    if model is None:
        abort(404)
    if not model.is_recognised:
        return render_template("registry/gone.html", model=model), 410
    # Imported here: WeasyPrint takes about a second to import (see dvkheo.core.pdf).
    from dvkheo.registry.sheet import Sheet

    prepared = Sheet(model)
    if request.if_none_match.contains(prepared.etag):
        response = make_response("", 304)
    else:
        response = make_response(prepared.pdf())
        response.mimetype = "application/pdf"
        response.headers["Content-Disposition"] = f'inline; filename="phieu-gioi-thieu-mo-hinh-{model.id}.pdf"'
    response.set_etag(prepared.etag)
    # Public data: shared caches may keep it, but must ask again (a summary or photo can be approved any day).
    response.headers["Cache-Control"] = "public, no-cache"
    return response


@bp.route("/mo-hinh/moi.atom")
def feed():
    models = queries.newest()
    body = render_template(
        "registry/feed.atom",
        models=models,
        feed_url=absolute(url_for("registry.feed")),
        home_url=absolute(url_for("registry.index")),
        absolute=absolute,
    )
    response = make_response(body)
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    return response


# --- the public summary -------------------------------------------------------------------------


def _load_for_summary(model_id: int) -> RegisteredModel:
    model = queries.load_model(model_id)
    if model is None:
        abort(404)
    if not (access.can_edit_model_summary(current_user, model) or access.can_review_model_summary(current_user, model)):
        abort(404)  # another unit learns nothing
    return model


@bp.route("/mo-hinh/<int:model_id>/tom-tat", methods=["GET", "POST"])
@login_required
def summary(model_id: int):
    model = _load_for_summary(model_id)
    candidates = queries.candidate_photos(model)
    form = SummaryForm(prefix="s", candidates=candidates)
    return_form = ReturnForm(prefix="r")
    problems = []
    if request.method == "GET":
        form.text.data = model.summary_draft or model.public_summary
        form.photos.data = sorted(workflow.draft_photo_ids(model))
    else:
        action = request.form.get("action", "")
        if action not in workflow.A._value2member_map_ or action == workflow.A.IMPORT.value:
            abort(400)  # a summary arrives by import only with its file (import_views)
        action = workflow.A(action)
        if action in (workflow.A.EDIT, workflow.A.SUBMIT):
            valid = form.validate_on_submit()
        elif action is workflow.A.RETURN:
            valid = return_form.validate_on_submit()
        else:
            valid = SummaryForm(prefix="x").validate_on_submit()
        if valid:
            try:
                if action is workflow.A.SUBMIT:
                    _save_typed_and_submit(model, form)
                else:
                    workflow.apply(
                        model, action, current_user,
                        reason=return_form.reason.data if action is workflow.A.RETURN else None,
                        text=form.text.data, photo_ids=form.photos.data,
                    )
            except RuleRefused as refused:
                db.session.rollback()
                problems = [p.message for p in refused.problems]
            else:
                db.session.commit()
                flash(action.done, "success")
                return redirect(url_for("registry.summary", model_id=model.id))
        elif action in (workflow.A.EDIT, workflow.A.SUBMIT):
            problems = [error for field in form for error in field.errors if field.name != "csrf_token"] or [
                "Phiên làm việc đã hết hạn; vui lòng gửi lại."
            ]
    actions = workflow.available_actions(model, current_user)
    return render_template(
        "registry/summary.html",
        model=model,
        form=form,
        return_form=return_form,
        problems=problems,
        actions=actions,
        # Sending what is on screen saves it first: offered wherever the unit may write.
        can_send=workflow.A.EDIT in actions or workflow.A.SUBMIT in actions,
        candidates=candidates,
        public_photo_ids={photo.id for photo in queries.photos(model)},
        draft_ids=workflow.draft_photo_ids(model),
        A=workflow.A,
    ), (422 if problems else 200)


def _save_typed_and_submit(model: RegisteredModel, form: SummaryForm) -> None:
    """ "Gửi duyệt" sends what the unit sees: the typed text and ticked photos are saved as the draft first (when
    they differ from it), in the same transaction as the submission."""
    typed = (form.text.data or "").strip()
    chosen = set(form.photos.data or [])
    if model.summary_state is not SummaryState.DRAFT or typed != model.summary_draft or chosen != workflow.draft_photo_ids(model):
        workflow.apply(model, workflow.A.EDIT, current_user, text=typed, photo_ids=sorted(chosen))
    workflow.apply(model, workflow.A.SUBMIT, current_user)


@bp.route("/mo-hinh/<int:model_id>/tom-tat/anh/<int:attachment_id>.jpg")
@login_required
def candidate_photo(model_id: int, attachment_id: int):
    """A small copy of an evidence image the unit may choose, for the unit and the committee only (not public)."""
    model = _load_for_summary(model_id)
    attachment = next((p for p in queries.candidate_photos(model) if p.id == attachment_id), None)
    key = ensure_thumbnail(attachment.stored_name, "small") if attachment is not None else None
    if key is None:
        abort(404)
    response = store().send(key, mimetype="image/jpeg", etag=f"{attachment.sha256[:32]}-small", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/mo-hinh/tom-tat")
@login_required
def summaries():
    """The models whose summary I write (my unit's) or approve (my committee's awards), waiting ones first."""
    if access.is_admin(current_user) or current_user.role not in (*workflow.UNIT, *workflow.COMMITTEE):
        abort(403)
    if current_user.role in workflow.COMMITTEE:
        query = access.reviewable_models(current_user)
        waiting = SummaryState.SUBMITTED
    else:
        query = access.editable_models(current_user)
        waiting = SummaryState.RETURNED
    page = paginate(
        query.options(so.joinedload(RegisteredModel.unit))
        .order_by((RegisteredModel.summary_state == waiting).desc(), RegisteredModel.id.desc()),
        per_page=queries.PAGE_SIZE,
    )
    return render_template("registry/summaries.html", page=page, waiting=waiting)


from dvkheo.registry import import_views  # noqa: E402,F401  (routes on this blueprint)
