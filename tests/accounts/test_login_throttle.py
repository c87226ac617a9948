"""Login: the same work for unknown addresses as for known ones, and a throttle per typed address
that slows guessing down (2, 4, 8 ... seconds, at most 15 minutes) without locking anyone out."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dvkheo.accounts import auth, models
from dvkheo.accounts.models import LoginThrottle, Role
from dvkheo.core.audit import AuditEvent
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from tests.conftest import PASSWORD

WRONG = "sai-mat-khau-123"
BAD_CREDENTIALS = "Thư điện tử hoặc mật khẩu không đúng."


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password hash the login checks, as (hash method) in order."""
    checked: list[str] = []
    real = models.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(models, "check_password_hash", counting)
    return checked


def post_login(client, email: str, password: str, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def throttle_row(email: str) -> LoginThrottle | None:
    db.session.expire_all()
    return db.session.get(LoginThrottle, auth.email_key(email))


def end_the_wait(email: str) -> None:
    """Move the throttle's wait into the past (as if its seconds had gone by)."""
    db.session.execute(
        sa.update(LoginThrottle).where(LoginThrottle.email_hash == auth.email_key(email))
        .values(next_allowed_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def test_unknown_address_checks_a_hash_of_the_same_method_as_a_real_account(client, make_user, hash_checks):
    user = make_user(Role.CITIZEN, email="dan@example.vn")
    real_method = user.password_hash.split("$", 1)[0]

    assert BAD_CREDENTIALS in post_login(client, "khongco@example.vn", PASSWORD).get_data(as_text=True)
    assert hash_checks == [real_method]  # the dummy check: as costly as a real one
    hash_checks.clear()
    assert BAD_CREDENTIALS in post_login(client, "dan@example.vn", WRONG).get_data(as_text=True)
    assert hash_checks == [real_method]


def test_dummy_hash_follows_the_configured_method(app):
    assert auth.dummy_hash().startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    app.config["PASSWORD_HASH_METHOD"] = None  # production: werkzeug's scrypt
    try:
        assert auth.dummy_hash().startswith("scrypt:")
    finally:
        app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"


def test_five_failures_then_waits_that_grow_and_refuse_even_the_right_password(client, make_user, hash_checks):
    user = make_user(Role.CITIZEN, email="dan@example.vn")
    for _ in range(5):
        assert BAD_CREDENTIALS in post_login(client, user.email, WRONG).get_data(as_text=True)
    hash_checks.clear()

    refused = post_login(client, user.email, PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
    assert "Đăng nhập sai nhiều lần. Vui lòng thử lại sau 2 giây." in refused.get_data(as_text=True)
    assert hash_checks == []  # the password was not even checked

    end_the_wait(user.email)
    assert BAD_CREDENTIALS in post_login(client, user.email, WRONG).get_data(as_text=True)
    assert "thử lại sau 4 giây" in post_login(client, user.email, PASSWORD).get_data(as_text=True)
    end_the_wait(user.email)
    post_login(client, user.email, WRONG)
    assert "thử lại sau 8 giây" in post_login(client, user.email, WRONG).get_data(as_text=True)

    end_the_wait(user.email)
    assert post_login(client, user.email, PASSWORD).status_code == 302  # never locked for good
    assert throttle_row(user.email) is None  # a success starts again from zero


def test_the_throttle_of_one_account_leaves_other_accounts_and_addresses_alone(client, app, make_user):
    target = make_user(Role.CITIZEN, email="dan@example.vn")
    other = make_user(Role.CITIZEN, email="khac@example.vn")
    for _ in range(6):
        post_login(client, target.email, WRONG)
    assert post_login(client, target.email, PASSWORD).status_code == 429
    elsewhere = app.test_client()
    assert post_login(elsewhere, other.email, PASSWORD, environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 302
    assert post_login(client, other.email, PASSWORD).status_code == 302


def test_unknown_addresses_are_throttled_exactly_like_known_ones(client, make_user):
    make_user(Role.CITIZEN, email="dan@example.vn")
    answers = {}
    for email in ("dan@example.vn", "khongco@example.vn"):
        for _ in range(5):
            post_login(client, email, WRONG)
        response = post_login(client, email, WRONG)
        answers[email] = (response.status_code, response.get_data(as_text=True).replace(email, "EMAIL"))
    assert answers["dan@example.vn"] == answers["khongco@example.vn"]
    assert answers["dan@example.vn"][0] == 429


def test_the_count_is_kept_in_the_database_by_a_hash_of_the_address(client):
    post_login(client, "Ai.Do@Example.vn", WRONG)
    row = throttle_row("ai.do@example.vn")
    assert row.failures == 1 and row.next_allowed_at is None
    assert "ai.do" not in row.email_hash and len(row.email_hash) == 64


def test_failures_are_forgotten_after_a_quiet_hour(client, make_user):
    user = make_user(Role.CITIZEN, email="dan@example.vn")
    for _ in range(5):
        post_login(client, user.email, WRONG)
    db.session.execute(
        sa.update(LoginThrottle).values(last_failure_at=utcnow() - timedelta(hours=2), next_allowed_at=utcnow() - timedelta(hours=2))
    )
    db.session.commit()
    assert BAD_CREDENTIALS in post_login(client, user.email, WRONG).get_data(as_text=True)
    assert throttle_row(user.email).failures == 1


def test_waits_grow_to_fifteen_minutes_at_most(app):
    assert [auth.delay_after(n) for n in range(0, 8)] == [0, 0, 0, 0, 0, 2, 4, 8]
    assert auth.delay_after(14) == 900 and auth.delay_after(10_000) == 900


def test_once_the_wait_is_over_parallel_attempts_get_one_check_between_them(app, make_user):
    user = make_user(Role.CITIZEN, email="dan@example.vn")
    now = utcnow()
    db.session.add(LoginThrottle(email_hash=auth.email_key(user.email), failures=7, last_failure_at=now, next_allowed_at=now))
    db.session.commit()
    assert auth._claim_attempt(auth.email_key(user.email), now + timedelta(seconds=1)) == 0
    assert auth._claim_attempt(auth.email_key(user.email), now + timedelta(seconds=1)) == 16  # the next wait is charged up front


def test_crossing_the_threshold_is_audited_for_an_account(client, make_user):
    user = make_user(Role.CITIZEN, email="dan@example.vn")
    for _ in range(7):
        post_login(client, user.email, WRONG)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "user", AuditEvent.entity_id == user.id, AuditEvent.action == "login_throttled")
    ).all()
    assert len(events) == 1 and events[0].actor_id is None and events[0].details == {"failures": 5}


def test_a_locked_account_still_answers_only_after_the_right_password(client, make_user):
    user = make_user(Role.CITIZEN, email="dan@example.vn", active=False)
    assert BAD_CREDENTIALS in post_login(client, user.email, WRONG).get_data(as_text=True)
    assert "Tài khoản đã bị khóa" in post_login(client, user.email, PASSWORD).get_data(as_text=True)
