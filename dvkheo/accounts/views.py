from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from dvkheo.accounts.forms import LoginForm, PasswordChangeForm
from dvkheo.accounts.models import User
from dvkheo.core import audit
from dvkheo.core.forms import EmptyForm
from dvkheo.extensions import db, limiter

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == form.email.data.strip().lower()))
        if user is None or not user.check_password(form.password.data):
            form.password.errors.append("Thư điện tử hoặc mật khẩu không đúng.")
        elif not user.active:
            form.email.errors.append("Tài khoản đã bị khóa. Vui lòng liên hệ quản trị viên.")
        else:
            # A fresh session at login defeats session fixation.
            session.clear()
            login_user(user, remember=form.remember.data)
            audit.record("user", user.id, "login", user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("Mật khẩu hiện tại không đúng.")
        else:
            current_user.set_password(form.new_password.data)
            audit.record("user", current_user.id, "password_change", current_user)
            db.session.commit()
            # session_version changed: log in again under the new token, other devices drop out.
            login_user(current_user)
            flash("Đã đổi mật khẩu.", "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/password.html", form=form)


from dvkheo.accounts import admin_views  # noqa: E402,F401  (account administration routes on this blueprint)
