"""Password reset by emailed one-time link ("Quên mật khẩu?"): one answer for every address, an
absolute link, a hashed random token, expiry, single use, a newer link replacing the older, every
session ended, and the token kept out of Referer headers."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import LoginThrottle, PasswordResetToken, Role
from dvkheo.core.audit import AuditEvent
from dvkheo.core.notifications import OutboxMessage
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db, limiter
from tests.accounts.test_sessions import copy_cookies, signed_in
from tests.conftest import PASSWORD

NEW_PASSWORD = "ngay-hop-thon-phu-tho"
ANSWER = "Nếu địa chỉ này có tài khoản, chúng tôi đã gửi"
INVALID = "Đường dẫn đặt lại mật khẩu không đúng, đã hết hạn hoặc đã được sử dụng."


def ask(client, email: str, **kwargs):
    return client.post("/account/forgot", data={"email": email}, follow_redirects=True, **kwargs)


def mails() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def link_in(message: OutboxMessage) -> str:
    return re.search(r"(https?://\S+/account/reset/\S+)", message.body).group(1)


def path_of(link: str) -> str:
    return "/account/reset/" + link.rsplit("/account/reset/", 1)[1]


def set_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(path, data={"new_password": password, "confirm_password": confirm or password})


@pytest.fixture
def person(make_user, province):
    return make_user(Role.UNIT_SUBMITTER, province, email="canbo@example.vn")


def test_login_page_offers_forgotten_password(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/account/forgot"' in page and "Quên mật khẩu?" in page


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(client, person):
    known = ask(client, "CanBo@Example.vn")
    unknown = ask(client, "khongco@example.vn")
    assert ANSWER in known.get_data(as_text=True)
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert [message.recipient for message in mails()] == ["canbo@example.vn"]


def test_the_mail_holds_an_absolute_link_whose_token_is_stored_only_hashed(app, client, person):
    ask(client, person.email)
    link = link_in(mails()[0])
    assert link.startswith(app.config["PUBLIC_BASE_URL"] + "/account/reset/")
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 40
    record = db.session.scalars(sa.select(PasswordResetToken)).one()
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest()  # the token itself is stored nowhere
    expires_in = record.expires_at.replace(tzinfo=None) - record.created_at.replace(tzinfo=None)
    assert expires_in == timedelta(minutes=30)
    assert "30 phút" in mails()[0].body


def test_reset_sets_the_password_ends_every_session_and_is_audited(app, client, person):
    other_device = app.test_client()
    other_device.post("/login", data={"email": person.email, "password": PASSWORD, "remember": "y"})
    copied = app.test_client()
    copy_cookies(other_device, copied)
    for _ in range(6):  # someone was guessing: the throttle goes with the reset
        client.post("/login", data={"email": person.email, "password": "sai-mat-khau-1"})

    ask(client, person.email)
    path = path_of(link_in(mails()[0]))
    page = client.get(path)
    assert page.status_code == 200 and "Đặt lại mật khẩu" in page.get_data(as_text=True)
    response = set_password(client, path)
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    assert not signed_in(client)  # not signed in automatically
    assert not signed_in(other_device) and not signed_in(copied)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 0

    login = client.post("/login", data={"email": person.email, "password": NEW_PASSWORD})
    assert login.status_code == 302
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity_type == "user", AuditEvent.entity_id == person.id).order_by(AuditEvent.id)
    ).all()
    assert "password_reset_request" in actions and "password_reset" in actions
    assert not any(NEW_PASSWORD in str(event.details) for event in db.session.scalars(sa.select(AuditEvent)))


def test_a_link_works_once(client, person):
    ask(client, person.email)
    path = path_of(link_in(mails()[0]))
    set_password(client, path)
    again = client.get(path)
    assert again.status_code == 404
    text = again.get_data(as_text=True)
    assert INVALID in text and 'href="/account/forgot"' in text
    assert set_password(client, path, "mot-mat-khau-khac-9").status_code == 404


def test_a_newer_link_replaces_the_older(client, person):
    ask(client, person.email)
    ask(client, person.email)
    first, second = (path_of(link_in(message)) for message in mails())
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_an_expired_or_made_up_link_is_refused_in_vietnamese(client, person):
    ask(client, person.email)
    path = path_of(link_in(mails()[0]))
    db.session.execute(sa.update(PasswordResetToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert INVALID in client.get(path).get_data(as_text=True)
    assert client.get("/account/reset/khong-phai-ma-that").status_code == 404


def test_a_password_change_kills_an_outstanding_link(client, person):
    ask(client, person.email)
    path = path_of(link_in(mails()[0]))
    client.post("/login", data={"email": person.email, "password": PASSWORD})
    client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
    })
    client.post("/logout")
    assert client.get(path).status_code == 404


def test_weak_or_mismatched_password_keeps_the_link_and_says_why(client, person):
    ask(client, person.email)
    path = path_of(link_in(mails()[0]))
    weak = set_password(client, path, "ngan")
    assert weak.status_code == 422 and "Mật khẩu cần ít nhất 10 ký tự" in weak.get_data(as_text=True)
    mismatch = set_password(client, path, NEW_PASSWORD, "mat-khau-khac-2026")
    assert "Hai lần nhập mật khẩu mới không khớp." in mismatch.get_data(as_text=True)
    assert set_password(client, path).status_code == 303


def test_a_locked_account_gets_no_link(client, make_user):
    make_user(Role.CITIZEN, email="khoa@example.vn", active=False)
    assert ANSWER in ask(client, "khoa@example.vn").get_data(as_text=True)
    assert mails() == []


def test_the_reset_pages_send_no_referrer_and_are_not_cached(client, person):
    ask(client, person.email)
    path = path_of(link_in(mails()[0]))
    for response in (client.get(path), client.get("/account/reset/faux")):
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response.headers["Cache-Control"]
        assert '<meta name="referrer" content="no-referrer">' in response.get_data(as_text=True)


@pytest.fixture
def tight_reset_limit(app):
    app.config["PASSWORD_RESET_RATE_LIMIT"] = "2 per minute"
    limiter.reset()
    yield
    app.config["PASSWORD_RESET_RATE_LIMIT"] = "1000 per minute"
    limiter.reset()


def test_requests_are_limited_per_address_and_per_ip(client, person, tight_reset_limit):
    for number in range(2):
        assert ask(client, person.email, environ_base={"REMOTE_ADDR": f"10.0.0.{number + 1}"}).status_code == 200
    assert client.post("/account/forgot", data={"email": person.email.upper()}, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 429
    assert len(mails()) == 2
    for number in range(2):
        ask(client, f"ai{number}@example.vn", environ_base={"REMOTE_ADDR": "10.0.0.20"})
    assert client.post("/account/forgot", data={"email": "ai9@example.vn"}, environ_base={"REMOTE_ADDR": "10.0.0.20"}).status_code == 429


def test_passwords_the_policy_refuses_cost_no_attempt_on_the_reset_page(client, person, tight_reset_limit):
    ask(client, person.email, environ_base={"REMOTE_ADDR": "10.0.0.30"})
    path = path_of(link_in(mails()[0]))
    for weak in ("Password123!", "Mật khẩu 123", "ngan"):
        assert set_password(client, path, weak).status_code == 422
    assert set_password(client, path).status_code == 303  # the limit (2) was not spent on refused passwords


def test_the_account_history_names_the_request_and_the_reset(app, client, login_as, person):
    ask(client, person.email)
    set_password(client, path_of(link_in(mails()[0])))
    login_as(Role.ADMIN)
    history = client.get(f"/admin/users/{person.id}/edit").get_data(as_text=True)
    assert "Yêu cầu đặt lại mật khẩu qua thư" in history and "Đặt lại mật khẩu qua thư" in history


@pytest.mark.parametrize("injected", [
    "canbo@example.vn\r\nBcc: ke-xau@evil.example",
    "canbo@example.vn\nBcc: ke-xau@evil.example",
    "canbo@example.vn\rSubject: Mat khau moi",
    "canbo@example.vn,ke-xau@evil.example",
])
def test_an_address_with_a_line_break_or_a_second_recipient_sends_nothing(client, person, injected):
    """ASVS 5.0 V1.3.11: no header can be added to the reset mail through the address field."""
    page = ask(client, injected).get_data(as_text=True)

    assert "Thư điện tử không hợp lệ." in page
    assert mails() == []
