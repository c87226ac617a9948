"""CSRF protection is on outside tests: a form posted without its token is refused."""
from __future__ import annotations

import re

import pytest

from config import TestingConfig
from dvkheo import create_app
from dvkheo.accounts.models import Role
from tests.conftest import PASSWORD


@pytest.fixture
def csrf_client(app, make_user):
    class CsrfConfig(TestingConfig):
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]

    return create_app(CsrfConfig).test_client()


def test_login_without_token_is_refused(csrf_client, make_user):
    user = make_user(Role.UNIT_SUBMITTER)
    response = csrf_client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)


def test_login_with_token_succeeds(csrf_client, make_user):
    user = make_user(Role.UNIT_SUBMITTER)
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = csrf_client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_withdraw_without_token_changes_nothing(csrf_client, make_user, make_nomination):
    from dvkheo.extensions import db
    from dvkheo.nominations.states import NominationState

    nomination = make_nomination(status=NominationState.SUBMITTED)
    user = make_user(Role.UNIT_SUBMITTER, nomination.unit)
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    csrf_client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    response = csrf_client.post(f"/nominations/{nomination.id}/withdraw", data={"reason": "giả mạo"})
    assert response.status_code == 400
    db.session.refresh(nomination)
    assert nomination.status is NominationState.SUBMITTED
