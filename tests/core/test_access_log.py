"""The access log that `make run` writes keeps no one-time token: a reset link's token and a receipt
in `?ma=` are masked, under the real gunicorn with the logger class the Makefile names."""
from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.harness import GunicornServer, server_env
from dvkheo.extensions import db

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Zq8vN3kP_x7LmT2wR9yB-c4HdF6sJ1aEoU5iGtY0nKh"


def _logger_class_of_make_run() -> str:
    return re.search(r"--logger-class (\S+)", (ROOT / "Makefile").read_text()).group(1)


def test_make_runs_access_log_masks_tokens_and_receipts(app, tmp_path):
    if app.config["SQLALCHEMY_DATABASE_URI"] in ("sqlite://", "sqlite:///:memory:"):
        pytest.skip("a served copy needs a database file or server")
    db.session.commit()
    log_file = tmp_path / "access.log"
    env = server_env(db.engine.url.render_as_string(hide_password=False), app.config["SECRET_KEY"])
    env.update(VOTER_ID_HASH_KEY="served-test-voter-id-hash-key", PUBLIC_BASE_URL="")
    args = ("--access-logfile", str(log_file), "--logger-class", _logger_class_of_make_run())
    with GunicornServer(env, workers=1, threads=2, extra_args=args) as server:
        for path in (f"/account/reset/{TOKEN}", "/binh-chon/dot/1/ma-xac-nhan?ma=BC-AB12-CD34-EF56", "/login?next=/nominations/"):
            try:
                urllib.request.urlopen(server.url + path, timeout=10).read()
            except urllib.error.HTTPError:
                pass  # 404 for the unknown token and campaign: the request is logged all the same
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and log_file.read_text().count("\n") < 4:
            time.sleep(0.1)
    logged = log_file.read_text()
    assert "/account/reset/***" in logged and "ma=***" in logged
    assert TOKEN not in logged and "AB12-CD34" not in logged
    assert "/login?next=/nominations/" in logged  # everything else stays readable
