"""Background jobs: one small API, `enqueue("package.module.function", *args)`.

* With ``REDIS_URL`` configured, jobs go to the RQ queue "dvkheo" on that Redis and a separate
  process runs them: ``flask jobs worker`` (``--burst`` stops when the queue is empty).
* Without it, or when Redis does not answer at enqueue time (logged, never a 500), they run in
  this process on one background thread: offices with a single server need no Redis.

Either way the function runs inside an application context of its own, hence a database session
of its own; it must commit its own work. Callers enqueue only after committing whatever the job
will read: a worker never sees the caller's open transaction.

Arguments must be plain values (ids, strings): RQ pickles them, and a job reloads its objects.
"""
from __future__ import annotations

import importlib
import logging
import os
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Any, Callable

import click
from flask import Flask, current_app, has_app_context
from flask.cli import AppGroup

from dvkheo.extensions import db

logger = logging.getLogger(__name__)

QUEUE_NAME = "dvkheo"
# A 2,000-certificate batch takes minutes; RQ's default (3 minutes) would kill it half-way.
JOB_TIMEOUT_SECONDS = 2 * 60 * 60
# Redis is on the same network: if it does not answer within this, it is down, and the user should not wait.
REDIS_TIMEOUT_SECONDS = 2


def queue_name(app: Flask) -> str:
    """"dvkheo", or ``JOBS_QUEUE`` when set (tests use a queue of their own on a shared Redis)."""
    return app.config.get("JOBS_QUEUE") or QUEUE_NAME


def resolve(function_path: str) -> Callable[..., Any]:
    module_name, _, attribute = function_path.rpartition(".")
    if not module_name:
        raise ValueError(f"Not a dotted function path: {function_path!r}")
    return getattr(importlib.import_module(module_name), attribute)


def enqueue(function_path: str, *args) -> str:
    """Run `function_path(*args)` in the background, in an app context; returns the queue's job id."""
    app = current_app._get_current_object()
    resolve(function_path)  # a typo fails here, in the request, rather than later in a worker
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis.exceptions import RedisError

        try:
            return _enqueue_rq(app, redis_url, function_path, args)
        except RedisError as error:
            logger.warning(
                "Redis (%s) unreachable, running job %s%r in this process instead: %s",
                _redacted(redis_url), function_path, args, error,
            )
    return _enqueue_local(app, function_path, args)


