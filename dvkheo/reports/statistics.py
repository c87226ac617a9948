"""The movement's figures for one unit's subtree and one period ("Thống kê").

Public interface (kept stable; the periodic report builds its tables on it; names may be added, never renamed):

    dashboard_figures(root: Unit | None, period: Period, today: date | None = None) -> DashboardFigures

`root=None` is the whole tree ("Toàn quốc"): its subordinate units are the top-level units (the provinces).

`DashboardFigures` (plain dataclasses of ints and strings, safe to cache):
- `root_id`, `root_name`, `period`, `previous` (`Period`), `computed_at` (UTC datetime).
- `funnel: list[FunnelRow]` one row per campaign, `funnel_total: StageCounts`. A `FunnelRow` has
  `campaign_id`, `title`, `year`, `organiser_id`, `organiser_name`, `organised_within` (run by a committee in
  the subtree) and `counts: StageCounts` with `submitted, accepted, scored, shortlisted, passed, awarded`
  (a dossier counts in every stage it reached) and `rejected, returned, on_hold, withdrawn` (where it stands now),
  and `organiser_child_id`: the subordinate unit of root under which the organiser sits (None: root or above).
- `units: list[UnitRow]` one row per direct subordinate unit of root, each rolling up that unit's whole subtree,
  in the tree's code order, then a row for dossiers and models of root itself (`is_root_itself`) if it has any.
  A `UnitRow` has `unit_id, name, code, kind, registered, recognised, commended, commended_by` ({`AwardKey`: n}),
  `replications, followups_due, followups_late, models_total` and `has_model`.
- `without_model: list[UnitRow]` the subordinate units (of `units`) with no model at all.
- `award_keys: list[AwardKey]` (form name, level, level label) the columns of `commended_by`.
- `fields: list[FieldRow]`: per field and nominee kind, `submitted`/`previous_submitted` and
  `commended`/`previous_commended`, with `.submitted_change` and `.commended_change`.
- `trend: list[TrendPoint]` (`label, start, end, submitted, commended`) over `period.buckets()`.
- `totals: UnitRow` the sum of `units` (name "Tổng cộng").

What is counted (decisions, stated once here):
- A dossier is in the root's figures when the unit that owns it lies in root's subtree, whoever runs the campaign:
  a province sees the dossiers of its communes in its own campaigns and in campaigns its communes ran
  themselves; a commune looking at a province's campaign sees only its own dossiers there. The funnel lists
  every campaign that received such a dossier.
- A dossier belongs to the period in which it was (last) submitted (`submitted_at`); drafts are never counted.
- The stage a dossier reached comes from its status (there is no per-dossier history table): a dossier on hold
  counts up to the state it was held from; "not awarded" counts as passed only when its council ballot passed it;
  a revoked award was awarded; a withdrawn dossier counts as submitted only.
- "registered" (Mô hình đăng ký) = dossiers submitted in the period, a dossier forwarded upward counted once
  (its copy in the higher campaign belongs to the funnel, not to this count).
- "recognised" = models of the registry (by the unit that owns them) with a standing recognition decided in the
  period; "commended" = those recognitions, by award form and level. A recognition typed in without a date
  counts in a period that covers its whole year.
- "replications" = replications confirmed in the period, by the replicating unit.
- "followups_due" = follow-up requests due in the period (not cancelled) for the unit's models;
  "followups_late" = those still waiting for the unit after their due date (as of `today`).
- "has_model": the unit's subtree has a recognised model in the registry, or submitted a dossier in the period.

Cost: a fixed number of aggregate queries (GROUP BY unit, campaign, field, bucket), whatever the data size;
the roll-up of per-unit rows to root's children is done over the unit tree in Python.
"""
from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dvkheo.awards.models import NominationForward
from dvkheo.campaigns.models import Campaign, NomineeKind, ReferenceItem, ReferenceKind
from dvkheo.council.models import BallotItem
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.followup.models import AWAITING_UNIT, FollowUp, FollowUpState
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState as S
from dvkheo.registry.models import Recognition, RecognitionLevel, RegisteredModel
from dvkheo.replication.models import Replication, ReplicationState
from dvkheo.reports.periods import Period, start_of_day
from dvkheo.units.models import Unit

