"""Aggregating reviewers' scores and ranking the dossiers of a campaign ("Xếp hạng").

Only *final* sheets count: an active assignment (not conflicted, not removed) whose reviewer
finalised it. Per nomination: the raw mean of the reviewers' totals, the spread (highest minus
lowest total), a disagreement flag when the spread exceeds the campaign's threshold, the mean
of each criterion, and a normalised score that removes each reviewer's harshness or leniency:

    z = (T - μ_r) / σ_r        per sheet, over that reviewer's final totals in the campaign
                               (population SD; z = 0 when the reviewer has fewer than two
                               totals or σ_r = 0)
    normalised = μ + σ · z̄     z̄ the mean of the nomination's z; μ, σ the mean and population
                               SD of every final total in the campaign; clipped to [0, max].

Ranking is within a group (field × collective/individual) and the order is total: the ranking
score (normalised when the campaign uses it, else the raw mean) descending, then the criterion
means in rubric order descending, then the smaller spread, then the earlier first submission,
then the smaller dossier number. Values are compared after rounding to 9 decimals so that two
scores equal on paper never differ by floating-point noise; they are rounded to 2 decimals only
for display.

The computation is pure functions over plain data; `load_ranking` gathers that data with a fixed
number of queries whatever the number of dossiers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, NamedTuple

import sqlalchemy as sa

from dvkheo.accounts.models import User
from dvkheo.campaigns.models import Campaign, NomineeKind, ReferenceItem
from dvkheo.core.audit import AuditEvent
from dvkheo.core.timeutil import as_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationAction
from dvkheo.nominations.states import NominationState as S
from dvkheo.review.models import AssignmentStatus, ReviewAssignment, Score
from dvkheo.units.models import Unit

# Dossiers whose scoring is complete: they receive a rank.
RANKED_STATES = frozenset({S.SCORED, S.SHORTLISTED, S.NOT_SHORTLISTED, S.PASSED_COUNCIL, S.FAILED_COUNCIL})
# Shown without a rank: still being scored ("chưa đủ điểm"), or on hold from a review state.
PENDING_STATES = frozenset({S.IN_REVIEW})
REVIEW_STATES = RANKED_STATES | PENDING_STATES
SHOWN_STATES = REVIEW_STATES | {S.ON_HOLD}
SHORTLIST_ACTIONS = (NominationAction.SHORTLIST, NominationAction.NOT_SHORTLIST, NominationAction.REVERT_SHORTLIST)

NO_FIELD = "Chưa xác định lĩnh vực"
_PRECISION = 9  # decimals kept when comparing scores

TIE_BREAK_RULE = (
    "Trong mỗi nhóm, hồ sơ được xếp theo: (1) điểm xếp hạng từ cao xuống thấp; "
    "(2) nếu bằng nhau, điểm trung bình từng tiêu chí theo thứ tự trong thang điểm, từ cao xuống thấp; "
    "(3) nếu vẫn bằng nhau, độ chênh lệch điểm giữa các thành viên nhỏ hơn xếp trên; "
    "(4) tiếp đến hồ sơ nộp lần đầu sớm hơn xếp trên; (5) cuối cùng, số hồ sơ nhỏ hơn xếp trên. "
    "Không có hai hồ sơ cùng thứ hạng."
)
RANKED_SCOPE_NOTE = (
    "Chỉ hồ sơ đã chấm xong (mọi thành viên được phân công đã hoàn thành phiếu chấm) được xếp thứ hạng. "
    "Hồ sơ đang chấm (“chưa đủ điểm”) và hồ sơ “Tạm dừng xét” vẫn được hiển thị, xếp sau, không có thứ hạng "
    "và không thể đưa vào danh sách đề cử."
)
NORMALISATION_FORMULA = (
    "Điểm chuẩn hóa = μ + σ × z̄, trong đó: với mỗi phiếu chấm, z = (T − μ_r) / σ_r, T là tổng điểm của phiếu, "
    "μ_r và σ_r là điểm trung bình và độ lệch chuẩn (tổng thể) của mọi tổng điểm mà thành viên đó đã chấm trong đợt "
    "(z = 0 khi thành viên mới chấm dưới 2 hồ sơ hoặc σ_r = 0); z̄ là trung bình các z của hồ sơ; μ và σ là điểm "
    "trung bình và độ lệch chuẩn của mọi tổng điểm đã chấm trong đợt. Kết quả được giới hạn trong khoảng từ 0 "
    "đến tổng điểm tối đa của thang điểm. Cách tính này loại bỏ ảnh hưởng của thành viên chấm chặt tay hoặc "
    "rộng tay hơn mặt bằng chung."
)

BLIND_NOTE = (
    "Chấm điểm độc lập: đồng chí còn phiếu chấm chưa hoàn tất ở {count} hồ sơ của đợt này. Điểm và nhận xét "
    "của các thành viên khác về những hồ sơ đó được ẩn cho đến khi đồng chí hoàn tất phiếu chấm của mình; "
    "mọi số liệu trên trang (kể cả μ, σ và điểm chuẩn hóa) được tính không gồm các phiếu chấm của những hồ sơ này."
)
HIDDEN_ROW_NOTE = "Ẩn điểm cho đến khi đồng chí hoàn tất phiếu chấm hồ sơ này"


def format_score(value: float | None) -> str:
    """78.5 -> "78,50" (two decimals, decimal comma); nothing to show -> "—"."""
    if value is None:
        return "—"
    return f"{value:.2f}".replace(".", ",")


# --- pure computation ------------------------------------------------------------------------


class FinalSheet(NamedTuple):
    """One finalised, active assignment reduced to what the statistics need (a tuple: thousands are read per page)."""

    nomination_id: int
    reviewer_id: int
    total: float


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return math.fsum(values) / len(values) if values else None


def population_sd(values: Iterable[float]) -> float | None:
    values = list(values)
    centre = mean(values)
    if centre is None:
        return None
    return math.sqrt(math.fsum((v - centre) ** 2 for v in values) / len(values))


def reviewer_z_scores(sheets: Iterable[FinalSheet]) -> dict[tuple[int, int], float]:
    """z of every sheet, keyed by (nomination id, reviewer id), against that reviewer's own totals."""
    sheets = list(sheets)
    return {(sheet.nomination_id, sheet.reviewer_id): z for sheet, z in zip(sheets, _sheet_z(sheets))}