def _redacted(url: str) -> str:
    """The Redis URL without its password, for the log."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        return url.replace(parts.password, "***")
    return url


# --- RQ ---------------------------------------------------------------------------------------------


def redis_connection(redis_url: str, *, socket_timeout: float | None = None):
    from redis import Redis

    # No socket_timeout by default: a worker blocks on the queue for long stretches.
    return Redis.from_url(redis_url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=socket_timeout)


def _enqueue_rq(app: Flask, redis_url: str, function_path: str, args: tuple) -> str:
    from rq import Queue

    connection = redis_connection(redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS)
    queue = Queue(queue_name(app), connection=connection)
    job = queue.enqueue(
        run_job, function_path, *args,
        job_timeout=JOB_TIMEOUT_SECONDS, result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600,
        description=f"{function_path}{args!r}",
    )
    return job.id


# The worker process's app (set by `flask jobs worker`); a bare `rq worker` makes one from the environment.
_worker_app: Flask | None = None
# The process that opened the database connections; a forked work horse must not reuse them.
_worker_pid: int | None = None


def run_job(function_path: str, *args):
    """What RQ runs: the function inside a fresh app context (own DB session), committed by the function."""
    global _worker_app
    if has_app_context():
        app = current_app._get_current_object()
    else:
        if _worker_app is None:
            from dvkheo import create_app

            _worker_app = create_app()
        app = _worker_app
    with app.app_context():
        if _worker_pid is not None and os.getpid() != _worker_pid:
            # RQ's default worker forks a work horse per job: the parent's pooled connections
            # (sockets) must stay the parent's; the child opens its own.
            db.engine.dispose(close=False)
        return resolve(function_path)(*args)


# --- in-process ---------------------------------------------------------------------------------------

_local_lock = threading.Lock()
_local_executor: ThreadPoolExecutor | None = None
_local_pid: int | None = None
_pending: set[Future] = set()


def _executor() -> ThreadPoolExecutor:
    """One worker thread per process; a fork (gunicorn) gets its own, since threads do not survive fork."""
    global _local_executor, _local_pid, _pending
    with _local_lock:
        if _local_executor is None or _local_pid != os.getpid():
            _local_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dvkheo-job")
            _local_pid = os.getpid()
            _pending = set()
        return _local_executor


def _run_local(app: Flask, function_path: str, args: tuple) -> None:
    # A new app context is a new Flask-SQLAlchemy session (sessions are scoped per app context),
    # removed when the context ends: the job never shares a transaction with a request.
    with app.app_context():
        try:
            resolve(function_path)(*args)
        except Exception:
            db.session.rollback()
            logger.exception("Background job %s%r failed", function_path, args)


def _shares_one_connection(app: Flask) -> bool:
    """An in-memory SQLite database: Flask-SQLAlchemy serves it through ONE connection (StaticPool)
    to every thread, so a worker thread's transaction would interleave with the request's."""
    with app.app_context():
        url = db.engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _enqueue_local(app: Flask, function_path: str, args: tuple) -> str:
    job_id = f"local-{uuid.uuid4().hex[:16]}"
    if _shares_one_connection(app):
        # Run it now, in the caller's thread: the caller has committed, so the single connection is
        # free, and nothing else can use it until the job is done. Only throw-away databases do this.
        _run_local(app, function_path, args)
        return job_id
    # A file SQLite database (WAL, busy timeout) or PostgreSQL: the thread takes its own pooled
    # connection; its short per-chunk transactions wait on, and never corrupt, a request's.
    future = _executor().submit(_run_local, app, function_path, args)
    with _local_lock:
        _pending.add(future)
    future.add_done_callback(_forget)
    return job_id


def _forget(future: Future) -> None:
    with _local_lock:
        _pending.discard(future)


def wait_for_jobs(timeout: float = 60.0) -> bool:
    """Block until this process's in-process jobs (and any they enqueue) are done; False on timeout.

    Tests call it before they look at the database; a command can call it before exiting.
    """
    import time

    deadline = time.monotonic() + timeout
    while True:
        with _local_lock:
            pending = set(_pending)
        if not pending:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        wait_futures(pending, timeout=remaining)


# --- `flask jobs worker` ----------------------------------------------------------------------------

jobs_cli = AppGroup("jobs", help="Tác vụ chạy nền (hàng đợi RQ trên Redis).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Chạy hết các tác vụ đang chờ rồi dừng.")
@click.option("--simple", is_flag=True, help="Chạy tác vụ ngay trong tiến trình này, không tách tiến trình con.")
def worker_command(burst: bool, simple: bool) -> None:
    """Run queued jobs (needs REDIS_URL)."""
    global _worker_app, _worker_pid
    from rq import SimpleWorker, Worker

    app = current_app._get_current_object()
    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        raise click.ClickException(
            "Chưa cấu hình REDIS_URL: không có hàng đợi để chạy; khi đó tác vụ chạy ngay trong tiến trình web."
        )
    _worker_app, _worker_pid = app, os.getpid()
    from dvkheo.core.warmup import warm_up

    warm_up(app)  # once here, shared by every forked work horse instead of loaded again by each
    # Connections opened while loading the app must not be inherited by forked work horses.
    db.engine.dispose()
    connection = redis_connection(redis_url)
    worker_class = SimpleWorker if simple else Worker
    worker = worker_class([queue_name(app)], connection=connection)
    click.echo(f"Đang chờ tác vụ trong hàng đợi “{queue_name(app)}” ({_redacted(redis_url)})...")
    worker.work(burst=burst)
