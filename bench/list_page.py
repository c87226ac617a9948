"""How the unit's nomination list page scales: 1,000 and 10,000 nominations of one unit.

Run with `make bench` (or `.venv/bin/python bench/list_page.py [--sizes 1000 10000]`).
Seeds a temporary SQLite database, logs a unit submitter in through the Flask test client
and times requests server-side (no network): the median of N requests after a warm-up,
with the number of SQL statements per request. The floor is measured in the same run:
/healthz (no database, no template) and the anonymous login page (a template, no query).
Figures go to stdout and to bench/results/list_page-<time>.json (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from config import TestingConfig  # noqa: E402
from dvkheo import create_app  # noqa: E402
from dvkheo.accounts.models import Role, User  # noqa: E402
from dvkheo.campaigns import operations as campaign_ops  # noqa: E402
from dvkheo.campaigns.models import CampaignStatus, NomineeKind, ReferenceItem, ReferenceKind  # noqa: E402
from dvkheo.core.search import search_text  # noqa: E402
from dvkheo.core.text import fold  # noqa: E402
from dvkheo.core.timeutil import today_in_vietnam  # noqa: E402
from dvkheo.extensions import db  # noqa: E402
from dvkheo.nominations.models import Nomination  # noqa: E402
from dvkheo.nominations.states import NominationState  # noqa: E402
from dvkheo.units.models import Unit  # noqa: E402

PASSWORD = "bench-password-2026"
STATES = [NominationState.DRAFT, NominationState.SUBMITTED, NominationState.RETURNED,
          NominationState.RESUBMITTED, NominationState.WITHDRAWN]
TOPICS = ["hiến đất mở rộng đường thôn", "thu gom rác thải nhựa", "bảo hiểm y tế hộ gia đình",
          "giảm nghèo bền vững", "dịch vụ công trực tuyến", "an ninh trật tự khu dân cư"]


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1


def build_app(directory: Path):
    class BenchConfig(TestingConfig):
        TESTING = False
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{directory / 'bench.sqlite'}"
        UPLOAD_DIR = str(directory / "uploads")

    return create_app(BenchConfig)


def seed_base():
    """A province, one commune with its submitter, an open campaign; returns their ids and the email."""
    db.create_all()
    province = Unit(code="51", name="Tỉnh Quảng Ngãi", kind="province")
    db.session.add(province)
    db.session.flush()
    province.assign_path()
    commune = Unit(code="21211", name="Xã Tịnh Khê", kind="commune", parent=province)
    db.session.add(commune)
    db.session.flush()
    commune.assign_path()
    for unit in (province, commune):
        unit.refresh_search_text()
    user = User(email="coso@bench.vn", full_name="Cán bộ đo hiệu năng", role=Role.UNIT_SUBMITTER, unit=commune)
    user.set_password(PASSWORD)
    db.session.add(user)
    today = today_in_vietnam()
    campaign = campaign_ops.create_campaign(
        organising_unit=province, title=f"Đợt bình xét đo hiệu năng {today.year}", year=today.year,
        status=CampaignStatus.NOMINATIONS_OPEN,
        nominations_open_on=today - timedelta(days=10), nominations_close_on=today + timedelta(days=30),
    )
    db.session.commit()
    return {"unit_id": commune.id, "unit_name": commune.name, "user_id": user.id, "email": user.email, "campaign_id": campaign.id}


def add_nominations(base_rows: dict, start: int, stop: int) -> None:
    fields = db.session.scalars(sa.select(ReferenceItem).where(ReferenceItem.kind == ReferenceKind.FIELD)).all()
    first = datetime(2026, 1, 1, tzinfo=timezone.utc)
    rows = []
    for number in range(start, stop):
        title = f"Mô hình số {number}: dân vận khéo trong {TOPICS[number % len(TOPICS)]}"
        nominee = f"Chi hội thôn {number}"
        kind = NomineeKind.COLLECTIVE if number % 4 else NomineeKind.INDIVIDUAL
        moment = first + timedelta(minutes=number)
        rows.append(dict(
            campaign_id=base_rows["campaign_id"], unit_id=base_rows["unit_id"], created_by_id=base_rows["user_id"], kind=kind,
            status=STATES[number % len(STATES)], title=title, nominee_name=nominee,
            field_id=fields[number % len(fields)].id, locality=base_rows["unit_name"], started_on=date(2024, 1, 1),
            nominee_key=f"{kind.value}:{fold(nominee)}", search_text=search_text(title, nominee, base_rows['unit_name']),
            created_at=moment, updated_at=moment,
        ))
    for offset in range(0, len(rows), 2000):
        db.session.execute(sa.insert(Nomination), rows[offset:offset + 2000])
    db.session.commit()


def measure(client, engine: sa.Engine, url: str, repeat: int, warmup: int = 3) -> dict:
    counter = QueryCounter()
    for _ in range(warmup):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    timings = []
    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)
    timings.sort()
    return {
        "url": url,
        "median_ms": round(statistics.median(timings), 2),
        "p90_ms": round(timings[int(len(timings) * 0.9) - 1], 2),
        "queries": counter.count / repeat,
        "bytes": len(response.data),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    results = {"sizes": {}, "repeat": args.repeat}
    with tempfile.TemporaryDirectory(prefix="dvkheo-bench-") as tmp:
        app = build_app(Path(tmp))
        # Requests run outside any outer app context, as in production: each gets its own
        # context, its own `g` and its own database session.
        with app.app_context():
            engine = db.engine
            base_rows = seed_base()
        client = app.test_client()
        assert client.post("/login", data={"email": base_rows["email"], "password": PASSWORD}).status_code == 302
        anonymous = app.test_client()
        results["floor"] = [
            measure(client, engine, "/healthz", args.repeat),
            measure(anonymous, engine, "/login", args.repeat),
        ]
        seeded = 0
        for size in sorted(args.sizes):
            started = time.perf_counter()
            with app.app_context():
                add_nominations(base_rows, seeded, size)
            seeded = size
            seed_seconds = time.perf_counter() - started
            pages = [
                measure(client, engine, "/nominations/", args.repeat),
                measure(client, engine, "/nominations/?page=20", args.repeat),
                measure(client, engine, "/nominations/?q=rac+thai&status=submitted", args.repeat),
            ]
            results["sizes"][size] = {"seed_seconds": round(seed_seconds, 2), "pages": pages}
        # The floor again, after the database has grown: it should not have moved.
        results["floor_after"] = [measure(client, engine, "/healthz", args.repeat)]
        engine.dispose()

    floor = results["floor"][0]["median_ms"]
    print(f"Trang danh sách hồ sơ của một đơn vị; trung vị của {args.repeat} yêu cầu qua Flask test client (SQLite).")
    print(f"{'hồ sơ':>7}  {'địa chỉ':<45} {'trung vị':>10} {'p90':>9} {'truy vấn':>9} {'× nền':>7}")
    for item in results["floor"]:
        print(f"{'nền':>7}  {item['url']:<45} {item['median_ms']:>8.2f}ms {item['p90_ms']:>7.2f}ms {item['queries']:>9.0f} {item['median_ms'] / floor:>7.1f}")
    for size, data in results["sizes"].items():
        for item in data["pages"]:
            print(f"{size:>7}  {item['url']:<45} {item['median_ms']:>8.2f}ms {item['p90_ms']:>7.2f}ms {item['queries']:>9.0f} {item['median_ms'] / floor:>7.1f}")
    after = results["floor_after"][0]
    print(f"{'nền':>7}  {after['url'] + ' (sau khi nạp)':<45} {after['median_ms']:>8.2f}ms {after['p90_ms']:>7.2f}ms {after['queries']:>9.0f}")

    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"list_page-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"Đã ghi {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