def _sheet_z(sheets: list[FinalSheet]) -> list[float]:
    """z of every sheet, in the order of `sheets` (a list, not a dict: thousands on every ranking page)."""
    by_reviewer: dict[int, list[int]] = {}
    for index, sheet in enumerate(sheets):
        by_reviewer.setdefault(sheet.reviewer_id, []).append(index)
    z = [0.0] * len(sheets)
    for indices in by_reviewer.values():
        totals = [sheets[index].total for index in indices]
        centre, sd = mean(totals), population_sd(totals)
        # Fewer than two totals, or all equal: nothing is known of this reviewer's scale (z = 0).
        if len(totals) >= 2 and sd and sd > 0:
            for index, total in zip(indices, totals):
                z[index] = (total - centre) / sd
    return z


def normalised_score(z_values: list[float], mu: float, sigma: float, maximum: float) -> float | None:
    """μ + σ·z̄ clipped to [0, maximum]; None without any sheet."""
    z_mean = mean(z_values)
    if z_mean is None:
        return None
    return min(max(mu + sigma * z_mean, 0.0), float(maximum))


class Summary(NamedTuple):
    """The aggregate of one nomination's final sheets (a tuple: one per dossier of the campaign)."""

    totals: tuple[float, ...]
    raw_mean: float | None
    spread: float | None
    disagreement: bool
    z_mean: float | None
    normalised: float | None


@dataclass(frozen=True)
class CampaignStats:
    mu: float | None
    sigma: float | None
    sheet_count: int


def campaign_stats(sheets: Iterable[FinalSheet]) -> CampaignStats:
    totals = [s.total for s in sheets]
    return CampaignStats(mean(totals), population_sd(totals), len(totals))


def summarise(sheets: Iterable[FinalSheet], threshold: float, maximum: float) -> dict[int, Summary]:
    """Summary per nomination id over every final sheet given (the whole campaign's)."""
    sheets = list(sheets)
    stats = campaign_stats(sheets)
    # The arithmetic of `mean` and `normalised_score`, written out: this runs for every dossier of the
    # campaign on every ranking page.
    by_nomination: dict[int, tuple[list[float], list[float]]] = {}
    for sheet, z in zip(sheets, _sheet_z(sheets)):
        own = by_nomination.get(sheet.nomination_id)
        if own is None:
            own = by_nomination[sheet.nomination_id] = ([], [])
        own[0].append(sheet.total)
        own[1].append(z)
    fsum, top = math.fsum, float(maximum)
    result: dict[int, Summary] = {}
    for nomination_id, (totals, z_values) in by_nomination.items():
        if len(totals) == 2:
            # The usual two sheets: one addition is correctly rounded, exactly as fsum of two values.
            first, second = totals
            raw, spread, z_mean = (first + second) / 2, abs(first - second), (z_values[0] + z_values[1]) / 2
        else:
            raw, spread, z_mean = fsum(totals) / len(totals), max(totals) - min(totals), fsum(z_values) / len(z_values)
        result[nomination_id] = Summary(
            tuple(totals), raw, spread, spread > threshold, z_mean, min(max(stats.mu + stats.sigma * z_mean, 0.0), top),
        )
    return result