STAGES = ("submitted", "accepted", "scored", "shortlisted", "passed", "awarded")
STAGE_LABELS = {
    "submitted": "Đã nộp",
    "accepted": "Đã tiếp nhận",
    "scored": "Đã chấm điểm",
    "shortlisted": "Vào danh sách đề cử",
    "passed": "Hội đồng thông qua",
    "awarded": "Được khen thưởng",
}
OUTCOMES = ("rejected", "returned", "on_hold", "withdrawn")
OUTCOME_LABELS = {
    "rejected": "Không tiếp nhận",
    "returned": "Trả lại để bổ sung",
    "on_hold": "Tạm dừng xét",
    "withdrawn": "Đã rút",
}

_AWARDED = {S.AWARDED, S.FORWARDED, S.REVOKED}
_PASSED = _AWARDED | {S.PASSED_COUNCIL}
_SHORTLISTED = _PASSED | {S.SHORTLISTED, S.FAILED_COUNCIL, S.NOT_AWARDED}
_SCORED = _SHORTLISTED | {S.SCORED, S.NOT_SHORTLISTED}
_ACCEPTED = _SCORED | {S.ACCEPTED, S.IN_REVIEW}
_OUTCOME_STATE = {S.REJECTED: "rejected", S.RETURNED: "returned", S.ON_HOLD: "on_hold", S.WITHDRAWN: "withdrawn"}


def stages_reached(status: S, before_hold: S | None = None, ballot_passed: bool = False) -> set[str]:
    """The funnel stages a submitted dossier in `status` went through (see the module docstring)."""
    effective = (before_hold or S.SUBMITTED) if status is S.ON_HOLD else status
    reached = {"submitted"}
    if effective in _ACCEPTED:
        reached.add("accepted")
    if effective in _SCORED:
        reached.add("scored")
    if effective in _SHORTLISTED:
        reached.add("shortlisted")
    if effective in _PASSED or (effective is S.NOT_AWARDED and ballot_passed):
        reached.add("passed")
    if effective in _AWARDED:
        reached.add("awarded")
    return reached


@dataclass
class StageCounts:
    submitted: int = 0
    accepted: int = 0
    scored: int = 0
    shortlisted: int = 0
    passed: int = 0
    awarded: int = 0
    rejected: int = 0
    returned: int = 0
    on_hold: int = 0
    withdrawn: int = 0

    def add(self, status: S, before_hold: S | None, ballot_passed: bool, count: int) -> None:
        for stage in stages_reached(status, before_hold, ballot_passed):
            setattr(self, stage, getattr(self, stage) + count)
        outcome = _OUTCOME_STATE.get(status)
        if outcome:
            setattr(self, outcome, getattr(self, outcome) + count)

    def merge(self, other: "StageCounts") -> None:
        for name in STAGES + OUTCOMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class FunnelRow:
    campaign_id: int
    title: str
    year: int
    organiser_id: int
    organiser_name: str
    organised_within: bool
    counts: StageCounts = field(default_factory=StageCounts)
    # The direct subordinate of root whose subtree holds the organiser; None when root itself or a level above runs it.
    organiser_child_id: int | None = None


@dataclass(frozen=True, order=True)
class AwardKey:
    """A column of the commendation table: the award form's name and the recognising level."""

    level_rank: int
    form_name: str
    level: str
    level_label: str


