"""gunicorn settings for /metrics with several workers: `gunicorn -c python:dvkheo.core.gunicorn_hooks ...`.

With PROMETHEUS_MULTIPROC_DIR set (an empty directory writable by the app, e.g. /run/dvkheo/metrics,
preferably on tmpfs), every worker writes its counts to files there and a scrape that reaches any one
worker reports the sum (prometheus_client's multiprocess mode). These hooks empty the directory when
gunicorn starts (counts of an earlier run would otherwise be added again) and drop a dead worker's
in-flight gauge. Without the variable they do nothing.

Every worker is also warmed up as it starts (`dvkheo.core.warmup`): templates compiled, heavy modules loaded.
"""
from __future__ import annotations

import os
from pathlib import Path


def on_starting(server) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # only prometheus_client's own files
        stale.unlink()


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    from flask import Flask

    from dvkheo.core.warmup import warm_up

    app = worker.wsgi
    if isinstance(app, Flask):
        warm_up(app)
