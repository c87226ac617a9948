"""In-app notices ("Thông báo"), also sent by email when the deployment configures a mail server."""
from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_request_context, url_for

from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db

log = logging.getLogger(__name__)


class Notification(db.Model):
    __tablename__ = "notifications"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    message: so.Mapped[str] = so.mapped_column(sa.Text)
    link: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    read_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    emailed: so.Mapped[bool] = so.mapped_column(default=False)

    user: so.Mapped["User"] = so.relationship()  # noqa: F821

    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at"),)


class OutboxMessage(db.Model):
    """Development only (DEV_OUTBOX): what would have been emailed, listed on /dev/outbox."""

    __tablename__ = "outbox_messages"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    recipient: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)


def notify(user, message: str, link: str = "", *, subject: str = "Thông báo từ hệ thống Dân vận khéo") -> Notification:
    """Add an in-app notice to the session and email it when mail is configured (failures are logged, not raised)."""
    notification = Notification(user_id=user.id, message=message, link=link)
    db.session.add(notification)
    notification.emailed = send_email(user.email, subject, message + (f"\n\n{absolute_url(link)}" if link else ""))
    return notification


def notice_link(endpoint: str, **values) -> str:
    """The path of `endpoint` for a notice's link, also outside a request (the demo seeding, a background job)."""
    if has_request_context():
        return url_for(endpoint, **values)
    script_name = current_app.config.get("APPLICATION_ROOT") or "/"
    return current_app.url_map.bind("localhost", script_name=script_name).build(endpoint, values)


def notify_all(users, message: str, link: str = "", **kwargs) -> list[Notification]:
    """`notify` each of `users` once (a person who appears twice is told once)."""
    seen: set[int] = set()
    notices = []
    for user in users:
        if user.id in seen:
            continue
        seen.add(user.id)
        notices.append(notify(user, message, link, **kwargs))
    return notices


def absolute_url(link: str) -> str:
    """`link` ("/review/queue") as the full public address an email can carry ("https://host/review/queue").

    Built from PUBLIC_BASE_URL, never from the request's Host header (which a client chooses), and the
    same whether a person's action or a background job sends the message.
    """
    if not link or urlsplit(link).scheme:
        return link
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/" + link.lstrip("/")


def send_email(to: str, subject: str, body: str) -> bool:
    """Send now when a mail server is configured; in development also keep a copy in the outbox.

    Returns whether the message left (or, in development, was put in the outbox). Logs never carry
    the subject or body: a voter's code travels in them.
    """
    server = current_app.config.get("MAIL_SERVER")
    if current_app.config.get("DEV_OUTBOX") and to:
        db.session.add(OutboxMessage(recipient=to, subject=subject, body=body))
        log.info("DEV_OUTBOX: a message put in the development outbox")
        if not server:
            return True
    if not server or not to:
        log.info("Mail not configured; a notice kept in-app only")
        return False
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with _connect(server) as smtp:
            if current_app.config.get("MAIL_USERNAME"):
                smtp.login(current_app.config["MAIL_USERNAME"], current_app.config.get("MAIL_PASSWORD", ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("Could not send an email to the server %s: %s", server, type(error).__name__)
        return False
    return True


def _tls_context() -> ssl.SSLContext:
    """Certificates and host names are verified (smtplib's own default verifies neither); an internal
    mail server signed by the province's own authority is trusted through MAIL_CA_FILE."""
    return ssl.create_default_context(cafile=current_app.config.get("MAIL_CA_FILE") or None)


def _connect(server: str) -> smtplib.SMTP:
    port = current_app.config.get("MAIL_PORT", 25)
    if current_app.config.get("MAIL_USE_SSL"):
        return smtplib.SMTP_SSL(server, port, timeout=10, context=_tls_context())
    smtp = smtplib.SMTP(server, port, timeout=10)
    try:
        if current_app.config.get("MAIL_USE_TLS"):
            smtp.starttls(context=_tls_context())
    except BaseException:
        smtp.close()
        raise
    return smtp


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ) or 0
