"""Personal API tokens ("Khóa truy cập API") for the staff API (/api/v1/staff/…).

A unit that keeps its own system reads its dossiers and creates drafts with a token instead of a
session. The secret is shown once, when created; only its SHA-256 is stored, with a short visible
prefix so that its owner can tell tokens apart. A token acts as its owner, under the very access
rules of the pages (dvkheo/access.py), and only while:

- it is neither revoked nor expired (90 days by default, 365 at most);
- its owner's account is active (a locked account's tokens are refused until it is unlocked);
- its owner still has the role and unit it was created under (any change stops it for good);
- its owner has not changed or reset the password since (both revoke every token: a reset is how
  a compromised account is recovered, and a token must not outlive it).

Logging out ends sessions, not tokens: a token is for a machine, not a browser.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.accounts.models import User
from dvkheo.core import audit
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db

SECRET_PREFIX = "dvk_"
VISIBLE_CHARS = 8  # shown after "dvk_" in lists: enough to tell tokens apart, useless to an attacker
DEFAULT_DAYS = 90
MAX_DAYS = 365
EXPIRY_CHOICES = (30, 90, 180, 365)
# last_used_at is written at most this often: no database write on every request.
TOUCH_EVERY = timedelta(minutes=1)

SCOPE_READ = "read"
SCOPE_DRAFT = "draft"
SCOPE_LABELS = {
    SCOPE_READ: "Đọc hồ sơ đề nghị",
    SCOPE_DRAFT: "Tạo bản nháp hồ sơ đề nghị",
}
REVOKED_BY_OWNER = "owner"
REVOKED_BY_PASSWORD = "password"
REVOKED_LABELS = {
    REVOKED_BY_OWNER: "Đã thu hồi",
    REVOKED_BY_PASSWORD: "Đã thu hồi do đổi hoặc đặt lại mật khẩu",
}


def _aware(moment: datetime | None) -> datetime | None:
    from datetime import timezone

    if moment is not None and moment.tzinfo is None:  # SQLite returns naive UTC
        return moment.replace(tzinfo=timezone.utc)
    return moment


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    # SHA-256 of the whole secret, hex: the secret itself is never stored.
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # "dvk_" and the first characters of the secret, shown in lists.
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))
    # "read" or "read draft" (space-separated, sorted)
    scopes: so.Mapped[str] = so.mapped_column(sa.String(40))
    # The owner's role and unit when the token was made: a change of either stops the token.
    issued_role: so.Mapped[str] = so.mapped_column(sa.String(20))
    issued_unit_id: so.Mapped[int | None] = so.mapped_column()
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    revoked_reason: so.Mapped[str | None] = so.mapped_column(sa.String(20))

    user: so.Mapped[User] = so.relationship()

    __table_args__ = (
        sa.CheckConstraint("scopes IN ('read', 'draft read')", name="scopes_known"),
        sa.CheckConstraint("expires_at > created_at", name="expires_after_created"),
    )

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def has_scope(self, scope: str) -> bool:
        return scope in self.scope_set

    def matches_owner(self) -> bool:
        """The owner still holds the role and unit the token was made under."""
        return self.user.role.value == self.issued_role and self.user.unit_id == self.issued_unit_id

    def state(self, now: datetime | None = None) -> str:
        """'active', 'revoked', 'expired', 'locked' (account locked) or 'changed' (role or unit changed)."""
        now = now or utcnow()
        if self.revoked_at is not None:
            return "revoked"
        if _aware(self.expires_at) <= now:
            return "expired"
        if not self.matches_owner():
            return "changed"
        if not self.user.active:
            return "locked"
        return "active"

    @property
    def state_label(self) -> str:
        state = self.state()
        if state == "revoked":
            return REVOKED_LABELS.get(self.revoked_reason or "", "Đã thu hồi")
        return {
            "active": "Đang dùng được",
            "expired": "Đã hết hạn",
            "changed": "Hết hiệu lực do vai trò hoặc đơn vị đã thay đổi",
            "locked": "Tạm ngừng do tài khoản bị khóa",
        }[state]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def allowed_scopes(user: User) -> list[str]:
    """Scopes a person may give a token: "draft" only to those who may create dossiers on the pages."""
    from dvkheo import access

    return [SCOPE_READ, SCOPE_DRAFT] if access.can_nominate(user) else [SCOPE_READ]


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def create_token(user: User, name: str, scopes: set[str], days: int) -> IssuedToken:
    """Make a token for `user`.

    Side effects: adds the row (hash and prefix only), flushes, adds an `api_token/create` audit
    event (name, prefix, scopes, expiry; never the secret). Does not commit.
    """
    scopes = set(scopes) | {SCOPE_READ}  # every token reads; "draft" adds creating drafts
    if not scopes <= set(allowed_scopes(user)):
        raise ValueError("scope not allowed")
    if not 1 <= days <= MAX_DAYS:
        raise ValueError("expiry out of range")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user=user, name=name.strip(), token_hash=hash_secret(secret), prefix=secret[: len(SECRET_PREFIX) + VISIBLE_CHARS],
        scopes=" ".join(sorted(scopes)), issued_role=user.role.value, issued_unit_id=user.unit_id,
        created_at=now, expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token", token.id, "create", user,
        details={"name": token.name, "prefix": token.prefix, "scopes": token.scopes, "expires_at": token.expires_at.isoformat()},
    )
    return IssuedToken(token, secret)


def revoke(token: ApiToken, actor: User, reason: str = REVOKED_BY_OWNER) -> bool:
    """Revoke one token; False when it was already revoked. Audits `api_token/revoke`. Does not commit."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    token.revoked_reason = reason
    audit.record("api_token", token.id, "revoke", actor, details={"name": token.name, "prefix": token.prefix, "reason": reason})
    db.session.flush()
    return True


def revoke_all(user: User, actor: User | None, reason: str) -> int:
    """Revoke every live token of `user` (a password change or reset). Audits each. Does not commit."""
    tokens = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        revoke(token, actor, reason)
    return len(tokens)


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def own_token(user: User, token_id: int) -> ApiToken | None:
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))


def looks_like_secret(text: str) -> bool:
    # token_urlsafe(32) gives 43 characters; anything far off is refused without a query.
    return text.startswith(SECRET_PREFIX) and 20 <= len(text) <= 100 and text.isascii()


def authenticate(secret: str) -> ApiToken | None:
    """The live token for this secret with its owner loaded (one query), or None.

    Looked up by the SHA-256 of the secret: equality on a hash of a 256-bit secret leaks nothing
    an attacker can use, so no timing-safe comparison of the secret itself is needed. Refused:
    unknown, revoked, expired, owner locked, owner's role or unit changed.
    """
    if not looks_like_secret(secret):
        return None
    token = db.session.scalar(
        sa.select(ApiToken).options(so.joinedload(ApiToken.user).joinedload(User.unit))
        .where(ApiToken.token_hash == hash_secret(secret))
    )
    if token is None or token.state() != "active":
        return None
    return token


def touch(token: ApiToken) -> None:
    """Record the use at most once a minute (a conditional UPDATE: two workers at once write once)."""
    now = utcnow()
    last = _aware(token.last_used_at)
    if last is not None and now - last < TOUCH_EVERY:
        return
    # Its own short transaction on its own connection: the request's session (and what it loaded) is
    # left alone, and a GET commits nothing of its own.
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(ApiToken)
            .where(ApiToken.id == token.id, sa.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOUCH_EVERY))
            .values(last_used_at=now)
        )
