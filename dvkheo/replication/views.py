"""Replication ("Nhân rộng") of recognised models.

Staff: /nhan-rong (my unit's declarations, or those my committee confirms), /nhan-rong/moi (choose a model by
search), /nhan-rong/moi/<model id> (declare), /nhan-rong/<id> (read, confirm, return, withdraw),
/nhan-rong/<id>/sua (edit a draft or a returned one), /nhan-rong/<id>/lap-ho-so (a dossier from it).
Public: /mo-hinh/<model id>/nhan-rong/<id> (a confirmed replication, public fields only) and its resized photos.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.campaigns.models import Campaign
from dvkheo.core.filestore import store
from dvkheo.core.images import SIZES, ensure_thumbnail
from dvkheo.core.storage import UploadRejected, discard, send_stored, store_upload
from dvkheo.core.transition_views import perform
from dvkheo.core.urls import paginate
from dvkheo.extensions import db
from dvkheo.nominations import operations as nomination_ops
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.registry import queries as registry_queries
from dvkheo.registry.models import RegisteredModel
from dvkheo.replication import operations, queries, workflow
from dvkheo.replication.forms import ReplicationForm, ReturnForm
from dvkheo.replication.models import EDITABLE_STATES, Replication, ReplicationState, quoted
from dvkheo.voting.gallery_views import PHOTO_MAX_AGE

bp = Blueprint("replication", __name__)
bp.add_app_template_filter(quoted, "quoted")


@bp.route("/nhan-rong")
@login_required
def index():
    if current_user.role not in (*workflow.UNIT, *workflow.COMMITTEE) and not access.is_admin(current_user):
        abort(403)
    waiting = ReplicationState.SUBMITTED if current_user.role in workflow.COMMITTEE else ReplicationState.RETURNED
    query = access.visible_replications(current_user).options(
        so.joinedload(Replication.source_model), so.joinedload(Replication.unit)
    ).order_by((Replication.status == waiting).desc(), Replication.updated_at.desc(), Replication.id.desc())
    page = paginate(query, per_page=registry_queries.PAGE_SIZE)
    return render_template(
        "replication/index.html", page=page, waiting=waiting,
        can_declare=current_user.role in workflow.UNIT and current_user.unit is not None
        and current_user.unit.parent_id is not None,
    )


@bp.route("/nhan-rong/moi")
@login_required
def choose():
    """Find the model to replicate: the registry's word search, without my unit's own models."""
    access.require(access.can_nominate(current_user))
    q = (request.args.get("q") or "").strip()[:200]
    query = registry_queries.list_query(registry_queries.RegistryFilters(q=q)).where(
        RegisteredModel.unit_id != current_user.unit_id
    )
    page = paginate(query, per_page=registry_queries.PAGE_SIZE)
    return render_template("replication/choose.html", q=q, page=page)


@bp.route("/nhan-rong/moi/<int:model_id>", methods=["GET", "POST"])
@login_required
def declare(model_id: int):
    access.require(access.can_nominate(current_user))
    model = registry_queries.load_model(model_id)
    if model is None or not model.is_recognised:
        abort(404)
    if model.unit_id == current_user.unit_id:
        flash("Đơn vị không thể kê khai nhân rộng mô hình của chính mình.", "warning")
        return redirect(url_for("registry.model", model_id=model.id))
    access.require(access.can_declare_replication(current_user, model))
    unfinished = db.session.scalar(
        sa.select(Replication).where(
            Replication.source_model_id == model.id, Replication.unit_id == current_user.unit_id,
            Replication.status.in_(EDITABLE_STATES),
        ).order_by(Replication.id.desc()).limit(1)
    )
    if unfinished is not None:
        # One declaration per model at a time: the unit continues the one it began rather than starting over.
        flash("Đơn vị đã có bản kê khai nhân rộng mô hình này chưa gửi xong; vui lòng tiếp tục bản kê khai đó.", "info")
        return redirect(url_for(".edit", replication_id=unfinished.id))
    return _edit_form(model, None)


@bp.route("/nhan-rong/<int:replication_id>/sua", methods=["GET", "POST"])
@login_required
def edit(replication_id: int):
    replication = access.load_replication(replication_id)
    access.require(access.is_replication_unit_staff(current_user, replication) and replication.is_editable)
    return _edit_form(replication.source_model, replication)


def _stage(form, staged: list) -> bool:
    had_errors = False
    for upload in form.files.data or []:
        if upload is None or not getattr(upload, "filename", ""):
            continue
        try:
            stored = store_upload(upload.stream, upload.filename)
        except UploadRejected as error:
            form.files.errors = list(form.files.errors or []) + [str(error)]
            had_errors = True
            continue
        staged.append((stored, "evidence", None))
    return had_errors


def _edit_form(model: RegisteredModel, replication: Replication | None):
    form = ReplicationForm(obj=replication)
    staged = nomination_ops.load_staged(form.staged_uploads.data, current_user) if request.method == "POST" else []
    problems: list[str] = []
    if request.method == "POST":
        form_ok = form.validate()  # first: validate() resets every field's errors
        already = len(staged)
        upload_errors = _stage(form, staged)
        if form_ok and not upload_errors:
            try:
                return _save(form, model, replication, staged)
            except sa.exc.DBAPIError as error:
                if error.statement:
                    for stored, _purpose, _criterion in staged[already:]:
                        discard(stored.stored_name)
                raise
            except UploadRejected as error:
                db.session.rollback()
                problems.append(str(error))
            except workflow.TransitionRefused as refused:
                # The declaration was saved as a draft; say why it was not sent.
                problems.append("Đã lưu nháp, nhưng chưa gửi được vì:")
                for problem in refused.problems:
                    problems.append(problem.message)
                    if problem.field and problem.field in form:
                        form[problem.field].errors = list(form[problem.field].errors or []) + [problem.message]
                replication = db.session.get(Replication, refused.replication_id)
                staged = []
        else:
            problems.append("Bản kê khai chưa được lưu: vui lòng sửa các mục được đánh dấu bên dưới.")
        form.staged_uploads.data = nomination_ops.dump_staged(staged, current_user)
    return render_template(
        "replication/form.html", form=form, model=model, replication=replication, staged=staged, problems=problems,
    ), (422 if problems or form.errors else 200)


def _save(form, model: RegisteredModel, replication: Replication | None, staged: list):
    """One transaction: create or update the draft, attach the staged files, then send it if asked."""
    if replication is None:
        replication = operations.declare(model, current_user)
    operations.update(replication, {name: form[name].data for name in operations.FIELDS}, current_user)
    if staged:
        operations.attach_files(replication, [stored for stored, _, _ in staged], current_user)
    if form.wants_send:
        action = workflow.A.RESUBMIT if replication.status is ReplicationState.RETURNED else workflow.A.SUBMIT
        try:
            workflow.apply(replication, action, current_user)
        except workflow.TransitionRefused as refused:
            db.session.commit()  # what was typed is kept as a draft
            refused.replication_id = replication.id
            raise
        db.session.commit()
        flash(action.done, "success")
        return redirect(url_for(".show", replication_id=replication.id))
    db.session.commit()
    flash("Đã lưu nháp bản kê khai nhân rộng.", "success")
    return redirect(url_for(".edit", replication_id=replication.id))


@bp.route("/nhan-rong/<int:replication_id>")
@login_required
def show(replication_id: int):
    replication = access.load_replication(replication_id)
    return render_template(
        "replication/show.html",
        r=replication,
        actions=workflow.available_actions(replication, current_user),
        A=workflow.A,
        return_form=ReturnForm(),
        history=queries.history(replication),
        can_nominate=access.can_nominate_from_replication(current_user, replication),
        can_edit=access.is_replication_unit_staff(current_user, replication) and replication.is_editable,
    )


@bp.route("/nhan-rong/<int:replication_id>/thao-tac", methods=["POST"])
@login_required
def act(replication_id: int):
    replication = access.load_replication(replication_id)
    raw = request.form.get("action", "")
    if raw not in workflow.A._value2member_map_:
        abort(400)
    action = workflow.A(raw)
    reason = None
    if action is workflow.A.RETURN:
        form = ReturnForm()
        if not form.validate_on_submit():
            for errors in form.errors.values():
                for message in errors:
                    flash(message, "error")
            return redirect(url_for(".show", replication_id=replication.id))
        reason = form.reason.data
    return perform(
        lambda: workflow.apply(replication, action, current_user, reason=reason),
        url_for(".show", replication_id=replication.id), lambda: action.done,
    )


@bp.route("/nhan-rong/<int:replication_id>/tep/<int:file_id>")
@login_required
def download(replication_id: int, file_id: int):
    replication = access.load_replication(replication_id)
    item = next((f for f in replication.files if f.id == file_id), None)
    if item is None:
        abort(404)
    return send_stored(item.stored_name, mimetype=item.content_type, as_attachment=True, download_name=item.original_name)


@bp.route("/nhan-rong/<int:replication_id>/tep/<int:file_id>/xoa", methods=["POST"])
@login_required
def delete_file(replication_id: int, file_id: int):
    replication = access.load_replication(replication_id)
    access.require(access.is_replication_unit_staff(current_user, replication) and replication.is_editable)
    item = next((f for f in replication.files if f.id == file_id), None)
    if item is None:
        abort(404)
    operations.remove_file(replication, item, current_user)
    db.session.commit()
    flash(f"Đã xóa tệp “{item.original_name}”.", "success")
    return redirect(url_for(".edit", replication_id=replication.id))


@bp.route("/nhan-rong/<int:replication_id>/lap-ho-so", methods=["GET", "POST"])
@login_required
def nominate(replication_id: int):
    """"Lập hồ sơ đề nghị từ bản nhân rộng này": choose an open campaign, get a pre-filled draft dossier."""
    replication = access.load_replication(replication_id)
    access.require(access.can_nominate_from_replication(current_user, replication))
    campaigns = [c for c in nomination_ops.open_campaigns_for(replication.unit)
                 if replication.source_model.kind in c.allowed_kinds]
    if request.method == "POST":
        chosen = next((c for c in campaigns if str(c.id) == request.form.get("campaign_id", "")), None)
        if chosen is None:
            flash("Vui lòng chọn một đợt bình xét đang nhận hồ sơ của đơn vị.", "error")
        else:
            # A double click or a resent form opens the dossier already written from it, not a second one.
            existing = db.session.scalar(sa.select(Nomination).where(
                Nomination.source_replication_id == replication.id, Nomination.campaign_id == chosen.id,
                Nomination.status != NominationState.WITHDRAWN,
            ).limit(1))
            if existing is not None:
                flash("Đơn vị đã lập hồ sơ từ bản nhân rộng này trong đợt bình xét đã chọn; đây là hồ sơ đó.", "info")
                endpoint = "nominations.edit" if existing.status is NominationState.DRAFT else "nominations.show"
                return redirect(url_for(endpoint, nomination_id=existing.id))
            nomination = operations.nominate_from(replication, chosen, current_user)
            db.session.commit()
            flash("Đã lập hồ sơ nháp từ bản nhân rộng; vui lòng bổ sung các mục còn thiếu rồi nộp.", "success")
            return redirect(url_for("nominations.edit", nomination_id=nomination.id))
    return render_template("replication/nominate.html", r=replication, campaigns=campaigns)


# --- public --------------------------------------------------------------------------------------


def _public(model_id: int, replication_id: int) -> Replication:
    replication = queries.load_public(model_id, replication_id)
    if replication is None:
        abort(404)
    return replication


@bp.route("/mo-hinh/<int:model_id>/nhan-rong/<int:replication_id>")
def public(model_id: int, replication_id: int):
    replication = _public(model_id, replication_id)
    photos = [f for f in replication.files if f.is_image and ensure_thumbnail(f.stored_name, "small") is not None]
    return render_template("replication/public.html", r=replication, m=replication.source_model, photos=photos,
                           small=SIZES["small"])


@bp.route("/mo-hinh/<int:model_id>/nhan-rong/<int:replication_id>/anh/<int:attachment_id>/<any(small, medium):size>.jpg")
def photo(model_id: int, replication_id: int, attachment_id: int, size: str):
    """A resized JPEG of a confirmed replication's image evidence (the original file is never public)."""
    replication = _public(model_id, replication_id)
    item = next((f for f in replication.files if f.id == attachment_id and f.is_image), None)
    key = ensure_thumbnail(item.stored_name, size) if item is not None else None
    if key is None:
        abort(404)
    response = store().send(key, mimetype="image/jpeg", etag=f"{item.sha256[:32]}-{size}", max_age=PHOTO_MAX_AGE)
    response.cache_control.public = True
    return response
