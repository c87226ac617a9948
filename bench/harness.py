"""Shared by the load bench (bench/votes.py) and the concurrency test: the app served by gunicorn
on loopback, and voters' signed sessions minted without going through identification."""
from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class GunicornServer:
    """`gunicorn wsgi:app` on 127.0.0.1 with `workers` processes and the given environment."""

    def __init__(
        self, env: dict[str, str], workers: int = 4, threads: int = 1, extra_args: tuple[str, ...] = (),
        start_seconds: float = 30,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.workers, self.threads = workers, threads
        self.extra_args = extra_args
        self.start_seconds = start_seconds
        self.process: subprocess.Popen | None = None
        # The server's output (a JSON line per request) goes to a file, never to a pipe nobody
        # reads: once a pipe's buffer is full, every worker blocks on its next log line.
        self.output = None

    def __enter__(self) -> "GunicornServer":
        executable = str(GUNICORN) if GUNICORN.exists() else "gunicorn"
        self.output = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [
                executable, "--workers", str(self.workers), "--threads", str(self.threads),
                "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "60", *self.extra_args, "wsgi:app",
            ],
            cwd=ROOT, env=self.env, stdout=self.output, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + self.start_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.output.seek(0)
                output = self.output.read().decode("utf-8", "replace")
                self.output.close()
                raise RuntimeError(f"gunicorn stopped: {output}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)  # __exit__ is not called when __enter__ raises: stop the server here
        raise RuntimeError(f"gunicorn did not answer /healthz within {self.start_seconds:g} s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.output is not None:
            self.output.close()


def mint_voter_session(app, campaign_id: int, voter_id: int) -> tuple[str, str]:
    """(session cookie value, CSRF form token) for a voter already identified for `campaign_id`.

    The server must share the app's SECRET_KEY; this is what identification would have put in
    the signed session cookie.
    """
    from flask import session
    from flask_wtf.csrf import generate_csrf

    from dvkheo.voting.session import session_values

    # A fresh app context: Flask-WTF caches the token in `g`, which would leak from one voter to the next.
    with app.app_context(), app.test_request_context():
        session.update(session_values(campaign_id, voter_id, 1))  # a new voter's session version
        token = generate_csrf()
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return cookie, token


def server_env(database_url: str, secret_key: str, **extra: str) -> dict[str, str]:
    """Environment for a served copy of the app on the given database (rate limits off unless set)."""
    env = {
        "DVKHEO_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        "DEV_OUTBOX": "0",
        "VOTE_RATE_LIMIT_PER_IP": "1000000 per minute",
        "VOTE_RATE_LIMIT_PER_VOTER": "1000000 per minute",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env

