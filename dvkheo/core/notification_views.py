"""The user's notices ("Thông báo"): newest first, unread highlighted, mark all read, open one."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from dvkheo.core.forms import EmptyForm
from dvkheo.core.notifications import Notification, unread_count
from dvkheo.core.timeutil import utcnow
from dvkheo.core.urls import paginate
from dvkheo.core.views import bp
from dvkheo.extensions import db


def _safe_link(link: str) -> str | None:
    # Only the app's own paths: a stored link must never send the user to another site.
    return link if link.startswith("/") and not link.startswith("//") else None


@bp.route("/notifications")
@login_required
def notifications():
    page = paginate(
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return render_template(
        "core/notifications.html", page=page, unread=unread_count(current_user.id), form=EmptyForm(), safe_link=_safe_link
    )


@bp.route("/notifications/read", methods=["POST"])
@login_required
def notifications_read():
    if not EmptyForm().validate_on_submit():
        abort(400)
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    flash(f"Đã đánh dấu {result.rowcount} thông báo là đã đọc." if result.rowcount else "Không có thông báo chưa đọc.", "success")
    return redirect(url_for("main.notifications"))


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@login_required
def open_notification(notification_id: int):
    """Mark one notice read and go to what it is about. A POST (the "Mở" button): a GET must change
    nothing, and a link prefetched by the browser would otherwise mark notices read unseen."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return redirect(_safe_link(notification.link) or url_for("main.notifications"))


