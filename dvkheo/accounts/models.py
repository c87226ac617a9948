from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from dvkheo.core.text import fold
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
    # Bumped on password change so that other sessions of the same account are logged out.
    session_version: so.Mapped[int] = so.mapped_column(default=1)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    search_text: so.Mapped[str] = so.mapped_column(sa.String(500), default="")

    unit: so.Mapped["Unit | None"] = so.relationship()  # noqa: F821

    def set_password(self, password: str) -> None:
        # Tests use a cheap method; production keeps werkzeug's default (scrypt).
        method = current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt"
        self.password_hash = generate_password_hash(password, method=method)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive accounts
        return bool(self.active)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


@sa.event.listens_for(User, "before_insert")
@sa.event.listens_for(User, "before_update")
def _refresh_search_text(mapper, connection, user: User) -> None:
    # Kept in step on every write, whichever code path created or edited the account.
    user.search_text = fold(f"{user.full_name} {user.email}")
