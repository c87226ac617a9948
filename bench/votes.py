"""Votes per second under load, beside a floor measured in the same run, at 4 and at 16 workers;
then the seal of everything, the seal time of one 10,000-vote batch, and the ledger's verification.

Run with `make bench-votes` (or `.venv/bin/python bench/votes.py`). Needs PostgreSQL on
127.0.0.1:5432 (database `dvkheo_bench`, recreated; BENCH_DATABASE_URL and --database name another)
and `wrk`.

1. Seeds a campaign taking votes: 8 shortlisted nominees, enough voters that every request is a
   distinct, valid vote (3 per voter; each worker count gets voters of its own), and mints each
   voter's signed session and CSRF token.
2. For each worker count (default 4, then 16; the same threads per worker): serves the app with
   gunicorn on loopback, then
   - floor: wrk POSTs to /_bench/insert (a bare single-row insert through Flask-SQLAlchemy);
   - votes: wrk POSTs real votes (session cookie, CSRF token, honeypot) to the vote route, each
     request a different (voter, nominee) pair, for the same duration and connections, under the
     production rate limits: wrk acts as the trusted proxy and forwards each citizen's own
     address (with every vote from 127.0.0.1 and the limits lifted, the in-memory moving window
     of that one address grows to every vote of the last minute and slows each round down);
   floor and votes alternate (`--rounds`, default 3), so that a burst of load from elsewhere on
   the machine falls on both. It prints requests per second of both and their ratio (goal: at
   least 0.8), over all rounds and round by round (with the median), and the CPU time per request
   of each group of processes (the app's gunicorn workers, PostgreSQL, wrk, the rest of the
   machine), read from /proc around each run: where the time went.
3. Seals what the background seal jobs left (`sealing.seal(final=True)`), timed.
4. Seals one batch of exactly 10,000 pending votes, timed: a second campaign whose 10,000 votes
   are inserted directly (10,000 voters, one vote each).
5. Checks that `ledger.verify` finds nothing wrong in either campaign, that nothing is left
   unsealed, and that the published tallies equal the live votes; exits 1 otherwise.
Load is bounded: a fixed duration (default 10 s per lot) and connection count, loopback only.
wrk runs on the same machine and takes CPU from the server: on a small machine both rates are
lower than the server alone could do, and the ratio is what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
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
GOAL = 0.8
SEAL_BATCH = 10_000
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
  -- Every request is formatted here, before the clock starts: wrk shares the machine's CPU with
  -- the server, and formatting per request would count against the votes (the floor's request is static).
  for line in io.lines(path) do
    if n % total == index then
      local cookie, body, target, address = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)")
      table.insert(lines, wrk.format("POST", target, {["Content-Type"] = "application/x-www-form-urlencoded",
                                                      ["Cookie"] = "session=" .. cookie, ["X-Forwarded-For"] = address}, body))
    end
    n = n + 1
  end
end

function request()
  counter = counter + 1
  return lines[((counter - 1) % #lines) + 1]
end
"""


def _database_url(name: str) -> str:
    return os.environ.get("BENCH_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")


def _recreate_database(name: str) -> None:
    subprocess.run(["bash", str(ROOT / "scripts" / "ensure_postgres.sh")], env={**os.environ, "TEST_DB": name}, check=True,
                   stdout=subprocess.DEVNULL)


