"""What an operator reads and scrapes (issue 12): one JSON line per request that names the route but
no person, voter, address or code; a request id shared with the proxy, the security log and the 500
page; /readyz that fails when the database or Redis does; /metrics that counts, sums gunicorn's
workers, and is a plain 404 to everyone outside METRICS_ALLOWED_IPS."""
from __future__ import annotations

import json
import logging
import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from config import TestingConfig
from dvkheo.accounts.models import Role
from dvkheo.core import observability
from dvkheo.extensions import db, limiter
from dvkheo.voting.session import session_values
from tests.core.test_config import other_apps  # noqa: F401
from tests.voting.conftest import make_nominee, make_voter, voting_campaign  # noqa: F401

CLOSED_REDIS = "redis://127.0.0.1:6390/0"  # nothing listens there: a real refused connection
FIELDS = {"ts", "request_id", "method", "route", "status", "duration_ms", "user_id", "instance", "pid"}


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.raw: list[str] = []

    def emit(self, record):
        self.raw.append(record.getMessage())

    def parsed(self) -> list[dict]:
        return [json.loads(line) for line in self.raw]

    def for_route(self, route: str) -> list[dict]:
        return [line for line in self.parsed() if line["route"] == route]


@pytest.fixture
def request_log():
    """The lines of `dvkheo.requests`, caught by a handler of its own (the logger does not propagate once
    an app outside tests configured it, so caplog would miss them)."""
    handler = _Lines()
    observability.REQUEST_LOG.addHandler(handler)
    yield handler
    observability.REQUEST_LOG.removeHandler(handler)


def _metrics(client, **kwargs) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    values = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def _requests(values, route, method="GET", status="200") -> float:
    return values.get(("dvkheo_http_requests_total", (("method", method), ("route", route), ("status", status))), 0.0)


# --- the request log --------------------------------------------------------------------------------


def test_each_request_leaves_one_json_line_with_the_route_pattern(client, login_as, province, request_log):
    user = login_as(Role.SECRETARY, province)
    request_log.raw.clear()
    response = client.get("/nominations/987654")

    [line] = request_log.parsed()
    assert set(line) == FIELDS
    assert line["route"] == "/nominations/<int:nomination_id>" and "987654" not in json.dumps(line)
    assert line["method"] == "GET" and line["status"] == response.status_code
    assert line["user_id"] == user.id
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["ts"].endswith("Z") and line["duration_ms"] >= 0 and line["pid"] > 0 and line["instance"]


def test_no_email_query_or_receipt_reaches_the_line(client, login_as, province, voting_campaign, request_log):  # noqa: F811
    user = login_as(Role.SECRETARY, province, email="nguyen.thi.thu@example.vn")
    client.get("/nominations/?q=Tr%E1%BA%A7n&ma=secret")
    client.get(f"/binh-chon/dot/{voting_campaign.id}/ma-xac-nhan?ma=BC-AB12-CD34-EF56")
    client.get("/account/reset/Zq8vN3kP_x7LmT2wR9yB-c4HdF6sJ1aEoU5iGtY0nKh")

    text = "\n".join(request_log.raw)
    assert [line["route"] for line in request_log.parsed()] == [
        "/login", "/nominations/", "/binh-chon/dot/<int:campaign_id>/ma-xac-nhan", "/account/reset/<token>",
    ]
    for secret in (user.email, "nguyen.thi.thu", "secret", "AB12", "Zq8vN3kP", "Trần", "?", "127.0.0.1"):
        assert secret not in text, secret


def test_a_vote_line_does_not_name_the_signed_in_account(client, login_as, province, voting_campaign, make_nominee, make_voter, request_log):  # noqa: F811
    # An officer, signed in, votes as a citizen in the same browser: the vote's line names nobody.
    user = login_as(Role.SECRETARY, province)
    nominee, voter = make_nominee(), make_voter()
    with client.session_transaction() as sess:
        sess.update(session_values(voter.campaign_id, voter.id, voter.session_version))
    client.get("/nominations/")
    response = client.post(f"/binh-chon/dot/{voting_campaign.id}/binh-chon", data={"nomination_id": str(nominee.id), "website": ""})
    assert response.status_code == 303

    [page] = request_log.for_route("/nominations/")
    [cast] = request_log.for_route("/binh-chon/dot/<int:campaign_id>/binh-chon")
    assert page["user_id"] == user.id
    assert cast["user_id"] is None and cast["method"] == "POST" and cast["status"] == 303
    assert set(cast) == FIELDS  # nothing about the voter either


def test_the_proxys_request_id_is_kept_and_anything_else_replaced(client, request_log):
    kept = client.get("/healthz", headers={"X-Request-ID": "nginx-7f3a.b_2"})
    assert kept.headers["X-Request-ID"] == "nginx-7f3a.b_2"
    for offered in ("two words", "a" * 65, "<script>", '"},{"user_id":1', "ĐHĐ"):
        response = client.get("/healthz", headers={"X-Request-ID": offered})
        assert response.headers["X-Request-ID"] != offered
        assert len(response.headers["X-Request-ID"]) == 32  # a fresh uuid4, in hex
    fresh = client.get("/healthz")
    assert fresh.headers["X-Request-ID"] != response.headers["X-Request-ID"]
    assert [line["request_id"] for line in request_log.parsed()][0] == "nginx-7f3a.b_2"
    assert all(set(line) == FIELDS for line in request_log.parsed())  # the forged JSON stayed a string


