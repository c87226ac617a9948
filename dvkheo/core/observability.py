"""What an operator watches when the app runs on several machines: one JSON line per request,
`/readyz` for the load balancer, and Prometheus metrics at `/metrics`.

* **Request log** (logger `dvkheo.requests`; standard error, or the file named by REQUEST_LOG_FILE):
  `{"ts", "request_id", "method", "route", "status", "duration_ms", "user_id", "instance", "pid"}`.
  The route is the URL rule (`/nominations/<int:nomination_id>`), never the path or the query: a reset
  link carries its token in the path, a receipt check its code in `?ma=`. No address, no email, no
  voter: on the public voting pages and on a council member's secret ballot the line does not even
  name the signed-in account, so the log cannot place a person beside a vote.
* **Request id**: the proxy's `X-Request-ID` when it is a plain token (≤ 64 of `[A-Za-z0-9._-]`,
  anything else could forge or break a log line), otherwise a fresh one; sent back in `X-Request-ID`,
  and written in the security log, in the line of an unhandled exception and on the 500 page, so a
  person's report, nginx's line and ours meet.
* **`/readyz`**: the database answers `SELECT 1`, when REDIS_URL is set Redis answers PING, and the file
  store can be written (a local folder) or its bucket answers (S3).
  `/healthz` stays the bare liveness answer.
* **`/metrics`**: requests by route, method and status, latency by route, requests in flight, print
  jobs waiting and running. Only to the addresses of METRICS_ALLOWED_IPS; everyone else gets the
  ordinary 404 page, as for an address that does not exist. Under gunicorn with several workers, set
  PROMETHEUS_MULTIPROC_DIR (and `-c python:dvkheo.core.gunicorn_hooks`) so every scrape sums them all.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import socket
import time
import uuid
from datetime import datetime, timezone
from logging.handlers import WatchedFileHandler

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, current_app, g, has_request_context, jsonify, request, session
from prometheus_client import (
    CONTENT_TYPE_LATEST, PROCESS_COLLECTOR, CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from dvkheo.core.filestore import store
from dvkheo.core.signing import SessionInterface
from dvkheo.extensions import csrf, db, limiter

REQUEST_LOG = logging.getLogger("dvkheo.requests")
log = logging.getLogger(__name__)

NO_ROUTE = "(no route)"  # a 404 for an address no rule matches; the same words as the security log
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# Where the line must not say who asked: the public voting pages (a signed-in officer helping a voter
# included) and the page on which a council member casts a secret ballot.
_UNNAMED_BLUEPRINTS = frozenset({"voting"})
_UNNAMED_ENDPOINTS = frozenset({"council.cast"})
_FORWARDING_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")

# No `_created` twin of every series: it doubles what Prometheus stores and nobody here reads it.
disable_created_metrics()

# Created once per process, outside prometheus_client's global registry: each scrape builds its own
# registry (one process, or every gunicorn worker's files in PROMETHEUS_MULTIPROC_DIR).
REQUESTS = Counter(
    "dvkheo_http_requests", "Requests answered, by route pattern, method and status.",
    ["route", "method", "status"], registry=None,
)
LATENCY = Histogram(
    "dvkheo_http_request_duration_seconds", "Time from the start of the request to the response, by route pattern.",
    ["route"], registry=None,
    # Pages answer in tens of milliseconds; a dossier PDF or an export may take seconds.
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
IN_FLIGHT = Gauge(
    "dvkheo_http_requests_in_flight", "Requests being answered now.", registry=None, multiprocess_mode="livesum",
)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def install(app: Flask) -> None:
    """The request hooks. Called from create_app before the extensions, so that the request's clock and
    id start before any other hook (the rate limiter's 429, a CSRF refusal); `bp` (/readyz, /metrics) is
    registered with the other blueprints."""
    app.extensions["dvkheo.metrics_networks"] = parse_networks(app.config.get("METRICS_ALLOWED_IPS", ""))
    app.config["INSTANCE_NAME"] = app.config.get("INSTANCE_NAME") or socket.gethostname()
    _configure_request_log(app)
    app.session_interface = SessionInterface()
    app.before_request(_begin)
    app.after_request(_finish)  # registered first, so it runs after every other after_request hook
    app.teardown_request(_end)
    app.log_exception = _log_exception  # type: ignore[method-assign]  (Flask's names the raw path)


def parse_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for item in re.split(r"[,\s]+", (text or "").strip()):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise RuntimeError(
                f"METRICS_ALLOWED_IPS không hợp lệ: “{item}” không phải địa chỉ IP hay dải địa chỉ (CIDR), "
                "ví dụ 127.0.0.1,::1,10.0.0.0/24"
            ) from None
    return tuple(networks)


def _configure_request_log(app: Flask) -> None:
    """Bare JSON lines (no time or level prefix: the line carries its own time) on standard error or in
    REQUEST_LOG_FILE ("off": none). Left alone under tests, and when the host configured this logger."""
    REQUEST_LOG.setLevel(logging.INFO)  # LOG_LEVEL=WARNING for the app's lines must not silence these
    target = (app.config.get("REQUEST_LOG_FILE") or "").strip()
    if REQUEST_LOG.handlers or (app.testing and not target):
        return
    if target.lower() == "off":
        REQUEST_LOG.disabled = True
        return
    # WatchedFileHandler reopens the file after logrotate moves it.
    handler = logging.StreamHandler() if target in ("", "-") else WatchedFileHandler(target, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    REQUEST_LOG.addHandler(handler)
    REQUEST_LOG.propagate = False  # once, not again with the app's "time level name" prefix


def _begin() -> None:
    g.request_started = time.perf_counter()
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if _SAFE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
    IN_FLIGHT.inc()
    g.counted_in_flight = True


def _end(_exc) -> None:
    if g.pop("counted_in_flight", False):
        IN_FLIGHT.dec()


def _route() -> str:
    return request.url_rule.rule if request.url_rule is not None else NO_ROUTE


def _method() -> str:
    # Any token is a valid method to Werkzeug; a bounded set keeps the metric's series bounded.
    return request.method if request.method in _METHODS else "OTHER"


def _account_id() -> int | None:
    if request.blueprint in _UNNAMED_BLUEPRINTS or request.endpoint in _UNNAMED_ENDPOINTS:
        return None
    token = g.get("api_token")  # the staff API: the bearer token's owner (no session there)
    if token is not None:
        return token.user_id
    # From the session, never current_user: loading the user would be a query, and inside an error
    # handler a second failure. `in` first: reading a visitor's session would add `Vary: Cookie`.
    if "_user_id" not in session:
        return None
    user_id = str(session["_user_id"]).split(":", 1)[0]
    return int(user_id) if user_id.isdigit() else None


def _finish(response):
    if g.get("request_id"):
        response.headers["X-Request-ID"] = g.request_id
    if g.get("request_logged"):  # an after_request hook failed and the 500 page comes through again
        return response
    g.request_logged = True
    duration = time.perf_counter() - g.get("request_started", time.perf_counter())
    route, method, status = _route(), _method(), response.status_code
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route).observe(duration)
    if REQUEST_LOG.isEnabledFor(logging.INFO):
        REQUEST_LOG.info(json.dumps({
            "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "request_id": g.get("request_id"),
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(duration * 1000, 1),
            "user_id": _account_id(),
            "instance": current_app.config["INSTANCE_NAME"],
            "pid": os.getpid(),
        }, ensure_ascii=False, separators=(",", ":")))
    return response


def _log_exception(exc_info) -> None:
    """An unhandled exception, with the request id the person sees on the 500 page and the route
    pattern (Flask's own line names the path, which may carry a token)."""
    current_app.logger.error(
        "Exception request_id=%s method=%s route=%s", current_request_id(), _method(), _route(), exc_info=exc_info,
    )


def is_machine_answer() -> bool:
    """True for the answers of /readyz and /metrics (no page, no cookie, no content security policy)."""
    return bool(g.get("machine_answer")) if has_request_context() else False


bp = Blueprint("observability", __name__)


# --- /readyz ------------------------------------------------------------------------------------------


@bp.route("/readyz")
@limiter.exempt
def readyz():
    """200 when this instance can serve: the database and (if configured) Redis answer. The answer
    names each check and its outcome, never an address or an error text."""
    checks = {"database": _check(_ping_database, "database")}
    redis_url = current_app.config.get("REDIS_URL")
    checks["redis"] = _check(lambda: _redis_client(redis_url).ping(), "redis") if redis_url else "not configured"
    checks["storage"] = _check(lambda: store().check(), "storage")
    ready = all(outcome != "error" for outcome in checks.values())
    response = jsonify({"status": "ok" if ready else "unavailable", "checks": checks})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    g.machine_answer = True
    return response


def _check(probe, name: str) -> str:
    try:
        probe()
    except Exception as error:  # any failure means "not ready"; the operator reads why in the log
        log.warning("readyz: %s check failed (%s: %s)", name, type(error).__name__, str(error)[:200])
        return "error"
    return "ok"


def _ping_database() -> None:
    try:
        db.session.execute(sa.text("SELECT 1")).scalar_one()
    finally:
        db.session.rollback()


def _redis_client(redis_url: str):
    """One client (and connection pool) per app and URL: a probe every few seconds must not open a new
    connection each time. Short timeouts: a Redis that does not answer within a second is not ready."""
    clients = current_app.extensions.setdefault("dvkheo.readyz_redis", {})
    if redis_url not in clients:
        from redis import Redis

        clients[redis_url] = Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
    return clients[redis_url]


# --- /metrics -----------------------------------------------------------------------------------------


@bp.route("/metrics", methods=list(_METHODS), provide_automatic_options=False)
@limiter.exempt
@csrf.exempt
def metrics():
    # Every method reaches this view, so that a refused client gets the same 404 for any of them
    # (a 405 or an automatic OPTIONS answer would say that something lives here).
    if not _metrics_allowed():
        abort(404)
    if request.method not in ("GET", "HEAD"):
        abort(405)
    body = generate_latest(_scrape_registry())
    g.machine_answer = True
    return body, 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}


def _metrics_allowed() -> bool:
    """The client's address (after ProxyFix, so the real one behind TRUSTED_PROXIES proxies) is in
    METRICS_ALLOWED_IPS. A forwarded request that no trusted proxy vouches for is refused: behind an
    nginx on the same machine with TRUSTED_PROXIES=0, every visitor would otherwise look like 127.0.0.1."""
    forwarded = any(header in request.headers for header in _FORWARDING_HEADERS)
    if not current_app.config.get("TRUSTED_PROXIES") and forwarded:
        return False
    networks = current_app.extensions["dvkheo.metrics_networks"]
    client = _address(request.remote_addr)
    if client is None or not any(client in network for network in networks):
        return False
    # ProxyFix believes X-Forwarded-For from whoever connects: a forwarded request counts only when it came
    # through a proxy on this machine or one on the list, not from anyone who reaches the gunicorn port.
    peer = _address((request.environ.get("werkzeug.proxy_fix.orig") or {}).get("REMOTE_ADDR", request.remote_addr))
    if peer is None:
        return False
    return peer.is_loopback or any(peer in network for network in networks)


def _address(text: str | None):
    try:
        address = ipaddress.ip_address((text or "").strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address


def _scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        from prometheus_client import multiprocess

        # Every worker writes its counts to files there; a scrape that reaches any one worker sums them.
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY, IN_FLIGHT, PROCESS_COLLECTOR):
            registry.register(collector)
    registry.register(_AppCollector())
    return registry


class _AppCollector:
    """Gauges read from the database at scrape time, one grouped query: print jobs waiting and running,
    and how long the oldest has waited (a queue no worker takes shows as a growing age)."""

    def describe(self):
        return []

    def collect(self):
        from dvkheo.certificates.models import PrintJob, PrintJobStatus

        watched = (PrintJobStatus.QUEUED, PrintJobStatus.RUNNING)
        try:
            rows = db.session.execute(
                sa.select(PrintJob.status, sa.func.count(), sa.func.min(PrintJob.created_at))
                .where(PrintJob.status.in_(watched))
                .group_by(PrintJob.status)
            ).all()
        except sa.exc.SQLAlchemyError as error:
            db.session.rollback()
            log.warning("metrics: print job counts unavailable (%s)", type(error).__name__)
            return
        jobs = GaugeMetricFamily("dvkheo_print_jobs", "Certificate print jobs by status.", labels=["status"])
        oldest = GaugeMetricFamily(
            "dvkheo_print_jobs_oldest_age_seconds", "Age of the oldest print job in each status (0: none).", labels=["status"],
        )
        found = {status: (count, created) for status, count, created in rows}
        now = datetime.now(timezone.utc)
        for status in watched:
            count, created = found.get(status, (0, None))
            jobs.add_metric([status.value], count)
            if created is not None and created.tzinfo is None:  # SQLite keeps no zone; the app writes UTC
                created = created.replace(tzinfo=timezone.utc)
            oldest.add_metric([status.value], max(0.0, (now - created).total_seconds()) if created else 0.0)
        yield jobs
        yield oldest
