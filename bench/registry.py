"""The public registry at national scale: 100,000 recognised models (and, where those domains exist,
1,000,000 replications and follow-ups), on PostgreSQL.

Run with `make bench-registry` (or `.venv/bin/python bench/registry.py [--models 100000]`).
Seeds a fresh database (BENCH_DATABASE_URL, by default the local server's `dvkheo_bench_registry`,
dropped and created again), then times requests server-side through the Flask test client: the
median of N requests after a warm-up, with the SQL statements per request. The floor is /healthz
in the same run, before and after seeding. Goal (issue 15): the list and a search each under 50 ms
median. Figures go to stdout and to bench/results/registry-<time>.json (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from config import TestingConfig  # noqa: E402
from dvkheo.campaigns import operations as campaign_ops  # noqa: E402
from dvkheo import create_app  # noqa: E402
from dvkheo.campaigns.models import NomineeKind, ReferenceItem, ReferenceKind  # noqa: E402
from dvkheo.core.search import search_text  # noqa: E402
from dvkheo.extensions import db  # noqa: E402
from dvkheo.registry.models import ModelStatus, Recognition, RecognitionLevel, RegisteredModel, SummaryState  # noqa: E402
from dvkheo.units.models import Unit  # noqa: E402
from list_page import measure  # noqa: E402  (same timing and query count as the nomination list bench)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/dvkheo_bench_registry"
BATCH = 5000
TOPICS = [
    "hiến đất mở rộng đường thôn", "thu gom rác thải nhựa", "bảo hiểm y tế hộ gia đình", "giảm nghèo bền vững",
    "dịch vụ công trực tuyến", "an ninh trật tự khu dân cư", "xây dựng nông thôn mới", "chuyển đổi số ở thôn",
    "hòa giải ở cơ sở", "nước sạch cho đồng bào", "khuyến học khuyến tài", "phòng chống bạo lực gia đình",
]
WHO = ["Chi hội Phụ nữ", "Đoàn Thanh niên", "Hội Nông dân", "Mặt trận thôn", "Tổ dân phố", "Hội Cựu chiến binh"]
SUMMARY = (
    "Mô hình được triển khai từ năm {year} với sự tham gia của {people} hộ dân. Cán bộ thôn đến từng nhà vận động, "
    "lắng nghe ý kiến, cùng bàn cách làm và công khai kết quả. Sau hai năm, {topic} đã trở thành nếp sinh hoạt "
    "chung của khu dân cư; nhiều đơn vị bạn đã đến học tập và áp dụng."
)
LEVELS = [RecognitionLevel.COMMUNE, RecognitionLevel.DISTRICT, RecognitionLevel.PROVINCE, RecognitionLevel.CENTRAL]


def fresh_database(url: str) -> None:
    """Drop and create the bench database (it is the bench's own: never a database that holds data)."""
    name = sa.engine.make_url(url).database
    if not name or "bench" not in name:
        raise SystemExit(f"Cơ sở dữ liệu đo hiệu năng phải có 'bench' trong tên, không phải {name!r}.")
    admin = sa.create_engine(sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def migrate(url: str) -> None:
    """The schema as production has it, indexes included: the migrations, not `create_all`."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)


def build_app(url: str):
    class BenchConfig(TestingConfig):
        TESTING = False
        SQLALCHEMY_DATABASE_URI = url

    return create_app(BenchConfig)


def seed_units(provinces: int, communes_per_province: int) -> list[tuple[int, int]]:
    """34 provinces with their communes (as the country has since 2025); (province id, commune id) pairs."""
    pairs = []
    for p in range(provinces):
        province = Unit(code=f"{p + 1:02d}", name=f"Tỉnh Đo Hiệu Năng {p + 1}", kind="province")
        db.session.add(province)
        db.session.flush()
        province.assign_path()
        province.refresh_search_text()
        for c in range(communes_per_province):
            commune = Unit(code=f"{p + 1:02d}{c + 1:03d}", name=f"Xã Số {c + 1} tỉnh {p + 1}", kind="commune", parent=province)
            db.session.add(commune)
            db.session.flush()
            commune.assign_path()
            commune.refresh_search_text()
            pairs.append((province.id, commune.id))
    db.session.commit()
    return pairs


def seed_models(count: int, places: list[tuple[int, int]]) -> None:
    """`count` recognised models (a tenth with a second, higher recognition; one in fifty revoked)."""
    rng = random.Random(2026)
    campaign_ops.ensure_reference_lists()
    fields = [item.id for item in db.session.scalars(
        sa.select(ReferenceItem).where(ReferenceItem.kind == ReferenceKind.FIELD))]
    statuses = [ModelStatus.MAINTAINED] * 6 + [ModelStatus.SCALED_UP] * 2 + [ModelStatus.PAUSED, ModelStatus.ENDED]
    first = datetime(2019, 1, 1, tzinfo=timezone.utc)
    models_table, recognitions_table = RegisteredModel.__table__, Recognition.__table__
    next_id = 1
    for start in range(0, count, BATCH):
        models, recognitions = [], []
        for number in range(start, min(count, start + BATCH)):
            province_id, commune_id = places[number % len(places)]
            topic = TOPICS[number % len(TOPICS)]
            kind = NomineeKind.INDIVIDUAL if number % 5 == 0 else NomineeKind.COLLECTIVE
            title = f"{WHO[number % len(WHO)]} với {topic} (số {number})"
            nominee = f"Nguyễn Văn {number}" if kind is NomineeKind.INDIVIDUAL else f"{WHO[number % len(WHO)]} thôn {number % 97}"
            year = 2019 + number % 8
            summary = SUMMARY.format(year=year, people=20 + number % 400, topic=topic)
            moment = first + timedelta(minutes=number * 20)
            revoked = number % 50 == 49
            level = LEVELS[rng.randrange(3)]
            models.append(dict(
                id=number + 1, kind=kind, title=title, nominee_name=nominee, unit_id=commune_id, province_id=province_id,
                commune_id=commune_id, locality=f"Thôn {number % 97}", field_id=fields[number % len(fields)],
                first_year=year, last_year=year, highest_level=level, status=statuses[number % len(statuses)],
                is_recognised=not revoked, public_summary=summary, summary_draft=summary,
                summary_state=SummaryState.APPROVED, search_text=search_text(title, nominee, f"Thôn {number % 97}", summary),
                created_at=moment, recognised_at=moment,
            ))
            for extra in range(2 if number % 10 == 0 else 1):
                recognitions.append(dict(
                    id=next_id, model_id=number + 1, source="external", award_form_name="Giấy khen",
                    issuing_body="Ủy ban nhân dân", decision_number=f"{number}/QĐ-UBND", decided_on=date(year, 10, 15),
                    year=year + extra, level=LEVELS[min(3, LEVELS.index(level) + extra)],
                    revoked_at=moment if revoked else None, created_at=moment,
                ))
                next_id += 1
        db.session.execute(sa.insert(models_table), models)
        db.session.execute(sa.insert(recognitions_table), recognitions)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        for table in (models_table.name, recognitions_table.name):
            db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        db.session.commit()


def seed_followers(count: int, models: int) -> dict[str, int]:
    """`count` replications (four in five confirmed) and `count` accepted follow-ups (one per model and yearly
    round), spread over the models, written by SQL on the server: a million rows each in seconds."""
    if db.engine.dialect.name != "postgresql" or count <= 0:
        return {}
    communes = "(SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM units WHERE kind = 'commune')"
    db.session.execute(sa.text(f"""
        INSERT INTO replications (source_model_id, unit_id, commune_id, status, started_on, adaptation, scale,
                                  people_reached, first_results, created_at, updated_at, submitted_at, confirmed_at)
        SELECT 1 + g % :models, c.ids[1 + (g * 7) % c.n], c.ids[1 + (g * 7) % c.n],
               CASE WHEN g % 5 = 4 THEN 'submitted' ELSE 'confirmed' END, DATE '2024-01-01' + (g % 700),
               'Vận dụng cách làm cho địa bàn mình', 'Hai thôn', 100 + g % 900, 'Kết quả bước đầu tốt',
               now(), now(), now(), CASE WHEN g % 5 = 4 THEN NULL ELSE now() END
        FROM generate_series(0, :count - 1) AS g, {communes} AS c
    """), {"models": models, "count": count})
    db.session.execute(sa.text("""
        UPDATE registered_models AS m SET replication_count = r.n
        FROM (SELECT source_model_id, count(*) AS n FROM replications WHERE status = 'confirmed' GROUP BY source_model_id) AS r
        WHERE r.source_model_id = m.id
    """))
    rounds = max(1, count // models)
    db.session.execute(sa.text("""
        INSERT INTO model_followups (model_id, committee_unit_id, period_year, round_year, due_on, state,
                                     reported_status, people_reached, money_vnd, working_days, other_results,
                                     internal_note, created_at, submitted_at, accepted_at)
        SELECT m.id, m.province_id, 2026 - y, 2026 - y, make_date(2026 - y, 12, 15), 'accepted',
               CASE WHEN (m.id + y) % 4 = 0 THEN 'scaled_up' ELSE 'maintained' END,
               200 + (m.id * 13 + y * 17) % 2000, 1000000 * ((m.id + y) % 90), (m.id + y) % 400, '', '',
               now(), now(), now()
        FROM registered_models AS m, generate_series(0, :rounds - 1) AS y
        WHERE m.province_id IS NOT NULL
    """), {"rounds": rounds})
    db.session.commit()
    return {
        "nhân rộng": db.session.scalar(sa.text("SELECT count(*) FROM replications")),
        "theo dõi": db.session.scalar(sa.text("SELECT count(*) FROM model_followups")),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--followers", type=int, default=1_000_000, help="replications and follow-ups, each")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="reuse an already seeded bench database")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)

    results: dict = {"models": args.models, "repeat": args.repeat}
    started = time.perf_counter()
    if not args.keep:
        fresh_database(url)
        migrate(url)
    app = build_app(url)
    logging.getLogger("dvkheo.requests").setLevel(logging.WARNING)  # a JSON line per request would time the terminal
    with app.app_context():
        engine = db.engine
        if not args.keep:
            places = seed_units(34, 98)
            seed_models(args.models, places)
            results["followers"] = seed_followers(args.followers, args.models)
            with engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
        results["seed_seconds"] = round(time.perf_counter() - started, 1)
        province = db.session.scalar(sa.select(Unit.id).where(Unit.kind == "province").order_by(Unit.id).offset(5))
        field = db.session.scalar(sa.select(ReferenceItem.id).where(ReferenceItem.kind == ReferenceKind.FIELD))
        model_id = db.session.scalar(
            sa.select(RegisteredModel.id).where(RegisteredModel.is_recognised.is_(True)).order_by(RegisteredModel.id.desc()))
        db.session.remove()

    client = app.test_client()
    floor = measure(client, engine, "/healthz", args.repeat)
    pages = [
        measure(client, engine, "/mo-hinh", args.repeat),
        measure(client, engine, "/mo-hinh?page=200", args.repeat),
        measure(client, engine, "/mo-hinh?q=thu+gom+rac+thai", args.repeat),  # many matches: walk newest first
        measure(client, engine, "/mo-hinh?q=12345", args.repeat),  # one match: the word index
        measure(client, engine, "/mo-hinh?q=dan+van&tinh=%d" % province, args.repeat),
        measure(client, engine, f"/mo-hinh?linh-vuc={field}&nam=2024&cap=province&tinh-trang=maintained", args.repeat),
        measure(client, engine, f"/mo-hinh/{model_id}", args.repeat),
    ]
    floor_after = measure(client, engine, "/healthz", args.repeat)
    engine.dispose()
    results.update(floor=floor, pages=pages, floor_after=floor_after)

    print(f"Sổ mô hình, {args.models:,} mô hình trên {engine.dialect.name}; trung vị của {args.repeat} yêu cầu "
          f"qua Flask test client; nạp dữ liệu {results['seed_seconds']} s.")
    if results.get("followers"):
        print("  " + ", ".join(f"{name}: {count:,}" for name, count in results["followers"].items()))
    print(f"{'địa chỉ':<72} {'trung vị':>10} {'p90':>9} {'truy vấn':>9} {'× nền':>7}")
    base = floor["median_ms"]
    for item in [floor, *pages, floor_after]:
        print(f"{item['url']:<72} {item['median_ms']:>8.2f}ms {item['p90_ms']:>7.2f}ms {item['queries']:>9.0f} "
              f"{item['median_ms'] / base:>7.1f}")
    slow = [item["url"] for item in pages if "/mo-hinh?" in item["url"] or item["url"] == "/mo-hinh"
            if item["median_ms"] >= 50]
    print("Mục tiêu danh sách và tìm kiếm < 50 ms: " + ("đạt" if not slow else "CHƯA ĐẠT: " + ", ".join(slow)))

    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"registry-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"Đã ghi {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
