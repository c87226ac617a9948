"""Rate limits count the real client and hold exactly: behind a trusted proxy each client has its own
bucket, without one X-Forwarded-For is ignored, and "3 per minute" allows exactly 3 whether the counters
live in memory (`make run`: one process, several threads) or in Redis (several processes)."""
from __future__ import annotations

import http.client
import re
import threading
import time
import uuid
from collections import Counter

import pytest

from bench.harness import GunicornServer, server_env
from config import TestingConfig
from dvkheo.extensions import db, limiter
from tests.core.test_config import other_apps  # noqa: F401  (fixture)
from tests.voting.conftest import voting_campaign  # noqa: F401  (fixture)

TEST_REDIS_URL = "redis://127.0.0.1:6379/14"
PROXY = "10.0.0.1"  # the reverse proxy's own address, the same for everyone behind it


class Tight(TestingConfig):
    LOGIN_RATE_LIMIT = "3 per minute"
    EMAIL_CODE_RATE_LIMIT = "2 per minute"


def wrong_login(client, email: str, **headers):
    return client.post(
        "/login", data={"email": email, "password": "sai-mat-khau"},
        environ_base={"REMOTE_ADDR": headers.pop("remote_addr", PROXY)}, headers=headers,
    )


def request_code(client, campaign, email: str, forwarded_for: str):
    return client.post(
        f"/binh-chon/dot/{campaign.id}/xac-thuc", data={"email": email, "consent": "y", "website": ""},
        environ_base={"REMOTE_ADDR": PROXY}, headers={"X-Forwarded-For": forwarded_for},
    )


@pytest.fixture
def redis_db():
    """Redis database 14 (kept for these tests), emptied before and after; a key prefix for served copies."""
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except RedisError as error:  # pragma: no cover - only where no Redis runs
        pytest.skip(f"Redis is not running on {TEST_REDIS_URL}: {error}")
    connection.flushdb()
    yield connection, f"dvkheo-test-{uuid.uuid4().hex[:12]}"
    connection.flushdb()
    connection.close()


# --- behind a proxy ------------------------------------------------------------------------------


def test_behind_a_trusted_proxy_one_client_exhausting_login_does_not_lock_out_another(other_apps, make_user):  # noqa: F811
    app = other_apps(Tight, TRUSTED_PROXIES=1)
    first, second = make_user(), make_user()
    client = app.test_client()

    tries = [wrong_login(client, first.email, **{"X-Forwarded-For": "203.0.113.5"}).status_code for _ in range(4)]
    other = wrong_login(client, second.email, **{"X-Forwarded-For": "203.0.113.6"})

    assert tries == [200, 200, 200, 429]
    assert other.status_code == 200
    assert "Thư điện tử hoặc mật khẩu không đúng." in other.get_data(as_text=True)


def test_behind_a_trusted_proxy_a_forged_header_does_not_dodge_the_limit(other_apps, make_user):  # noqa: F811
    """The client sends its own X-Forwarded-For; the proxy appends the address it saw, which is the one counted."""
    app = other_apps(Tight, TRUSTED_PROXIES=1)
    user = make_user()
    client = app.test_client()

    tries = [
        wrong_login(client, user.email, **{"X-Forwarded-For": f"198.51.100.{number}, 203.0.113.5"}).status_code
        for number in range(4)
    ]

    assert tries == [200, 200, 200, 429]


def test_behind_a_trusted_proxy_one_client_exhausting_email_codes_does_not_block_another(
    other_apps, voting_campaign,  # noqa: F811
):
    app = other_apps(Tight, TRUSTED_PROXIES=1)
    client = app.test_client()

    tries = [request_code(client, voting_campaign, f"nguoi{n}@example.vn", "203.0.113.5").status_code for n in range(3)]
    other = request_code(client, voting_campaign, "hang.xom@example.vn", "203.0.113.6")

    assert tries == [303, 303, 429]
    assert other.status_code == 303


def test_the_scheme_the_proxy_reports_is_used(other_apps):  # noqa: F811
    """Address and scheme come from the proxy; the host does not (X-Forwarded-Host is the client's to forge)."""
    app = other_apps(Tight, TRUSTED_PROXIES=1)
    client = app.test_client()
    seen = {}

    @app.get("/_probe")
    def probe():
        from flask import request

        seen.update(addr=request.remote_addr, scheme=request.scheme, host=request.host)
        return "ok"

    client.get("/_probe", environ_base={"REMOTE_ADDR": PROXY}, headers={
        "Host": "dvkheo.quangngai.gov.vn",
        "X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "attacker.example",
    })

    assert seen == {"addr": "203.0.113.5", "scheme": "https", "host": "dvkheo.quangngai.gov.vn"}


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(other_apps, make_user):  # noqa: F811
    app = other_apps(Tight)
    user = make_user()
    client = app.test_client()

    assert app.config["TRUSTED_PROXIES"] == 0
    tries = [
        wrong_login(client, user.email, remote_addr="198.51.100.7", **{"X-Forwarded-For": f"203.0.113.{number}"}).status_code
        for number in range(4)
    ]

    assert tries == [200, 200, 200, 429]


