"""The committee's pages at provincial scale: 5,000 dossiers and 50 council members.

Run with `make bench` (or `.venv/bin/python bench/review_pages.py [--size 5000] [--reviewers 50]`).
Seeds a temporary SQLite database in bulk: 5,000 dossiers of one campaign in review (a fifth
awaiting screening, the rest accepted and scored by two members each, five criteria), logs the
secretary in through the Flask test client and times requests server-side: the median of N
requests after a warm-up, with the SQL statements per request. The floor is measured in the
same run (/healthz and the login page). Also times one automatic balanced assignment of
1,000 freshly accepted dossiers over the 50 members.
Figures go to stdout and to bench/results/review_pages-<time>.json (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from list_page import build_app, measure  # noqa: E402

from dvkheo.accounts.models import Role, User  # noqa: E402
from dvkheo.campaigns import operations as campaign_ops  # noqa: E402
from dvkheo.campaigns.models import Campaign, CampaignStatus, NomineeKind, ReferenceItem, ReferenceKind  # noqa: E402
from dvkheo.core.text import fold  # noqa: E402
from dvkheo.council.models import CouncilMember, CouncilRole  # noqa: E402
from dvkheo.extensions import db  # noqa: E402
from dvkheo.nominations.models import Nomination  # noqa: E402
from dvkheo.nominations.states import NominationState  # noqa: E402
from dvkheo.review.models import ReviewAssignment, Score  # noqa: E402
from dvkheo.units.models import Unit  # noqa: E402

PASSWORD = "bench-password-2026"
TOPICS = ["hiến đất mở rộng đường thôn", "thu gom rác thải nhựa", "bảo hiểm y tế hộ gia đình",
          "giảm nghèo bền vững", "dịch vụ công trực tuyến", "an ninh trật tự khu dân cư"]
COMMUNES = 100


def _unit(code: str, name: str, kind: str, parent: Unit | None) -> Unit:
    unit = Unit(code=code, name=name, kind=kind, parent=parent)
    db.session.add(unit)
    db.session.flush()
    unit.assign_path()
    unit.refresh_search_text()
    return unit


def seed(size: int, reviewer_count: int) -> dict:
    db.create_all()
    today = date.today()
    province = _unit("51", "Tỉnh Quảng Ngãi", "province", None)
    communes = [_unit(f"X{number:05d}", f"Xã Thử Nghiệm {number}", "commune", province) for number in range(COMMUNES)]
    secretary = User(email="thuky@bench.vn", full_name="Thư ký đo hiệu năng", role=Role.SECRETARY, unit=province)
    secretary.set_password(PASSWORD)
    db.session.add(secretary)
    campaign = campaign_ops.create_campaign(
        organising_unit=province, title="Đợt bình xét đo hiệu năng", year=today.year,
        status=CampaignStatus.REVIEW, nominations_open_on=today - timedelta(days=60),
        nominations_close_on=today - timedelta(days=1),
    )
    reviewers = []
    for number in range(reviewer_count):
        agency = _unit(f"CQ{number:03d}", f"Cơ quan thành viên {number}", "agency", province)
        reviewer = User(email=f"hoidong{number}@bench.vn", full_name=f"Thành viên Hội đồng {number}",
                        role=Role.REVIEWER, unit=agency, password_hash="x")
        db.session.add(reviewer)
        reviewers.append(reviewer)
    db.session.flush()
    for reviewer in reviewers:
        db.session.add(CouncilMember(campaign=campaign, user=reviewer, council_role=CouncilRole.MEMBER))
    db.session.commit()

    fields = db.session.scalars(sa.select(ReferenceItem).where(ReferenceItem.kind == ReferenceKind.FIELD)).all()
    criteria = [criterion.id for criterion in campaign.criteria]
    maxima = [criterion.max_score for criterion in campaign.criteria]
    first = datetime(2026, 1, 1, tzinfo=timezone.utc)
    rows = []
    for number in range(size):
        title = f"Mô hình số {number}: dân vận khéo trong {TOPICS[number % len(TOPICS)]}"
        nominee = f"Chi hội thôn {number}"
        kind = NomineeKind.COLLECTIVE if number % 4 else NomineeKind.INDIVIDUAL
        if number % 5 == 0:
            status = NominationState.SUBMITTED
        elif number % 5 == 1 and number % 2:
            status = NominationState.IN_REVIEW
        else:
            status = NominationState.SCORED
        moment = first + timedelta(minutes=number)
        rows.append(dict(
            campaign_id=campaign.id, unit_id=communes[number % COMMUNES].id, kind=kind, status=status,
            title=title, nominee_name=nominee, field_id=fields[number % len(fields)].id,
            locality=communes[number % COMMUNES].name, started_on=date(2024, 1, 1),
            nominee_key=f"{kind.value}:{fold(nominee)}", model_key=fold(title),
            search_text=fold(f"{title} {nominee}"), created_at=moment, updated_at=moment, submitted_at=moment,
        ))
    db.session.execute(sa.insert(Nomination), rows)
    db.session.commit()

    scored = db.session.execute(
        sa.select(Nomination.id, Nomination.status).where(Nomination.status != NominationState.SUBMITTED).order_by(Nomination.id)
    ).all()
    reviewer_ids = [reviewer.id for reviewer in reviewers]
    assignments = []
    for index, (nomination_id, status) in enumerate(scored):
        for slot in range(2):
            final = status is NominationState.SCORED or slot == 0
            assignments.append(dict(
                nomination_id=nomination_id, reviewer_id=reviewer_ids[(2 * index + slot) % len(reviewer_ids)],
                source="auto", assigned_at=first, finalised_at=first if final else None,
            ))
    db.session.execute(sa.insert(ReviewAssignment), assignments)
    db.session.commit()
    assignment_rows = db.session.execute(sa.select(ReviewAssignment.id, ReviewAssignment.finalised_at)).all()
    scores = []
    for assignment_id, finalised_at in assignment_rows:
        if finalised_at is None:
            continue
        for position, (criterion_id, maximum) in enumerate(zip(criteria, maxima)):
            scores.append(dict(
                assignment_id=assignment_id, criterion_id=criterion_id,
                points=(assignment_id * 7 + position * 3) % (maximum + 1), comment="Đạt yêu cầu.",
            ))
    for offset in range(0, len(scores), 5000):
        db.session.execute(sa.insert(Score), scores[offset:offset + 5000])
    # Finalising stores the sheet's total (dvkheo.review.scoring.save_scores): the bulk seed does the same.
    summed = sa.select(sa.func.coalesce(sa.func.sum(Score.points), 0)).where(Score.assignment_id == ReviewAssignment.id)
    db.session.execute(
        sa.update(ReviewAssignment).where(ReviewAssignment.finalised_at.is_not(None)).values(final_total=summed.scalar_subquery())
    )
    db.session.commit()
    return {"campaign_id": campaign.id, "first_field_id": fields[0].id, "secretary_id": secretary.id, "email": secretary.email,
            "assignments": len(assignments), "scores": len(scores)}


def time_auto_assignment(campaign_id: int, secretary_id: int, count: int) -> dict:
    """Accept `count` awaiting dossiers and time one automatic balanced assignment of them (rolled back)."""
    from dvkheo.review import assignment

    campaign = db.session.get(Campaign, campaign_id)
    secretary = db.session.get(User, secretary_id)
    waiting = db.session.scalars(
        sa.select(Nomination.id).where(Nomination.campaign_id == campaign_id, Nomination.status == NominationState.SUBMITTED).limit(count)
    ).all()
    db.session.execute(sa.update(Nomination).where(Nomination.id.in_(waiting)).values(status=NominationState.ACCEPTED))
    db.session.flush()
    started = time.perf_counter()
    result = assignment.auto_assign(campaign, secretary)
    db.session.flush()
    seconds = time.perf_counter() - started
    db.session.rollback()
    return {"dossiers": len(waiting), "seconds": round(seconds, 2), "result": str(result)[:200]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--reviewers", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    results: dict = {"size": args.size, "reviewers": args.reviewers, "repeat": args.repeat}
    with tempfile.TemporaryDirectory(prefix="dvkheo-bench-") as tmp:
        app = build_app(Path(tmp))
        with app.app_context():
            engine = db.engine
            started = time.perf_counter()
            seeded = seed(args.size, args.reviewers)
            results["seed_seconds"] = round(time.perf_counter() - started, 2)
            results["seeded"] = seeded
        client = app.test_client()
        assert client.post("/login", data={"email": seeded["email"], "password": PASSWORD}).status_code == 302
        anonymous = app.test_client()
        results["floor"] = [
            measure(client, engine, "/healthz", args.repeat),
            measure(anonymous, engine, "/login", args.repeat),
        ]
        campaign = seeded["campaign_id"]
        urls = [
            f"/review/campaigns/{campaign}/inbox",
            f"/review/campaigns/{campaign}/inbox?status=all&page=40",
            f"/review/campaigns/{campaign}/ranking",
            f"/review/campaigns/{campaign}/assignments",
            f"/review/campaigns/{campaign}/progress",
            f"/review/campaigns/{campaign}/ranking?field={seeded['first_field_id']}&kind=collective",
            f"/review/campaigns/{campaign}/ranking?page=40",
            f"/review/campaigns/{campaign}/ranking?view=groups",
            f"/review/campaigns/{campaign}/ranking?view=groups&page=3",
            f"/review/campaigns/{campaign}/ranking.xlsx",
        ]
        results["pages"] = [measure(client, engine, url, args.repeat, warmup=1) for url in urls]
        with app.app_context():
            results["auto_assignment"] = time_auto_assignment(campaign, seeded["secretary_id"], 1000)
        engine.dispose()

    floor = results["floor"][0]["median_ms"]
    print(f"Trang của Hội đồng với {args.size:,} hồ sơ và {args.reviewers} thành viên; ".replace(",", ".")
          + f"trung vị của {args.repeat} yêu cầu (SQLite, Flask test client).")
    print(f"Nạp dữ liệu: {results['seed_seconds']} giây ({seeded['assignments']} phân công, {seeded['scores']} điểm).")
    print(f"{'địa chỉ':<48} {'trung vị':>10} {'p90':>10} {'truy vấn':>9} {'kB':>7} {'× nền':>8}")
    for item in results["floor"] + results["pages"]:
        print(f"{item['url']:<48} {item['median_ms']:>8.2f}ms {item['p90_ms']:>8.2f}ms {item['queries']:>9.0f} "
              f"{item['bytes'] / 1024:>7.0f} {item['median_ms'] / floor:>8.1f}")
    auto = results["auto_assignment"]
    print(f"Phân công tự động {auto['dossiers']} hồ sơ cho {args.reviewers} thành viên: {auto['seconds']} giây.")

    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"review_pages-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print(f"Đã ghi {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
