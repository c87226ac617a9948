"""Browser fixtures: the session app served by a real HTTP server in a thread, and a page of Debian's Chromium
(the `browser` fixture, shared with tests/deploy, is in tests/conftest.py)."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server


@pytest.fixture(scope="session")
def live_server(app):
    """Base URL of the session `app` on 127.0.0.1 and a free port.

    The server thread shares the test database (a SQLite file, or the PostgreSQL test
    database), so rows a test commits are what the browser sees.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context per test; fails the test on a page error or a server error."""
    context = browser.new_context(base_url=live_server, locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript: {error}"))
    page.on("response", lambda response: response.status >= 500 and problems.append(f"HTTP {response.status} {response.url}"))
    yield page
    context.close()
    assert problems == []


@pytest.fixture(scope="session")
def artifacts_dir(pytestconfig) -> Path:
    """test-artifacts/ at the repository root (git-ignored): screenshots to look at."""
    path = Path(pytestconfig.rootpath) / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def backend(app) -> str:
    return "postgresql" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "sqlite"