# --- exact limits ----------------------------------------------------------------------------------


def _concurrent_wrong_logins(app, email: str, count: int) -> Counter:
    """`count` wrong logins from one address, sent together from as many threads."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def attempt():
        client = app.test_client()
        barrier.wait(timeout=30)
        statuses.append(wrong_login(client, email, remote_addr="198.51.100.9").status_code)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return Counter(statuses)


def test_in_memory_the_stated_limit_holds_exactly_under_simultaneous_requests(other_apps, make_user):  # noqa: F811
    app = other_apps(Tight, REDIS_URL="", RATELIMIT_STORAGE_URI="memory://")
    user = make_user()

    assert _concurrent_wrong_logins(app, user.email, 10) == Counter({200: 3, 429: 7})


def test_with_redis_the_stated_limit_holds_exactly(other_apps, make_user, redis_db):  # noqa: F811
    connection, _prefix = redis_db
    app = other_apps(Tight, REDIS_URL=TEST_REDIS_URL, RATELIMIT_STORAGE_URI=TEST_REDIS_URL)
    user = make_user()
    client = app.test_client()

    tries = [wrong_login(client, user.email, remote_addr="198.51.100.8").status_code for _ in range(4)]

    assert tries == [200, 200, 200, 429]
    assert list(connection.scan_iter("*198.51.100.8*"))  # counted in Redis, not in the in-memory fallback
    # Another address, and another account: three more failures of the first one would reach the
    # per-account throttle (5), and which of the parallel requests met it first would vary.
    assert _concurrent_wrong_logins(app, make_user().email, 10) == Counter({200: 3, 429: 7})


def test_the_limit_counts_any_sixty_seconds_not_calendar_minutes(other_apps, make_user):  # noqa: F811
    """"3 per 2 seconds": three just before a window edge and one just after are still four in two seconds."""
    app = other_apps(Tight, LOGIN_RATE_LIMIT="3 per 2 seconds")
    user = make_user()
    client = app.test_client()
    while not 1.4 <= time.time() % 2 < 1.5:  # a fixed window would restart at the next even second
        time.sleep(0.01)

    before = [wrong_login(client, user.email, remote_addr="198.51.100.10").status_code for _ in range(3)]
    time.sleep(2 - time.time() % 2 + 0.05)
    after = wrong_login(client, user.email, remote_addr="198.51.100.10").status_code

    assert before == [200, 200, 200]
    assert after == 429


# --- the served app: `make run` (one process, threads) and several processes on Redis --------------


def _served_wrong_logins(server: GunicornServer, count: int) -> Counter:
    """`count` wrong logins sent together to a running server, with one valid CSRF token."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", "/login")
    page = connection.getresponse()
    cookie = page.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode()).group(1)
    connection.close()
    body = f"email=khong.co%40example.vn&password=sai&csrf_token={token}"
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def attempt():
        post = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        post.connect()
        barrier.wait(timeout=30)
        post.request("POST", "/login", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
        })
        statuses.append(post.getresponse().status)
        post.close()

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return Counter(statuses)


def _served_env(app, **extra) -> dict[str, str]:
    env = server_env(db.engine.url.render_as_string(hide_password=False), app.config["SECRET_KEY"], **extra)
    env.update(VOTER_ID_HASH_KEY="served-test-voter-id-hash-key", LOGIN_RATE_LIMIT="3 per minute", PUBLIC_BASE_URL="")
    return env


@pytest.fixture
def file_database(app):
    if app.config["SQLALCHEMY_DATABASE_URI"] in ("sqlite://", "sqlite:///:memory:"):
        pytest.skip("a served copy needs a database file or server")
    db.session.commit()


def test_make_run_without_redis_one_process_with_threads_keeps_the_limit(app, file_database):
    """What `make run` starts without REDIS_URL: gunicorn --workers 1 --threads 4, counters in memory."""
    with GunicornServer(_served_env(app, REDIS_URL=""), workers=1, threads=4) as server:
        assert _served_wrong_logins(server, 12) == Counter({200: 3, 429: 9})


def test_several_processes_on_redis_keep_the_limit(app, file_database, redis_db):
    _connection, prefix = redis_db
    env = _served_env(app, REDIS_URL=TEST_REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    with GunicornServer(env, workers=2, threads=2) as server:
        assert _served_wrong_logins(server, 12) == Counter({200: 3, 429: 9})