# --- rows, groups and ranks ------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The latest shortlist move on a nomination, from the audit trail."""

    action: NominationAction
    reason: str
    actor_name: str
    occurred_at: datetime


@dataclass
class Row:
    nomination_id: int
    title: str
    nominee_name: str
    unit_name: str
    kind: NomineeKind
    field_name: str
    field_id: int | None
    group_key: tuple
    group_label: str
    status: S
    submitted_at: datetime | None
    active_count: int = 0
    final_count: int = 0
    criterion_means: list[float | None] = field(default_factory=list)
    summary: Summary | None = None
    ranking_score: float | None = None
    rank: int | None = None
    decision: Decision | None = None
    # With a public vote share (campaign.public_vote_share_percent > 0): see dvkheo.voting.combined.
    public_votes: int | None = None
    combined: float | None = None
    # Blind review: the viewer still scores this dossier, so its colleagues' scores are withheld.
    scores_hidden: bool = False

    @property
    def number(self) -> int:
        """The dossier number ("Hồ sơ số") shown everywhere."""
        return self.nomination_id

    @property
    def raw_mean(self) -> float | None:
        return self.summary.raw_mean if self.summary else None

    @property
    def spread(self) -> float | None:
        return self.summary.spread if self.summary else None

    @property
    def normalised(self) -> float | None:
        return self.summary.normalised if self.summary else None

    @property
    def disagreement(self) -> bool:
        return bool(self.summary and self.summary.disagreement)

    @property
    def is_ranked(self) -> bool:
        return self.status in RANKED_STATES

    @property
    def incomplete(self) -> bool:
        return self.status in PENDING_STATES

    @property
    def on_hold(self) -> bool:
        return self.status is S.ON_HOLD


@dataclass
class Group:
    key: tuple
    label: str
    rows: list[Row] = field(default_factory=list)

    @property
    def filter_args(self) -> dict[str, str]:
        """The ranking page's filter that shows this group alone."""
        first = self.rows[0]
        return {"field": str(first.field_id or ""), "kind": first.kind.value}

    @property
    def ranked(self) -> list[Row]:
        return [r for r in self.rows if r.rank is not None]

    @property
    def incomplete_count(self) -> int:
        return sum(1 for r in self.rows if r.incomplete)


def group_of(field_name: str | None, field_position: int | None, kind: NomineeKind) -> tuple[tuple, str]:
    """(sort key, label) of a dossier's group: "Lĩnh vực – Tập thể/Cá nhân"."""
    name = field_name or NO_FIELD
    kind_order = 0 if kind is NomineeKind.COLLECTIVE else 1
    key = (field_name is None, field_position if field_position is not None else 0, name, kind_order)
    return key, f"{name} – {kind.label}"


def _rounded(value: float | None) -> float:
    return round(value, _PRECISION) if value is not None else -math.inf


def _moment(value: datetime | None) -> float:
    return as_vietnam(value).timestamp() if value is not None else math.inf


def sort_key(row: Row) -> tuple:
    """The total order of the tie-break rule (see TIE_BREAK_RULE); smaller sorts first."""
    return (
        -_rounded(row.ranking_score),
        *(-_rounded(m) for m in row.criterion_means),
        _rounded(row.spread) if row.spread is not None else math.inf,
        _moment(row.submitted_at),
        row.nomination_id,
    )


def _unranked_key(row: Row) -> tuple:
    # Being scored before on hold; within each, best score so far first.
    return (0 if row.incomplete else 1, -_rounded(row.raw_mean), row.nomination_id)


def rank(rows: Iterable[Row]) -> list[Group]:
    """Group rows, give ranked rows 1..n within their group, unranked rows after them."""
    groups: dict[tuple, Group] = {}
    for row in rows:
        groups.setdefault(row.group_key, Group(row.group_key, row.group_label)).rows.append(row)
    ordered = [groups[key] for key in sorted(groups)]
    for group in ordered:
        ranked = sorted((r for r in group.rows if r.is_ranked), key=sort_key)
        unranked = sorted((r for r in group.rows if not r.is_ranked), key=_unranked_key)
        for position, row in enumerate(ranked, start=1):
            row.rank = position
        for row in unranked:
            row.rank = None
        group.rows = ranked + unranked
    return ordered


# --- loading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionInfo:
    id: int
    title: str
    max_score: int