def _campaign_with_nominees(province, title: str, prefix: str) -> tuple:
    from dvkheo.campaigns import operations as campaign_ops
    from dvkheo.campaigns.models import CampaignStatus, NomineeKind, ReferenceItem, ReferenceKind
    from dvkheo.core.text import fold
    from dvkheo.extensions import db
    from dvkheo.nominations.models import Nomination
    from dvkheo.nominations.states import NominationState
    from dvkheo.units.models import Unit

    today = date.today()
    campaign = campaign_ops.create_campaign(
        organising_unit=province, title=title, year=today.year,
        status=CampaignStatus.PUBLIC_VOTING, nominations_open_on=today - timedelta(days=60),
        nominations_close_on=today - timedelta(days=30), public_voting_open_on=today - timedelta(days=1),
        public_voting_close_on=today + timedelta(days=10), votes_per_voter=3,
    )
    field = db.session.scalars(sa.select(ReferenceItem).where(ReferenceItem.kind == ReferenceKind.FIELD)).first()
    nominees = []
    for number in range(8):
        commune = Unit(code=f"{prefix}{number}", name=f"Xã Đo Hiệu Năng {prefix}{number}", kind="commune", parent=province)
        db.session.add(commune)
        db.session.flush()
        commune.assign_path()
        nominee_title = f"Mô hình bình chọn số {number}"
        nomination = Nomination(
            campaign=campaign, unit=commune, kind=NomineeKind.COLLECTIVE, status=NominationState.SHORTLISTED,
            title=nominee_title, nominee_name=f"Tập thể {number}", field=field, model_key=fold(nominee_title),
        )
        nomination.refresh_derived()
        db.session.add(nomination)
        nominees.append(nomination)
    db.session.flush()
    return campaign, nominees


def seed(app, voters: int) -> dict:
    """The load campaign with `voters` voters, and the sealing campaign with SEAL_BATCH unsealed votes."""
    from dvkheo.accounts.models import Role, User  # noqa: F401
    from dvkheo.core.bench_views import BENCH_TABLE
    from dvkheo.extensions import db
    from dvkheo.units.models import Unit
    from dvkheo.voting import ledger
    from dvkheo.voting.models import Vote, VoteChannel, Voter

    with app.app_context():
        db.session.remove()
        # The bench database is ours alone: start from an empty schema whatever an older run left.
        db.session.execute(sa.text("DROP SCHEMA public CASCADE"))
        db.session.execute(sa.text("CREATE SCHEMA public"))
        db.session.commit()
        db.create_all()
        db.session.execute(BENCH_TABLE)
        province = Unit(code="51", name="Tỉnh Quảng Ngãi", kind="province")
        db.session.add(province)
        db.session.flush()
        province.assign_path()
        campaign, nominees = _campaign_with_nominees(province, "Đợt bình chọn đo hiệu năng", "X")
        db.session.execute(sa.insert(Voter), [
            {"campaign_id": campaign.id, "identity_key": f"email:bench-{number}"} for number in range(voters)
        ])
        # The sealing campaign: SEAL_BATCH voters with one live, unsealed online vote each, as the
        # vote statement would have left them.
        sealing, sealing_nominees = _campaign_with_nominees(province, "Đợt bình chọn đo thời gian niêm phong", "N")
        db.session.execute(sa.insert(Voter), [
            {"campaign_id": sealing.id, "identity_key": f"email:seal-{number}", "channel": VoteChannel.ONLINE,
             "active_votes": 1} for number in range(SEAL_BATCH)
        ])
        seal_voters = db.session.scalars(sa.select(Voter.id).where(Voter.campaign_id == sealing.id).order_by(Voter.id)).all()
        now = datetime.now().astimezone()
        db.session.execute(sa.insert(Vote), [
            {"campaign_id": sealing.id, "voter_id": voter_id, "nomination_id": sealing_nominees[number % 8].id,
             "channel": VoteChannel.ONLINE, "receipt_code": ledger.new_receipt_code(),
             "cast_at": now - timedelta(microseconds=SEAL_BATCH - number)}
            for number, voter_id in enumerate(seal_voters)
        ])
        db.session.commit()
        voter_ids = db.session.scalars(sa.select(Voter.id).where(Voter.campaign_id == campaign.id).order_by(Voter.id)).all()
        return {"campaign_id": campaign.id, "nominee_ids": [n.id for n in nominees], "voter_ids": voter_ids,
                "sealing_campaign_id": sealing.id}


