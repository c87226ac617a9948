"""Dashboard figures checked against counts made independently here, over what each test created.

The expectations below never call the module under test: each dossier's stages come from a table written
out by hand, each unit's place in the tree from walking its parents (not its path), each day from Python's
own time-zone conversion.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dvkheo.awards.models import NominationForward
from dvkheo.campaigns.models import NomineeKind, ReferenceItem, ReferenceKind
from dvkheo.council.models import BallotItem, BallotStatus, CouncilBallot
from dvkheo.extensions import db
from dvkheo.followup.models import FollowUp, FollowUpState
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState as S
from dvkheo.registry.models import Recognition, RecognitionLevel, RegisteredModel
from dvkheo.replication.models import Replication, ReplicationState
from dvkheo.reports.periods import Period
from dvkheo.reports.statistics import dashboard_figures

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 9, 15)

# Stages each state has passed through, written out by hand (held dossiers: see HELD_FROM).
REACHED = {
    S.SUBMITTED: "submitted",
    S.RESUBMITTED: "submitted",
    S.RETURNED: "submitted",
    S.REJECTED: "submitted",
    S.WITHDRAWN: "submitted",
    S.ACCEPTED: "submitted accepted",
    S.IN_REVIEW: "submitted accepted",
    S.SCORED: "submitted accepted scored",
    S.NOT_SHORTLISTED: "submitted accepted scored",
    S.SHORTLISTED: "submitted accepted scored shortlisted",
    S.FAILED_COUNCIL: "submitted accepted scored shortlisted",
    S.NOT_AWARDED: "submitted accepted scored shortlisted",  # + passed when its ballot passed it
    S.PASSED_COUNCIL: "submitted accepted scored shortlisted passed",
    S.AWARDED: "submitted accepted scored shortlisted passed awarded",
    S.FORWARDED: "submitted accepted scored shortlisted passed awarded",
    S.REVOKED: "submitted accepted scored shortlisted passed awarded",
}
HELD_FROM = [S.SUBMITTED, S.ACCEPTED, S.SCORED, S.SHORTLISTED, S.PASSED_COUNCIL]
OUTCOME = {S.REJECTED: "rejected", S.RETURNED: "returned", S.ON_HOLD: "on_hold", S.WITHDRAWN: "withdrawn"}


def vn_day(moment: datetime) -> date:
    return moment.astimezone(HANOI).date()


@dataclass
class World:
    province: object
    districts: list
    communes: list
    parent: dict  # unit id -> parent id
    campaigns: list
    nominations: list = field(default_factory=list)  # (Nomination, ballot_passed, is_forward_copy)
    models: list = field(default_factory=list)
    recognitions: list = field(default_factory=list)
    replications: list = field(default_factory=list)
    followups: list = field(default_factory=list)

    def ancestors_or_self(self, unit_id: int) -> list[int]:
        chain = [unit_id]
        while self.parent.get(chain[-1]) is not None:
            chain.append(self.parent[chain[-1]])
        return chain

    def child_of(self, root_id: int, unit_id: int) -> int | None:
        """The direct subordinate of root whose subtree holds unit_id (root itself: root_id; outside: None)."""
        chain = self.ancestors_or_self(unit_id)
        if root_id not in chain:
            return None
        index = chain.index(root_id)
        return root_id if index == 0 else chain[index - 1]


@pytest.fixture
def build_world(make_unit, make_campaign, make_award_form):
    def build(seed: int = 16, dossiers: int = 60, communes_per_district: tuple = (3, 2, 2), extra_districts: int = 1) -> World:
        rng = random.Random(seed)
        province = make_unit("Tỉnh Thử Nghiệm", kind="province")
        parent = {province.id: None}
        districts, communes = [], []
        for d, n in enumerate(communes_per_district):
            district = make_unit(f"Huyện Số {d + 1}", parent=province, kind="district")
            parent[district.id] = province.id
            districts.append(district)
            for c in range(n):
                commune = make_unit(f"Xã Số {d + 1}.{c + 1}", parent=district)
                parent[commune.id] = district.id
                communes.append(commune)
        for e in range(extra_districts):
            district = make_unit(f"Huyện Không Có Mô Hình {e + 1}", parent=province, kind="district")
            parent[district.id] = province.id
            districts.append(district)
        # The last numbered district and everything under it never has data: "chưa có mô hình".
        silent = districts[len(communes_per_district) - 1]
        active_units = [u for u in districts[: len(communes_per_district) - 1]] + [
            c for c in communes if parent[c.id] != silent.id
        ]
        commune_committee = communes[0]
        campaigns = [
            make_campaign(organising_unit=province, title="Đợt của tỉnh", year=2026),
            make_campaign(organising_unit=districts[0], title="Đợt của huyện", year=2026),
            make_campaign(organising_unit=commune_committee, title="Đợt do xã tự tổ chức", year=2026),
        ]
        world = World(province, districts, communes, parent, campaigns)
        fields = db.session.scalars(sa.select(ReferenceItem).where(ReferenceItem.kind == ReferenceKind.FIELD)).all()[:4]
        award_form = make_award_form(campaigns[0])
        ballot = CouncilBallot(campaign=campaigns[0], award_form=award_form, status=BallotStatus.CLOSED)
        db.session.add(ballot)

        def campaign_for(unit) -> object:
            chain = world.ancestors_or_self(unit.id)
            return rng.choice([c for c in campaigns if c.organising_unit_id in chain])

        states = [s for s in S if s is not S.DRAFT]
        start = datetime(2026, 3, 1, tzinfo=timezone.utc)
        for index in range(dossiers):
            unit = rng.choice(active_units + [province])
            status = rng.choice(states)
            submitted_at = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 240))
            if index == 0:  # 01/07 at 01:00 in Vietnam, still 30/06 in UTC: the third quarter's
                submitted_at = datetime(2026, 6, 30, 18, tzinfo=timezone.utc)
            if index == 1:  # withdrawn as a draft: never submitted
                status, submitted_at = S.WITHDRAWN, None
            nomination = Nomination(
                campaign=campaign_for(unit), unit_id=unit.id, kind=rng.choice(list(NomineeKind)), status=status,
                title=f"Mô hình số {index}", submitted_at=submitted_at,
                field_id=rng.choice(fields).id if rng.random() < 0.9 else None,
            )
            if status is S.ON_HOLD:
                nomination.status_before_hold = rng.choice(HELD_FROM)
            db.session.add(nomination)
            db.session.flush()
            ballot_passed = False
            if status in (S.NOT_AWARDED, S.PASSED_COUNCIL, S.FAILED_COUNCIL):
                ballot_passed = status is S.PASSED_COUNCIL or (status is S.NOT_AWARDED and rng.random() < 0.5)
                ballot.items.append(BallotItem(nomination_id=nomination.id, passed=ballot_passed))
            world.nominations.append((nomination, ballot_passed, False))
        # A commune's awarded dossier forwarded to the province: the copy is in the province's funnel only.
        source = Nomination(campaign=campaigns[2], unit_id=commune_committee.id, kind=NomineeKind.COLLECTIVE,
                            status=S.FORWARDED, title="Mô hình đề nghị lên", field_id=fields[0].id,
                            submitted_at=datetime(2026, 7, 10, 3, tzinfo=timezone.utc))
        copy = Nomination(campaign=campaigns[0], unit_id=commune_committee.id, kind=NomineeKind.COLLECTIVE,
                          status=S.ACCEPTED, title="Mô hình đề nghị lên", field_id=fields[0].id,
                          submitted_at=datetime(2026, 8, 1, 3, tzinfo=timezone.utc))
        db.session.add_all([source, copy])
        db.session.flush()
        db.session.add(NominationForward(source_nomination_id=source.id, target_nomination_id=copy.id))
        world.nominations += [(source, False, False), (copy, False, True)]

        # The registry: models with recognitions (some revoked, one undated), replications, follow-ups.
        levels = [RecognitionLevel.COMMUNE, RecognitionLevel.DISTRICT, RecognitionLevel.PROVINCE]
        for index in range(max(6, dossiers // 4)):
            unit = rng.choice(active_units)
            model = RegisteredModel(kind=rng.choice(list(NomineeKind)), title=f"Mô hình sổ {index}", unit_id=unit.id,
                                    field_id=rng.choice(fields).id, is_recognised=index % 7 != 3)
            db.session.add(model)
            db.session.flush()
            world.models.append(model)
            for r in range(rng.randrange(1, 3)):
                decided = date(2026, 3, 1) + timedelta(days=rng.randrange(0, 240))
                recognition = Recognition(
                    model_id=model.id, award_form_name=rng.choice(["Giấy khen", "Bằng khen"]), level=rng.choice(levels),
                    decided_on=None if (index, r) == (0, 0) else decided, year=2026,
                    revoked_at=datetime(2026, 10, 1, tzinfo=timezone.utc) if (not model.is_recognised or rng.random() < 0.1) else None,
                )
                db.session.add(recognition)
                world.recognitions.append(recognition)
        for index in range(max(5, dossiers // 5)):
            replicating = rng.choice(active_units)
            confirmed_at = start + timedelta(hours=rng.randrange(0, 24 * 240))
            status = rng.choice([ReplicationState.CONFIRMED, ReplicationState.CONFIRMED, ReplicationState.SUBMITTED])
            replication = Replication(source_model_id=rng.choice(world.models).id, unit_id=replicating.id, status=status,
                                      confirmed_at=confirmed_at if status is ReplicationState.CONFIRMED else None)
            db.session.add(replication)
            world.replications.append(replication)
        for index, model in enumerate(world.models):
            followup = FollowUp(model_id=model.id, committee_unit_id=province.id, period_year=2026, round_year=None,
                                due_on=date(2026, 6, 1) + timedelta(days=rng.randrange(0, 150)),
                                state=rng.choice(list(FollowUpState)))
            db.session.add(followup)
            world.followups.append(followup)
        db.session.commit()
        return world

    return build


def expected(world: World, root, period: Period, today: date = TODAY) -> dict:
    """Every figure, counted over the objects the test created."""
    funnel: dict[int, Counter] = {}
    units: dict[int, Counter] = {}
    commended_by: dict[int, Counter] = {}
    fields: Counter = Counter()
    previous = period.previous()
    recognised_models: dict[int, set] = {}

    def unit_row(unit_id):
        child = world.child_of(root.id, unit_id)
        return None if child is None else units.setdefault(child, Counter())

    for nomination, ballot_passed, is_copy in world.nominations:
        if nomination.submitted_at is None or world.child_of(root.id, nomination.unit_id) is None:
            continue
        day = vn_day(nomination.submitted_at)
        if previous.start <= day <= previous.end and not is_copy:
            fields[(nomination.field_id, nomination.kind.value, "previous_submitted")] += 1
        if not period.start <= day <= period.end:
            continue
        status = nomination.status
        effective = nomination.status_before_hold if status is S.ON_HOLD else status
        counts = funnel.setdefault(nomination.campaign_id, Counter())
        for stage in REACHED[effective].split():
            counts[stage] += 1
        if effective is S.NOT_AWARDED and ballot_passed:
            counts["passed"] += 1
        if status in OUTCOME:
            counts[OUTCOME[status]] += 1
        if not is_copy:
            unit_row(nomination.unit_id)["registered"] += 1
            fields[(nomination.field_id, nomination.kind.value, "submitted")] += 1
    models = {m.id: m for m in world.models}
    for recognition in world.recognitions:
        model = models[recognition.model_id]
        row = unit_row(model.unit_id)
        if row is None or recognition.revoked_at is not None:
            continue
        decided = recognition.decided_on

        def within(p: Period) -> bool:
            if decided is None:
                return p.start <= date(recognition.year, 1, 1) and date(recognition.year, 12, 31) <= p.end
            return p.start <= decided <= p.end

        if within(period):
            row["commended"] += 1
            child = world.child_of(root.id, model.unit_id)
            commended_by.setdefault(child, Counter())[(recognition.award_form_name, recognition.level.value)] += 1
            recognised_models.setdefault(child, set()).add(model.id)
            fields[(model.field_id, model.kind.value, "commended")] += 1
        elif within(previous) or (decided is not None and previous.start <= decided <= period.end):
            fields[(model.field_id, model.kind.value, "previous_commended")] += 1
    for child, ids in recognised_models.items():
        units[child]["recognised"] = len(ids)
    for model in world.models:
        row = unit_row(model.unit_id)
        if row is not None and model.is_recognised:
            row["models_total"] += 1
    for replication in world.replications:
        row = unit_row(replication.unit_id)
        if row is not None and replication.status is ReplicationState.CONFIRMED and period.contains(vn_day(replication.confirmed_at)):
            row["replications"] += 1
    for followup in world.followups:
        row = unit_row(models[followup.model_id].unit_id)
        if row is None or followup.state is FollowUpState.CANCELLED or not period.contains(followup.due_on):
            continue
        row["followups_due"] += 1
        waiting = followup.state in (FollowUpState.REQUESTED, FollowUpState.DRAFT, FollowUpState.RETURNED)
        if waiting and followup.due_on < today:
            row["followups_late"] += 1
    return {"funnel": funnel, "units": units, "commended_by": commended_by, "fields": fields}


UNIT_FIGURES = ("registered", "recognised", "commended", "replications", "followups_due", "followups_late", "models_total")
STAGE_FIGURES = ("submitted", "accepted", "scored", "shortlisted", "passed", "awarded", "rejected", "returned",
                 "on_hold", "withdrawn")


def check(world: World, root, period: Period) -> None:
    figures = dashboard_figures(root, period, today=TODAY)
    want = expected(world, root, period)
    got_funnel = {row.campaign_id: Counter({k: getattr(row.counts, k) for k in STAGE_FIGURES if getattr(row.counts, k)})
                  for row in figures.funnel}
    assert got_funnel == {cid: +counts for cid, counts in want["funnel"].items()}
    got_units = {row.unit_id: Counter({k: getattr(row, k) for k in UNIT_FIGURES if getattr(row, k)}) for row in figures.units}
    want_units = {uid: +c for uid, c in want["units"].items()}
    assert {uid: c for uid, c in got_units.items() if c} == {uid: c for uid, c in want_units.items() if c}
    got_by = {row.unit_id: Counter({(k.form_name, k.level): n for k, n in row.commended_by.items()})
              for row in figures.units if row.commended_by}
    assert got_by == want["commended_by"]
    got_fields = Counter()
    for row in figures.fields:
        for name in ("submitted", "previous_submitted", "commended", "previous_commended"):
            if getattr(row, name):
                got_fields[(row.field_id, row.kind, name)] = getattr(row, name)
    assert got_fields == +want["fields"]
    # Totals add up; the trend adds up to the period's dossiers.
    for name in UNIT_FIGURES:
        assert getattr(figures.totals, name) == sum(c[name] for c in want["units"].values())
    assert sum(point.submitted for point in figures.trend) == sum(c["registered"] for c in want["units"].values())
    # Subordinate units with no model at all.
    children = [uid for uid, parent in world.parent.items() if parent == root.id]
    assert sorted(row.unit_id for row in figures.without_model) == sorted(
        uid for uid in children if not (want["units"].get(uid, Counter())["models_total"] or want["units"].get(uid, Counter())["registered"])
    )
    # Every direct subordinate has its row, whatever its data.
    assert set(children) <= {row.unit_id for row in figures.units}


@pytest.mark.parametrize(
    "period",
    [Period.quarter(2026, 3), Period.year(2026), Period.half(2026, 1), Period.range(date(2026, 5, 10), date(2026, 8, 20))],
    ids=["quarter", "year", "half", "range"],
)
def test_figures_of_the_province_match_an_independent_count(build_world, period):
    world = build_world()
    check(world, world.province, period)


def test_figures_roll_up_from_the_middle_level(build_world):
    world = build_world(seed=7)
    check(world, world.districts[0], Period.quarter(2026, 3))
    check(world, world.communes[0], Period.year(2026))


def test_campaign_run_by_a_commune_committee_is_in_the_province_funnel(build_world):
    world = build_world()
    figures = dashboard_figures(world.province, Period.year(2026), today=TODAY)
    by_title = {row.title: row for row in figures.funnel}
    commune_run = by_title["Đợt do xã tự tổ chức"]
    assert commune_run.organised_within and commune_run.organiser_name == world.communes[0].name
    assert commune_run.counts.submitted >= 1 and commune_run.counts.awarded >= 1  # the forwarded source at least


def test_units_without_model_are_listed(build_world):
    world = build_world()
    figures = dashboard_figures(world.province, Period.year(2026), today=TODAY)
    names = [row.name for row in figures.without_model]
    assert names == ["Huyện Số 3", "Huyện Không Có Mô Hình 1"]


def test_the_commune_sees_only_its_own_dossiers_in_the_province_campaign(build_world):
    world = build_world()
    commune = world.communes[1]
    figures = dashboard_figures(commune, Period.year(2026), today=TODAY)
    own = [n for n, _, _ in world.nominations if n.unit_id == commune.id and n.submitted_at is not None]
    assert figures.funnel_total.submitted == len(own)
    assert [row.unit_id for row in figures.units] == ([commune.id] if own else [])


def test_previous_period_comparison(build_world):
    world = build_world()
    figures = dashboard_figures(world.province, Period.quarter(2026, 3), today=TODAY)
    assert figures.previous.label == "Quý II/2026"
    q2 = dashboard_figures(world.province, Period.quarter(2026, 2), today=TODAY)
    assert sum(r.previous_submitted for r in figures.fields) == sum(r.submitted for r in q2.fields)
    assert sum(r.previous_commended for r in figures.fields) == sum(r.commended for r in q2.fields)


def test_query_count_does_not_grow_with_data(build_world, count_queries):
    small = build_world(seed=1, dossiers=20, communes_per_district=(2, 1, 1))
    db.session.expire_all()
    with count_queries() as few:
        dashboard_figures(small.province, Period.year(2026), today=TODAY)
    large = build_world(seed=2, dossiers=200, communes_per_district=(6, 5, 2), extra_districts=3)
    db.session.expire_all()
    with count_queries() as many:
        figures = dashboard_figures(large.province, Period.year(2026), today=TODAY)
    assert figures.funnel_total.submitted > 150
    assert many.count == few.count, many.statements


def test_figures_are_not_trivial(build_world):
    """The independent count would agree with an empty answer on an empty world: this one is not empty."""
    world = build_world()
    figures = dashboard_figures(world.province, Period.year(2026), today=TODAY)
    total = figures.funnel_total
    assert total.submitted > total.accepted > total.scored > total.shortlisted > total.passed > total.awarded > 0
    assert total.rejected and total.returned and total.on_hold and total.withdrawn
    row = figures.totals
    assert row.registered and row.recognised and row.commended and row.replications and row.followups_due and row.followups_late
    assert len(figures.award_keys) >= 4 and [k.level for k in figures.award_keys][0] == "province"
    assert figures.units[-1].is_root_itself and figures.units[-1].registered > 0