@dataclass
class Ranking:
    campaign_id: int
    criteria: list[CriterionInfo]
    max_total: int
    threshold: int
    use_normalised: bool
    stats: CampaignStats
    groups: list[Group]
    vote_share: int = 0
    combined_formula: str = ""
    # Dossiers of the campaign whose scores are withheld from this viewer (see `load_ranking`).
    hidden_count: int = 0

    @property
    def rows(self) -> list[Row]:
        return [row for group in self.groups for row in group.rows]

    def row(self, nomination_id: int) -> Row | None:
        return next((r for r in self.rows if r.nomination_id == nomination_id), None)


def _final_sheet_query(campaign_id: int) -> sa.Select:
    # The stored total; a sheet without one (finalised before it was stored) has its scores summed.
    summed = (
        sa.select(sa.func.coalesce(sa.func.sum(Score.points), 0))
        .where(Score.assignment_id == ReviewAssignment.id)
        .scalar_subquery()
    )
    return (
        sa.select(
            ReviewAssignment.nomination_id,
            ReviewAssignment.reviewer_id,
            sa.func.coalesce(ReviewAssignment.final_total, summed),
        )
        .join(Nomination, Nomination.id == ReviewAssignment.nomination_id)
        .where(
            Nomination.campaign_id == campaign_id,
            ReviewAssignment.status == AssignmentStatus.ACTIVE,
            ReviewAssignment.finalised_at.is_not(None),
        )
    )


def final_sheets(campaign_id: int) -> list[FinalSheet]:
    """Every final sheet of the campaign with its total (one query, no sum when the total is stored).

    Run on the session's connection: plain rows, without the ORM's per-row work (thousands of rows).
    """
    rows = db.session.connection().execute(_final_sheet_query(campaign_id))
    return [FinalSheet(n, r, float(t)) for n, r, t in rows]


def _nomination_rows(campaign_id: int, field_id: int | None, kind: NomineeKind | None) -> list[sa.Row]:
    query = (
        sa.select(
            Nomination.id,
            Nomination.title,
            Nomination.nominee_name,
            Unit.name.label("unit_name"),
            Nomination.kind,
            Nomination.field_id,
            Nomination.status,
            Nomination.status_before_hold,
            Nomination.submitted_at,
            ReferenceItem.name.label("field_name"),
            ReferenceItem.position.label("field_position"),
        )
        .join(Unit, Unit.id == Nomination.unit_id)
        .outerjoin(ReferenceItem, ReferenceItem.id == Nomination.field_id)
        .where(Nomination.campaign_id == campaign_id, Nomination.status.in_(SHOWN_STATES))
    )
    if field_id is not None:
        query = query.where(Nomination.field_id == field_id)
    if kind is not None:
        query = query.where(Nomination.kind == kind)
    # On hold counts only when held during review (a dossier held at screening was never scored).
    return [
        row for row in db.session.execute(query)
        if row.status is not S.ON_HOLD or row.status_before_hold in REVIEW_STATES
    ]


def _assignment_counts(campaign_id: int) -> dict[int, tuple[int, int]]:
    query = (
        sa.select(ReviewAssignment.nomination_id, sa.func.count(), sa.func.count(ReviewAssignment.finalised_at))
        .join(Nomination, Nomination.id == ReviewAssignment.nomination_id)
        .where(Nomination.campaign_id == campaign_id, ReviewAssignment.status == AssignmentStatus.ACTIVE)
        .group_by(ReviewAssignment.nomination_id)
    )
    return {n: (active, final) for n, active, final in db.session.execute(query)}


def _criterion_sums(campaign_id: int, hidden: frozenset[int] = frozenset()) -> dict[tuple[int, int], float]:
    """Sum of final points per (nomination, criterion), in SQL."""
    query = (
        sa.select(ReviewAssignment.nomination_id, Score.criterion_id, sa.func.coalesce(sa.func.sum(Score.points), 0))
        .join(ReviewAssignment, ReviewAssignment.id == Score.assignment_id)
        .join(Nomination, Nomination.id == ReviewAssignment.nomination_id)
        .where(
            Nomination.campaign_id == campaign_id,
            ReviewAssignment.status == AssignmentStatus.ACTIVE,
            ReviewAssignment.finalised_at.is_not(None),
        )
        .group_by(ReviewAssignment.nomination_id, Score.criterion_id)
    )
    return {(n, c): float(total) for n, c, total in db.session.execute(query) if n not in hidden}


def first_submissions(campaign_id: int) -> dict[int, datetime]:
    """When each nomination was first sent, from its earliest "submit" event (one query).

    `Nomination.submitted_at` moves on every resubmission; the tie-break wants the first.
    """
    query = (
        sa.select(AuditEvent.entity_id, sa.func.min(AuditEvent.occurred_at))
        .where(
            AuditEvent.entity_type == "nomination",
            AuditEvent.action == NominationAction.SUBMIT.value,
            AuditEvent.entity_id.in_(sa.select(Nomination.id).where(Nomination.campaign_id == campaign_id)),
        )
        .group_by(AuditEvent.entity_id)
    )
    return dict(db.session.execute(query).all())


