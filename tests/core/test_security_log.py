"""The operators' security log (ASVS 5.0 V16): failed, throttled and successful logins, refused
access, failed CSRF checks and reset requests each leave one line, with the address, the account and
the route pattern, and never a password, a typed address or a reset token. Signed-in pages are
never cached."""
from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from config import TestingConfig
from dvkheo.accounts.models import Role
from dvkheo.core.notifications import OutboxMessage
from dvkheo.extensions import db
from tests.conftest import PASSWORD
from tests.core.test_config import other_apps  # noqa: F401

WRONG = "sai-mat-khau-hoan-toan"


@pytest.fixture
def security_lines(caplog):
    caplog.set_level(logging.INFO, logger="dvkheo.security")

    def lines() -> list[str]:
        return [record.getMessage() for record in caplog.records if record.name == "dvkheo.security"]

    return lines


def test_a_failed_login_is_logged_without_the_address_or_the_password(client, make_user, security_lines):
    user = make_user(Role.SECRETARY, email="thuky.log@example.vn")
    client.post("/login", data={"email": user.email, "password": WRONG}, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    [line] = security_lines()
    assert "event=login_failed" in line and "ip=203.0.113.7" in line and "route=/login" in line
    assert re.search(r"email=[0-9a-f]{12}\b", line)
    assert user.email not in line and WRONG not in line


def test_throttled_and_successful_logins_are_logged(client, make_user, security_lines):
    user = make_user(Role.SECRETARY, email="thuky.thu@example.vn")
    for _ in range(6):
        client.post("/login", data={"email": user.email, "password": WRONG})
    assert any("event=login_throttled" in line and "wait=" in line for line in security_lines())
    db.session.execute(sa.text("DELETE FROM login_throttles"))
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert f"account_id={user.id}" in security_lines()[-1] and "event=login_succeeded" in security_lines()[-1]


def test_refused_access_names_the_account_and_the_route(client, login_as, province, security_lines):
    user = login_as(Role.UNIT_SUBMITTER, province)
    assert client.get("/admin/users").status_code == 403
    [line] = [line for line in security_lines() if "event=access_denied" in line]
    assert f"account={user.id}" in line and "route=/admin/users" in line


def test_a_failed_csrf_check_is_logged(other_apps, security_lines):  # noqa: F811
    app = other_apps(TestingConfig, WTF_CSRF_ENABLED=True)
    assert app.test_client().post("/login", data={"email": "a@example.vn", "password": WRONG}).status_code == 400
    assert any("event=csrf_failed" in line for line in security_lines())


def test_a_reset_token_never_reaches_the_log(client, make_user, security_lines, caplog):
    user = make_user(Role.SECRETARY, email="thuky.reset@example.vn")
    client.post("/account/forgot", data={"email": user.email})
    body = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first().body
    token = re.search(r"/account/reset/(\S+)", body).group(1)
    client.post(f"/account/reset/{token}", data={"new_password": "ngan", "confirm_password": "ngan"})
    client.get("/admin/users")  # a 403 afterwards, with the reset pages' route patterns in the log
    assert any("event=password_reset_requested" in line for line in security_lines())
    assert token not in caplog.text and user.email not in caplog.text


def test_signed_in_pages_are_never_cached_and_public_ones_may_be(client, login_as, province):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login_as(Role.SECRETARY, province)
    for path in ("/", "/campaigns/", "/account/password"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
