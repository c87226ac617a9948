"""Shared fixtures: a real database (SQLite by default, PostgreSQL when TEST_DATABASE_URL says so),
a test client, and creator functions for units, users, campaigns and nominations."""
from __future__ import annotations

import contextvars
import io
import itertools
import os
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient

from config import TestingConfig
from dvkheo import create_app
from dvkheo.accounts.models import Role, User
from dvkheo.campaigns import operations as campaign_ops
from dvkheo.campaigns.models import CampaignStatus, NomineeKind, ReferenceItem, ReferenceKind
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.models import Attachment, Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.units.models import Unit

PASSWORD = "matkhau-demo-2026"

# Smallest real files of each accepted kind, built in memory.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG_BYTES = bytes.fromhex(  # one white pixel, decodable (the gallery makes thumbnails of it)
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b49444154789c63f80f040009fb03fdfb5e6b2b0000000049454e44ae426082"
)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    # A file, not :memory:, so that a live server thread in browser tests sees the same data.
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    class SessionConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = TestingConfig.SQLALCHEMY_DATABASE_URI
        UPLOAD_DIR = str(tmp_path_factory.mktemp("uploads"))

    url = _database_url(tmp_path_factory)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    SessionConfig.SQLALCHEMY_DATABASE_URI = url
    application = create_app(SessionConfig)
    with application.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Each test starts with empty tables and an app context."""
    with app.app_context():
        yield
        _clean_tables()


def _clean_tables() -> None:
    """Empty every table (inside an app context)."""
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # RESTRICT is checked row by row, so a self-referencing tree cannot be
            # deleted in one statement with foreign keys on; the pragma is per connection.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in tables:
                connection.execute(table.delete())
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, hence its own DB session and `g`, as in production.

    Without this the request would reuse the test's app context: a view that forgot to commit
    would look saved, and the logged-in user would be cached across requests.
    """

    def open(self, *args, **kwargs):
        if not has_app_context():  # a redirect being followed, already isolated
            return super().open(*args, **kwargs)
        db.session.commit()  # let the request see what the test prepared
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()  # and let the test see what the request did
        return response


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_sequence = itertools.count(1)


@pytest.fixture
def make_unit():
    def create(name: str | None = None, parent: Unit | None = None, kind: str = "commune", code: str | None = None) -> Unit:
        number = next(_sequence)
        unit = Unit(code=code or f"U{number:05d}", name=name or f"Xã Thử Nghiệm {number}", kind=kind, parent=parent)
        db.session.add(unit)
        db.session.flush()
        unit.assign_path()
        unit.refresh_search_text()
        db.session.commit()
        return unit

    return create


@pytest.fixture
def make_user():
    def create(role: Role = Role.UNIT_SUBMITTER, unit: Unit | None = None, email: str | None = None, **fields) -> User:
        number = next(_sequence)
        user = User(
            full_name=fields.pop("full_name", f"Nguyễn Văn Thử {number}"),
            email=email or f"user{number}@example.vn",
            role=role,
            unit=unit,
            **fields,
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user

    return create


@pytest.fixture
def province(make_unit):
    return make_unit("Tỉnh Quảng Ngãi", kind="province", code="51")


@pytest.fixture
def make_campaign(province):
    def create(organising_unit: Unit | None = None, **attributes):
        today = today_in_vietnam()
        attributes.setdefault("status", CampaignStatus.NOMINATIONS_OPEN)
        attributes.setdefault("nominations_open_on", today - timedelta(days=10))
        attributes.setdefault("nominations_close_on", today + timedelta(days=30))
        campaign = campaign_ops.create_campaign(
            organising_unit=organising_unit or province,
            title=attributes.pop("title", f"Bình xét mô hình “Dân vận khéo” năm {today.year}"),
            year=attributes.pop("year", today.year),
            **attributes,
        )
        db.session.commit()
        return campaign

    return create


def reference_item(kind: ReferenceKind, code: str | None = None) -> ReferenceItem:
    query = sa.select(ReferenceItem).where(ReferenceItem.kind == kind)
    if code:
        query = query.where(ReferenceItem.code == code)
    return db.session.scalars(query.order_by(ReferenceItem.position)).first()


COMPLETE_REPORT = dict(
    title="Dân vận khéo trong vận động hiến đất mở rộng đường thôn",
    nominee_name="Ban Công tác Mặt trận thôn Phú Lộc",
    locality="Thôn Phú Lộc",
    started_on=date(2024, 3, 15),
    duration="2 năm",
    situation="Đường thôn hẹp, xuống cấp, mùa mưa lầy lội.",
    method="Họp dân từng xóm, cán bộ gương mẫu hiến đất trước.",
    participation="Dân biết, dân bàn, dân làm, dân kiểm tra, dân giám sát, dân thụ hưởng.",
    results="Mở rộng 3,2 km đường; 214 hộ hiến đất.",
    households_count=214,
    money_contributed_vnd=1_250_000_000,
    working_days=3200,
    review_held_on=date(2026, 9, 20),
    review_attendees=60,
    review_votes_cast=58,
    review_votes_for=55,
)


@pytest.fixture
def make_nomination(make_campaign, make_unit, province, app):
    """A nomination; `complete=True` (default) gives one that passes every eligibility rule."""

    def create(
        unit: Unit | None = None,
        campaign=None,
        kind: NomineeKind = NomineeKind.COLLECTIVE,
        status: NominationState = NominationState.DRAFT,
        complete: bool = True,
        with_evidence: bool = True,
        **overrides,
    ) -> Nomination:
        campaign = campaign or make_campaign()
        unit = unit or make_unit(parent=campaign.organising_unit)
        values = dict(COMPLETE_REPORT) if complete else {"title": overrides.pop("title", "Mô hình chưa hoàn thiện")}
        if complete:
            values["field"] = campaign.allowed_fields[0]
            if kind is NomineeKind.COLLECTIVE:
                values["collective_type"] = reference_item(ReferenceKind.COLLECTIVE_TYPE)
            else:
                values["individual_category"] = reference_item(ReferenceKind.INDIVIDUAL_CATEGORY)
                values["nominee_name"] = "Trần Thị Hạnh"
                values["nominee_position"] = "Chủ tịch Hội Phụ nữ xã"
        values.update(overrides)
        nomination = Nomination(campaign=campaign, unit=unit, kind=kind, status=status, **values)
        nomination.refresh_derived()
        db.session.add(nomination)
        db.session.flush()
        if with_evidence:
            add_stored_attachment(app, nomination, "Ảnh con đường.png", PNG_BYTES)
        db.session.commit()
        return nomination

    return create


def add_stored_attachment(app, nomination: Nomination, name: str, data: bytes, purpose: str = "evidence") -> Attachment:
    from dvkheo.core.storage import store_upload

    stored = store_upload(io.BytesIO(data), name)
    attachment = Attachment(
        original_name=stored.original_name, stored_name=stored.stored_name, content_type=stored.content_type,
        size_bytes=stored.size_bytes, sha256=stored.sha256, purpose=purpose,
    )
    nomination.attachments.append(attachment)
    db.session.flush()
    return attachment


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user: User, password: str = PASSWORD):
        return self.client.post("/login", data={"email": user.email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(client, make_user):
    """Log the test client in as a fresh user of `role` (in `unit`); returns the user."""

    def do(role: Role, unit: Unit | None = None, **fields) -> User:
        user = make_user(role, unit, **fields)
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Context manager counting SQL statements sent by the app."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)

    return counting
