"""Development keys: random, kept in instance/secrets/ with mode 0600, the same for every worker and every
start; a session cookie signed with a guessed key (the old per-checkout key, common defaults) is refused."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from config import BASE_DIR, DevelopmentConfig
from dvkheo.accounts.models import Role
from dvkheo.core import instance_secrets
from tests.core.test_config import other_apps  # noqa: F401  (fixture)

ADMIN_PAGE = "/admin/units/"
GUESSES = [
    "dev-only-" + str(BASE_DIR),  # what every development checkout used before
    "dev-only-/work/main",
    "dev-only-/opt/dvkheo",
    "dev", "changeme", "secret", "you-will-never-guess", "test-secret-key",
]


def development(other_apps, secrets_dir, **overrides):  # noqa: F811
    """A development app as `make run` builds it with no keys in the environment."""
    settings = dict(SECRET_KEY="", VOTER_ID_HASH_KEY="", INSTANCE_SECRETS_DIR=str(secrets_dir))
    settings.update(overrides)
    return other_apps(DevelopmentConfig, **settings)


def forged_session_cookie(key: str, user) -> str:
    """What Flask would set after `user` logged in, signed with `key` (itsdangerous, as Flask does)."""
    forger = Flask("forger")
    forger.secret_key = key
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    now = int(time.time())
    return serializer.dumps({"_user_id": user.get_id(), "_fresh": True, "signed_in_at": now, "seen_at": now})


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_development_keys_are_random_stored_0600_and_reused(other_apps, tmp_path):  # noqa: F811
    secrets_dir = tmp_path / "secrets"

    first = development(other_apps, secrets_dir)
    second = development(other_apps, secrets_dir)

    for name in ("SECRET_KEY", "VOTER_ID_HASH_KEY"):
        stored = (secrets_dir / name).read_text().strip()
        assert mode(secrets_dir / name) == 0o600
        assert first.config[name] == second.config[name] == stored
        assert len(stored) >= 64
        assert str(BASE_DIR) not in stored
    assert first.config["SECRET_KEY"] != first.config["VOTER_ID_HASH_KEY"]
    assert mode(secrets_dir) == 0o700


def test_another_checkout_gets_other_keys(other_apps, tmp_path):  # noqa: F811
    one = development(other_apps, tmp_path / "one")
    two = development(other_apps, tmp_path / "two")

    assert one.config["SECRET_KEY"] != two.config["SECRET_KEY"]
    assert one.config["VOTER_ID_HASH_KEY"] != two.config["VOTER_ID_HASH_KEY"]


def test_keys_from_the_environment_win_and_are_not_written(other_apps, tmp_path):  # noqa: F811
    secrets_dir = tmp_path / "secrets"
    key = "k3Vq9-ZrT8wLx2Nf7Hc4Pm6Ys1Bd0Ju5-from-env"

    app = development(other_apps, secrets_dir, SECRET_KEY=key)

    assert app.config["SECRET_KEY"] == key
    assert not (secrets_dir / "SECRET_KEY").exists()
    assert (secrets_dir / "VOTER_ID_HASH_KEY").exists()


def test_a_key_file_readable_by_others_is_narrowed_to_0600(tmp_path):
    secrets_dir = tmp_path / "secrets"
    first = instance_secrets.load_or_create(secrets_dir, "SECRET_KEY")
    os.chmod(secrets_dir / "SECRET_KEY", 0o644)

    assert instance_secrets.load_or_create(secrets_dir, "SECRET_KEY") == first
    assert mode(secrets_dir / "SECRET_KEY") == 0o600


def test_workers_starting_together_agree_on_one_key(tmp_path):
    """Eight processes (gunicorn workers) create the key at the same moment: one wins, all read it."""
    secrets_dir = tmp_path / "secrets"
    start = tmp_path / "go"
    script = (  # the module alone, not the whole app: the processes must start close together
        "import importlib.util, os, sys, time\n"
        "from pathlib import Path\n"
        f"spec = importlib.util.spec_from_file_location('keys', {instance_secrets.__file__!r})\n"
        "instance_secrets = importlib.util.module_from_spec(spec); spec.loader.exec_module(instance_secrets)\n"
        f"while not os.path.exists({str(start)!r}): time.sleep(0.001)\n"
        f"print(instance_secrets.load_or_create(Path({str(secrets_dir)!r}), 'SECRET_KEY'))\n"
    )
    workers = [
        subprocess.Popen([sys.executable, "-c", script], cwd=BASE_DIR, stdout=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    start.touch()
    keys = {worker.communicate(timeout=60)[0].strip() for worker in workers}

    assert all(worker.returncode == 0 for worker in workers)
    assert len(keys) == 1
    assert keys == {(secrets_dir / "SECRET_KEY").read_text().strip()}
    assert sorted(os.listdir(secrets_dir)) == ["SECRET_KEY"]  # no temporary file left behind


def test_without_hard_links_threads_starting_together_still_agree(tmp_path, monkeypatch):
    def no_links(*_args, **_kwargs):
        raise PermissionError("hard links not supported")

    monkeypatch.setattr(instance_secrets.os, "link", no_links)
    secrets_dir = tmp_path / "secrets"
    barrier = threading.Barrier(8)
    keys: list[str] = []

    def start():
        barrier.wait()
        keys.append(instance_secrets.load_or_create(secrets_dir, "VOTER_ID_HASH_KEY"))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(keys) == 8 and len(set(keys)) == 1
    assert mode(secrets_dir / "VOTER_ID_HASH_KEY") == 0o600


@pytest.mark.parametrize("guess", GUESSES)
def test_session_cookie_forged_with_a_guessed_key_is_refused(guess, other_apps, tmp_path, make_user):  # noqa: F811
    app = development(other_apps, tmp_path / "secrets")
    admin = make_user(role=Role.ADMIN)
    client = app.test_client()

    client.set_cookie("session", forged_session_cookie(guess, admin))
    response = client.get(ADMIN_PAGE)

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_same_cookie_signed_with_the_real_key_is_accepted(other_apps, tmp_path, make_user):  # noqa: F811
    """The control for the test above: the forgery is right in every respect but the key."""
    app = development(other_apps, tmp_path / "secrets")
    admin = make_user(role=Role.ADMIN)
    client = app.test_client()

    client.set_cookie("session", forged_session_cookie(app.config["SECRET_KEY"], admin))

    assert client.get(ADMIN_PAGE).status_code == 200
