from __future__ import annotations

import struct
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, url_for
from flask_login import current_user

from dvkheo.accounts.models import Role
from dvkheo.core import guides
from dvkheo.core.timeutil import today_in_vietnam

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """Anonymous visitors: the public welcome. Staff: "Việc cần làm", what waits for them now (`dvkheo.todo`)."""
    if not current_user.is_authenticated or current_user.role is Role.CITIZEN:
        return render_template("main/welcome.html")
    from dvkheo import todo

    return render_template("main/todo.html", cards=todo.cards_for(current_user), today=today_in_vietnam())


@bp.route("/huong-dan")
def help_index():
    own = guides.guide_for(current_user.role) if current_user.is_authenticated else guides.BY_SLUG["nguoi-dan"]
    return render_template("core/help_index.html", guides=guides.GUIDES, own=own)


@bp.route("/huong-dan/<slug>")
def help_guide(slug: str):
    guide = guides.BY_SLUG.get(slug)
    if guide is None:
        abort(404)
    pictures = {step.shot: _picture(step.shot) for step in guide.steps if step.shot}
    return render_template("core/help_guide.html", guide=guide, guides=guides.GUIDES, pictures=pictures)


def _picture(shot: str) -> dict | None:
    """The screenshot's URL and size (so the page does not jump as it loads), or None until a test has made it."""
    path = Path(current_app.static_folder) / "help" / f"{shot}.png"
    try:
        head = path.read_bytes()[:24]
    except OSError:
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return {"url": url_for("static", filename=f"help/{shot}.png"), "width": width, "height": height}


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


from dvkheo.core import notification_views  # noqa: E402,F401  (routes on this blueprint)
from dvkheo.core import outbox_views  # noqa: E402,F401  (the development outbox, on this blueprint)
