"""Pages of personal data: the public privacy page and request form, the secretary's request queue.

Public pages need no login. A request naming an email address waits for its owner to confirm it
through the emailed link (`/quyen-rieng-tu/xac-nhan/<token>`: a page with a button, so that a mail
scanner fetching the link confirms nothing). The queue ("Yêu cầu về dữ liệu cá nhân") shows a secretary the
requests about their committee's campaigns and an administrator every request; a request of
another committee answers 404. Each POST is one transaction (the operation audits, the view commits).
"""
from __future__ import annotations

import hashlib
import random

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.campaigns.models import Campaign
from dvkheo.core import audit
from dvkheo.core.confirm import Confirmation, ask, is_confirmed
from dvkheo.core.rules import RuleRefused
from dvkheo.core.timeutil import format_date, utcnow
from dvkheo.core.urls import paginate
from dvkheo.extensions import db, limiter
from dvkheo.privacy import notices, requests
from dvkheo.privacy.forms import ConfirmForm, DataRequestForm, HandleForm, VerifyIdentityForm
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


def _typed_contact_key() -> str:
    # A second limit per typed contact: nobody floods one mailbox with confirmation links from many addresses.
    return "data-request:" + hashlib.sha256(_mailbox(request.form.get("requester_contact")).encode()).hexdigest()


def _mailbox(typed: str | None) -> str:
    """One key per mailbox, however the address is dressed: case, quotes, a trailing dot, a +tag."""
    text = (typed or "").strip().lower().replace('"', "").rstrip(".")
    local, at, domain = text.partition("@")
    return f"{local.split('+', 1)[0]}{at}{domain.rstrip('.')}"


