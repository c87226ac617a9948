"""Password reset pages ("Quên mật khẩu?"): ask for a link, then set a new password through it.

The link's token stays in its URL only: the pages send `Referrer-Policy: no-referrer` (and say so
in a meta tag), are never cached, and nothing logs the token.
"""
from __future__ import annotations

import logging

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from dvkheo.accounts import auth, reset
from dvkheo.accounts.forms import PasswordResetForm, PasswordResetRequestForm
from dvkheo.accounts.views import bp
from dvkheo.core import security_log
from dvkheo.extensions import db, limiter

INVALID_LINK = (
    "Đường dẫn đặt lại mật khẩu không đúng, đã hết hạn hoặc đã được sử dụng. "
    "Vui lòng yêu cầu một đường dẫn mới."
)


def _reset_limit() -> str:
    return current_app.config.get("PASSWORD_RESET_RATE_LIMIT", "5 per 10 minutes")


def _typed_email_key() -> str:
    return "reset:" + auth.email_key(request.form.get("email") or "")


def _invalid_link_page() -> str:
    return render_template(
        "errors/link_invalid.html", message=INVALID_LINK,
        again_url=url_for("accounts.forgot_password"), again_label="Yêu cầu đường dẫn mới",
        back_url=url_for("accounts.login"), back_label="Quay lại đăng nhập",
    )


def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/account/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, key_func=get_remote_address, methods=["POST"])
@limiter.limit(_reset_limit, key_func=_typed_email_key, methods=["POST"])
def forgot_password():
    """Ask for a reset link. The same answer whether or not the address has an account. Limited per
    IP address and per typed address. Side effects: see `reset.request_reset`; one commit."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.change_password"))
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        reset.request_reset(form.email.data)
        db.session.commit()
        security_log.event("password_reset_requested", logging.INFO, email=security_log.email_tag(form.email.data))
        flash(reset.REQUESTED.format(minutes=reset.ttl_minutes()), "info")
        return redirect(url_for("accounts.login"), 303)
    return render_template("accounts/forgot.html", form=form)


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
# A password the policy refuses (422) costs no attempt: the limit is there against guessed links.
@limiter.limit(_reset_limit, key_func=get_remote_address, methods=["POST"], deduct_when=lambda response: response.status_code != 422)
def reset_password(token: str):
    """Set a new password through an emailed link. A wrong, expired or used link: 404 with a link to
    ask again. Side effects on success: see `reset.complete_reset`; one commit; the person then
    signs in with the new password (not signed in automatically)."""
    record = reset.find_valid(token)
    if record is None:
        return _private(make_response(_invalid_link_page(), 404))
    form = PasswordResetForm()
    form.account = record.user
    if form.validate_on_submit():
        if reset.complete_reset(record, form.new_password.data):
            db.session.commit()
            flash("Đã đặt mật khẩu mới. Mọi phiên đăng nhập cũ đã kết thúc; vui lòng đăng nhập bằng mật khẩu mới.", "success")
            return redirect(url_for("accounts.login"), 303)
        db.session.rollback()
        return _private(make_response(_invalid_link_page(), 404))
    status = 422 if form.errors else 200
    return _private(make_response(render_template("accounts/reset.html", form=form, account_email=record.user.email), status))
