"""Votes per second under load, beside a floor measured in the same run.

Run with `make bench-votes` (or `.venv/bin/python bench/votes.py`). Needs PostgreSQL on
127.0.0.1:5432 (database `dvkheo_bench`, recreated) and `wrk`.

1. Seeds a campaign taking votes: 8 shortlisted nominees, enough voters that every request is a
   distinct, valid vote (3 per voter), and mints each voter's signed session and CSRF token.
2. Serves the app with gunicorn (same workers and threads for both runs) on loopback.
3. Floor: wrk POSTs to /_bench/insert (a bare single-row insert through Flask-SQLAlchemy).
4. Votes: wrk POSTs real votes (session cookie, CSRF token, honeypot) to the vote route, each
   request a different (voter, nominee) pair, for the same duration and connections.
5. Prints requests per second of both, their ratio (goal: at least 0.6), and checks afterwards that
   the ledger verifies and the tally equals the votes accepted.
Load is bounded: a fixed duration (default 10 s) and connection count, loopback only.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.harness import GunicornServer, mint_voter_session, server_env  # noqa: E402

SECRET = "bench-secret-key-not-for-production-0123456789"
LUA = r"""
local lines = {}
local counter = 0
local thread_index = 0
local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  local total = tonumber(args[2])
  local index = tonumber(wrk.thread:get("index"))
  local n = 0
  for line in io.lines(path) do
    if n % total == index then table.insert(lines, line) end
    n = n + 1
  end
end

