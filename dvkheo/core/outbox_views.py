"""Development only: the messages that would have been emailed (DEV_OUTBOX), newest first, so that a
tester can read an email code. Answers 404 unless DEV_OUTBOX is on, and always in production.

The outbox holds password-reset links and voters' codes, so it opens only to a browser on the machine
that runs the app, or to a signed-in administrator: a demo served on the office network with
`make run HOST=0.0.0.0` must not hand every visitor the administrator's reset link."""
from __future__ import annotations

import ipaddress
import os

import sqlalchemy as sa
from flask import abort, current_app, render_template, request, session
from flask_login import current_user

from dvkheo.accounts.models import Role
from dvkheo.core.notifications import OutboxMessage
from dvkheo.core.views import bp
from dvkheo.core.urls import paginate


def outbox_enabled() -> bool:
    production = "production" in (os.environ.get("DVKHEO_ENV", ""), os.environ.get("FLASK_ENV", ""))
    return bool(current_app.config.get("DEV_OUTBOX")) and not production


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").strip("[]")).is_loopback
    except ValueError:
        return (address or "").lower() == "localhost"


def _asked_on_this_machine() -> bool:
    """A browser on the serving machine itself: from loopback, for a loopback host name, and not
    relayed (a forwarder on this machine, such as nginx, ngrok or socat, makes every visitor look
    like 127.0.0.1, but keeps their Host header or adds X-Forwarded-For)."""
    if any(header in request.headers for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded")):
        return False
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    return _is_loopback(request.remote_addr) and _is_loopback(host)


def outbox_open_to_this_request() -> bool:
    if not outbox_enabled():
        return False
    if _asked_on_this_machine():
        return True
    # Only with an account's session: looking at current_user otherwise would re-sign a voter's cookie.
    return "_user_id" in session and current_user.is_authenticated and current_user.role == Role.ADMIN


@bp.route("/dev/outbox")
def outbox():
    if not outbox_open_to_this_request():
        abort(404)
    page = paginate(sa.select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    response = current_app.make_response(render_template("core/outbox.html", page=page))
    response.headers["Cache-Control"] = "no-store"
    return response