def write_requests(app, campaign_id: int, nominees: list[int], voter_ids: list[int], path: Path) -> int:
    """One line per vote request: cookie, form body, target, the citizen's address; voters' 3 distinct nominees."""
    import urllib.parse

    target = f"/binh-chon/dot/{campaign_id}/binh-chon"
    lines = 0
    with path.open("w") as out:
        # Round-robin over voters, so a voter's three votes are far apart in time.
        per_voter = {}
        for voter_id in voter_ids:
            per_voter[voter_id] = mint_voter_session(app, campaign_id, voter_id)
        for slot in range(3):
            for number, voter_id in enumerate(voter_ids):
                cookie, token = per_voter[voter_id]
                nominee = nominees[(number + slot) % len(nominees)]
                body = urllib.parse.urlencode({"nomination_id": nominee, "csrf_token": token, "website": ""})
                # Each citizen from an address of their own (through the one trusted proxy), so that the
                # production limits apply as they would: 120 votes a minute per address, 20 per voter.
                address = f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"
                out.write(f"{cookie}\t{body}\t{target}\t{address}\n")
                lines += 1
    return lines


def run_wrk(url: str, seconds: int, connections: int, threads: int, script: Path | None = None, args: list[str] = ()) -> dict:
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    command += [url]
    if args:
        command += ["--", *args]
    before = _cpu_seconds()
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    after = _cpu_seconds()
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", output)
    p99 = re.search(r"99%\s+([\d.]+\w+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"requests": requests, "rps": rps, "p50": p50.group(1) if p50 else "", "p99": p99.group(1) if p99 else "",
            "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0,
            "cpu_seconds": {group: after.get(group, 0.0) - before.get(group, 0.0) for group in CPU_GROUPS}}


CPU_GROUPS = ("app", "postgres", "wrk", "other")


