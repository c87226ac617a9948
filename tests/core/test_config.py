"""Configuration: production refuses a weak secret; without Redis the login still works."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from config import BASE_DIR, ProductionConfig, TestingConfig
from dvkheo import create_app
from dvkheo.extensions import db, limiter
from tests.conftest import PASSWORD

STRONG_SECRET = "k3Vq9-ZrT8wLx2Nf7Hc4Pm6Ys1Bd0Ju5"  # 32 characters, not a known default


@pytest.fixture
def other_apps(app):
    """Build extra apps on the session database; afterwards give the shared limiter back to `app`.

    The limiter is one object per process: each `init_app` replaces its storage, so the
    session app must get its own back (its hooks are not registered twice).
    """
    built = []

    def build(config_class, **overrides):
        other = create_app(config_class, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], **overrides)
        built.append(other)
        return other

    yield build
    for other in built:
        with other.app_context():
            db.engine.dispose()
    limiter.init_app(app)


@pytest.mark.parametrize("secret", ["", "changeme", "dev", "short-but-not-empty"])
def test_production_config_refuses_weak_secret(secret, monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", secret)

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig.validate()


def test_production_app_refuses_to_start_without_strong_secret(monkeypatch):
    monkeypatch.setenv("DVKHEO_ENV", "production")
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "")

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_app_starts_with_strong_secret(monkeypatch, other_apps):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", STRONG_SECRET)

    production = other_apps(ProductionConfig)

    assert production.config["SECRET_KEY"] == STRONG_SECRET
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert not production.config.get("TESTING")
    assert production.test_client().get("/login").status_code == 200


def _wsgi_import(tmp_path, secret: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "REDIS_URL", "FLASK_ENV")}
    env.update(
        DVKHEO_ENV="production",
        SECRET_KEY=secret,
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite'}",
        UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    return subprocess.run(
        [sys.executable, "-c", "import wsgi; print(wsgi.app.name)"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )


def test_wsgi_in_production_exits_with_weak_secret(tmp_path):
    result = _wsgi_import(tmp_path, "changeme")

    assert result.returncode != 0
    assert "SECRET_KEY phải được đặt" in result.stderr


def test_wsgi_in_production_starts_with_strong_secret(tmp_path):
    result = _wsgi_import(tmp_path, STRONG_SECRET)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "dvkheo"


def test_without_redis_rate_limits_are_kept_in_memory(make_user, other_apps):
    class NoRedis(TestingConfig):
        REDIS_URL = ""
        LOGIN_RATE_LIMIT = "3 per minute"

    no_redis = other_apps(NoRedis)
    user = make_user()
    client = no_redis.test_client()

    assert no_redis.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert client.get("/login").status_code == 200
    wrong = [client.post("/login", data={"email": user.email, "password": "sai-mat-khau"}).status_code for _ in range(4)]
    assert wrong == [200, 200, 200, 429]


def test_unreachable_redis_does_not_lock_anyone_out(make_user, other_apps):
    class DeadRedis(TestingConfig):
        REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    dead = other_apps(DeadRedis)
    user = make_user()
    client = dead.test_client()

    assert client.get("/login").status_code == 200
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/nominations/").status_code == 200
