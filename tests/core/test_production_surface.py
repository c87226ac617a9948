"""What a production server exposes beyond the application's pages (ASVS 5.0 V13.4): no debug mode,
no bench endpoints, no folder listings, no TRACE, no source-control files; and how a request
with the same field twice is read (V15.3.7)."""
from __future__ import annotations

import pytest

from config import DevelopmentConfig, ProductionConfig
from dvkheo.accounts.models import Role
from tests.conftest import PASSWORD
from tests.core.test_config import PUBLIC_URL, STRONG_SECRET, STRONG_VOTER_KEY, other_apps  # noqa: F401


@pytest.fixture
def production_app(other_apps, monkeypatch):  # noqa: F811
    for name, value in (("SECRET_KEY", STRONG_SECRET), ("VOTER_ID_HASH_KEY", STRONG_VOTER_KEY), ("PUBLIC_BASE_URL", PUBLIC_URL)):
        monkeypatch.setattr(ProductionConfig, name, value)
    return other_apps(ProductionConfig)


def bench_rules(app) -> list[str]:
    return [rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/_bench")]


def test_production_runs_without_debug_mode_or_its_error_pages(production_app):
    assert production_app.debug is False
    assert production_app.config["DEBUG"] is False
    assert production_app.config["TESTING"] is False
    assert production_app.config["PROPAGATE_EXCEPTIONS"] in (None, False)


def test_bench_endpoints_exist_only_where_a_bench_asks_and_never_in_production(other_apps, production_app, tmp_path):  # noqa: F811
    bench = other_apps(DevelopmentConfig, BENCH_ENDPOINTS=True, INSTANCE_SECRETS_DIR=str(tmp_path / "secrets"))
    assert bench_rules(bench) == ["/_bench/insert"]  # what the check below would find

    assert bench_rules(production_app) == []
    assert production_app.test_client().post("/_bench/insert").status_code == 404


@pytest.mark.parametrize("path", ["/static/", "/static/css/", "/static/js/", "/.git/config", "/.git/HEAD", "/static/../config.py", "/instance/"])
def test_no_folder_listing_or_project_file_is_served(production_app, path):
    response = production_app.test_client().get(path)

    assert response.status_code == 404
    assert "Index of" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/login", "/binh-chon/", "/static/css/app.css"])
def test_trace_is_not_answered(production_app, path):
    response = production_app.test_client().open(path, method="TRACE", headers={"X-Bi-Mat": "khong-duoc-lap-lai"})

    assert response.status_code == 405
    assert "TRACE" not in response.headers.get("Allow", "")
    assert "khong-duoc-lap-lai" not in response.get_data(as_text=True)


def test_credentials_in_the_query_string_do_not_sign_anyone_in(client, make_user):
    """HTTP parameter pollution: the form is read from the body only, and the first of two values wins."""
    person = make_user(Role.UNIT_SUBMITTER, email="canbo@example.vn")

    from_query = client.post(f"/login?email={person.email}&password={PASSWORD}", data={"email": person.email, "password": "sai-mat-khau-1"})
    assert from_query.status_code == 200
    assert "Thư điện tử hoặc mật khẩu không đúng." in from_query.get_data(as_text=True)

    twice = client.post("/login", data={"email": person.email, "password": ["sai-mat-khau-1", PASSWORD]})
    assert twice.status_code == 200

    assert client.post("/login", data={"email": person.email, "password": PASSWORD}).status_code == 302