def latest_decisions(campaign_id: int) -> dict[int, Decision]:
    """The latest shortlist, not-shortlist or revert event of each nomination (one query)."""
    query = (
        sa.select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.reason, AuditEvent.occurred_at, User.full_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.entity_type == "nomination",
            AuditEvent.action.in_([a.value for a in SHORTLIST_ACTIONS]),
            AuditEvent.entity_id.in_(sa.select(Nomination.id).where(Nomination.campaign_id == campaign_id)),
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    )
    return {
        entity_id: Decision(NominationAction(action), reason or "", name or "", occurred_at)
        for entity_id, action, reason, occurred_at, name in db.session.execute(query)
    }


def load_ranking(
    campaign: Campaign,
    *,
    field_id: int | None = None,
    kind: NomineeKind | None = None,
    hidden: frozenset[int] = frozenset(),
) -> Ranking:
    """The campaign's ranking, optionally for one field and/or kind (statistics stay campaign-wide).

    `hidden`: dossiers the viewer still scores (`access.blind_nomination_ids`). Their final
    sheets are left out of every figure, the campaign's μ and σ and everyone's normalised score
    included, so that nothing on the page depends on a colleague's score the viewer may not see
    yet; their rows show no score.

    Queries, whatever the number of dossiers: the rubric, the dossiers, the assignment counts,
    the sheet totals, the criterion sums, the shortlist decisions and the first submissions.
    """
    criteria = [CriterionInfo(c.id, c.title, c.max_score) for c in campaign.criteria]
    max_total = sum(c.max_score for c in criteria)
    sheets = [sheet for sheet in final_sheets(campaign.id) if sheet.nomination_id not in hidden]
    summaries = summarise(sheets, campaign.disagreement_threshold, max_total)
    counts = _assignment_counts(campaign.id)
    sums = _criterion_sums(campaign.id, hidden)
    decisions = latest_decisions(campaign.id)
    first_sent = first_submissions(campaign.id)
    use_normalised = bool(campaign.use_normalised_score)

    rows = []
    for n in _nomination_rows(campaign.id, field_id, kind):
        key, label = group_of(n.field_name, n.field_position, n.kind)
        active, final = counts.get(n.id, (0, 0))
        summary = summaries.get(n.id)
        rows.append(
            Row(
                nomination_id=n.id,
                title=n.title,
                nominee_name=n.nominee_name,
                unit_name=n.unit_name,
                kind=n.kind,
                field_name=n.field_name or NO_FIELD,
                field_id=n.field_id,
                group_key=key,
                group_label=label,
                status=n.status,
                # Dossiers imported or made without a "submit" event fall back to the column.
                submitted_at=first_sent.get(n.id) or n.submitted_at,
                active_count=active,
                final_count=final,
                criterion_means=[
                    sums.get((n.id, c.id), 0.0) / final if final and n.id not in hidden else None for c in criteria
                ],
                summary=summary,
                ranking_score=(summary.normalised if use_normalised else summary.raw_mean) if summary else None,
                decision=decisions.get(n.id),
                scores_hidden=n.id in hidden,
            )
        )
    vote_share, formula = _apply_combined(campaign, rows, max_total, use_normalised)
    return Ranking(
        campaign_id=campaign.id,
        criteria=criteria,
        max_total=max_total,
        threshold=campaign.disagreement_threshold,
        use_normalised=use_normalised,
        stats=campaign_stats(sheets),
        groups=rank(rows),
        vote_share=vote_share,
        combined_formula=formula,
        hidden_count=len(hidden),
    )


def _apply_combined(campaign: Campaign, rows: list[Row], max_total: int, use_normalised: bool) -> tuple[int, str]:
    """Give each row its public votes and combined score when the vote has a share (one more query).

    The order stays the council's: the combined score informs the council's decision, it does not re-rank.
    """
    share = campaign.public_vote_share_percent or 0
    if share <= 0:
        return 0, ""
    from dvkheo.voting.combined import formula_text, load_combined

    combined = load_combined(campaign, {row.nomination_id: row.ranking_score for row in rows}, max_total)
    for row in rows:
        if row.nomination_id in combined:
            row.public_votes, row.combined = combined[row.nomination_id].votes, combined[row.nomination_id].score
    return share, formula_text(share, use_normalised)


