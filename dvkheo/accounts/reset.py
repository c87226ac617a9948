"""Password reset by an emailed one-time link.

The token is random (`secrets.token_urlsafe`), only its SHA-256 is stored, it expires after
`PASSWORD_RESET_TTL_MINUTES` (30), is used once, and dies when a newer link is asked for, when
the password is reset or changed. The request answers the same whether or not the address has
an account. A reset sets the password, ends every session of the account, clears the login
throttle and the forced-change flag, and is audited; it does not log the person in.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app, url_for

from dvkheo.accounts import api_tokens, auth
from dvkheo.accounts.models import PasswordResetToken, User
from dvkheo.core import audit
from dvkheo.core.notifications import send_email
from dvkheo.core.timeutil import format_datetime, utcnow
from dvkheo.core.notifications import absolute_url
from dvkheo.extensions import db

REQUESTED = (
    "Nếu địa chỉ này có tài khoản, chúng tôi đã gửi một thư kèm đường dẫn đặt lại mật khẩu tới hộp thư đó "
    "(có thể nằm trong mục Thư rác, Quảng cáo). Đường dẫn có hiệu lực trong {minutes} phút và chỉ dùng được một lần."
)


def ttl_minutes() -> int:
    return int(current_app.config.get("PASSWORD_RESET_TTL_MINUTES", 30))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def reset_link(token: str) -> str:
    """The absolute link mailed to the person (the public address, not the request's host)."""
    return absolute_url(url_for("accounts.reset_password", token=token))


def request_reset(email: str) -> None:
    """Mail a reset link when the address belongs to an active account; otherwise do nothing.

    Side effects (active account only): the account's earlier links deleted, a new one stored
    (hashed) and mailed, a `user/password_reset_request` audit event. Flushes; the caller commits.
    """
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        return
    invalidate(user)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + timedelta(minutes=ttl_minutes())
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=token_hash(token), created_at=now, expires_at=expires))
    body = (
        f"Xin chào {user.full_name},\n\n"
        "Có người (có thể là bạn) vừa yêu cầu đặt lại mật khẩu cho tài khoản của bạn trên hệ thống Dân vận khéo.\n"
        "Để đặt mật khẩu mới, mở đường dẫn sau:\n\n"
        f"{reset_link(token)}\n\n"
        f"Đường dẫn có hiệu lực trong {ttl_minutes()} phút (đến {format_datetime(expires)}) và chỉ dùng được một lần.\n"
        "Nếu bạn không yêu cầu, hãy bỏ qua thư này: mật khẩu của bạn không thay đổi."
    )
    send_email(user.email, "Đặt lại mật khẩu tài khoản Dân vận khéo", body)
    audit.record("user", user.id, "password_reset_request", None)
    db.session.flush()


def invalidate(user: User) -> None:
    """Delete every reset link of this account (a newer request, a reset, a password change)."""
    db.session.execute(sa.delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))


def find_valid(token: str) -> PasswordResetToken | None:
    """The unused, unexpired link for this token, or None."""
    if not token or len(token) > 200:
        return None
    record = db.session.scalar(sa.select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash(token)))
    if record is None or record.used_at is not None or _aware(record.expires_at) <= utcnow():
        return None
    if not record.user.active:
        return None
    return record


def complete_reset(record: PasswordResetToken, password: str) -> bool:
    """Set the new password through this link; False when the link was used meanwhile.

    Side effects: the link marked used with one conditional UPDATE (two tabs posting at once reset
    once), the password hashed, every session of the account ended, its other links deleted, its
    login throttle cleared, its API tokens revoked, the forced-change flag cleared, a `user/password_reset` audit event.
    Flushes; the caller commits.
    """
    claimed = db.session.execute(
        sa.update(PasswordResetToken)
        .where(PasswordResetToken.id == record.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    user = record.user
    user.set_password(password)
    user.must_change_password = False
    db.session.execute(
        sa.delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id, PasswordResetToken.id != record.id)
    )
    auth.clear(user.email)
    api_tokens.revoke_all(user, user, api_tokens.REVOKED_BY_PASSWORD)
    audit.record("user", user.id, "password_reset", user)
    db.session.flush()
    return True
