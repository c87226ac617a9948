"""Session cookies and CSRF tokens checked with cached serializers (dvkheo/core/signing.py): the same
bytes as Flask's and Flask-WTF's own, so nobody is signed out or loses a form across the change, and
every refusal of the stock check is still a refusal, with the same reason."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import URLSafeTimedSerializer
from wtforms import ValidationError

from config import TestingConfig
from dvkheo import create_app
from dvkheo.core import signing
from tests.conftest import PASSWORD


def _stock_serializer(secret_key: str):
    plain = Flask("stock")
    plain.secret_key = secret_key
    return SecureCookieSessionInterface().get_signing_serializer(plain)


def test_a_cookie_signed_by_flask_itself_opens_here_and_the_other_way_round(app):
    ours = app.session_interface.get_signing_serializer(app)
    stock = _stock_serializer(app.secret_key)
    values = {"voter:7": 41, "voter_version:7": 2, "csrf_token": "ab" * 20}
    assert ours.loads(stock.dumps(values)) == values
    assert stock.loads(ours.dumps(values)) == values


def test_a_new_secret_key_is_used_at_once_and_the_old_one_only_as_a_fallback(app):
    old = app.session_interface.get_signing_serializer(app).dumps({"voter:1": 1})
    app.config["SECRET_KEY"] = app.secret_key + "-rotated"
    try:
        with pytest.raises(Exception):
            app.session_interface.get_signing_serializer(app).loads(old)
        app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key.removesuffix("-rotated")]
        assert app.session_interface.get_signing_serializer(app).loads(old) == {"voter:1": 1}
    finally:
        app.config["SECRET_KEY"] = app.secret_key.removesuffix("-rotated")
        app.config["SECRET_KEY_FALLBACKS"] = []


@pytest.fixture
def csrf_app(app):
    class CsrfConfig(TestingConfig):
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]

    return create_app(CsrfConfig)


def test_a_token_made_by_flask_wtf_is_accepted_and_every_bad_one_refused_with_its_reason(csrf_app):
    with csrf_app.test_request_context("/", method="POST"):
        token = generate_csrf()
        signing.validate_csrf(token)  # Flask-WTF's own token, as every form renders it
        signature_changed = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        other_key = URLSafeTimedSerializer("another secret key", salt=signing.CSRF_SALT).dumps("0" * 40)
        for bad, reason in (
            ("", "The CSRF token is missing."),
            (signature_changed, "The CSRF token is invalid."),
            (other_key, "The CSRF token is invalid."),
        ):
            with pytest.raises(ValidationError, match=re.escape(reason)):
                signing.validate_csrf(bad)
    with csrf_app.test_request_context("/", method="POST"):
        from flask import session

        session["csrf_token"] = "f" * 40  # another browser's session: a valid token, not this session's
        with pytest.raises(ValidationError, match="do not match"):
            signing.validate_csrf(token)
        session.pop("csrf_token")
        with pytest.raises(ValidationError, match="session token is missing"):
            signing.validate_csrf(token)


def test_a_token_past_the_time_limit_is_refused_as_expired(csrf_app, monkeypatch):
    import time

    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    with csrf_app.test_request_context("/", method="POST"):
        token = generate_csrf()
        signing.validate_csrf(token)
        later = time.time() + 3601
        monkeypatch.setattr(time, "time", lambda: later)
        with pytest.raises(ValidationError, match="expired"):
            signing.validate_csrf(token)


def test_a_changed_secret_key_invalidates_the_tokens_signed_with_the_old_one(csrf_app):
    with csrf_app.test_request_context("/", method="POST"):
        token = generate_csrf()
        signing.validate_csrf(token)
        csrf_app.config["SECRET_KEY"] = csrf_app.secret_key + "-rotated"
        with pytest.raises(ValidationError, match="invalid"):
            signing.validate_csrf(token)


def _login_page_token(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_over_https_a_form_needs_a_same_site_referrer(csrf_app, make_user):
    from dvkheo.accounts.models import Role

    user = make_user(Role.UNIT_SUBMITTER)
    client = csrf_app.test_client()
    base = "https://dvkheo.example.vn"
    page = client.get("/login", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    for referrer in (None, "https://evil.example.com/login"):
        headers = {"Referer": referrer} if referrer else {}
        response = client.post("/login", data=form, base_url=base, headers=headers)
        assert response.status_code == 400
        assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)
    response = client.post("/login", data=form, base_url=base, headers={"Referer": base + "/login"})
    assert response.status_code == 302