# --- one page of the ranking -----------------------------------------------------------------
#
# A ranking page shows 50 rows (or the leading rows of each group), not thousands. The order
# needs every dossier's ranking score, so the campaign's sheet totals are still read whole (μ,
# σ and every reviewer's scale depend on all of them), with the dossiers' groups and states only.
# The rest (titles, units, sheet counts, decisions, and the tie-break's further keys: criterion
# means, first submission) is read only for the rows shown and the dossiers they tie with. A
# "block" is a run of dossiers of one group with the same ranking score: the rule orders within
# it, and a dossier's rank is the number of its group's dossiers with a better score plus its
# place in its block. The result is the same as `load_ranking`'s (tested).

OVERALL, BY_GROUP = "overall", "groups"
VIEWS = (OVERALL, BY_GROUP)
NORMALISATION_SENTENCE = (
    "Điểm chuẩn hóa so tổng điểm của mỗi phiếu với mức điểm mà chính thành viên đó thường cho trong đợt, "
    "rồi quy về mặt bằng chung của cả đợt, để hồ sơ không bị thiệt hay được lợi vì gặp thành viên chấm chặt tay "
    "hoặc rộng tay."
)


class _Entry(NamedTuple):
    """What the order needs of one dossier, before its title or unit is read (a tuple: one per dossier)."""

    nomination_id: int
    group_key: tuple
    status: S
    summary: Summary | None
    score: float | None  # the ranking score
    hidden: bool
    ranked: bool
    coarse: float  # the first key of the order: minus the rounded ranking score

    @property
    def unranked_key(self) -> tuple:
        raw = self.summary.raw_mean if self.summary else None
        return (0 if self.status in PENDING_STATES else 1, -_rounded(raw), self.nomination_id)


@dataclass
class _Block:
    """Dossiers of one group in a row of the order; `offset` is the rank before the first (None: unranked)."""

    entries: list[_Entry]
    offset: int | None


@dataclass
class GroupInfo:
    """One group (field × kind) of the filtered ranking: its counts and, in the per-group view, its leading rows."""

    key: tuple
    label: str
    field_id: int | None
    kind: NomineeKind
    ranked_count: int = 0
    incomplete_count: int = 0
    size: int = 0
    rows: list[Row] = field(default_factory=list)

    @property
    def filter_args(self) -> dict[str, str]:
        return {"field": str(self.field_id or ""), "kind": self.kind.value}


@dataclass
class Pager:
    """What the `pagination` macro reads."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass
class RankingPage:
    """One page of a campaign's ranking: the overall table (`rows`, paged) or the leading rows of each group."""

    campaign_id: int
    criteria: list[CriterionInfo]
    max_total: int
    threshold: int
    use_normalised: bool
    stats: CampaignStats
    view: str
    groups: list[GroupInfo]
    shown_groups: list[GroupInfo]  # the per-group view's groups on this page
    rows: list[Row]
    pager: Pager
    vote_share: int = 0
    combined_formula: str = ""
    hidden_count: int = 0

    @property
    def ranked_count(self) -> int:
        return sum(group.ranked_count for group in self.groups)

    @property
    def incomplete_count(self) -> int:
        return sum(group.incomplete_count for group in self.groups)


_STATE_OF = {state.value: state for state in S}
_KIND_OF = {kind.value: kind for kind in NomineeKind}


def _order_rows(campaign_id: int, field_id: int | None, kind: NomineeKind | None) -> list[tuple]:
    """(id, kind, field id, state, field name, field position) of the dossiers shown: what grouping needs.

    States and kinds are read as text and mapped here, which is several times cheaper than the
    column type's conversion over thousands of rows.
    """
    held_in_review = sa.and_(Nomination.status == S.ON_HOLD, Nomination.status_before_hold.in_(REVIEW_STATES))
    query = (
        sa.select(
            Nomination.id,
            sa.type_coerce(Nomination.kind, sa.String),
            Nomination.field_id,
            sa.type_coerce(Nomination.status, sa.String),
            ReferenceItem.name,
            ReferenceItem.position,
        )
        .outerjoin(ReferenceItem, ReferenceItem.id == Nomination.field_id)
        .where(Nomination.campaign_id == campaign_id, sa.or_(Nomination.status.in_(REVIEW_STATES), held_in_review))
    )
    if field_id is not None:
        query = query.where(Nomination.field_id == field_id)
    if kind is not None:
        query = query.where(Nomination.kind == kind)
    return [
        (n_id, _KIND_OF[n_kind], n_field, _STATE_OF[n_status], name, position)
        for n_id, n_kind, n_field, n_status, name, position in db.session.connection().execute(query)
    ]


def _blocks_of(entries: list[_Entry]) -> list[_Block]:
    """One group's blocks in order: ranked runs of equal score, then each unranked dossier alone."""
    ranked = sorted((e for e in entries if e.ranked), key=lambda e: (e.coarse, e.nomination_id))
    blocks: list[_Block] = []
    for position, entry in enumerate(ranked):
        if blocks and blocks[-1].entries[0].coarse == entry.coarse:
            blocks[-1].entries.append(entry)
        else:
            blocks.append(_Block([entry], position))
    unranked = sorted((e for e in entries if not e.ranked), key=lambda e: e.unranked_key)
    return blocks + [_Block([entry], None) for entry in unranked]


