"""Configuration: production refuses to start without its keys and an https address; without Redis the login still works."""
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


STRONG_VOTER_KEY = "Hq7-mW2pZx9Lc4Rt8Vb1Nd6Ks3Fy0Ge5Aj"
PUBLIC_URL = "https://dvkheo.quangngai.gov.vn"


@pytest.fixture
def production_settings(monkeypatch):
    """ProductionConfig given every required setting; a test then takes one away."""
    for name, value in (("SECRET_KEY", STRONG_SECRET), ("VOTER_ID_HASH_KEY", STRONG_VOTER_KEY), ("PUBLIC_BASE_URL", PUBLIC_URL)):
        monkeypatch.setattr(ProductionConfig, name, value)
    return monkeypatch


@pytest.mark.parametrize("secret", ["", "changeme", "dev", "short-but-not-empty", "dev-only-" + str(BASE_DIR)])
def test_production_config_refuses_weak_secret(secret, production_settings):
    production_settings.setattr(ProductionConfig, "SECRET_KEY", secret)

    with pytest.raises(RuntimeError, match="SECRET_KEY") as refused:
        ProductionConfig.validate()
    assert "VOTER_ID_HASH_KEY" not in str(refused.value) and "PUBLIC_BASE_URL" not in str(refused.value)


def test_production_refusal_names_every_missing_setting_in_one_message(production_settings):
    for name in ("SECRET_KEY", "VOTER_ID_HASH_KEY", "PUBLIC_BASE_URL"):
        production_settings.setattr(ProductionConfig, name, "")

    with pytest.raises(RuntimeError) as refused:
        ProductionConfig.validate()

    message = str(refused.value)
    assert message.startswith("Không khởi động được ở môi trường production")
    assert "SECRET_KEY chưa được đặt" in message
    assert "VOTER_ID_HASH_KEY chưa được đặt" in message
    assert "PUBLIC_BASE_URL chưa được đặt" in message


@pytest.mark.parametrize("missing", ["SECRET_KEY", "VOTER_ID_HASH_KEY", "PUBLIC_BASE_URL"])
def test_production_refuses_each_missing_setting_alone(missing, production_settings):
    production_settings.setattr(ProductionConfig, missing, "")

    with pytest.raises(RuntimeError, match=f"{missing} chưa được đặt") as refused:
        ProductionConfig.validate()
    others = {"SECRET_KEY", "VOTER_ID_HASH_KEY", "PUBLIC_BASE_URL"} - {missing}
    assert not any(other in str(refused.value) for other in others)


@pytest.mark.parametrize("url", ["http://dvkheo.quangngai.gov.vn", "http://127.0.0.1:5000", "https://", "dvkheo.vn"])
def test_production_refuses_a_public_address_without_https(url, production_settings):
    production_settings.setattr(ProductionConfig, "PUBLIC_BASE_URL", url)

    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL phải là địa chỉ https://"):
        ProductionConfig.validate()


def test_production_refuses_the_session_key_reused_to_hash_voters(production_settings):
    production_settings.setattr(ProductionConfig, "VOTER_ID_HASH_KEY", STRONG_SECRET)

    with pytest.raises(RuntimeError, match="VOTER_ID_HASH_KEY phải khác SECRET_KEY"):
        ProductionConfig.validate()


def test_production_app_refuses_to_start_without_strong_secret(production_settings):
    production_settings.setenv("DVKHEO_ENV", "production")
    production_settings.setattr(ProductionConfig, "SECRET_KEY", "")

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_app_starts_with_every_setting(production_settings, other_apps):
    production = other_apps(ProductionConfig)

    assert production.config["SECRET_KEY"] == STRONG_SECRET
    assert production.config["VOTER_ID_HASH_KEY"] == STRONG_VOTER_KEY
    assert production.config["PUBLIC_BASE_URL"] == PUBLIC_URL
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert not production.config.get("TESTING")
    assert production.test_client().get("/login").status_code == 200



def test_production_app_starts_from_a_checkout_it_cannot_write(production_settings, other_apps):
    """deploy/: the checkout belongs to root and systemd mounts it read-only (ProtectSystem=strict), so the
    service cannot create instance/; production names everything in the environment and must start anyway."""
    import dvkheo

    real_makedirs = os.makedirs

    def read_only(path, *args, **kwargs):
        if str(path).startswith(str(BASE_DIR / "instance")):
            raise OSError(30, "Read-only file system", str(path))
        return real_makedirs(path, *args, **kwargs)

    production_settings.setattr(dvkheo.os, "makedirs", read_only)
    production = other_apps(ProductionConfig)

    assert production.test_client().get("/login").status_code == 200

def _wsgi_import(tmp_path, **settings: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in ("SECRET_KEY", "VOTER_ID_HASH_KEY", "PUBLIC_BASE_URL", "REDIS_URL", "FLASK_ENV")}
    env.update(
        DVKHEO_ENV="production",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite'}",
        UPLOAD_DIR=str(tmp_path / "uploads"),
        **settings,
    )
    return subprocess.run(
        [sys.executable, "-c", "import wsgi; print(wsgi.app.name)"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )


def test_wsgi_in_production_exits_naming_every_missing_setting(tmp_path):
    result = _wsgi_import(tmp_path, SECRET_KEY="changeme", PUBLIC_BASE_URL="http://127.0.0.1:5000")

    assert result.returncode != 0
    assert "SECRET_KEY quá yếu" in result.stderr
    assert "VOTER_ID_HASH_KEY chưa được đặt" in result.stderr
    assert "PUBLIC_BASE_URL phải là địa chỉ https://" in result.stderr


def test_wsgi_in_production_starts_with_every_setting(tmp_path):
    result = _wsgi_import(tmp_path, SECRET_KEY=STRONG_SECRET, VOTER_ID_HASH_KEY=STRONG_VOTER_KEY, PUBLIC_BASE_URL=PUBLIC_URL)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "dvkheo"


def test_without_redis_rate_limits_are_kept_in_memory(make_user, other_apps):
    class NoRedis(TestingConfig):
        REDIS_URL = ""
        LOGIN_RATE_LIMIT = "3 per minute"

    no_redis = other_apps(NoRedis)
    user = make_user()
    client = no_redis.test_client()

    assert no_redis.config["RATELIMIT_STORAGE_URI"] == "dvkheo-memory://"
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