def test_the_request_id_is_on_the_security_line_the_error_log_and_the_500_page(other_apps, caplog, request_log):  # noqa: F811
    app = other_apps(TestingConfig, PROPAGATE_EXCEPTIONS=False)

    def boom(token):
        raise RuntimeError("échec")

    app.add_url_rule("/boom/<token>", view_func=boom)
    caplog.set_level(logging.INFO)
    client = app.test_client()

    response = client.get("/boom/Zq8vN3kP_x7LmT2wR9yB", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert "req-500" in response.get_data(as_text=True)  # the person can quote it
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert "request_id=req-500" in error.getMessage() and "route=/boom/<token>" in error.getMessage()
    assert "Zq8vN3kP" not in error.getMessage()
    assert request_log.for_route("/boom/<token>")[0]["request_id"] == "req-500"


def test_a_403_security_line_carries_the_request_id(client, login_as, province, caplog):
    login_as(Role.UNIT_SUBMITTER, province)
    caplog.set_level(logging.INFO, logger="dvkheo.security")
    assert client.get("/admin/users", headers={"X-Request-ID": "req-403"}).status_code == 403
    [line] = [r.getMessage() for r in caplog.records if "event=access_denied" in r.getMessage()]
    assert "request_id=req-403" in line


def test_request_log_file_gets_bare_json_lines(other_apps, tmp_path):  # noqa: F811
    saved = observability.REQUEST_LOG.handlers[:], observability.REQUEST_LOG.propagate
    observability.REQUEST_LOG.handlers.clear()
    target = tmp_path / "requests.log"
    try:
        app = other_apps(TestingConfig, REQUEST_LOG_FILE=str(target), INSTANCE_NAME="web-2")
        app.test_client().get("/healthz")
        for handler in observability.REQUEST_LOG.handlers:
            handler.flush()
    finally:
        for handler in observability.REQUEST_LOG.handlers:
            handler.close()
        observability.REQUEST_LOG.handlers[:] = saved[0]
        observability.REQUEST_LOG.propagate = saved[1]
    [line] = target.read_text(encoding="utf-8").splitlines()
    parsed = json.loads(line)  # nothing before the JSON: a log shipper reads it as it is
    assert parsed["route"] == "/healthz" and parsed["instance"] == "web-2"


# --- /readyz ----------------------------------------------------------------------------------------


def test_readyz_is_ok_with_the_database_and_no_redis(client, login_as, province):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok", "checks": {"database": "ok", "redis": "not configured", "storage": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" not in response.headers


def test_readyz_pings_a_running_redis(other_apps):  # noqa: F811
    from redis import Redis
    from redis.exceptions import RedisError

    url = "redis://127.0.0.1:6379/0"
    try:
        Redis.from_url(url, socket_connect_timeout=1).ping()
    except RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    app = other_apps(TestingConfig, REDIS_URL=url, RATELIMIT_STORAGE_URI="memory://")
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok", "storage": "ok"}}


def test_readyz_is_503_naming_redis_when_redis_is_down(other_apps):  # noqa: F811
    app = other_apps(TestingConfig, REDIS_URL=CLOSED_REDIS, RATELIMIT_STORAGE_URI="memory://")
    started = time.monotonic()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "ok", "redis": "error", "storage": "ok"}}
    assert "6390" not in response.get_data(as_text=True) and "127.0.0.1" not in response.get_data(as_text=True)
    assert time.monotonic() - started < 3  # a probe gets its answer quickly


def test_readyz_is_503_naming_the_database_when_it_is_gone(app):
    from dvkheo import create_app

    gone = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        response = gone.test_client().get("/readyz")
    finally:
        limiter.init_app(app)  # one limiter per process: give the session's app its own back
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "error", "redis": "not configured", "storage": "ok"}}
    assert "nobody" not in response.get_data(as_text=True) and "psycopg" not in response.get_data(as_text=True)


def test_readyz_and_metrics_set_no_cookie_even_for_a_signed_in_browser(client, login_as, province):
    login_as(Role.SECRETARY, province)

    def stale_session():  # a minute since the last request: the session would be re-signed
        with client.session_transaction() as sess:
            sess["seen_at"] = int(time.time()) - 120

    stale_session()
    assert "Set-Cookie" in client.get("/healthz").headers  # a page: the session's clock moves on
    for path in ("/readyz", "/metrics"):
        stale_session()
        response = client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, path
        assert "Content-Security-Policy" not in response.headers, path


# --- /metrics ---------------------------------------------------------------------------------------


