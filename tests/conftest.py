"""Shared fixtures: a real database (SQLite by default, PostgreSQL when TEST_DATABASE_URL says so),
a test client, and creator functions for units, users, campaigns and nominations."""
from __future__ import annotations

import contextlib
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


# Debian's Chromium driven by Playwright (tests/browser, tests/deploy); never `playwright install`.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    # A file, not :memory:, so that a live server thread in browser tests sees the same data.
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@contextlib.contextmanager
def empty_database_url(app, tmp_path, prefix: str):
    """The URL of a new, empty database beside the session's (a scratch PostgreSQL database, dropped afterwards,
    or a SQLite file in `tmp_path`), for a second app that a restore fills."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        yield f"sqlite:///{tmp_path / f'{prefix}.sqlite'}"
        return
    import uuid

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(database="postgres")
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


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
        # A background job the test started (a seal after a transition, a print batch) still holds its own
        # connection: emptying the tables under it deadlocked on PostgreSQL.
        from dvkheo.core.jobs import wait_for_jobs

        wait_for_jobs()
        _clean_tables()


def _clean_tables() -> None:
    """Empty every table (inside an app context)."""
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            _empty_postgresql_tables(connection, tables)
        else:
            # RESTRICT is checked row by row, so a self-referencing tree cannot be
            # deleted in one statement with foreign keys on; the pragma is per connection.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in tables:
                connection.execute(table.delete())
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    if db.engine.dialect.name == "postgresql" and _cleanings and _cleanings % VACUUM_EVERY == 0:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as vacuuming:
            vacuuming.execute(sa.text("VACUUM"))


_cleanings = 0
VACUUM_EVERY = 200  # cleanings; the test server runs without autovacuum


def _empty_postgresql_tables(connection, tables) -> None:
    """Empty every table and set every sequence back to 1, as `TRUNCATE … RESTART IDENTITY` did.

    TRUNCATE gives each table new files, and a test's teardown then waited 0.5–0.7 s on the disk,
    more than most tests take. DELETE writes no file: the tables holding rows (a test fills a few)
    are emptied with the foreign-key triggers off for this transaction (so a self-referencing tree
    goes in one statement), and every so often VACUUM takes the deleted rows away. Without the
    right to switch the triggers off (not a superuser), TRUNCATE as before."""
    global _cleanings
    names = [table.name for table in tables]
    probe = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in names)
    filled = [name for name in names if name in set(connection.execute(sa.text(probe)).scalars())]
    superuser = connection.execute(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
    if not superuser:
        connection.execute(sa.text("TRUNCATE " + ", ".join(f'"{name}"' for name in names) + " RESTART IDENTITY CASCADE"))
        return
    if filled:
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for name in filled:
            connection.execute(sa.text(f'DELETE FROM "{name}"'))
    connection.execute(sa.text(
        "SELECT setval(sequence.oid, 1, false) FROM pg_class AS sequence "
        "JOIN pg_namespace AS schema ON schema.oid = sequence.relnamespace "
        "WHERE sequence.relkind = 'S' AND schema.nspname = current_schema()"
    ))
    _cleanings += 1


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


# --- awards (issue 5): a council's result and an issued decision, built straight in the database ---


@pytest.fixture
def make_award_form():
    """A fully configured award form of `campaign`: issuing body, signer and two legal bases."""
    from dvkheo.awards.models import AwardForm, LegalBasis, SignerPrefix

    def create(campaign, name: str = "Giấy khen", system: str | None = None, **overrides) -> AwardForm:
        """`system`: "party" or "state" chooses a seeded document system; None leaves it unset (read as the Party's)."""
        values = dict(
            name=name,
            position=1,
            parent_body="TỈNH ỦY QUẢNG NGÃI",
            issuing_body="BAN DÂN VẬN",
            issuer_in_text="Ban Dân vận Tỉnh ủy",
            archive="VT, HĐXC",
            issuer_code="BDVTU",
            place_name="Quảng Ngãi",
            signer_prefix=SignerPrefix.ON_BEHALF_OF_COLLECTIVE,
            signer_authority="BAN THƯỜNG VỤ",
            signer_title="TRƯỞNG BAN",
            signer_name="Nguyễn Văn Trưởng",
            certificate_title="GIẤY KHEN",
        )
        values.update(overrides)
        if system is not None:
            from dvkheo.documents.models import ensure_builtin_systems

            values["document_system"] = ensure_builtin_systems()[system]
        form = AwardForm(campaign_id=campaign.id, **values)
        form.legal_bases = [
            LegalBasis(position=1, text="Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15/6/2022", valid_from=date(2024, 1, 1)),
            LegalBasis(
                position=2,
                text="Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31/12/2023 của Chính phủ",
                valid_from=date(2024, 1, 1),
                valid_to=date(2025, 6, 30),
            ),
            LegalBasis(
                position=3,
                text="Căn cứ Nghị định số 152/2025/NĐ-CP ngày 14/6/2025 của Chính phủ",
                valid_from=date(2025, 7, 1),
            ),
        ]
        db.session.add(form)
        db.session.commit()
        return form

    return create


class CouncilResult:
    """What a closed council ballot leaves behind: passed and failed nominations of a campaign."""

    def __init__(self, campaign, award_form, ballot, passed, failed, secretary, chair):
        self.campaign, self.award_form, self.ballot = campaign, award_form, ballot
        self.passed, self.failed = passed, failed
        self.secretary, self.chair = secretary, chair

    def item_for(self, nomination):
        return next(item for item in self.ballot.items if item.nomination_id == nomination.id)


@pytest.fixture
def make_council_result(make_campaign, make_nomination, make_unit, make_user, make_award_form):
    """A campaign in COUNCIL_DECISION whose closed ballot passed `passed` nominations and failed `failed`."""
    from dvkheo.council.models import BallotItem, BallotStatus, CouncilBallot
    from dvkheo.core.timeutil import utcnow

    counter = itertools.count(1)

    def create(passed: int = 2, failed: int = 0, individuals: int = 0, campaign=None, **campaign_attributes) -> CouncilResult:
        campaign_attributes.setdefault("status", CampaignStatus.COUNCIL_DECISION)
        campaign_attributes.setdefault("has_public_stage", False)
        campaign = campaign or make_campaign(**campaign_attributes)
        secretary = make_user(Role.SECRETARY, campaign.organising_unit, full_name="Nguyễn Thị Thư Ký")
        chair = make_user(Role.CHAIR, campaign.organising_unit, full_name="Phạm Văn Chủ Tịch")
        award_form = make_award_form(campaign)
        ballot = CouncilBallot(
            campaign=campaign, award_form=award_form, status=BallotStatus.CLOSED, meeting_on=date(2026, 11, 5),
            minutes_year=2026, minutes_number=1, opened_at=utcnow(), closed_at=utcnow(),
        )
        db.session.add(ballot)
        nominations = {True: [], False: []}
        for index in range(passed + failed):
            did_pass = index < passed
            number = next(counter)
            kind = NomineeKind.INDIVIDUAL if did_pass and index < individuals else NomineeKind.COLLECTIVE
            commune = make_unit(f"Xã Khen Thưởng {number}", parent=campaign.organising_unit)
            extra = {} if kind is NomineeKind.INDIVIDUAL else {"nominee_name": f"Ban Công tác Mặt trận thôn Số {number}"}
            nomination = make_nomination(
                unit=commune, campaign=campaign, kind=kind, with_evidence=False,
                status=NominationState.PASSED_COUNCIL if did_pass else NominationState.FAILED_COUNCIL,
                title=f"Dân vận khéo trong xây dựng đường giao thông nông thôn số {number}",
                submitted_at=utcnow(), **extra,
            )
            nominations[did_pass].append(nomination)
            ballot.items.append(
                BallotItem(nomination_id=nomination.id, position=index + 1, agree_electronic=5 if did_pass else 1,
                           disagree_electronic=0 if did_pass else 4, passed=did_pass)
            )
        db.session.commit()
        return CouncilResult(campaign, award_form, ballot, nominations[True], nominations[False], secretary, chair)

    return create


@pytest.fixture
def make_issued_decision():
    """An issued award decision of `result` for `nominations` (default: every passed one), with certificates.

    Built directly (number from the register, lines, certificates, nominations AWARDED), so that
    tests of printing, verification and revocation do not depend on the drafting pages.
    """
    from dvkheo.awards.decisions import freeze_certificate_look, freeze_ledger_head, take_number
    from dvkheo.awards.models import Decision, DecisionAwardee, DecisionKind, DecisionStatus
    from dvkheo.certificates.operations import create_certificate
    from dvkheo.core.timeutil import utcnow

    def create(result: CouncilResult, nominations=None, decided_on: date = date(2026, 11, 20)) -> Decision:
        nominations = result.passed if nominations is None else nominations
        form = result.award_form
        decision = Decision(
            campaign_id=result.campaign.id, award_form_id=form.id, kind=DecisionKind.AWARD, status=DecisionStatus.APPROVED,
            issuer_code=form.issuer_code, symbol=f"QĐ-{form.issuer_code}", decided_on=decided_on,
            place_name=form.place_name, parent_body=form.parent_body, issuing_body=form.issuing_body,
            issuer_in_text=form.issuer_in_text, document_format=form.document_format.as_dict(),
            signer_prefix=form.signer_prefix, signer_authority=form.signer_authority, signer_title=form.signer_title,
            signer_name=form.signer_name,
            title=f"Về việc khen thưởng mô hình, điển hình “Dân vận khéo” năm {result.campaign.year}",
            legal_bases=[basis.text for basis in form.legal_bases if basis.applies_on(decided_on)],
            articles="Điều 1. Tặng Giấy khen cho các tập thể, cá nhân có tên trong danh sách kèm theo.",
            recipients=f"- Như Điều 3;\n- Lưu: {form.archive}.",
            created_by_id=result.secretary.id, approved_by_id=result.chair.id, issued_by_id=result.chair.id,
            approved_at=utcnow(), issued_at=utcnow(),
        )
        db.session.add(decision)
        db.session.flush()
        take_number(decision, decided_on)
        # As issuing does (`workflow._before_issue`): the certificates' title, design and emblem are frozen.
        freeze_certificate_look(decision)
        freeze_ledger_head(decision)
        decision.status = DecisionStatus.ISSUED
        for position, nomination in enumerate(nominations, start=1):
            line = DecisionAwardee(
                decision=decision, nomination_id=nomination.id, award_form_id=form.id, position=position,
                ballot_item_id=result.item_for(nomination).id, kind=nomination.kind,
                recipient_name=nomination.nominee_name,
                recipient_detail=nomination.nominee_position or nomination.unit.name,
                unit_name=nomination.unit.name, model_title=nomination.title,
                reason=form.reason_template.format(nam=result.campaign.year, mo_hinh=nomination.title),
            )
            db.session.add(line)
            db.session.flush()
            create_certificate(line, decision, result.chair)
            nomination.status = NominationState.AWARDED
        db.session.commit()
        return decision

    return create


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} chưa được cài (apt-get install chromium; `make test` tự cài)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
