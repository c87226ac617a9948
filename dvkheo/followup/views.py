"""Follow-up of recognised models, for staff: the list of requests, a request's page (the unit's answer, the
committee's review), opening a yearly round or an on-demand request, the models left unfollowed.

/theo-doi, /theo-doi/<id>, /theo-doi/mo-dot (POST), /mo-hinh/<id>/theo-doi (POST), /theo-doi/chua-theo-doi.
The public side (the history on the model's page) is rendered by the registry's view.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.core import audit
from dvkheo.core.rules import RuleRefused
from dvkheo.core.storage import UploadRejected, discard, send_stored, store_upload
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.core.urls import paginate
from dvkheo.extensions import db
from dvkheo.followup import queries, workflow
from dvkheo.followup.forms import AnswerForm, DeadlineForm, ReturnForm, RoundForm
from dvkheo.followup.models import FollowUp, FollowUpFile, FollowUpState
from dvkheo.nominations import operations as staging
from dvkheo.registry import queries as registry_queries
from dvkheo.registry.views import render_model_page

bp = Blueprint("followup", __name__)

MAX_FILES = 10
A = workflow.A


def _staff_only() -> None:
    if not (access.is_admin(current_user) or access.followup_committee_unit_id(current_user) is not None
            or (current_user.role in workflow.UNIT and current_user.unit_id is not None)):
        abort(403)


@bp.route("/theo-doi")
@login_required
def index():
    _staff_only()
    return _render_index()


def _render_index(round_form: RoundForm | None = None):
    """The list; `round_form` is a refused round, shown again with what the committee typed."""
    today = today_in_vietnam()
    filters = queries.ListFilters.parse(request.args)
    page = paginate(queries.list_query(current_user, filters, today), per_page=queries.PAGE_SIZE)
    if round_form is None:
        round_form = RoundForm(prefix="round")
        if access.followup_committee_unit_id(current_user) is not None:
            round_form.year.data = today.year
            round_form.due_on.data = workflow.default_due_on()
    return render_template(
        "followup/index.html", page=page, filters=filters, filter_args=filters.as_args(), today=today,
        states=list(FollowUpState), round_form=round_form,
        is_committee=access.followup_committee_unit_id(current_user) is not None,
    )


@bp.route("/theo-doi/mo-dot", methods=["POST"])
@login_required
def open_round():
    if access.followup_committee_unit_id(current_user) is None:
        abort(403)
    form = RoundForm(prefix="round")
    if form.validate_on_submit():
        try:
            opened = workflow.open_round(current_user.unit, form.year.data, current_user, form.due_on.data)
        except RuleRefused as refused:
            db.session.rollback()
            for problem in refused.problems:
                flash(problem.message, "error")
        else:
            db.session.commit()
            flash(f"Đã gửi {len(opened)} yêu cầu theo dõi năm {form.year.data}." if opened
                  else f"Mọi mô hình đều đã có yêu cầu theo dõi năm {form.year.data}; không gửi thêm.", "success")
            return redirect(url_for("followup.index"))
    else:
        flash("Chưa mở được đợt theo dõi: xem lỗi dưới từng ô.", "error")
    return _render_index(form), 422


@bp.route("/mo-hinh/<int:model_id>/theo-doi", methods=["POST"])
@login_required
def request_model(model_id: int):
    model = registry_queries.load_model(model_id)
    if model is None or not access.can_request_followup(current_user, model):
        abort(404)
    form = DeadlineForm(prefix="ask")
    if not form.validate_on_submit():
        flash("Chưa gửi được yêu cầu: xem lỗi dưới ô hạn trả lời.", "error")
        return render_model_page(model, ask_form=form), 422
    try:
        followup = workflow.open_on_demand(model, current_user, form.due_on.data)
    except RuleRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            flash(problem.message, "error")
        return render_model_page(model, ask_form=form), 422
    db.session.commit()
    flash("Đã gửi yêu cầu báo cáo theo dõi tới đơn vị.", "success")
    return redirect(url_for("followup.show", followup_id=followup.id))


@bp.route("/theo-doi/<int:followup_id>", methods=["GET", "POST"])
@login_required
def show(followup_id: int):
    followup = access.load_followup(followup_id)
    answer = AnswerForm(prefix="a", obj=followup if request.method == "GET" else None)
    if request.method == "GET" and followup.reported_status is not None:
        answer.reported_status.data = followup.reported_status.value
    return_form = ReturnForm(prefix="r")
    deadline_form = DeadlineForm(prefix="d", obj=followup if request.method == "GET" else None)
    problems: list[str] = []
    staged = []
    if request.method == "POST":
        action = request.form.get("action", "")
        if action not in A._value2member_map_:
            abort(400)
        action = A(action)
        if action in (A.SAVE, A.SEND):
            staged = staging.load_staged(answer.staged_uploads.data, current_user)
            result = _answer(followup, action, answer, staged, problems)
        else:
            result = _review(followup, action, return_form, deadline_form, problems)
        if result is not None:
            return result
    return render_template(
        "followup/show.html", followup=followup, model=followup.model, answer=answer, return_form=return_form,
        deadline_form=deadline_form, problems=problems, staged=staged, actions=workflow.available_actions(followup, current_user),
        A=A, today=today_in_vietnam(), max_files=MAX_FILES,
    ), (422 if problems else 200)


def _answer(followup: FollowUp, action, form: AnswerForm, staged: list, problems: list[str]):
    """Save or send the unit's answer with its new files; on any refusal keep what was typed and the files accepted."""
    form_ok = form.validate_on_submit()
    already = len(staged)
    # Someone who may not answer gets the workflow's refusal below, and none of their files is stored.
    may_answer = action in workflow.available_actions(followup, current_user)
    for upload in (form.evidence.data or []) if may_answer else []:
        if upload is None or not getattr(upload, "filename", ""):
            continue
        try:
            staged.append((store_upload(upload.stream, upload.filename), "evidence", None))
        except UploadRejected as error:
            form.evidence.errors = list(form.evidence.errors or []) + [str(error)]
            form_ok = False
    if len(followup.files) + len(staged) > MAX_FILES:
        form.evidence.errors = list(form.evidence.errors or []) + [f"Mỗi báo cáo có tối đa {MAX_FILES} tệp minh chứng."]
        for stored, _, _ in staged[already:]:
            discard(stored.stored_name)
        del staged[already:]
        form_ok = False
    if form_ok:
        try:
            workflow.apply(followup, action, current_user, **form.values())
            for stored, _purpose, _criterion in staged:
                attachment = FollowUpFile(
                    stored_name=stored.stored_name, original_name=stored.original_name,
                    content_type=stored.content_type, size_bytes=stored.size_bytes, sha256=stored.sha256,
                )
                followup.files.append(attachment)
                db.session.flush()
                audit.record("followup", followup.id, "attach", current_user,
                             details={"file_id": attachment.id, "name": attachment.original_name})
        except RuleRefused as refused:
            db.session.rollback()
            for problem in refused.problems:
                field = getattr(form, problem.field, None) if problem.field else None
                if field is not None:
                    field.errors = list(field.errors or []) + [problem.message]
                problems.append(problem.message)
        else:
            db.session.commit()
            flash(action.done, "success")
            return redirect(url_for("followup.show", followup_id=followup.id))
    else:
        problems.append("Báo cáo chưa được lưu: vui lòng sửa các mục được đánh dấu bên dưới.")
    form.staged_uploads.data = staging.dump_staged(staged, current_user)
    return None


