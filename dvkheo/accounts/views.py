from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user, user_loaded_from_cookie

from dvkheo.accounts import api_tokens, auth, reset
from dvkheo.accounts.forms import LoginForm, PasswordChangeForm
from dvkheo.core import audit, security_log
from dvkheo.core.forms import EmptyForm
from dvkheo.extensions import db, limiter

bp = Blueprint("accounts", __name__)

MUST_CHANGE = (
    "Mật khẩu của bạn do quản trị viên đặt. Vui lòng đổi sang mật khẩu của riêng bạn "
    "trước khi tiếp tục làm việc."
)
# What a person with a must-change-password flag may still reach.
_OPEN_WHILE_FORCED = {"accounts.change_password", "accounts.logout", "static"}


def _safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None. Browsers read a backslash as a slash and
    drop tabs and newlines, so "/\\evil.example" or "/\\t/evil.example" would mean another host:
    such targets are refused outright rather than left to the encoding of the Location header."""
    if not target or "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


SESSION_EXPIRED = "Phiên đăng nhập đã hết hạn (quá lâu không thao tác, hoặc đã quá {hours} giờ kể từ khi đăng nhập). Vui lòng đăng nhập lại."


def _end_session_and_remember_cookie() -> None:
    # In this order: logout_user() marks the remember cookie for deletion inside the session, which a
    # later session.clear() would erase (the cookie then stayed in the browser for 30 days).
    session.clear()
    logout_user()


def _remember_from_now(user) -> None:
    """A "Ghi nhớ" sign-in: the remember cookie (written from `_user_id`) carries its issue time,
    checked by the user loader, so a copy of it dies 30 days after this login on the server too."""
    session["_user_id"] = f"{user.get_id()}:{int(time.time())}"
    session["remembered"] = True


@user_loaded_from_cookie.connect
def _session_from_remember_cookie(_app, user=None) -> None:
    session["remembered"] = True
    session["signed_in_at"] = session["seen_at"] = int(time.time())


@bp.before_app_request
def _session_time_limits():
    """A sign-in without "Ghi nhớ đăng nhập" ends after SESSION_IDLE_MINUTES without a request and
    SESSION_MAX_HOURS after the login, whatever happens in between (ASVS 5.0 7.3.1, 7.3.2).

    Both times travel in the signed session cookie, so a copy of the cookie expires with it. The
    remember cookie is the person's explicit choice to stay signed in on this device (30 days at most):
    a session started by it, or by a login with "Ghi nhớ", carries `remembered` in the signed cookie.
    """
    if "_user_id" not in session or request.endpoint == "static":
        return None
    if session.get("remembered"):  # set in the signed session, never taken from a cookie's mere presence
        return None
    now = int(time.time())
    # A session without its times (older than this rule, or made without a login) counts as expired:
    # taking "now" instead would let a replayed copy live for ever.
    signed_in_at = session.get("signed_in_at", 0)
    seen_at = session.get("seen_at", 0)
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    longest = current_app.config["SESSION_MAX_HOURS"] * 3600
    if now - seen_at > idle or now - signed_in_at > longest:
        _end_session_and_remember_cookie()
        flash(SESSION_EXPIRED.format(hours=current_app.config["SESSION_MAX_HOURS"]), "info")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("accounts.login", next=target), 302 if request.method == "GET" else 303)
    if now - seen_at >= 60:  # re-sign the cookie at most once a minute
        session["seen_at"] = now
    return None


@bp.before_app_request
def _own_password_first():
    """While an administrator's password is still in use, every page leads to the change form."""
    if "_user_id" not in session and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies:
        return None  # no account here: not even a look at current_user (it would re-sign a voter's cookie)
    if request.endpoint in _OPEN_WHILE_FORCED or request.endpoint is None:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("accounts.change_password"), 302 if request.method == "GET" else 303)
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Sign in. Answers in the same time for unknown addresses, and refuses (429, without checking
    the password) while the address's login throttle asks to wait (see `accounts.auth`).
    Side effects: the throttle's count (committed in every outcome); on success a fresh session,
    a `user/login` audit event."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        outcome = auth.authenticate(form.email.data, form.password.data)
        user = outcome.user
        if outcome.wait_seconds:
            db.session.rollback()
            form.password.errors.append(auth.THROTTLED.format(seconds=outcome.wait_seconds))
            security_log.event("login_throttled", email=security_log.email_tag(form.email.data), wait=outcome.wait_seconds)
            response = make_response(render_template("accounts/login.html", form=form), 429)
            response.headers["Retry-After"] = str(outcome.wait_seconds)
            return response
        if user is None:
            db.session.commit()  # the failure stays counted
            security_log.event("login_failed", email=security_log.email_tag(form.email.data))
            form.password.errors.append("Thư điện tử hoặc mật khẩu không đúng.")
        elif not user.active:
            db.session.commit()
            security_log.event("login_refused_locked", email=security_log.email_tag(form.email.data))
            form.email.errors.append("Tài khoản đã bị khóa. Vui lòng liên hệ quản trị viên.")
        else:
            # A fresh session at login defeats session fixation.
            session.clear()
            login_user(user, remember=form.remember.data)
            session["signed_in_at"] = session["seen_at"] = int(time.time())
            if form.remember.data:
                _remember_from_now(user)
            elif current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
                session["_remember"] = "clear"  # an older "Ghi nhớ" of this browser must not outlive this choice
            audit.record("user", user.id, "login", user)
            db.session.commit()
            security_log.event("login_succeeded", logging.INFO, account_id=user.id)
            if user.must_change_password:
                return redirect(url_for("accounts.change_password"))
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out everywhere: the account's session version is bumped, so that this session, its
    copies and every remember cookie of the account stop working. One commit."""
    form = EmptyForm()
    if form.validate_on_submit():
        current_user.end_sessions()
        db.session.commit()
        _end_session_and_remember_cookie()
        flash("Bạn đã đăng xuất.", "info")
        response = redirect(url_for("accounts.login"))
        # Pages and files this browser kept from the session go too (a shared office PC's back button).
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
        return response
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password (also the forced first change). Side effects: the password,
    every other session ended, reset links deleted, every API token revoked, the forced-change flag cleared, a
    `user/password_change` audit event, one commit; this browser stays signed in."""
    form = PasswordChangeForm()
    if request.method == "POST":
        valid = form.validate_on_submit()
        current_ok = False
        if form.current_password.data:
            # The same per-account throttle as the login: a stolen session cannot guess the password here.
            outcome = auth.authenticate(current_user.email, form.current_password.data)
            db.session.commit()
            if outcome.wait_seconds:
                form.current_password.errors.append(auth.THROTTLED.format(seconds=outcome.wait_seconds))
                response = make_response(_password_page(form), 429)
                response.headers["Retry-After"] = str(outcome.wait_seconds)
                return response
            current_ok = outcome.user is not None and outcome.user.id == current_user.id
            if not current_ok:
                security_log.event("password_change_refused", email=security_log.email_tag(current_user.email))
                form.current_password.errors.append("Mật khẩu hiện tại không đúng.")
        if valid and current_ok:
            if form.new_password.data == form.current_password.data:
                form.new_password.errors.append("Mật khẩu mới phải khác mật khẩu hiện tại.")
            else:
                current_user.set_password(form.new_password.data)
                current_user.must_change_password = False
                reset.invalidate(current_user)
                api_tokens.revoke_all(current_user, current_user, api_tokens.REVOKED_BY_PASSWORD)
                audit.record("user", current_user.id, "password_change", current_user)
                db.session.commit()
                # session_version changed: sign in again under the new token (other devices drop out),
                # keeping this browser's "Ghi nhớ" choice with a fresh remember cookie.
                remembered = bool(session.get("remembered"))
                user = current_user._get_current_object()  # not the proxy: login_user would store it as itself
                login_user(user, remember=remembered)
                if remembered:
                    _remember_from_now(user)
                flash("Đã đổi mật khẩu.", "success")
                return redirect(url_for("main.home"))
    return _password_page(form)


def _password_page(form) -> str:
    return render_template("accounts/password.html", form=form, forced=current_user.must_change_password, notice=MUST_CHANGE)


from dvkheo.accounts import admin_views  # noqa: E402,F401  (account administration routes on this blueprint)
from dvkheo.accounts import reset_views  # noqa: E402,F401  (password reset by emailed link)
from dvkheo.accounts import token_views  # noqa: E402,F401  (personal API tokens)