function request()
  counter = counter + 1
  local line = lines[((counter - 1) % #lines) + 1]
  local cookie, body, target = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)")
  return wrk.format("POST", target, {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "session=" .. cookie}, body)
end
"""


def _database_url(name: str) -> str:
    return os.environ.get("BENCH_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")


def _recreate_database(name: str) -> None:
    subprocess.run(["bash", str(ROOT / "scripts" / "ensure_postgres.sh")], env={**os.environ, "TEST_DB": name}, check=True,
                   stdout=subprocess.DEVNULL)


def seed(app, voters: int) -> dict:
    from dvkheo.accounts.models import Role, User  # noqa: F401
    from dvkheo.campaigns import operations as campaign_ops
    from dvkheo.campaigns.models import CampaignStatus, NomineeKind, ReferenceItem, ReferenceKind
    from dvkheo.core.bench_views import BENCH_TABLE
    from dvkheo.core.text import fold
    from dvkheo.extensions import db
    from dvkheo.nominations.models import Nomination
    from dvkheo.nominations.states import NominationState
    from dvkheo.units.models import Unit
    from dvkheo.voting.models import Voter

    with app.app_context():
        db.session.remove()
        # The bench database is ours alone: start from an empty schema whatever an older run left.
        db.session.execute(sa.text("DROP SCHEMA public CASCADE"))
        db.session.execute(sa.text("CREATE SCHEMA public"))
        db.session.commit()
        db.create_all()
        db.session.execute(BENCH_TABLE)
        today = date.today()
        province = Unit(code="51", name="Tỉnh Quảng Ngãi", kind="province")
        db.session.add(province)
        db.session.flush()
        province.assign_path()
        campaign = campaign_ops.create_campaign(
            organising_unit=province, title="Đợt bình chọn đo hiệu năng", year=today.year,
            status=CampaignStatus.PUBLIC_VOTING, nominations_open_on=today - timedelta(days=60),
            nominations_close_on=today - timedelta(days=30), public_voting_open_on=today - timedelta(days=1),
            public_voting_close_on=today + timedelta(days=10), votes_per_voter=3,
        )
        field = db.session.scalars(sa.select(ReferenceItem).where(ReferenceItem.kind == ReferenceKind.FIELD)).first()
        nominees = []
        for number in range(8):
            commune = Unit(code=f"X{number}", name=f"Xã Đo Hiệu Năng {number}", kind="commune", parent=province)
            db.session.add(commune)
            db.session.flush()
            commune.assign_path()
            title = f"Mô hình bình chọn số {number}"
            nomination = Nomination(
                campaign=campaign, unit=commune, kind=NomineeKind.COLLECTIVE, status=NominationState.SHORTLISTED,
                title=title, nominee_name=f"Tập thể {number}", field=field, model_key=fold(title),
            )
            nomination.refresh_derived()
            db.session.add(nomination)
            nominees.append(nomination)
        db.session.flush()
        db.session.execute(sa.insert(Voter), [
            {"campaign_id": campaign.id, "identity_key": f"email:bench-{number}"} for number in range(voters)
        ])
        db.session.commit()
        voter_ids = db.session.scalars(sa.select(Voter.id).order_by(Voter.id)).all()
        return {"campaign_id": campaign.id, "nominee_ids": [n.id for n in nominees], "voter_ids": voter_ids}


def write_requests(app, seeded: dict, path: Path) -> int:
    """One line per vote request: cookie, form body, target; voters' 3 distinct nominees."""
    import urllib.parse

    nominees = seeded["nominee_ids"]
    target = f"/binh-chon/dot/{seeded['campaign_id']}/binh-chon"
    lines = 0
    with path.open("w") as out:
        # Round-robin over voters, so a voter's three votes are far apart in time.
        per_voter = {}
        for voter_id in seeded["voter_ids"]:
            per_voter[voter_id] = mint_voter_session(app, seeded["campaign_id"], voter_id)
        for slot in range(3):
            for number, voter_id in enumerate(seeded["voter_ids"]):
                cookie, token = per_voter[voter_id]
                nominee = nominees[(number + slot) % len(nominees)]
                body = urllib.parse.urlencode({"nomination_id": nominee, "csrf_token": token, "website": ""})
                out.write(f"{cookie}\t{body}\t{target}\n")
                lines += 1
    return lines


def run_wrk(url: str, seconds: int, connections: int, threads: int, script: Path | None = None, args: list[str] = ()) -> dict:
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    command += [url]
    if args:
        command += ["--", *args]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", output)
    p99 = re.search(r"99%\s+([\d.]+\w+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"requests": requests, "rps": rps, "p50": p50.group(1) if p50 else "", "p99": p99.group(1) if p99 else "",
            "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--voters", type=int, default=4000, help="enough for seconds × rate ÷ 3")
    parser.add_argument("--database", default="dvkheo_bench")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("Cần wrk (apt-get install wrk; make test cài sẵn).")
        return 2

    _recreate_database(args.database)
    url = _database_url(args.database)
    os.environ["DATABASE_URL"] = url
    from config import DevelopmentConfig
    from dvkheo import create_app

    class BenchConfig(DevelopmentConfig):
        SECRET_KEY = SECRET
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(BenchConfig)
    started = time.perf_counter()
    seeded = seed(app, args.voters)
    results: dict = {"settings": vars(args), "seed_seconds": round(time.perf_counter() - started, 1)}
    with tempfile.TemporaryDirectory(prefix="dvkheo-votes-") as tmp:
        requests_file = Path(tmp) / "votes.tsv"
        lines = write_requests(app, seeded, requests_file)
        script = Path(tmp) / "votes.lua"
        script.write_text(LUA)
        env = server_env(url, SECRET, DVKHEO_BENCH_ENDPOINTS="1")
        with GunicornServer(env, workers=args.workers, threads=args.threads) as server:
            run_wrk(server.url + "/healthz", 2, args.connections, 2)  # warm-up: workers, connections, caches
            floor = run_wrk(server.url + "/_bench/insert", args.seconds, args.connections, 2,
                            script=_post_script(Path(tmp)))
            votes = run_wrk(server.url, args.seconds, args.connections, 2, script=script,
                            args=[str(requests_file), "2"])
    results.update(floor=floor, votes=votes, request_lines=lines)

    with app.app_context():
        from dvkheo.extensions import db
        from dvkheo.voting import ledger
        from dvkheo.voting.models import Vote

        accepted = db.session.scalar(sa.select(sa.func.count()).select_from(Vote))
        report = ledger.verify(seeded["campaign_id"])
        results["accepted_votes"] = accepted
        results["ledger_ok"] = report.ok
        results["events"] = report.events
        db.session.remove()
        db.engine.dispose()

    ratio = votes["rps"] / floor["rps"] if floor["rps"] else 0
    results["ratio"] = round(ratio, 3)
    print(f"Bình chọn dưới tải: gunicorn {args.workers} tiến trình × {args.threads} luồng, wrk {args.connections} kết nối, "
          f"{args.seconds} giây mỗi lượt, PostgreSQL, chỉ 127.0.0.1.")
    print(f"{'lượt đo':<34} {'yêu cầu':>8} {'yêu cầu/giây':>13} {'p50':>9} {'p99':>9} {'ngoài 2xx/3xx':>14}")
    for label, item in (("nền: chèn một dòng (/_bench/insert)", floor), ("bình chọn (POST phiếu thật)", votes)):
        print(f"{label:<34} {item['requests']:>8} {item['rps']:>13.1f} {item['p50']:>9} {item['p99']:>9} {item['non_2xx_3xx']:>14}")
    print(f"Tỷ lệ bình chọn / nền: {ratio:.2f} (mục tiêu ≥ 0,60)")
    print(f"Phiếu được ghi nhận: {accepted}; chuỗi sự kiện: {report.events} sự kiện, "
          f"{'toàn vẹn' if report.ok else 'CÓ LỖI: ' + '; '.join(report.problems[:3])}.")
    if votes["requests"] > lines:
        print(f"Lưu ý: {votes['requests']} yêu cầu nhiều hơn {lines} cặp (cử tri, mô hình) đã chuẩn bị; "
              "các yêu cầu lặp bị từ chối (409). Tăng --voters.")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"votes-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print(f"Đã ghi {out.relative_to(ROOT)}")
    return 0 if report.ok and accepted == report.events else 1


def _post_script(directory: Path) -> Path:
    script = directory / "insert.lua"
    script.write_text('wrk.method = "POST"\nwrk.body = ""\n')
    return script


if __name__ == "__main__":
    sys.exit(main())