def _review(followup: FollowUp, action, return_form: ReturnForm, deadline_form: DeadlineForm, problems: list[str]):
    options, reason = {}, None
    if action is A.RETURN:
        if not return_form.validate_on_submit():
            problems.extend(m for errors in return_form.errors.values() for m in errors)
            return None
        reason = return_form.reason.data
    elif action is A.RESCHEDULE:
        if not deadline_form.validate_on_submit():
            problems.extend(m for errors in deadline_form.errors.values() for m in errors)
            return None
        options["due_on"] = deadline_form.due_on.data
    try:
        workflow.apply(followup, action, current_user, reason=reason, **options)
    except RuleRefused as refused:
        db.session.rollback()
        problems.extend(p.message for p in refused.problems)
        return None
    db.session.commit()
    flash(action.done, "success")
    return redirect(url_for("followup.show", followup_id=followup.id))


@bp.route("/theo-doi/<int:followup_id>/tep/<int:file_id>")
@login_required
def download(followup_id: int, file_id: int):
    followup = access.load_followup(followup_id)
    attachment = db.session.get(FollowUpFile, file_id)
    if attachment is None or attachment.followup_id != followup.id:
        abort(404)
    return send_stored(
        attachment.stored_name, mimetype=attachment.content_type, as_attachment=True,
        download_name=attachment.original_name,
    )


@bp.route("/theo-doi/chua-theo-doi")
@login_required
def unfollowed():
    if access.followup_committee_unit_id(current_user) is None:
        abort(403)
    year = today_in_vietnam().year
    page = paginate(queries.unfollowed_query(current_user, year), per_page=queries.PAGE_SIZE)
    return render_template("followup/unfollowed.html", page=page, year=year, periods=queries.UNFOLLOWED_PERIODS)

