"""The committee's handling of objections ("Phản ánh, góp ý"): a campaign's list and one objection's page.

The secretary handles; the chair and an administrator read. Other committees, units and reviewers
get 404 (they learn nothing, not even that an objection exists); staff who may only read get 403
on every POST. Each POST is one transaction: the operation in `objections` changes, audits and
(for an upheld objection with a hold) moves the nomination; the view commits once or rolls back.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.core import audit
from dvkheo.core.forms import EmptyForm
from dvkheo.core.rules import RuleRefused
from dvkheo.core.urls import paginate, query_int
from dvkheo.extensions import db
from dvkheo.voting import objections
from dvkheo.voting.models import Objection, ObjectionStatus
from dvkheo.voting.objection_forms import AnswerForm
from dvkheo.voting.views import bp

SESSION_EXPIRED = "Phiên làm việc đã hết hạn hoặc yêu cầu không hợp lệ; vui lòng tải lại trang và thử lại."


def _load_objection(objection_id: int, *, handle: bool = False) -> Objection:
    objection = access.get_or_404(Objection, objection_id)
    campaign = objection.nomination.campaign
    if not access.can_view_review(current_user, campaign):
        abort(404)
    if handle:
        access.require(access.can_handle_objections(current_user, campaign))
    return objection


@bp.route("/quan-ly/dot/<int:campaign_id>/phan-anh", endpoint="objections")
@login_required
def objections_list(campaign_id: int):
    """Every objection of a campaign, newest first, filtered by status and nominee; fixed query count."""
    campaign = access.load_review_campaign(campaign_id)
    status_arg = request.args.get("status", "").strip()
    status = ObjectionStatus(status_arg) if status_arg in ObjectionStatus._value2member_map_ else None
    nominee_id = query_int("nominee")
    page = paginate(objections.list_query(campaign, status, nominee_id))
    counts = objections.status_counts(campaign)
    filter_args = {k: v for k, v in {"status": status.value if status else "", "nominee": nominee_id or ""}.items() if v}
    return render_template(
        "voting/objections.html",
        campaign=campaign,
        page=page,
        counts=counts,
        total=sum(counts.values()),
        statuses=list(ObjectionStatus),
        status=status,
        nominee_id=nominee_id,
        nominees=objections.nominees_with_objections(campaign),
        filter_args=filter_args,
        reference=objections.reference,
        can_handle=access.can_handle_objections(current_user, campaign),
    )


@bp.route("/quan-ly/phan-anh/<int:objection_id>")
@login_required
def objection(objection_id: int):
    item = _load_objection(objection_id)
    return _render(item, AnswerForm())


def _render(item: Objection, answer_form: AnswerForm, status: int = 200, general_errors: list[str] | None = None):
    campaign = item.nomination.campaign
    can_handle = access.can_handle_objections(current_user, campaign)
    return render_template(
        "voting/objection.html",
        objection=item,
        campaign=campaign,
        reference=objections.reference(item),
        history=audit.history("objection", item.id),
        history_labels=objections.HISTORY_LABELS,
        can_handle=can_handle,
        handling_open=can_handle and campaign.status in objections.HANDLING_PHASES,
        verify_form=EmptyForm(),
        answer_form=answer_form,
        general_errors=general_errors or [],
        S=ObjectionStatus,
    ), status


@bp.route("/quan-ly/phan-anh/<int:objection_id>/xac-minh", methods=["POST"])
@login_required
def verify_objection(objection_id: int):
    item = _load_objection(objection_id, handle=True)
    back = url_for(".objection", objection_id=item.id)
    if not EmptyForm().validate_on_submit():
        flash(SESSION_EXPIRED, "error")
        return redirect(back)
    try:
        objections.start_verification(item, current_user)
    except RuleRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            flash(problem.message, "error")
        return redirect(back)
    db.session.commit()
    flash("Đã chuyển phản ánh, góp ý sang xác minh.", "success")
    return redirect(back)


@bp.route("/quan-ly/phan-anh/<int:objection_id>/tra-loi", methods=["POST"])
@login_required
def answer_objection(objection_id: int):
    """The answer, the verdict and, when upheld, an optional hold: all in one transaction or none."""
    item = _load_objection(objection_id, handle=True)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _render(item, form, 422, ["Chưa lưu được câu trả lời: vui lòng sửa các mục được đánh dấu bên dưới."])
    try:
        objections.answer(
            item, current_user, form.answer.data, form.upheld_value,
            hold=bool(form.hold.data), hold_reason=form.hold_reason.data or "", hold_release_on=form.hold_release_on.data,
        )
    except RuleRefused as refused:
        db.session.rollback()
        item = _load_objection(objection_id, handle=True)
        general = []
        for problem in refused.problems:
            target = problem.field if problem.field and problem.field in form else None
            if target:
                form[target].errors = list(form[target].errors or []) + [problem.message]
            else:
                general.append(problem.message)
        return _render(item, form, 422, general or ["Chưa lưu được câu trả lời: vui lòng sửa các mục được đánh dấu bên dưới."])
    db.session.commit()
    held = item.upheld and form.hold.data
    flash("Đã trả lời phản ánh, góp ý" + (" và tạm dừng xét hồ sơ." if held else "."), "success")
    return redirect(url_for(".objection", objection_id=item.id))
