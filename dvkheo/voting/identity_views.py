"""Citizens identify themselves for one campaign (no account): the identify page, the email code
page and signing out. Whatever the method, success signs the voter in for this campaign only and
leads to the ballot (`voting.ballot`).

Nothing here shows or logs a person's email or identity number: the session keeps the address's
keyed hash while a code is pending, and the voter's id once identified. Rate limits (Flask-Limiter):
per IP address and per typed identity (the keyed hash of the email or the number) on the identify
page, per IP address on the code page.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address

from dvkheo import access
from dvkheo.campaigns.models import Campaign
from dvkheo.core.forms import EmptyForm
from dvkheo.core.outbox_views import outbox_open_to_this_request
from dvkheo.core.rules import RuleRefused
from dvkheo.extensions import db, limiter
from dvkheo.privacy import notices
from dvkheo.voting import identity
from dvkheo.voting.identity_forms import CodeForm
from dvkheo.voting.session import current_voter, end_voter_session, sign_in_voter
from dvkheo.voting.models import VoteChannel
from dvkheo.voting.views import bp

CODE_SENT = (
    "Nếu địa chỉ bạn nhập đúng, mã xác thực gồm 6 chữ số đã được gửi tới hộp thư đó "
    "(có thể nằm trong mục Thư rác, Quảng cáo). Vui lòng nhập mã dưới đây."
)
ASSISTED_ALREADY = (
    "Bạn đã bình chọn có hỗ trợ tại địa phương nên không bình chọn trực tuyến thêm được; "
    "mỗi người chỉ bình chọn theo một cách. Các mã xác nhận bình chọn của bạn có trong trang phiếu bình chọn."
)


def _challenge_key(campaign_id: int) -> str:
    return f"voter_challenge:{campaign_id}"


# --- rate limits -------------------------------------------------------------------------------


def _identify_limit() -> str:
    return current_app.config["EMAIL_CODE_RATE_LIMIT"]


def _code_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _typed_identity() -> str | None:
    """The keyed hash of the email or identity number being posted (never the value itself)."""
    email = (request.form.get("email") or "").strip()
    if email:
        return "email:" + identity.email_hash(email)
    number = identity.normalise_id_number(request.form.get("id_number"))
    if number:
        return "list:" + identity.id_number_hash(number)
    return None


def _identity_key() -> str:
    return f"identify:{(request.view_args or {}).get('campaign_id')}:{_typed_identity()}"


def _no_identity() -> bool:
    return _typed_identity() is None


# --- helpers -----------------------------------------------------------------------------------


def _public_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not access.is_public(campaign):
        abort(404)
    return campaign


def _closed_message(campaign: Campaign) -> str | None:
    """Why the campaign takes no votes now (the ledger's wording), or None while it does."""
    try:
        identity.check_taking_votes(campaign)
    except RuleRefused as refused:
        return refused.problems[0].message
    return None


def _attach(form, refused: RuleRefused, general: list[str]) -> None:
    for problem in refused.problems:
        field = getattr(form, problem.field, None) if problem.field else None
        if field is not None:
            field.errors = [*field.errors, problem.message]
        else:
            general.append(problem.message)


def _signed_in(campaign: Campaign, voter) -> object:
    sign_in_voter(voter)
    if voter.channel is VoteChannel.ASSISTED:
        flash(ASSISTED_ALREADY, "warning")
    else:
        flash("Xác thực thành công. Mời bạn bình chọn.", "success")
    return redirect(url_for("voting.ballot", campaign_id=campaign.id), 303)


def _page(template: str, campaign: Campaign, form, general: list[str], **context):
    status = 422 if request.method == "POST" and (general or form.errors) else 200
    response = current_app.make_response((render_template(
        template,
        campaign=campaign,
        form=form,
        general_errors=general,
        closed=_closed_message(campaign),
        voter=current_voter(campaign.id),
        sign_out_form=EmptyForm(),
        dev_outbox=outbox_open_to_this_request(),
        **context,
    ), status))
    response.headers["Cache-Control"] = "no-store"
    return response


# --- pages -------------------------------------------------------------------------------------


@bp.route("/dot/<int:campaign_id>/xac-thuc", methods=["GET", "POST"])
@limiter.limit(_identify_limit, key_func=get_remote_address, methods=["POST"])
@limiter.limit(_identify_limit, key_func=_identity_key, methods=["POST"], exempt_when=_no_identity)
def identify(campaign_id: int):
    """The campaign's identification form (email, or identity number + name + birth date).

    Side effects on success: email method: the address's earlier codes deleted, a new code stored
    (hashed) and sent, the address's keyed hash kept in the session, one commit, then the code
    page; voter list: the voter created on first identification, signed in, one commit, then the
    ballot. A filled-in honeypot gets the same answer as a person and changes nothing.
    """
    campaign = _public_campaign(campaign_id)
    method = identity.method_for(campaign)
    form = method.form_class()
    general: list[str] = []
    if form.validate_on_submit():
        if form.is_bot:
            if method.sends_code:
                flash(CODE_SENT, "info")
                return redirect(url_for("voting.identify_code", campaign_id=campaign.id), 303)
            general.append(identity.NO_MATCH)
        else:
            try:
                outcome = method.begin(campaign, form)
            except RuleRefused as refused:
                db.session.rollback()
                _attach(form, refused, general)
            else:
                if outcome.voter is not None:
                    response = _signed_in(campaign, outcome.voter)
                    db.session.commit()
                    return response
                session[_challenge_key(campaign.id)] = outcome.challenge
                db.session.commit()
                flash(CODE_SENT, "info")
                return redirect(url_for("voting.identify_code", campaign_id=campaign.id), 303)
    notice = notices.notice_for("email" if method.sends_code else "voter_list", campaign)
    return _page("voting/identify.html", campaign, form, general, method=method, privacy_notice=notice)


@bp.route("/dot/<int:campaign_id>/nhap-ma", methods=["GET", "POST"])
@limiter.limit(_code_limit, key_func=get_remote_address, methods=["POST"])
def identify_code(campaign_id: int):
    """Type the emailed code. Side effects: the try is counted (committed even when wrong); on
    success the code is marked used, the voter created on first identification and signed in."""
    campaign = _public_campaign(campaign_id)
    method = identity.method_for(campaign)
    challenge = session.get(_challenge_key(campaign.id))
    if not method.sends_code or not challenge:
        flash("Vui lòng nhập thông tin để nhận mã xác thực trước.", "info")
        return redirect(url_for("voting.identify", campaign_id=campaign.id))
    form = CodeForm()
    general: list[str] = []
    if form.validate_on_submit():
        if form.is_bot:
            form.code.errors.append("Mã xác thực không đúng.")
        else:
            try:
                voter = method.confirm(campaign, challenge, form.code.data)
            except RuleRefused as refused:
                db.session.commit()  # a wrong try stays counted
                _attach(form, refused, general)
            else:
                response = _signed_in(campaign, voter)
                db.session.commit()
                return response
    return _page("voting/identify_code.html", campaign, form, general, method=method)


@bp.route("/dot/<int:campaign_id>/thoat", methods=["POST"])
def sign_out(campaign_id: int):
    """End the voter's session for good (a shared computer at a commune office): the voter's session
    version is bumped, so this cookie and any copy of it no longer identify them. One commit."""
    campaign = _public_campaign(campaign_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    end_voter_session(campaign.id)
    session.pop(_challenge_key(campaign.id), None)
    db.session.commit()
    flash("Bạn đã thoát khỏi phiên bình chọn trên máy này.", "info")
    response = redirect(url_for("voting.identify", campaign_id=campaign.id), 303)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
