"""Pages of personal data: the public privacy page and request form, the secretary's request queue.

Public pages need no login. The queue ("Yêu cầu về dữ liệu cá nhân") shows a secretary the
requests about their committee's campaigns and an administrator every request; a request of
another committee answers 404. Each POST is one transaction (the operation audits, the view commits).
"""
from __future__ import annotations

import random

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.campaigns.models import Campaign
from dvkheo.core import audit
from dvkheo.core.rules import RuleRefused
from dvkheo.core.timeutil import utcnow
from dvkheo.core.urls import paginate
from dvkheo.extensions import db, limiter
from dvkheo.privacy import notices, requests
from dvkheo.privacy.forms import DataRequestForm, HandleForm
from dvkheo.privacy.models import DataRequest, RequestKind, RequestStatus

bp = Blueprint("privacy", __name__)


def _campaigns() -> list[Campaign]:
    from dvkheo.voting import gallery

    return [row.campaign for row in gallery.public_campaigns()]


@bp.route("/quyen-rieng-tu")
def policy():
    return render_template(
        "privacy/policy.html", request_days=notices.request_days(), notice_version=notices.NOTICE_VERSION,
    )


@bp.route("/quyen-rieng-tu/yeu-cau", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["DATA_REQUEST_RATE_LIMIT"], methods=["POST"])
def new_request():
    """The public request form; a refused form comes back as typed (422)."""
    campaigns = _campaigns()
    form = DataRequestForm(campaigns=campaigns)
    if request.method == "GET" and request.args.get("dot", "").isdigit():
        form.campaign_id.data = int(request.args["dot"])
    if form.validate_on_submit():
        if form.is_bot:
            flash(_thanks(f"DL-{random.randint(1, 999999):06d}", None), "success")
            return redirect(url_for(".new_request"), 303)
        campaign = db.session.get(Campaign, form.campaign_id.data)
        item = requests.submit(
            campaign, RequestKind(form.kind.data), form.requester_name.data, form.requester_contact.data, form.details.data,
        )
        db.session.commit()
        flash(_thanks(requests.reference(item), item), "success")
        return redirect(url_for(".new_request"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "privacy/request_form.html", form=form, notice=notices.notice_for("data_request"),
        request_days=notices.request_days(),
    ), status


def _thanks(number: str, item: DataRequest | None) -> str:
    from dvkheo.core.timeutil import format_date

    due = item.due_at if item is not None else requests.due_at_for(utcnow())
    return (
        f"Đã nhận yêu cầu của bạn. Số tiếp nhận: {number}. Cơ quan tổ chức sẽ trả lời qua thông tin liên hệ bạn cung cấp "
        f"chậm nhất ngày {format_date(due)}."
    )


# --- the secretary's queue ----------------------------------------------------------------------


@bp.route("/quan-ly/yeu-cau-du-lieu")
@login_required
def queue():
    """Requests of the user's committee (all for an administrator), soonest deadline first; fixed query count."""
    if not access.can_see_data_request_queue(current_user):
        abort(403)
    status_arg = request.args.get("status", "").strip()
    status = RequestStatus(status_arg) if status_arg in RequestStatus._value2member_map_ else None
    page = paginate(requests.queue_query(current_user, status, open_only=status_arg == ""))
    return render_template(
        "privacy/queue.html", page=page, status=status, statuses=list(RequestStatus), showing_open=status_arg == "",
        now=utcnow(), reference=requests.reference,
    )


def _load(request_id: int) -> DataRequest:
    item = access.get_or_404(DataRequest, request_id)
    if not access.can_handle_data_requests(current_user, item.campaign):
        abort(404)
    return item


@bp.route("/quan-ly/yeu-cau-du-lieu/<int:request_id>")
@login_required
def request_detail(request_id: int):
    return _render(_load(request_id), HandleForm())


def _render(item: DataRequest, form: HandleForm, status: int = 200, general: list[str] | None = None):
    voters, objections = requests.matching_records(item)
    return render_template(
        "privacy/request.html", item=item, form=form, general_errors=general or [],
        actions=requests.available_actions(item, current_user), A=requests.RequestAction,
        history=audit.history("data_request", item.id), history_labels=requests.HISTORY_LABELS,
        reference=requests.reference(item), now=utcnow(), matches=(len(voters), len(objections)),
    ), status


@bp.route("/quan-ly/yeu-cau-du-lieu/<int:request_id>/<any(start, erase, complete, refuse):action>", methods=["POST"])
@login_required
def act(request_id: int, action: str):
    item = _load(request_id)
    form = HandleForm()
    if not form.validate_on_submit():
        return _render(item, form, 422, ["Phiên làm việc đã hết hạn hoặc yêu cầu không hợp lệ; vui lòng tải lại trang."])
    step = requests.RequestAction(action)
    try:
        requests.apply(item, step, current_user, form.answer.data or "")
    except RuleRefused as refused:
        db.session.rollback()
        item = _load(request_id)
        general = []
        for problem in refused.problems:
            if problem.field == "answer":
                form.answer.errors = [*form.answer.errors, problem.message]
            else:
                general.append(problem.message)
        return _render(item, form, 422, general or ["Chưa lưu được: vui lòng sửa mục được đánh dấu."])
    db.session.commit()
    flash(f"Đã ghi nhận: {step.label.lower()}.", "success")
    return redirect(url_for(".request_detail", request_id=item.id), 303)


@bp.app_template_global("privacy_notice_for")
def privacy_notice_for(place: str, campaign=None):
    """Templates of other domains show the notice of their collecting place: privacy_notice_for("assisted", campaign)."""
    return notices.notice_for(place, campaign)
