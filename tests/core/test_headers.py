"""Security headers on every answer (pages, errors, static files, downloads), in development and in
production; HSTS only in production; the content security policy stays strict (no inline code)."""
from __future__ import annotations

import re

import pytest

from config import DevelopmentConfig, ProductionConfig
from dvkheo.accounts.models import Role
from tests.core.test_config import PUBLIC_URL, STRONG_SECRET, STRONG_VOTER_KEY, other_apps, production_settings  # noqa: F401

PATHS = ["/login", "/binh-chon/", "/khong-co-trang-nay", "/static/css/app.css", "/healthz"]


@pytest.fixture(params=["development", "production"])
def served(request, other_apps, monkeypatch, tmp_path):  # noqa: F811
    if request.param == "production":
        for name, value in (("SECRET_KEY", STRONG_SECRET), ("VOTER_ID_HASH_KEY", STRONG_VOTER_KEY), ("PUBLIC_BASE_URL", PUBLIC_URL)):
            monkeypatch.setattr(ProductionConfig, name, value)
        return request.param, other_apps(ProductionConfig)
    return request.param, other_apps(DevelopmentConfig, INSTANCE_SECRETS_DIR=str(tmp_path / "secrets"))


def csp(response) -> dict[str, str]:
    directives = (part.strip().split(None, 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


@pytest.mark.parametrize("path", PATHS)
def test_every_answer_carries_the_security_headers(served, path):
    _env, app = served
    response = app.test_client().get(path)

    assert response.status_code in (200, 404)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = csp(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"  # ASVS 5.0 V3.4.3: object-src and base-uri 'none'
    assert policy["form-action"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", PATHS)
def test_hsts_in_production_only(served, path):
    env, app = served
    response = app.test_client().get(path, base_url="https://dvkheo.quangngai.gov.vn")

    if env == "production":
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    else:
        assert "Strict-Transport-Security" not in response.headers


def test_an_error_page_carries_the_headers_too(client):
    response = client.get("/logout")  # logging out is a POST

    assert response.status_code == 405
    assert "Thao tác không được hỗ trợ" in response.get_data(as_text=True)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_production_cookies_are_host_only_secure_and_survive_the_next_request(other_apps, production_settings, make_user):  # noqa: F811
    from tests.conftest import PASSWORD

    user = make_user(Role.SECRETARY, email="thuky.cookie@example.vn")
    app = other_apps(ProductionConfig)
    client = app.test_client()
    https = {"base_url": PUBLIC_URL, "headers": {"Referer": PUBLIC_URL + "/login"}}  # CSRF over https checks it
    page = client.get("/login", **https).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y", "csrf_token": token}, **https)
    assert answer.status_code == 302
    cookies = {header.split("=", 1)[0]: header for header in answer.headers.getlist("Set-Cookie")}
    assert set(cookies) == {"__Host-session", "__Host-remember_token"}
    for header in cookies.values():
        attributes = [part.strip().lower() for part in header.split(";")[1:]]
        assert "secure" in attributes and "httponly" in attributes and "path=/" in attributes
        assert "samesite=lax" in attributes
        assert not any(part.startswith("domain=") for part in attributes)  # a __Host- cookie must have none
    assert client.get("/account/password", **https).status_code == 200


@pytest.mark.parametrize("path", ["/login", "/binh-chon/", "/verify", "/khong-co-trang-nay", "/logout"])
def test_html_pages_name_their_charset(client, path):
    """ASVS 5.0 V4.1.1: a browser never has to guess the encoding of Vietnamese text."""
    response = client.get(path)

    assert response.status_code in (200, 404, 405)
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<meta charset=\"utf-8\">" in response.get_data(as_text=True).lower()


def test_a_csv_download_names_its_charset_too(client, login_as):
    login_as(Role.ADMIN)
    response = client.get("/admin/units/import/mau.csv")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
