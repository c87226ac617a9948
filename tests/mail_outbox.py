"""A mail-configured deployment for notice tests: messages land in the development outbox, links are absolute.

Import the fixture into a test module: `from tests.mail_outbox import outbox  # noqa: F401`.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import User
from dvkheo.core.notifications import Notification, OutboxMessage
from dvkheo.extensions import db

PUBLIC_BASE_URL = "https://dvk.quangngai.example.vn"


@pytest.fixture
def outbox(app):
    """Mail "configured" (the development outbox keeps what would be sent); returns a reader of one person's mail."""
    saved = {key: app.config.get(key) for key in ("DEV_OUTBOX", "PUBLIC_BASE_URL")}
    app.config.update(DEV_OUTBOX=True, PUBLIC_BASE_URL=PUBLIC_BASE_URL)

    def mail_of(user: User) -> list[OutboxMessage]:
        return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == user.email).order_by(OutboxMessage.id)))

    yield mail_of
    app.config.update(saved)


def notices_of(user: User) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))