def _cpu_seconds() -> dict[str, float]:
    """CPU seconds (user + system) used so far, by group: the app's gunicorn processes, PostgreSQL's,
    wrk (a finished child of this process) and everything else on the machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals = dict.fromkeys(CPU_GROUPS, 0.0)
    with open("/proc/stat") as stat:
        busy = [int(value) for value in stat.readline().split()[1:]]
    machine = (sum(busy) - busy[3] - busy[4]) / ticks  # all but idle and iowait
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except OSError:  # gone meanwhile
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        used = (int(fields[11]) + int(fields[12])) / ticks
        if name.startswith("postgres"):
            totals["postgres"] += used
        elif b"gunicorn" in command:
            totals["app"] += used
    import resource

    totals["wrk"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime
    # The rest of the machine: the same total minus what was named (deltas only are meaningful).
    totals["other"] = machine - totals["app"] - totals["postgres"] - totals["wrk"]
    return totals


def _cpu_per_request(runs: list[dict]) -> dict[str, float]:
    """Milliseconds of CPU per answered request, by group, over several wrk runs."""
    requests = sum(run["requests"] for run in runs) or 1
    return {group: sum(run["cpu_seconds"][group] for run in runs) / requests * 1000 for group in CPU_GROUPS}


def _combined(runs: list[dict]) -> dict:
    """Several wrk runs of one kind as one: requests added up, rate over the whole time, worst latencies."""
    seconds = sum(run["requests"] / run["rps"] for run in runs if run["rps"])
    requests = sum(run["requests"] for run in runs)
    return {"requests": requests, "rps": requests / seconds if seconds else 0.0,
            "p50": "/".join(run["p50"] for run in runs), "p99": "/".join(run["p99"] for run in runs),
            "non_2xx_3xx": sum(run["non_2xx_3xx"] for run in runs)}


def _comma(value: float, places: int = 2) -> str:
    """A number written the Vietnamese way: 0,83; 12.345."""
    text = f"{value:,.{places}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _timed_seal(app, campaign_id: int) -> tuple[float, int]:
    """Seconds to seal (final) and commit what is pending in the campaign, and the entries sealed."""
    from dvkheo.extensions import db
    from dvkheo.voting import sealing

    with app.app_context():
        started = time.perf_counter()
        batch = sealing.seal(campaign_id, final=True)
        db.session.commit()
        seconds = time.perf_counter() - started
        sealed = (batch.cast_count + batch.withdrawal_count) if batch else 0
        db.session.remove()
    return seconds, sealed


def _check_ledger(app, campaign_id: int) -> dict:
    """The verifier's report, and the published tallies against the live votes."""
    from dvkheo.extensions import db
    from dvkheo.voting import ledger
    from dvkheo.voting.models import Vote

    with app.app_context():
        accepted = db.session.scalar(
            sa.select(sa.func.count()).select_from(Vote).where(Vote.campaign_id == campaign_id, Vote.withdrawn_at.is_(None))
        )
        report = ledger.verify(campaign_id)
        published = ledger.published_tallies(campaign_id)
        db.session.remove()
    problems = list(report.problems)
    if report.pending:
        problems.append(f"còn {report.pending} mục chưa niêm phong")
    if published != report.tallies or sum(published.values()) != accepted:
        problems.append(f"số phiếu công bố {sum(published.values())} khác {accepted} phiếu còn hiệu lực")
    return {"accepted": accepted, "batches": report.batches, "published": sum(published.values()),
            "ok": not problems, "problems": problems[:5]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[4, 16], help="gunicorn worker counts, one lot each")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--rounds", type=int, default=3, help="floor then votes, this many times per worker count")
    parser.add_argument("--voters", type=int, default=5000,
                        help="voters per votes run: enough for seconds × rate ÷ 3")
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
    seeded = seed(app, args.voters * args.rounds * len(args.workers))
    results: dict = {"settings": vars(args), "seed_seconds": round(time.perf_counter() - started, 1), "lots": []}
    campaign_id = seeded["campaign_id"]
    with tempfile.TemporaryDirectory(prefix="dvkheo-votes-") as tmp:
        script = Path(tmp) / "votes.lua"
        script.write_text(LUA)
        insert_script = _post_script(Path(tmp))
        # The production rate limits, not the harness's "off": wrk plays a proxy that forwards each
        # citizen's own address (TRUSTED_PROXIES=1), as nginx does. The floor goes through the same server.
        from config import Config

        env = server_env(
            url, SECRET, DVKHEO_BENCH_ENDPOINTS="1", TRUSTED_PROXIES="1",
            VOTE_RATE_LIMIT_PER_IP=Config.VOTE_RATE_LIMIT_PER_IP, VOTE_RATE_LIMIT_PER_VOTER=Config.VOTE_RATE_LIMIT_PER_VOTER,
        )
        lot_voters = args.voters * args.rounds
        for index, workers in enumerate(args.workers):
            # Voters of their own for each lot and round: every request is a new, valid vote.
            voters = seeded["voter_ids"][index * lot_voters:(index + 1) * lot_voters]
            files, lines = [], 0
            for round_number in range(args.rounds):
                requests_file = Path(tmp) / f"votes-{workers}-{round_number}.tsv"
                lines += write_requests(app, campaign_id, seeded["nominee_ids"],
                                        voters[round_number * args.voters:(round_number + 1) * args.voters], requests_file)
                files.append(requests_file)
            floors, votes = [], []
            with GunicornServer(env, workers=workers, threads=args.threads, start_seconds=120) as server:
                # Warm-up: every worker booted and connected (16 workers take a while on 2 cores).
                run_wrk(server.url + "/healthz", 2 + workers // 4, args.connections, 2)
                # Floor and votes alternate, so that load from elsewhere on the machine falls on both.
                for requests_file in files:
                    floors.append(run_wrk(server.url + "/_bench/insert", args.seconds, args.connections, 2,
                                          script=insert_script))
                    votes.append(run_wrk(server.url, args.seconds, args.connections, 2, script=script,
                                         args=[str(requests_file), "2"]))
            floor, vote = _combined(floors), _combined(votes)
            ratio = vote["rps"] / floor["rps"] if floor["rps"] else 0
            # Each round's votes against the floor measured just before: a burst of other load on
            # the machine shows as one odd round, which the median sets aside.
            round_ratios = [v["rps"] / f["rps"] if f["rps"] else 0 for f, v in zip(floors, votes)]
            results["lots"].append({"workers": workers, "floor": floor, "votes": vote, "request_lines": lines,
                                    "cpu_ms_per_request": {"floor": _cpu_per_request(floors), "votes": _cpu_per_request(votes)},
                                    "ratio": round(ratio, 3), "round_ratios": [round(r, 3) for r in round_ratios],
                                    "median_ratio": round(statistics.median(round_ratios), 3),
                                    "rounds": {"floor": floors, "votes": votes}})

    seal_seconds, sealed = _timed_seal(app, campaign_id)
    batch_seconds, batch_size = _timed_seal(app, seeded["sealing_campaign_id"])
    checks = {"votes": _check_ledger(app, campaign_id), "sealing": _check_ledger(app, seeded["sealing_campaign_id"])}
    results.update(final_seal_seconds=round(seal_seconds, 3), final_seal_entries=sealed,
                   batch_seal_seconds=round(batch_seconds, 3), batch_seal_entries=batch_size, checks=checks)
    with app.app_context():
        from dvkheo.extensions import db

        db.engine.dispose()

    print(f"Bình chọn dưới tải: gunicorn {' và '.join(map(str, args.workers))} tiến trình × {args.threads} luồng, "
          f"wrk {args.connections} kết nối (2 luồng, cùng máy: wrk cũng dùng CPU), {args.rounds} lượt × {args.seconds} giây "
          "mỗi loại, xen kẽ, "
          "PostgreSQL, chỉ 127.0.0.1.")
    print(f"{'tiến trình':>10}  {'lượt đo':<34} {'yêu cầu':>8} {'yêu cầu/giây':>13} {'p50':>19} {'p99':>19} {'ngoài 2xx/3xx':>14}")
    for lot in results["lots"]:
        for label, item in (("nền: chèn một dòng (/_bench/insert)", lot["floor"]), ("bình chọn (POST phiếu thật)", lot["votes"])):
            print(f"{lot['workers']:>10}  {label:<34} {item['requests']:>8} {_comma(item['rps'], 1):>13} {item['p50']:>19} "
                  f"{item['p99']:>19} {item['non_2xx_3xx']:>14}")
    for lot in results["lots"]:
        each = " / ".join(_comma(r) for r in lot["round_ratios"])
        print(f"Tỷ lệ bình chọn / nền, {lot['workers']} tiến trình: {_comma(lot['ratio'])} (từng lượt: {each}; "
              f"trung vị {_comma(lot['median_ratio'])}; mục tiêu ≥ {_comma(GOAL)})")
    labels = {"app": "ứng dụng (gunicorn)", "postgres": "PostgreSQL", "wrk": "wrk", "other": "khác"}
    for lot in results["lots"]:
        for kind, label in (("floor", "nền"), ("votes", "bình chọn")):
            cpu = lot["cpu_ms_per_request"][kind]
            parts = " · ".join(f"{labels[group]} {_comma(cpu[group])}" for group in CPU_GROUPS)
            print(f"CPU mỗi yêu cầu, {lot['workers']} tiến trình, {label}: {parts} = {_comma(sum(cpu.values()))} ms")
    print(f"Niêm phong phần còn lại sau khi đo ({_comma(sealed, 0)} phiếu): {_comma(seal_seconds, 3)} giây.")
    print(f"Niêm phong một lô {_comma(batch_size, 0)} phiếu: {_comma(batch_seconds, 3)} giây.")
    for name, label in (("votes", "Đợt đo tải"), ("sealing", "Đợt đo niêm phong")):
        check = checks[name]
        verdict = "toàn vẹn" if check["ok"] else "CÓ LỖI: " + "; ".join(check["problems"][:3])
        print(f"{label}: {_comma(check['accepted'], 0)} phiếu còn hiệu lực, {check['batches']} lô, "
              f"số phiếu công bố {_comma(check['published'], 0)}; sổ phiếu {verdict}.")
    for lot in results["lots"]:
        if lot["votes"]["requests"] > lot["request_lines"]:
            print(f"Lưu ý ({lot['workers']} tiến trình): {lot['votes']['requests']} yêu cầu nhiều hơn {lot['request_lines']} "
                  "cặp (cử tri, mô hình) đã chuẩn bị; các yêu cầu lặp bị từ chối (409). Tăng --voters.")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"votes-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print(f"Đã ghi {out.relative_to(ROOT)}")
    ok = all(check["ok"] for check in checks.values()) and batch_size == SEAL_BATCH
    return 0 if ok else 1


def _post_script(directory: Path) -> Path:
    script = directory / "insert.lua"
    script.write_text('wrk.method = "POST"\nwrk.body = ""\n')
    return script


if __name__ == "__main__":
    sys.exit(main())
