from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from dvkheo.accounts.models import Role

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    if current_user.role is Role.UNIT_SUBMITTER:
        return redirect(url_for("nominations.index"))
    if current_user.role is Role.ADMIN:
        return redirect(url_for("units.index"))
    if current_user.role in (Role.SECRETARY, Role.CHAIR):
        return redirect(url_for("campaigns.index"))
    if current_user.role is Role.REVIEWER:
        return redirect(url_for("review.queue"))
    return render_template("main/welcome.html")


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


from dvkheo.core import notification_views  # noqa: E402,F401  (routes on this blueprint)
from dvkheo.core import outbox_views  # noqa: E402,F401  (the development outbox, on this blueprint)