def _window(blocks: list[_Block], start: int, count: int) -> list[tuple[_Block, int, int]]:
    """The blocks that hold positions [start, start + count) of the order, each with the slice of it shown."""
    shown, position = [], 0
    for block in blocks:
        size = len(block.entries)
        if position + size > start and position < start + count:
            shown.append((block, max(start - position, 0), min(start + count - position, size)))
        position += size
        if position >= start + count:
            break
    return shown


def _details(ids: set[int]) -> tuple:
    """Of the dossiers `ids`: titles and units, sheet counts, criterion sums, first submissions, decisions."""
    info = {
        row.id: row for row in db.session.execute(
            sa.select(Nomination.id, Nomination.title, Nomination.nominee_name, Nomination.submitted_at,
                      Unit.name.label("unit_name"))
            .join(Unit, Unit.id == Nomination.unit_id)
            .where(Nomination.id.in_(ids))
        )
    }
    counts = {
        n: (active, final) for n, active, final in db.session.execute(
            sa.select(ReviewAssignment.nomination_id, sa.func.count(), sa.func.count(ReviewAssignment.finalised_at))
            .where(ReviewAssignment.nomination_id.in_(ids), ReviewAssignment.status == AssignmentStatus.ACTIVE)
            .group_by(ReviewAssignment.nomination_id)
        )
    }
    sums = {
        (n, c): float(total) for n, c, total in db.session.execute(
            sa.select(ReviewAssignment.nomination_id, Score.criterion_id, sa.func.coalesce(sa.func.sum(Score.points), 0))
            .join(ReviewAssignment, ReviewAssignment.id == Score.assignment_id)
            .where(
                ReviewAssignment.nomination_id.in_(ids),
                ReviewAssignment.status == AssignmentStatus.ACTIVE,
                ReviewAssignment.finalised_at.is_not(None),
            )
            .group_by(ReviewAssignment.nomination_id, Score.criterion_id)
        )
    }
    first_sent = dict(db.session.execute(
        sa.select(AuditEvent.entity_id, sa.func.min(AuditEvent.occurred_at))
        .where(
            AuditEvent.entity_type == "nomination",
            AuditEvent.action == NominationAction.SUBMIT.value,
            AuditEvent.entity_id.in_(ids),
        )
        .group_by(AuditEvent.entity_id)
    ).all())
    decisions = {
        entity_id: Decision(NominationAction(action), reason or "", name or "", occurred_at)
        for entity_id, action, reason, occurred_at, name in db.session.execute(
            sa.select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.reason, AuditEvent.occurred_at, User.full_name)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(
                AuditEvent.entity_type == "nomination",
                AuditEvent.action.in_([a.value for a in SHORTLIST_ACTIONS]),
                AuditEvent.entity_id.in_(ids),
            )
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
    }
    return info, counts, sums, first_sent, decisions


