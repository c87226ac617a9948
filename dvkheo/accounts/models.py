from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from dvkheo.core import search
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db


class Role(str, enum.Enum):
    UNIT_SUBMITTER = "unit_submitter"
    SECRETARY = "secretary"
    REVIEWER = "reviewer"
    CHAIR = "chair"
    CITIZEN = "citizen"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.UNIT_SUBMITTER: "Cán bộ đơn vị cơ sở",
    Role.SECRETARY: "Thư ký Hội đồng",
    Role.REVIEWER: "Thành viên Hội đồng",
    Role.CHAIR: "Chủ tịch Hội đồng",
    Role.CITIZEN: "Người dân",
    Role.ADMIN: "Quản trị",
}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[Role] = so.mapped_column(sa.Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]))
    unit_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # Part of every session and remember cookie (`get_id`): bumped on logout, password change or
    # reset, deactivation and a change of role or unit, so that every copy of a cookie stops working.
    session_version: so.Mapped[int] = so.mapped_column(default=1)
    # Set when an administrator chose the password (new account, reset): the person must pick their own.
    must_change_password: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    search_text: so.Mapped[str] = so.mapped_column(sa.String(500), default="")

    unit: so.Mapped["Unit | None"] = so.relationship()  # noqa: F821

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())
        self.end_sessions()

    def end_sessions(self) -> None:
        """Invalidate every session and remember cookie of this account (they carry the old version)."""
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def rehash_if_outdated(self, password: str) -> None:
        """After a successful check: store the password again if it was hashed with older parameters."""
        if not self.password_hash.startswith(password_hash_method() + "$"):
            self.password_hash = generate_password_hash(password, method=password_hash_method())

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive accounts
        return bool(self.active)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


def password_hash_method() -> str:
    # Tests use a cheap method; see Config.PASSWORD_HASH_METHOD for the real one.
    return current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt:32768:8:3"


class LoginThrottle(db.Model):
    """Failed logins of one typed email (known account or not), shared by every worker.

    Keyed by the SHA-256 of the case-folded address, so that an unknown address behaves exactly like
    a known one and typed addresses are not kept in clear. A row is removed by a successful login.
    """

    __tablename__ = "login_throttles"

    email_hash: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    failures: so.Mapped[int] = so.mapped_column(default=0)
    last_failure_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    # No attempt for this address is checked before this moment.
    next_allowed_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))


class PasswordResetToken(db.Model):
    """A one-time password reset link; only the SHA-256 of its token is stored."""

    __tablename__ = "password_reset_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    used_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))

    user: so.Mapped[User] = so.relationship()


@sa.event.listens_for(User, "before_insert")
@sa.event.listens_for(User, "before_update")
def _refresh_search_text(mapper, connection, user: User) -> None:
    # Kept in step on every write, whichever code path created or edited the account.
    user.search_text = search.search_text(user.full_name, user.email, limit=500)