@dataclass
class UnitRow:
    unit_id: int
    name: str
    code: str = ""
    kind: str = ""
    is_root_itself: bool = False
    registered: int = 0
    recognised: int = 0
    commended: int = 0
    commended_by: dict[AwardKey, int] = field(default_factory=dict)
    replications: int = 0
    followups_due: int = 0
    followups_late: int = 0
    models_total: int = 0

    @property
    def has_model(self) -> bool:
        return self.models_total > 0 or self.registered > 0

    def merge(self, other: "UnitRow") -> None:
        for name in ("registered", "recognised", "commended", "replications", "followups_due", "followups_late",
                     "models_total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, count in other.commended_by.items():
            self.commended_by[key] = self.commended_by.get(key, 0) + count


@dataclass
class FieldRow:
    field_id: int | None
    field_name: str
    kind: str  # NomineeKind value
    kind_label: str
    submitted: int = 0
    previous_submitted: int = 0
    commended: int = 0
    previous_commended: int = 0

    @property
    def submitted_change(self) -> int:
        return self.submitted - self.previous_submitted

    @property
    def commended_change(self) -> int:
        return self.commended - self.previous_commended


@dataclass
class TrendPoint:
    label: str
    start: date
    end: date
    submitted: int = 0
    commended: int = 0


@dataclass
class DashboardFigures:
    root_id: int | None  # None: the whole tree
    root_name: str
    period: Period
    previous: Period
    computed_at: datetime
    funnel: list[FunnelRow]
    funnel_total: StageCounts
    units: list[UnitRow]
    without_model: list[UnitRow]
    award_keys: list[AwardKey]
    fields: list[FieldRow]
    trend: list[TrendPoint]
    totals: UnitRow


# --- conditions ---------------------------------------------------------------------------------


WHOLE_COUNTRY = "Toàn quốc"


def _in_subtree(root: Unit | None):
    return sa.true() if root is None else Unit.path.startswith(root.path, autoescape=True)


def _submitted_between(start: datetime, end_before: datetime):
    return sa.and_(Nomination.submitted_at >= start, Nomination.submitted_at < end_before)


def _recognition_in(first: date, last: date):
    """A standing recognition decided between `first` and `last`; an undated one when its whole year is covered."""
    years = [y for y in range(first.year, last.year + 1) if first <= date(y, 1, 1) and date(y, 12, 31) <= last]
    dated = Recognition.decided_on.between(first, last)
    condition = dated if not years else sa.or_(dated, sa.and_(Recognition.decided_on.is_(None), Recognition.year.in_(years)))
    return sa.and_(Recognition.revoked_at.is_(None), condition)


def _bucket_of(column, buckets, instants: bool):
    """CASE giving the index of the trend bucket `column` falls in (`instants`: a timestamp, else a date)."""
    if instants:
        whens = [(column < start_of_day(b.end + timedelta(days=1)), index) for index, b in enumerate(buckets)]
    else:
        whens = [(column <= b.end, index) for index, b in enumerate(buckets)]
    return sa.case(*whens, else_=None)


NO_FIELD = "Chưa xác định lĩnh vực"
UNNAMED_FORM = "Công nhận"  # a recognition typed in from elsewhere names no award form


def _tagged(tag: str, key, text1=None, text2=None, flag=None, count=None):
    """One branch of a UNION ALL of totals, as (tag, key, text1, text2, flag, count) with portable types."""
    def text(value):
        return sa.cast(value, sa.String) if value is not None else sa.cast(sa.null(), sa.String)

    def number(value):
        return sa.cast(value, sa.Integer) if value is not None else sa.literal(0, sa.Integer)

    return sa.select(sa.literal(tag, sa.String).label("tag"), sa.cast(key, sa.Integer).label("key"),
                     text(text1).label("text1"), text(text2).label("text2"), number(flag).label("flag"),
                     (count if count is not None else sa.func.count()).label("n"))


def _summed_in_one_pass(rows, sums):
    """The UNION ALL of `_tagged` totals as one GROUPING SETS aggregate over `rows` (PostgreSQL): the rows are read
    once and summed in one hash table per set, where the UNION ALL over a CTE writes them to disk and reads them
    again per branch (three to four times slower at national scale). Same columns, same rows: each set is
    (tag, key column, further grouped columns as text1/text2/flag in that order, the column given as flag, the
    condition, a function of the columns, a row must meet to count); groups that count nothing are left out, as the UNION ALL's WHERE does."""
    c = rows.c

    def grouped(name):  # 0 when `name` is a key of the row's grouping set
        return sa.func.grouping(c[name])

    tag, key, text1, text2, flag, count = [], [], [], [], [], []
    for name, key_column, others, flag_column, condition in sums:
        here = grouped(key_column) == 0
        texts = [o for o in others if o != flag_column]
        tag.append((here, sa.literal(name, sa.String)))
        key.append((here, sa.cast(c[key_column], sa.Integer)))
        if texts:
            text1.append((here, sa.cast(c[texts[0]], sa.String)))
        if len(texts) > 1:
            text2.append((here, sa.cast(c[texts[1]], sa.String)))
        if flag_column:
            flag.append((here, sa.cast(c[flag_column], sa.Integer)))
        count.append((here, sa.func.coalesce(sa.func.sum(sa.case((condition(c), 1), else_=0)), 0)))
    n = sa.case(*count, else_=0)
    sets = [sa.tuple_(*[c[key_column]] + [c[o] for o in others]) for _, key_column, others, _, _ in sums]
    return (
        sa.select(
            sa.case(*tag).label("tag"), sa.case(*key).label("key"),
            (sa.case(*text1) if text1 else sa.cast(sa.null(), sa.String)).label("text1"),
            (sa.case(*text2) if text2 else sa.cast(sa.null(), sa.String)).label("text2"),
            (sa.case(*flag, else_=0) if flag else sa.literal(0, sa.Integer)).label("flag"),
            n.label("n"),
        )
        .select_from(rows)
        .group_by(sa.func.grouping_sets(*sets))
        .having(n > 0)
    )


def _dossier_totals(root: Unit | None, period: Period, previous: Period, buckets, grouping_sets: bool = False):
    """Dossiers of the subtree submitted in `previous` or `period`, read once and summed four ways.

    `grouping_sets` (PostgreSQL): the same rows from one pass of GROUPING SETS (see `_summed_in_one_pass`)."""
    forward = aliased(NominationForward)
    base = (
        sa.select(
            Nomination.campaign_id.label("campaign_id"), Nomination.unit_id.label("unit_id"),
            sa.cast(Nomination.status, sa.String).label("status"),
            sa.case((Nomination.status == S.ON_HOLD, sa.cast(Nomination.status_before_hold, sa.String)),
                    else_=sa.null()).label("held_from"),
            sa.case((Nomination.status == S.NOT_AWARDED, sa.cast(sa.exists().where(
                BallotItem.nomination_id == Nomination.id, BallotItem.passed.is_(True)), sa.Integer)),
                else_=0).label("ballot_passed"),
            Nomination.field_id.label("field_id"), sa.cast(Nomination.kind, sa.String).label("kind"),
            sa.case((Nomination.submitted_at >= period.starts_at, 1), else_=0).label("current"),
            _bucket_of(Nomination.submitted_at, buckets, instants=True).label("bucket"),
            sa.case((forward.id.is_(None), 0), else_=1).label("is_copy"),
        )
        .join(Unit, Nomination.unit_id == Unit.id)
        .outerjoin(forward, forward.target_nomination_id == Nomination.id)
        .where(_in_subtree(root), _submitted_between(previous.starts_at, period.ends_before))
    )
    if grouping_sets:
        return _summed_in_one_pass(base.subquery("dossiers"), [
            ("f", "campaign_id", ("status", "held_from", "ballot_passed"), "ballot_passed", lambda d: d.current == 1),
            ("u", "unit_id", (), None, lambda d: sa.and_(d.current == 1, d.is_copy == 0)),
            ("k", "field_id", ("kind", "current"), "current", lambda d: d.is_copy == 0),
            ("t", "bucket", (), None, lambda d: sa.and_(d.current == 1, d.is_copy == 0)),
        ])
    base = base.cte("dossiers")
    d = base.c
    return sa.union_all(
        _tagged("f", d.campaign_id, d.status, d.held_from, d.ballot_passed)
        .where(d.current == 1).group_by(d.campaign_id, d.status, d.held_from, d.ballot_passed),
        _tagged("u", d.unit_id).where(d.current == 1, d.is_copy == 0).group_by(d.unit_id),
        _tagged("k", d.field_id, d.kind, None, d.current).where(d.is_copy == 0).group_by(d.field_id, d.kind, d.current),
        _tagged("t", d.bucket).where(d.current == 1, d.is_copy == 0).group_by(d.bucket),
    )


def _recognition_totals(root: Unit | None, period: Period, previous: Period, buckets):
    """Standing recognitions of the subtree's models decided in `previous` or `period`, read once, summed four ways."""
    base = (
        sa.select(
            RegisteredModel.unit_id.label("unit_id"), RegisteredModel.id.label("model_id"),
            RegisteredModel.field_id.label("field_id"), sa.cast(RegisteredModel.kind, sa.String).label("kind"),
            Recognition.award_form_name.label("form"), sa.cast(Recognition.level, sa.String).label("level"),
            sa.case((_recognition_in(period.start, period.end), 1), else_=0).label("current"),
            sa.case((Recognition.decided_on.between(period.start, period.end),
                     _bucket_of(Recognition.decided_on, buckets, instants=False)), else_=sa.null()).label("bucket"),
        )
        .join(RegisteredModel, Recognition.model_id == RegisteredModel.id)
        .join(Unit, RegisteredModel.unit_id == Unit.id)
        .where(_in_subtree(root), _recognition_in(previous.start, period.end))
    )
    base = base.cte("recognitions")
    r = base.c
    return sa.union_all(
        _tagged("a", r.unit_id, r.form, r.level).where(r.current == 1).group_by(r.unit_id, r.form, r.level),
        _tagged("m", r.unit_id, count=sa.func.count(sa.distinct(r.model_id))).where(r.current == 1).group_by(r.unit_id),
        _tagged("k", r.field_id, r.kind, None, r.current).group_by(r.field_id, r.kind, r.current),
        _tagged("t", r.bucket).where(r.current == 1, r.bucket.is_not(None)).group_by(r.bucket),
    )


def _registry_totals(root: Unit | None, period: Period, today: date):
    """Per unit: recognised models in the registry (any time), replications confirmed and follow-ups due in the
    period (with how many are late), in one statement."""
    late = sa.case((sa.and_(FollowUp.state.in_(AWAITING_UNIT), FollowUp.due_on < today), 1), else_=0)
    return sa.union_all(
        _tagged("m", RegisteredModel.unit_id)
        .join(Unit, RegisteredModel.unit_id == Unit.id)
        .where(_in_subtree(root), RegisteredModel.is_recognised.is_(True))
        .group_by(RegisteredModel.unit_id),
        _tagged("r", Replication.unit_id)
        .join(Unit, Replication.unit_id == Unit.id)
        .where(_in_subtree(root), Replication.status == ReplicationState.CONFIRMED,
               Replication.confirmed_at >= period.starts_at, Replication.confirmed_at < period.ends_before)
        .group_by(Replication.unit_id),
        _tagged("d", RegisteredModel.unit_id, flag=sa.func.coalesce(sa.func.sum(late), 0))
        .select_from(FollowUp)
        .join(RegisteredModel, FollowUp.model_id == RegisteredModel.id)
        .join(Unit, RegisteredModel.unit_id == Unit.id)
        .where(_in_subtree(root), FollowUp.due_on.between(period.start, period.end),
               FollowUp.state != FollowUpState.CANCELLED)
        .group_by(RegisteredModel.unit_id),
    )


# --- the figures ----------------------------------------------------------------------------------


@contextmanager
def _aggregate_settings(session, postgresql: bool):
    """On PostgreSQL, for the aggregate statements only: no JIT (compiling the expressions costs more than it saves
    on these one-off statements) and room for the hash tables of the grouping sets (a few MB at national scale,
    but the planner's estimate of the groups is far above it, and sorting instead is several times slower)."""
    if not postgresql:
        yield
        return
    session.execute(sa.text("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"))
    try:
        yield
    finally:
        session.execute(sa.text("SET LOCAL jit = DEFAULT; SET LOCAL work_mem = DEFAULT"))


def dashboard_figures(root: Unit | None, period: Period, today: date | None = None) -> DashboardFigures:
    """Every figure of the dashboard for `root`'s subtree and `period` (reads only; see the module docstring)."""
    today = today or today_in_vietnam()
    previous = period.previous()
    session = db.session

    # 1. The tree under root: which child of root each unit rolls up to.
    tree = session.execute(
        sa.select(Unit.id, Unit.path, Unit.name, Unit.code, Unit.kind, Unit.parent_id).where(_in_subtree(root))
    ).all()
    root_id = root.id if root is not None else None
    root_name = root.name if root is not None else WHOLE_COUNTRY
    root_path = root.path if root is not None else "/"
    child_depth_index = root.depth + 1 if root is not None else 0
    rows: dict[int, UnitRow] = {}
    for unit in tree:
        if unit.parent_id == root_id:
            rows[unit.id] = UnitRow(unit.id, unit.name, unit.code, unit.kind)
    own = UnitRow(root_id or 0, f"{root_name} (trực tiếp)", root.code if root else "", root.kind if root else "",
                  is_root_itself=True)
    owner: dict[int, UnitRow] = {root_id: own} if root_id is not None else {}
    for unit in tree:
        if unit.id == root_id:
            continue
        parts = unit.path.strip("/").split("/")
        owner[unit.id] = rows[int(parts[child_depth_index])] if len(parts) > child_depth_index else own

    def row_of(unit_id: int) -> UnitRow:
        return owner.get(unit_id, own)

    buckets = period.buckets()
    trend = [TrendPoint(b.label, b.start, b.end) for b in buckets]
    field_names = dict(session.execute(
        sa.select(ReferenceItem.id, ReferenceItem.name).where(ReferenceItem.kind == ReferenceKind.FIELD)
    ).all())
    field_rows: dict[tuple[int | None, str], FieldRow] = {}

    def field_row(field_id, kind) -> FieldRow:
        kind = NomineeKind(kind)
        key = (field_id, kind.value)
        if key not in field_rows:
            field_rows[key] = FieldRow(field_id, field_names.get(field_id, NO_FIELD) if field_id is not None else NO_FIELD,
                                       kind.value, kind.label)
        return field_rows[key]

    # 2. Dossiers: one reading of the subtree's dossiers submitted in this period or the previous one, summed four
    # ways at once (funnel by campaign and state, per unit, per field and kind, per trend bucket).
    one_pass = session.get_bind().dialect.name == "postgresql"
    with _aggregate_settings(session, one_pass):
        dossier_totals = session.execute(_dossier_totals(root, period, previous, buckets, one_pass)).all()
        recognition_totals = session.execute(_recognition_totals(root, period, previous, buckets)).all()
        registry_totals = session.execute(_registry_totals(root, period, today)).all()
    counts_by_campaign: dict[int, StageCounts] = defaultdict(StageCounts)
    for tag, key, text1, text2, flag, count in dossier_totals:
        if tag == "f":
            before = S(text2) if text2 is not None else None
            counts_by_campaign[key].add(S(text1), before, bool(flag), count)
        elif tag == "u":
            row_of(key).registered += count
        elif tag == "k":
            row = field_row(key, text1)
            if flag:
                row.submitted += count
            else:
                row.previous_submitted += count
        elif tag == "t" and key is not None:
            trend[int(key)].submitted += count
    funnel: list[FunnelRow] = []
    if counts_by_campaign:
        campaigns = session.execute(
            sa.select(Campaign.id, Campaign.title, Campaign.year, Campaign.organising_unit_id, Unit.name, Unit.path)
            .join(Unit, Campaign.organising_unit_id == Unit.id)
            .where(Campaign.id.in_(list(counts_by_campaign)))
        ).all()
        for c in campaigns:
            child = owner.get(c.organising_unit_id)
            funnel.append(FunnelRow(c.id, c.title, c.year, c.organising_unit_id, c.name, c.path.startswith(root_path),
                                    counts_by_campaign[c.id], None if child is None or child is own else child.unit_id))
    funnel.sort(key=lambda r: (-r.year, not r.organised_within, r.organiser_name, r.title, r.campaign_id))
    funnel_total = StageCounts()
    for row in funnel:
        funnel_total.merge(row.counts)

    # 3. Recognitions standing, decided in this period or the previous one: by unit, form and level; models per
    # unit; per field and kind; per trend bucket.
    levels = {level.value: level for level in RecognitionLevel}
    award_keys: set[AwardKey] = set()
    for tag, key, text1, text2, flag, count in recognition_totals:
        if tag == "a":
            level = levels[text2]
            award = AwardKey(-level.rank, text1 or UNNAMED_FORM, level.value, level.label)
            award_keys.add(award)
            row = row_of(key)
            row.commended += count
            row.commended_by[award] = row.commended_by.get(award, 0) + count
        elif tag == "m":
            row_of(key).recognised += count
        elif tag == "k":
            row = field_row(key, text1)
            if flag:
                row.commended += count
            else:
                row.previous_commended += count
        elif tag == "t" and key is not None:
            trend[int(key)].commended += count

    # 4. The registry's models (any time), replications confirmed and follow-ups due in the period.
    for tag, key, _text1, _text2, flag, count in registry_totals:
        row = row_of(key)
        if tag == "m":
            row.models_total += count
        elif tag == "r":
            row.replications += count
        else:
            row.followups_due += count
            row.followups_late += int(flag or 0)

    kind_order = {NomineeKind.COLLECTIVE.value: 0, NomineeKind.INDIVIDUAL.value: 1}
    fields = sorted(field_rows.values(), key=lambda r: (r.field_id is None, r.field_name, kind_order[r.kind]))

    units = sorted(rows.values(), key=lambda r: (r.code, r.name))
    if own.registered or own.commended or own.models_total or own.replications or own.followups_due:
        units.append(own)
    totals = UnitRow(root_id or 0, "Tổng cộng", own.code, own.kind)
    for row in units:
        totals.merge(row)
    return DashboardFigures(
        root_id=root_id, root_name=root_name, period=period, previous=previous, computed_at=utcnow(),
        funnel=funnel, funnel_total=funnel_total, units=units,
        without_model=[row for row in units if not row.is_root_itself and not row.has_model],
        award_keys=sorted(award_keys), fields=fields, trend=trend, totals=totals,
    )
