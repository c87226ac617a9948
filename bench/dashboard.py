"""The statistics page ("Thống kê") at national scale on PostgreSQL: 34 provinces, 3,321 communes, 200,000 dossiers.

Run with `make bench-dashboard` (or `.venv/bin/python bench/dashboard.py [--dossiers 200000]`).
Seeds a fresh database (BENCH_DATABASE_URL, by default the local server's `dvkheo_bench_dashboard`, dropped and
created again: the helpers of bench/registry.py), with the central committee above the 34 provinces and their
3,321 communes; campaigns at three levels (central, each province, a third of the communes on their own);
200,000 dossiers in realistic states over 2025-2026; a registry model with its recognition for each award,
replications and follow-ups. Then times, server-side through the Flask test client, the median of N requests
(bench/list_page.py's `measure`) of the page for the whole country and for one province, cold (figure cache off:
every request computes every figure) and warm (the cache on, as served), against /healthz in the same run.
Goal (issue 16): the whole country under 300 ms on PostgreSQL. Figures go to stdout and bench/results/.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402

from config import TestingConfig  # noqa: E402
from dvkheo import create_app  # noqa: E402
from dvkheo.accounts.models import Role, User  # noqa: E402
from dvkheo.campaigns import operations as campaign_ops  # noqa: E402
from dvkheo.campaigns.models import Campaign, CampaignStatus, NomineeKind, ReferenceItem, ReferenceKind  # noqa: E402
from dvkheo.extensions import db  # noqa: E402
from dvkheo.followup.models import FollowUp  # noqa: E402
from dvkheo.nominations.models import Nomination  # noqa: E402
from dvkheo.nominations.states import NominationState as S  # noqa: E402
from dvkheo.registry.models import Recognition, RecognitionLevel, RegisteredModel  # noqa: E402
from dvkheo.replication.models import Replication  # noqa: E402
from dvkheo.reports.periods import Period  # noqa: E402
from dvkheo.reports.statistics import dashboard_figures  # noqa: E402
from dvkheo.units.models import Unit  # noqa: E402
from list_page import measure  # noqa: E402  (same timing and query count as the other page benches)
from registry import fresh_database, migrate  # noqa: E402  (drop/create the bench's own database, migrations)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/dvkheo_bench_dashboard"
PASSWORD = "bench-password-2026"
BATCH = 5000
PROVINCES, COMMUNES = 34, 3321
# Where dossiers stand: a realistic spread (most sent, a quarter commended, a few held or withdrawn).
STATES = [
    (S.DRAFT, 6), (S.SUBMITTED, 8), (S.RESUBMITTED, 2), (S.RETURNED, 4), (S.REJECTED, 6), (S.WITHDRAWN, 2),
    (S.ON_HOLD, 2), (S.ACCEPTED, 6), (S.IN_REVIEW, 6), (S.SCORED, 5), (S.NOT_SHORTLISTED, 8), (S.SHORTLISTED, 3),
    (S.FAILED_COUNCIL, 4), (S.PASSED_COUNCIL, 3), (S.NOT_AWARDED, 3), (S.AWARDED, 24), (S.FORWARDED, 4), (S.REVOKED, 1),
]
HELD_FROM = [S.SUBMITTED, S.ACCEPTED, S.SCORED, S.SHORTLISTED]
AWARDED = {S.AWARDED, S.FORWARDED, S.REVOKED}
FORMS = {"central": "Bằng khen", "province": "Bằng khen", "commune": "Giấy khen"}
LEVEL = {"central": RecognitionLevel.CENTRAL, "province": RecognitionLevel.PROVINCE, "commune": RecognitionLevel.COMMUNE}


def build_app(url: str, cache_seconds: int):
    class BenchConfig(TestingConfig):
        TESTING = False
        SQLALCHEMY_DATABASE_URI = url
        STATS_CACHE_SECONDS = cache_seconds
        REDIS_URL = ""

    return create_app(BenchConfig)


def insert_batches(table, rows: list[dict]) -> None:
    for offset in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(table), rows[offset:offset + BATCH])


def seed_units() -> tuple[int, list[int], dict[int, list[int]]]:
    """The central committee, 34 provinces and 3,321 communes, with explicit ids and paths (one bulk insert)."""
    rows = [dict(id=1, code="TW", name="Ban Dân vận Trung ương", kind="agency", parent_id=None, path="/1/", depth=0,
                 search_text="tw ban dan van trung uong")]
    provinces, communes = [], {}
    next_id = 2
    for p in range(PROVINCES):
        pid = next_id
        next_id += 1
        provinces.append(pid)
        rows.append(dict(id=pid, code=f"{p + 1:02d}", name=f"Tỉnh Đo Hiệu Năng {p + 1}", kind="province", parent_id=1,
                         path=f"/1/{pid}/", depth=1, search_text=f"{p + 1:02d} tinh do hieu nang {p + 1}"))
    for p, pid in enumerate(provinces):
        count = COMMUNES // PROVINCES + (1 if p < COMMUNES % PROVINCES else 0)
        communes[pid] = []
        for c in range(count):
            cid = next_id
            next_id += 1
            communes[pid].append(cid)
            rows.append(dict(id=cid, code=f"{p + 1:02d}{c + 1:03d}", name=f"Xã Số {c + 1} tỉnh {p + 1}", kind="commune",
                             parent_id=pid, path=f"/1/{pid}/{cid}/", depth=2, search_text=f"xa so {c + 1} tinh {p + 1}"))
    insert_batches(Unit.__table__, rows)
    db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence('units', 'id'), (SELECT max(id) FROM units))"))
    db.session.commit()
    return 1, provinces, communes


def seed_campaigns(central: int, provinces: list[int], communes: dict[int, list[int]], rng: random.Random):
    """(level, organiser) -> campaign ids by year: central and provincial every year, a third of communes too."""
    campaign_ops.ensure_reference_lists()
    by_organiser: dict[int, dict[int, int]] = {}
    levels: dict[int, str] = {}
    organisers = [(central, "central")] + [(p, "province") for p in provinces] + [
        (c, "commune") for p in provinces for c in communes[p] if rng.random() < 1 / 3]
    for unit_id, level in organisers:
        by_organiser[unit_id] = {}
        for year in (2025, 2026):
            campaign = Campaign(organising_unit_id=unit_id, year=year, status=CampaignStatus.CLOSED if year == 2025
                                else CampaignStatus.REVIEW, title=f"Bình xét mô hình “Dân vận khéo” năm {year}")
            db.session.add(campaign)
            db.session.flush()
            by_organiser[unit_id][year] = campaign.id
            levels[campaign.id] = level
    db.session.commit()
    return by_organiser, levels


def seed_dossiers(count: int, central: int, provinces, communes, by_organiser, levels, rng: random.Random) -> dict:
    fields = [item.id for item in db.session.scalars(sa.select(ReferenceItem).where(ReferenceItem.kind == ReferenceKind.FIELD))]
    states, weights = zip(*STATES)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    span_minutes = int((datetime(2026, 12, 5, tzinfo=timezone.utc) - start).total_seconds() // 60)
    nominations, awarded = [], []
    for number in range(count):
        province = rng.choice(provinces)
        unit = province if rng.random() < 0.03 else rng.choice(communes[province])
        moment = start + timedelta(minutes=rng.randrange(span_minutes))
        year = moment.year
        roll = rng.random()
        if unit in by_organiser and roll < 0.35:
            campaign = by_organiser[unit][year]
        elif roll < 0.9:
            campaign = by_organiser[province][year]
        else:
            campaign = by_organiser[central][year]
        status = rng.choices(states, weights)[0]
        kind = NomineeKind.INDIVIDUAL if number % 4 == 0 else NomineeKind.COLLECTIVE
        title = f"Mô hình “Dân vận khéo” số {number}"
        nominations.append(dict(
            id=number + 1, campaign_id=campaign, unit_id=unit, kind=kind, status=status, title=title,
            nominee_name=f"Tập thể {number}", field_id=rng.choice(fields), created_at=moment, updated_at=moment,
            submitted_at=None if status is S.DRAFT or (status is S.WITHDRAWN and number % 2) else moment,
            status_before_hold=rng.choice(HELD_FROM) if status is S.ON_HOLD else None,
            search_text=title.lower(), nominee_key=f"{kind.value}:tap the {number}", model_key=f"mo hinh {number}",
        ))
        if status in AWARDED:
            awarded.append((number + 1, unit, province, kind, nominations[-1]["field_id"], moment, status, levels[campaign]))
    insert_batches(Nomination.__table__, nominations)
    db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence('nominations', 'id'), (SELECT max(id) FROM nominations))"))
    db.session.commit()

    models, recognitions, followups = [], [], []
    for index, (nomination_id, unit, province, kind, field_id, moment, status, level) in enumerate(awarded):
        decided = (moment + timedelta(days=rng.randrange(30, 120))).date()
        revoked = status is S.REVOKED
        models.append(dict(
            id=index + 1, origin_nomination_id=nomination_id, kind=kind, title=f"Mô hình số {nomination_id}", unit_id=unit,
            province_id=province, commune_id=unit if unit != province else None, field_id=field_id, first_year=decided.year,
            last_year=decided.year, highest_level=LEVEL[level], is_recognised=not revoked, created_at=moment,
            recognised_at=moment, search_text=f"mo hinh so {nomination_id}",
        ))
        recognitions.append(dict(
            id=index + 1, model_id=index + 1, nomination_id=nomination_id, award_form_name=FORMS[level],
            issuing_body="Ban Dân vận", decision_number=f"{index + 1}-QĐ/BDV", decided_on=decided, year=decided.year,
            level=LEVEL[level], revoked_at=moment if revoked else None, created_at=moment,
        ))
        if index % 2 == 0:
            due = date(decided.year, 12, 15) if decided.month < 10 else date(decided.year + 1, 6, 15)
            followups.append(dict(
                model_id=index + 1, committee_unit_id=province, period_year=due.year, round_year=due.year, due_on=due,
                state=rng.choice(["requested", "draft", "submitted", "accepted", "accepted", "accepted", "returned"]),
                created_at=moment,
            ))
    insert_batches(RegisteredModel.__table__, models)
    insert_batches(Recognition.__table__, recognitions)
    insert_batches(FollowUp.__table__, followups)
    replications = []
    all_communes = [c for p in provinces for c in communes[p]]
    for index in range(len(models) // 2):
        confirmed = start + timedelta(minutes=rng.randrange(span_minutes))
        status = "confirmed" if index % 5 else "submitted"
        replications.append(dict(
            source_model_id=rng.randrange(1, len(models) + 1), unit_id=rng.choice(all_communes), status=status,
            created_at=confirmed, updated_at=confirmed, submitted_at=confirmed,
            confirmed_at=confirmed if status == "confirmed" else None,
        ))
    insert_batches(Replication.__table__, replications)
    for table in ("registered_models", "model_recognitions"):
        db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    db.session.commit()
    return {"hồ sơ": len(nominations), "mô hình": len(models), "theo dõi": len(followups), "nhân rộng": len(replications)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="reuse an already seeded bench database")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    results: dict = {"dossiers": args.dossiers, "repeat": args.repeat}
    started = time.perf_counter()
    if not args.keep:
        fresh_database(url)
        migrate(url)
    cold_app, warm_app = build_app(url, 0), build_app(url, 60)
    logging.getLogger("dvkheo.requests").setLevel(logging.WARNING)
    with cold_app.app_context():
        engine = db.engine
        if not args.keep:
            rng = random.Random(16)
            central, provinces, communes = seed_units()
            by_organiser, levels = seed_campaigns(central, provinces, communes, rng)
            results["rows"] = seed_dossiers(args.dossiers, central, provinces, communes, by_organiser, levels, rng)
            admin = User(email="admin@bench.vn", full_name="Quản trị đo hiệu năng", role=Role.ADMIN)
            admin.set_password(PASSWORD)
            db.session.add(admin)
            db.session.commit()
            with engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
        results["seed_seconds"] = round(time.perf_counter() - started, 1)
        province = db.session.scalar(sa.select(Unit.id).where(Unit.kind == "province").order_by(Unit.id).offset(5))
        # The function alone (no page, no cache), to tell the SQL from the rendering.
        timings = []
        for _ in range(5):
            t = time.perf_counter()
            figures = dashboard_figures(db.session.get(Unit, 1), Period.year(2026))
            timings.append((time.perf_counter() - t) * 1000)
        results["function_whole_country_ms"] = round(sorted(timings)[2], 1)
        results["figures"] = {"submitted": figures.funnel_total.submitted, "awarded": figures.funnel_total.awarded,
                              "campaigns": len(figures.funnel), "units": len(figures.units)}
        db.session.remove()

    pages = {}
    for label, app in (("cold", cold_app), ("warm", warm_app)):
        client = app.test_client()
        assert client.post("/login", data={"email": "admin@bench.vn", "password": PASSWORD}).status_code == 302
        with app.app_context():
            app_engine = db.engine
        pages[label] = [
            measure(client, app_engine, "/healthz", args.repeat),
            measure(client, app_engine, "/thong-ke?don-vi=1&ky=year&nam=2026", args.repeat),
            measure(client, app_engine, "/thong-ke?don-vi=0&ky=year&nam=2026", args.repeat),
            measure(client, app_engine, f"/thong-ke?don-vi={province}&ky=year&nam=2026", args.repeat),
            measure(client, app_engine, f"/thong-ke?don-vi={province}&ky=quarter&nam=2026&quy=3", args.repeat),
        ]
    results["pages"] = pages
    results["load_average"] = [round(x, 1) for x in os.getloadavg()]
    print(f"Trang Thống kê, {args.dossiers:,} hồ sơ, {PROVINCES} tỉnh, {COMMUNES:,} xã trên PostgreSQL; trung vị của "
          f"{args.repeat} yêu cầu qua Flask test client; nạp dữ liệu {results['seed_seconds']} s.")
    if results.get("rows"):
        print("  " + ", ".join(f"{name}: {count:,}" for name, count in results["rows"].items()))
    print(f"  tải máy (load average 1, 5, 15 phút) lúc đo: {results['load_average']} trên {os.cpu_count()} lõi")
    print(f"  dashboard_figures() toàn quốc, năm 2026: {results['function_whole_country_ms']} ms; {results['figures']}")
    print(f"{'bộ nhớ đệm':<11} {'địa chỉ':<52} {'trung vị':>10} {'p90':>9} {'truy vấn':>9} {'× nền':>7}")
    for label, items in pages.items():
        base = items[0]["median_ms"]
        for item in items:
            print(f"{'tắt' if label == 'cold' else 'bật':<11} {item['url']:<52} {item['median_ms']:>8.2f}ms "
                  f"{item['p90_ms']:>7.2f}ms {item['queries']:>9.1f} {item['median_ms'] / base:>7.1f}")
    whole = pages["cold"][1]["median_ms"]
    print(f"Mục tiêu toàn quốc < 300 ms khi không có bộ nhớ đệm: {'đạt' if whole < 300 else 'CHƯA ĐẠT'} ({whole} ms); "
          f"khi có: {pages['warm'][1]['median_ms']} ms")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"dashboard-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print(f"Đã ghi {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