def test_metrics_count_earlier_requests_by_route_method_and_status(client, request_log):
    before = _metrics(client)
    client.get("/readyz")
    client.get("/readyz")
    client.get("/khong-co-trang-nay")
    client.post("/healthz")
    after = _metrics(client)

    assert _requests(after, "/readyz") - _requests(before, "/readyz") == 2
    assert _requests(after, "(no route)", status="404") - _requests(before, "(no route)", status="404") == 1
    # A 405 matched no rule for its method: counted as "(no route)", like a 404.
    assert _requests(after, "(no route)", "POST", "405") - _requests(before, "(no route)", "POST", "405") == 1
    count = ("dvkheo_http_request_duration_seconds_count", (("route", "/readyz"),))
    assert after[count] - before.get(count, 0) == 2
    assert after[("dvkheo_http_requests_in_flight", ())] == 1  # the scrape itself
    assert after[("dvkheo_print_jobs", (("status", "queued"),))] == 0
    assert after[("dvkheo_print_jobs", (("status", "running"),))] == 0


def test_metrics_are_a_plain_404_outside_the_allow_list(other_apps):  # noqa: F811
    app = other_apps(TestingConfig)
    client = app.test_client()
    ordinary = client.get("/khong-co-trang-nay")
    for method in ("get", "post", "options", "delete"):
        refused = getattr(client, method)("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert refused.status_code == 404, method
        assert "dvkheo_http" not in refused.get_data(as_text=True)
        assert "Allow" not in refused.headers
    assert refused.headers.get("Content-Security-Policy") == ordinary.headers.get("Content-Security-Policy")
    # Behind a proxy the app does not trust, a forwarded request is refused even from 127.0.0.1.
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 404
    assert client.get("/metrics").status_code == 200


def test_behind_the_trusted_proxy_the_real_client_address_decides(other_apps):  # noqa: F811
    app = other_apps(TestingConfig, TRUSTED_PROXIES=1, METRICS_ALLOWED_IPS="10.9.0.0/16, ::1")
    client = app.test_client()
    nginx = {"REMOTE_ADDR": "127.0.0.1"}
    assert client.get("/metrics", environ_base=nginx, headers={"X-Forwarded-For": "10.1.2.3"}).status_code == 404
    assert client.get("/metrics", environ_base=nginx, headers={"X-Forwarded-For": "10.9.4.5"}).status_code == 200
    # A client cannot claim an allowed address: nginx appends the address it saw, and that one counts.
    spoofed = {"X-Forwarded-For": "10.9.4.5, 203.0.113.9"}
    assert client.get("/metrics", environ_base=nginx, headers=spoofed).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    # Someone who reaches the gunicorn port itself, from outside, cannot borrow an allowed address either.
    outsider = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outsider, headers={"X-Forwarded-For": "10.9.4.5"}).status_code == 404
    # Prometheus on the allowed network, reading the port directly, is served.
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.9.7.7"}).status_code == 200


def test_a_wrong_allow_list_stops_the_app_with_its_name(other_apps):  # noqa: F811
    with pytest.raises(RuntimeError, match="METRICS_ALLOWED_IPS.*10.0.0.300"):
        other_apps(TestingConfig, METRICS_ALLOWED_IPS="127.0.0.1,10.0.0.300")
    nobody = other_apps(TestingConfig, METRICS_ALLOWED_IPS="")
    assert nobody.test_client().get("/metrics").status_code == 404


def test_gunicorn_workers_are_summed_in_multiprocess_mode(app, tmp_path):
    """Two real gunicorn workers with PROMETHEUS_MULTIPROC_DIR and the hooks module: whichever worker
    answers the scrape, it reports every worker's requests, as many as the JSON lines in the file."""
    if app.config["SQLALCHEMY_DATABASE_URI"] in ("sqlite://", "sqlite:///:memory:"):
        pytest.skip("a served copy needs a database file or server")
    from bench.harness import GunicornServer, server_env

    db.session.commit()
    metrics_dir, log_file = tmp_path / "metrics", tmp_path / "requests.log"
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"")  # a previous run's leftover: removed at start
    env = server_env(
        db.engine.url.render_as_string(hide_password=False), app.config["SECRET_KEY"],
        VOTER_ID_HASH_KEY="served-test-voter-id-hash-key", PUBLIC_BASE_URL="",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), REQUEST_LOG_FILE=str(log_file),
    )
    with GunicornServer(env, workers=2, threads=2, extra_args=("-c", "python:dvkheo.core.gunicorn_hooks")) as server:
        assert not (metrics_dir / "counter_99999.db").exists()
        for _ in range(20):
            urllib.request.urlopen(server.url + "/healthz", timeout=10).read()
        scraped = []
        for _ in range(6):
            text = urllib.request.urlopen(server.url + "/metrics", timeout=10).read().decode()
            values = {
                (sample.name, tuple(sorted(sample.labels.items()))): sample.value
                for family in text_string_to_metric_families(text) for sample in family.samples
            }
            scraped.append(_requests(values, "/healthz"))
        lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    served = [line for line in lines if line["route"] == "/healthz"]
    assert len(served) >= 21  # ours, and gunicorn's readiness polls of the harness
    assert scraped == [len(served)] * 6, (scraped, {line["pid"] for line in served})
