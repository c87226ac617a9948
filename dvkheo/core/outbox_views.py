"""Development only: the messages that would have been emailed (DEV_OUTBOX), newest first, so that a
tester can read an email code. Answers 404 unless DEV_OUTBOX is on, and always in production."""
from __future__ import annotations

import os

import sqlalchemy as sa
from flask import abort, current_app, render_template

from dvkheo.core.notifications import OutboxMessage
from dvkheo.core.views import bp
from dvkheo.core.urls import paginate


def outbox_enabled() -> bool:
    production = "production" in (os.environ.get("DVKHEO_ENV", ""), os.environ.get("FLASK_ENV", ""))
    return bool(current_app.config.get("DEV_OUTBOX")) and not production


@bp.route("/dev/outbox")
def outbox():
    if not outbox_enabled():
        abort(404)
    page = paginate(sa.select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    response = current_app.make_response(render_template("core/outbox.html", page=page))
    response.headers["Cache-Control"] = "no-store"
    return response