@bp.route("/quyen-rieng-tu/yeu-cau", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["DATA_REQUEST_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["DATA_REQUEST_RATE_LIMIT"], key_func=_typed_contact_key, methods=["POST"])
def new_request():
    """The public request form; a refused form comes back as typed (422)."""
    campaigns = _campaigns()
    form = DataRequestForm(campaigns=campaigns)
    if request.method == "GET" and request.args.get("dot", "").isdigit():
        form.campaign_id.data = int(request.args["dot"])
    if form.validate_on_submit():
        if form.is_bot:
            by_email = "@" in (form.requester_contact.data or "")
            flash(_thanks(f"DL-{random.randint(1, 999999):06d}", None, by_email), "info" if by_email else "success")
            return redirect(url_for(".check_email" if by_email else ".new_request"), 303)
        campaign = db.session.get(Campaign, form.campaign_id.data)
        item = requests.submit(
            campaign, RequestKind(form.kind.data), form.requester_name.data, form.requester_contact.data, form.details.data,
        )
        db.session.commit()
        flash(_thanks(requests.reference(item), item, item.by_email), "info" if item.by_email else "success")
        return redirect(url_for(".check_email" if item.by_email else ".new_request"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "privacy/request_form.html", form=form, notice=notices.notice_for("data_request"),
        request_days=notices.request_days(),
    ), status


@bp.route("/quyen-rieng-tu/yeu-cau/kiem-tra-thu")
def check_email():
    """Where an email request lands: open your mailbox and confirm (the flashed message carries the number)."""
    return render_template(
        "privacy/check_email.html", hours=requests.confirm_hours(), request_days=notices.request_days(),
    )


def _thanks(number: str, item: DataRequest | None, by_email: bool) -> str:
    if by_email:
        return (
            f"Đã ghi nhận yêu cầu số {number}, nhưng yêu cầu CHƯA được xử lý. Vui lòng mở hộp thư điện tử bạn vừa nhập "
            f"(xem cả mục Thư rác, Quảng cáo) và bấm đường dẫn xác nhận trong vòng {requests.confirm_hours()} giờ. "
            f"Sau khi bạn xác nhận, cơ quan tổ chức trả lời trong {notices.request_days()} ngày. "
            "Nếu không xác nhận, yêu cầu sẽ tự hủy."
        )
    due = item.due_at if item is not None else requests.due_at_for(utcnow())
    return (
        f"Đã nhận yêu cầu của bạn. Số tiếp nhận: {number}. Cơ quan tổ chức sẽ trả lời qua thông tin liên hệ bạn cung cấp "
        f"chậm nhất ngày {format_date(due)}. Cơ quan tổ chức sẽ liên hệ để xác minh danh tính của bạn trước khi "
        "xóa dữ liệu hoặc gửi dữ liệu cho bạn."
    )


INVALID_LINK = (
    "Đường dẫn xác nhận không đúng, đã hết hạn hoặc đã được sử dụng. Nếu bạn đã xác nhận rồi, yêu cầu của bạn đang "
    "được xử lý; nếu đường dẫn đã hết hạn, vui lòng gửi lại yêu cầu."
)


def _private(response):
    # The token is in the URL: no Referer to other sites, no copy in caches.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _invalid_link():
    return _private(make_response(render_template(
        "errors/link_invalid.html", message=INVALID_LINK,
        again_url=url_for("privacy.new_request"), again_label="Gửi yêu cầu mới",
        back_url=url_for("privacy.policy"), back_label="Chính sách bảo vệ dữ liệu cá nhân",
    ), 404))


@bp.route("/quyen-rieng-tu/xac-nhan/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["DATA_REQUEST_RATE_LIMIT"], methods=["POST"])
def confirm_request(token: str):
    """The emailed link: GET shows what is being confirmed and a button; POST confirms (once). A wrong,
    used or expired link: 404. Side effects of POST: see `requests.confirm`; one commit."""
    item = requests.find_pending(token)
    if item is None:
        return _invalid_link()
    form = ConfirmForm()
    if form.validate_on_submit():
        if not requests.confirm(item):
            db.session.rollback()
            return _invalid_link()
        db.session.commit()
        flash(
            f"Đã xác nhận yêu cầu số {requests.reference(item)}. Cơ quan tổ chức sẽ trả lời qua thư điện tử của bạn "
            f"chậm nhất ngày {format_date(item.due_at)}.", "success",
        )
        return redirect(url_for(".policy"), 303)
    status = 422 if request.method == "POST" else 200
    return _private(make_response(render_template(
        "privacy/confirm.html", item=item, form=form, reference=requests.reference(item),
        request_days=notices.request_days(),
        general_errors=["Phiên làm việc đã hết hạn; vui lòng tải lại trang rồi bấm xác nhận."] if status == 422 else [],
    ), status))


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


def _render(item: DataRequest, form: HandleForm, status: int = 200, general: list[str] | None = None,
            verify_form: VerifyIdentityForm | None = None):
    # An unconfirmed address is not looked up: nobody has shown it is theirs.
    voters, objections = ([], []) if item.awaiting_confirmation else requests.matching_records(item)
    can_handle = access.can_handle_data_requests(current_user, item.campaign)
    return render_template(
        "privacy/request.html", item=item, form=form, general_errors=general or [],
        verify_form=verify_form or VerifyIdentityForm(), blocked=requests.blocked_reasons(item) if can_handle else [],
        can_verify=can_handle and item.status in requests.OPEN_STATUSES and not item.identity_ok,
        actions=requests.available_actions(item, current_user), A=requests.RequestAction,
        history=audit.history("data_request", item.id), history_labels=requests.HISTORY_LABELS,
        reference=requests.reference(item), now=utcnow(), matches=(len(voters), len(objections)),
        erase_confirmation=erase_confirmation(item, (len(voters), len(objections))),
    ), status


def erase_confirmation(item: DataRequest, matches: tuple[int, int] | None = None) -> Confirmation:
    """What "Xóa, ẩn danh dữ liệu" asks; with `matches` (voters, objections) it says how many records."""
    voters, objections = matches if matches is not None else (
        (0, 0) if item.awaiting_confirmation else tuple(len(rows) for rows in requests.matching_records(item))
    )
    return Confirmation(
        question=f"Xóa, ẩn danh dữ liệu theo yêu cầu {requests.reference(item)}?",
        irreversible="Thư điện tử của người bình chọn và họ tên, liên hệ trong các phản ánh khớp với liên hệ của người yêu cầu "
        "bị xóa và không khôi phục được. Phiếu bình chọn và sổ cái bình chọn giữ nguyên.",
        button=requests.RequestAction.ERASE.label,
        details=(f"Bản ghi khớp: {voters} người bình chọn, {objections} phản ánh",),
        danger=True,
    )


@bp.route("/quan-ly/yeu-cau-du-lieu/<int:request_id>/<any(start, erase, complete, refuse):action>", methods=["POST"])
@login_required
def act(request_id: int, action: str):
    item = _load(request_id)
    form = HandleForm()
    if not form.validate_on_submit():
        return _render(item, form, 422, ["Phiên làm việc đã hết hạn hoặc yêu cầu không hợp lệ; vui lòng tải lại trang."])
    step = requests.RequestAction(action)
    # Erasing cannot be undone: asked first, unless it would be refused anyway (the refusal then says why).
    if step is requests.RequestAction.ERASE and not is_confirmed() and step in requests.available_actions(item, current_user):
        return ask(erase_confirmation(item), url_for(".request_detail", request_id=item.id))
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


@bp.route("/quan-ly/yeu-cau-du-lieu/<int:request_id>/xac-minh", methods=["POST"])
@login_required
def verify_identity(request_id: int):
    """The secretary records that they checked the identity of a requester without a confirmed email."""
    item = _load(request_id)
    form = VerifyIdentityForm()
    if not form.validate_on_submit():
        general = ["Phiên làm việc đã hết hạn; vui lòng tải lại trang."] if "csrf_token" in form.errors else []
        return _render(item, HandleForm(), 422, general or ["Chưa ghi nhận xác minh: vui lòng sửa mục được đánh dấu."], form)
    try:
        requests.verify_identity(item, current_user, form.note.data)
    except RuleRefused as refused:
        db.session.rollback()
        return _render(_load(request_id), HandleForm(), 422, [p.message for p in refused.problems], form)
    db.session.commit()
    flash("Đã ghi nhận việc xác minh danh tính người yêu cầu.", "success")
    return redirect(url_for(".request_detail", request_id=item.id), 303)


@bp.app_template_global("privacy_notice_for")
def privacy_notice_for(place: str, campaign=None):
    """Templates of other domains show the notice of their collecting place: privacy_notice_for("assisted", campaign)."""
    return notices.notice_for(place, campaign)