def load_ranking_page(
    campaign: Campaign,
    *,
    field_id: int | None = None,
    kind: NomineeKind | None = None,
    hidden: frozenset[int] = frozenset(),
    view: str = OVERALL,
    page: int = 1,
    per_page: int = 50,
    per_group: int = 10,
    groups_per_page: int = 5,
) -> RankingPage:
    """One page of the ranking, with the same ranks, order and figures as `load_ranking` gives them.

    `view`: OVERALL, one table of every group of the filter (ranked dossiers by ranking score,
    each with its rank within its group, then the unranked ones), `per_page` rows from `page`;
    BY_GROUP, the first `per_group` rows of each group, `groups_per_page` groups from `page`.
    `hidden` as for `load_ranking`.

    Queries, whatever the number of dossiers: the rubric, the dossiers' groups and states, the sheet
    totals, then for the rows shown (and the dossiers they tie with) their titles and units, sheet
    counts, criterion sums, first submissions and shortlist decisions; one more with a public vote share.
    """
    criteria = [CriterionInfo(c.id, c.title, c.max_score) for c in campaign.criteria]
    max_total = sum(c.max_score for c in criteria)
    sheets = [sheet for sheet in final_sheets(campaign.id) if sheet.nomination_id not in hidden]
    summaries = summarise(sheets, campaign.disagreement_threshold, max_total)
    use_normalised = bool(campaign.use_normalised_score)

    groups: dict[tuple, GroupInfo] = {}
    members: dict[tuple, list[_Entry]] = {}
    fields_of: dict[int, tuple] = {}
    group_keys: dict[tuple, tuple] = {}  # (field id, kind) -> (group key, label)
    for n_id, n_kind, n_field_id, n_status, field_name, field_position in _order_rows(campaign.id, field_id, kind):
        known = group_keys.get((n_field_id, n_kind))
        if known is None:
            known = group_keys[(n_field_id, n_kind)] = group_of(field_name, field_position, n_kind)
            groups[known[0]] = GroupInfo(known[0], known[1], n_field_id, n_kind)
            members[known[0]] = []
        key, label = known
        group = groups[key]
        summary = None if n_id in hidden else summaries.get(n_id)
        score = (summary.normalised if use_normalised else summary.raw_mean) if summary else None
        ranked = n_status in RANKED_STATES
        members[key].append(_Entry(n_id, key, n_status, summary, score, n_id in hidden, ranked, -_rounded(score)))
        group.size += 1
        group.ranked_count += ranked
        group.incomplete_count += n_status in PENDING_STATES
        fields_of[n_id] = (field_name or NO_FIELD, n_field_id, n_kind, label)
    ordered = [groups[key] for key in sorted(groups)]
    blocks = {group.key: _blocks_of(members[group.key]) for group in ordered}

    # What the page shows: (block, from, to) in display order, per group or overall.
    if view == BY_GROUP:
        pager = Pager(1, groups_per_page, len(ordered))
        pager.page = min(max(page, 1), pager.pages)
        shown_groups = ordered[pager.first:pager.first + groups_per_page]
        shown = [piece for group in shown_groups for piece in _window(blocks[group.key], 0, per_group)]
    else:
        ranked_blocks = sorted(
            (b for group in ordered for b in blocks[group.key] if b.offset is not None),
            key=lambda b: (b.entries[0].coarse, b.entries[0].group_key),
        )
        unranked_blocks = sorted(
            (b for group in ordered for b in blocks[group.key] if b.offset is None),
            key=lambda b: b.entries[0].unranked_key[:2] + (b.entries[0].group_key, b.entries[0].nomination_id),
        )
        total = sum(group.size for group in ordered)
        pager = Pager(1, per_page, total)
        pager.page = min(max(page, 1), pager.pages)
        shown_groups = []
        shown = _window(ranked_blocks + unranked_blocks, pager.first, per_page)

    # The rows shown and the dossiers they tie with (the rule orders a whole block).
    ids = {e.nomination_id for block, _, _ in shown for e in block.entries}
    info, counts, sums, first_sent, decisions = _details(ids)

    def make_row(entry: _Entry) -> Row:
        n = info[entry.nomination_id]
        field_name, entry_field_id, entry_kind, label = fields_of[entry.nomination_id]
        active, final = counts.get(entry.nomination_id, (0, 0))
        sheets_counted = len(entry.summary.totals) if entry.summary else 0
        return Row(
            nomination_id=entry.nomination_id,
            title=n.title,
            nominee_name=n.nominee_name,
            unit_name=n.unit_name,
            kind=entry_kind,
            field_name=field_name,
            field_id=entry_field_id,
            group_key=entry.group_key,
            group_label=label,
            status=entry.status,
            submitted_at=first_sent.get(entry.nomination_id) or n.submitted_at,
            active_count=active,
            final_count=final,
            criterion_means=[
                sums.get((entry.nomination_id, c.id), 0.0) / sheets_counted if sheets_counted else None for c in criteria
            ],
            summary=entry.summary,
            ranking_score=entry.score,
            decision=decisions.get(entry.nomination_id),
            scores_hidden=entry.hidden,
        )

    rows: list[Row] = []
    for block, start, stop in shown:
        block_rows = [make_row(entry) for entry in block.entries]
        if block.offset is not None:
            block_rows.sort(key=sort_key)
            for position, row in enumerate(block_rows, start=block.offset + 1):
                row.rank = position
        rows.extend(block_rows[start:stop])
    if view == BY_GROUP:
        by_key: dict[tuple, list[Row]] = {}
        for row in rows:
            by_key.setdefault(row.group_key, []).append(row)
        for group in shown_groups:
            group.rows = by_key.get(group.key, [])
    # The most votes is the campaign's (one query), so a page's combined scores are the whole ranking's.
    vote_share, formula = _apply_combined(campaign, rows, max_total, use_normalised)
    return RankingPage(
        campaign_id=campaign.id,
        criteria=criteria,
        max_total=max_total,
        threshold=campaign.disagreement_threshold,
        use_normalised=use_normalised,
        stats=campaign_stats(sheets),
        view=view if view in VIEWS else OVERALL,
        groups=ordered,
        shown_groups=shown_groups,
        rows=rows,
        pager=pager,
        vote_share=vote_share,
        combined_formula=formula,
        hidden_count=len(hidden),
    )

