"""The public JSON API at national scale: 100,000 recognised models on PostgreSQL, served by gunicorn (4 workers),
loaded by wrk on loopback, beside the bare /healthz floor measured in the same run.

Run with `make bench-api` (or `.venv/bin/python bench/api.py [--models 100000] [--seconds 10] [--keep]`).
Seeds a fresh database (BENCH_DATABASE_URL, by default the local server's `dvkheo_bench_api`, dropped and created
again) with bench/registry.py's own seeding (its units, models and replications), then runs wrk for `--seconds`
against each address in turn: /healthz, the model list, a filtered list, one model, and the list's second page by
cursor. Prints requests per second, p50 and p99 latency, and the ratio to /healthz; the figures also go to
bench/results/api-<time>.json (git-ignored). wrk runs on the same machine and takes CPU from the server: compare the
ratios rather than the absolute rates.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402

from bench import registry as registry_bench  # noqa: E402  (the registry bench's seeding, not a copy)
from bench.harness import GunicornServer, server_env  # noqa: E402
from bench.votes import run_wrk  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/dvkheo_bench_api"
SECRET = "bench-api-secret-key-not-for-production-0123456789"


def seed(url: str, models: int, followers: int) -> dict:
    registry_bench.fresh_database(url)
    registry_bench.migrate(url)
    app = registry_bench.build_app(url)
    logging.getLogger("dvkheo.requests").setLevel(logging.WARNING)
    from dvkheo.extensions import db

    with app.app_context():
        places = registry_bench.seed_units(34, 98)
        registry_bench.seed_models(models, places)
        followers_made = registry_bench.seed_followers(followers, models)
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
        db.engine.dispose()
    return followers_made


def targets(url: str) -> dict[str, str]:
    """The addresses to load: ids of a province, a field and a recognised model in the seeded data."""
    from dvkheo.campaigns.models import ReferenceItem, ReferenceKind
    from dvkheo.extensions import db
    from dvkheo.registry.models import RegisteredModel
    from dvkheo.units.models import Unit

    app = registry_bench.build_app(url)
    with app.app_context():
        province = db.session.scalar(sa.select(Unit.id).where(Unit.kind == "province").order_by(Unit.id).offset(5))
        field = db.session.scalar(sa.select(ReferenceItem.id).where(ReferenceItem.kind == ReferenceKind.FIELD))
        model_id = db.session.scalar(
            sa.select(RegisteredModel.id).where(RegisteredModel.is_recognised.is_(True)).order_by(RegisteredModel.id.desc()))
        db.engine.dispose()
    return {
        "list": "/api/v1/models",
        "filtered": f"/api/v1/models?tinh={province}&linh-vuc={field}&cap=commune",
        "one model": f"/api/v1/models/{model_id}",
        "second page": "/api/v1/models?cursor={cursor}",
    }


def loopback_port() -> int:
    """A free port among 5180-5199 (the project's range for servers started by hand), else any free one."""
    import socket

    for port in range(5180, 5200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    from bench.harness import free_port

    return free_port()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--followers", type=int, default=200_000, help="replications and follow-ups, each")
    parser.add_argument("--seconds", type=int, default=10, help="wrk's run per address")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="reuse an already seeded bench database")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("Cần wrk (apt-get install wrk; make test cài sẵn).")
        return 1
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)

    started = time.perf_counter()
    followers = {} if args.keep else seed(url, args.models, args.followers)
    seed_seconds = round(time.perf_counter() - started, 1)
    addresses = targets(url)

    env = server_env(url, SECRET, API_RATE_LIMIT="100000000 per minute", LOG_LEVEL="WARNING")
    runs: list[dict] = []
    server = GunicornServer(env, workers=args.workers)
    server.port = loopback_port()
    server.url = f"http://127.0.0.1:{server.port}"
    with server:
        with urllib.request.urlopen(server.url + "/api/v1/models", timeout=30) as response:
            cursor = json.load(response)["next_cursor"]
        addresses["second page"] = addresses["second page"].format(cursor=cursor)
        run_wrk(server.url + "/healthz", 3, args.connections, 2)  # warm-up: workers, connections, caches (not reported)
        for name, path in [("healthz", "/healthz"), *addresses.items(), ("healthz (sau)", "/healthz")]:
            with urllib.request.urlopen(server.url + path, timeout=30) as response:  # warm, and check it answers 200
                assert response.status == 200, path
            result = run_wrk(server.url + path, args.seconds, args.connections, 2)
            runs.append({"name": name, "path": path, **result})

    floor = runs[0]["rps"]  # the floor before; the one after shows whether the machine's load changed meanwhile
    print(f"API công khai, {args.models:,} mô hình trên PostgreSQL; gunicorn {args.workers} tiến trình, wrk "
          f"{args.connections} kết nối × {args.seconds} s mỗi địa chỉ (cùng máy); nạp dữ liệu {seed_seconds} s.")
    if followers:
        print("  " + ", ".join(f"{name}: {count:,}" for name, count in followers.items()))
    print(f"{'địa chỉ':<16} {'yêu cầu/s':>10} {'p50':>9} {'p99':>9} {'so với /healthz':>16} {'lỗi':>5}  đường dẫn")
    for run in runs:
        print(f"{run['name']:<16} {run['rps']:>10.1f} {run['p50']:>9} {run['p99']:>9} {run['rps'] / floor:>15.2f}× "
              f"{run['non_2xx_3xx']:>5}  {run['path'][:70]}")

    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"api-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({"models": args.models, "seconds": args.seconds, "workers": args.workers,
                               "connections": args.connections, "seed_seconds": seed_seconds, "runs": runs},
                              ensure_ascii=False, indent=2))
    print(f"Đã ghi {out.relative_to(ROOT)}")
    return 0 if all(run["non_2xx_3xx"] == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
