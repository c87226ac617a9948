"""Screening ("Tiếp nhận, sơ loại hồ sơ"): the secretary's first look at every sent dossier.

Reads: the completeness checklist (the seven rules of `nominations.eligibility`, each with its
label), duplicate warnings across campaigns, holds, and the inbox query. Each read takes a whole
page of nominations and issues a fixed number of queries, never one per row.

Operations (accept, return, reject, hold, release) check the campaign's phase, move the
nomination through `workflow.apply` (which checks role, scope and state and audits), record the
hold, and notify the nominating unit. They never commit: the request does, once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import has_request_context, url_for

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.awards.models import NominationForward
from dvkheo.campaigns.models import Campaign, CampaignStatus, NomineeKind
from dvkheo.core.audit import AuditEvent
from dvkheo.core.notifications import notify
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core import search
from dvkheo.core.text import as_sentence
from dvkheo.core.timeutil import format_date, today_in_vietnam, utcnow
from dvkheo.core.urls import query_int
from dvkheo.extensions import db
from dvkheo.nominations import eligibility, workflow
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import ACTION_LABELS, LIVE_STATES, SENT_STATES, SUBMITTED_STATES
from dvkheo.nominations.states import NominationAction as A
from dvkheo.nominations.states import NominationState as S
from dvkheo.review.models import HoldCategory, NominationHold
from dvkheo.units.models import Unit, subtree_condition

# Screening decisions are taken while dossiers come in and during review; holds until the awards.
SCREENING_PHASES = frozenset({CampaignStatus.NOMINATIONS_OPEN, CampaignStatus.REVIEW})
HOLD_PHASES = frozenset(set(CampaignStatus) - {CampaignStatus.AWARDED, CampaignStatus.CLOSED})

INBOX_PAGE_SIZE = 50
# The inbox's status filter: "" is the default (awaiting screening), "all" every sent dossier.
AWAITING = ""
ALL = "all"

# What each eligibility rule checks, as the committee reads it on the checklist.
CHECKLIST_LABELS = {
    "campaign_open": "Nộp trong thời hạn nhận hồ sơ",
    "kind_and_field_allowed": "Loại hồ sơ và lĩnh vực thuộc đợt bình xét",
    "category_configured": "Loại hình tập thể, đối tượng cá nhân hợp lệ",
    "unit_within_campaign": "Đơn vị thuộc phạm vi Cơ quan tổ chức",
    "required_sections": "Đủ nội dung báo cáo thành tích và tài liệu minh chứng",
    "public_review_passed": "Bình xét công khai tại đơn vị đạt tỷ lệ phiếu đồng ý",
    "nominee_not_duplicated": "Không trùng hồ sơ khác đang xét trong đợt",
}

# Labels of every event on a nomination's history: workflow moves plus the unit's edits.
HISTORY_LABELS = {
    "create": "Tạo hồ sơ",
    "update": "Cập nhật nội dung",
    "attach": "Đính kèm tệp",
    "detach": "Xóa tệp",
    "import": "Nhập từ tệp Excel",
    **{action.value: label for action, label in ACTION_LABELS.items()},
    "assign": "Phân công thành viên chấm điểm",
    "unassign": "Thu hồi phân công chấm điểm",
    "declare_conflict": "Thành viên báo xung đột lợi ích",
    "score_finalise": "Thành viên hoàn tất phiếu chấm",
    "score_paper": "Thư ký nhập hộ phiếu chấm giấy",
}
# Who scores a dossier is the committee's business: the unit sees its dossier's path, not its reviewers.
COMMITTEE_ONLY_EVENTS = frozenset({"assign", "unassign", "declare_conflict", "score_finalise", "score_paper"})


# --- reads --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    rule: str
    label: str
    messages: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.messages


@dataclass(frozen=True)
class Checklist:
    items: tuple[ChecklistItem, ...]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def passed_count(self) -> int:
        return sum(1 for item in self.items if item.passed)

    @property
    def complete(self) -> bool:
        return self.passed_count == self.total

    @property
    def failing(self) -> list[ChecklistItem]:
        return [item for item in self.items if not item.passed]

    def problems(self) -> list[Problem]:
        return [Problem(item.rule, message) for item in self.failing for message in item.messages]


@dataclass(frozen=True)
class Duplicate:
    """Another sent nomination of the same nominee or the same model, in any campaign."""

    nomination: Nomination
    same_nominee: bool
    same_model: bool
    visible: bool  # the viewer may open it

    @property
    def reason(self) -> str:
        parts = []
        if self.same_nominee:
            parts.append("cùng tập thể, cá nhân được đề nghị")
        if self.same_model:
            parts.append("cùng tên mô hình, điển hình")
        return "; ".join(parts).capitalize()


@dataclass
class ScreeningInfo:
    checklist: Checklist
    duplicates: list[Duplicate] = field(default_factory=list)
    open_hold: NominationHold | None = None
    forwarded_from: Nomination | None = None  # the lower level's dossier this one moved up from, never a duplicate

    @property
    def hold_due(self) -> bool:
        """The expected release date has come: the secretary should consider releasing."""
        hold = self.open_hold
        return bool(hold and hold.release_on and hold.release_on <= today_in_vietnam())


def _nominee_key_usable(key: str) -> bool:
    return bool(key) and not key.endswith(":")  # "collective:" alone means no name was typed


def find_duplicates(nominations: list[Nomination], viewer: User | None) -> dict[int, list[Duplicate]]:
    """For each nomination, the other sent nominations sharing its nominee or model name.

    One query for the candidates (with campaign and unit), and at most two to learn which of
    them the viewer may open; never one per row.
    """
    result: dict[int, list[Duplicate]] = {n.id: [] for n in nominations}
    nominee_keys = {n.nominee_key for n in nominations if _nominee_key_usable(n.nominee_key)}
    model_keys = {n.model_key for n in nominations if n.model_key}
    if not nominee_keys and not model_keys:
        return result
    conditions = []
    if nominee_keys:
        conditions.append(Nomination.nominee_key.in_(nominee_keys))
    if model_keys:
        conditions.append(Nomination.model_key.in_(model_keys))
    candidates = list(
        db.session.scalars(
            sa.select(Nomination)
            .where(Nomination.status != S.DRAFT, sa.or_(*conditions))
            .options(so.joinedload(Nomination.campaign), so.joinedload(Nomination.unit))
            .order_by(Nomination.id)
        )
    )
    by_nominee: dict[str, list[Nomination]] = {}
    by_model: dict[str, list[Nomination]] = {}
    for other in candidates:
        by_nominee.setdefault(other.nominee_key, []).append(other)
        by_model.setdefault(other.model_key, []).append(other)
    pairs = []
    for nomination in nominations:
        same_nominee = by_nominee.get(nomination.nominee_key, []) if _nominee_key_usable(nomination.nominee_key) else []
        same_model = by_model.get(nomination.model_key, []) if nomination.model_key else []
        nominee_ids = {other.id for other in same_nominee}
        model_ids = {other.id for other in same_model}
        others = {other.id: other for other in same_nominee + same_model if other.id != nomination.id}
        for other_id in sorted(others):
            pairs.append((nomination.id, others[other_id], other_id in nominee_ids, other_id in model_ids))
    chain = _forward_chains({nomination_id for nomination_id, _, _, _ in pairs} | {other.id for _, other, _, _ in pairs})
    pairs = [pair for pair in pairs if chain.get(pair[0], pair[0]) != chain.get(pair[1].id, pair[1].id)]
    visible = _visible_ids(viewer, sorted({other.id for _, other, _, _ in pairs}))
    for nomination_id, other, same_nominee, same_model in pairs:
        result[nomination_id].append(Duplicate(other, same_nominee, same_model, other.id in visible))
    return result


def _forward_chains(ids: set[int]) -> dict[int, int]:
    """The dossier each id started as, for ids linked by "đề nghị cấp trên": a dossier forwarded up from a lower
    campaign (and forwarded again from there) is the same dossier moving up, never a duplicate of its origin.
    One query when there is anything to compare; ids that were never forwarded are left out."""
    if len(ids) < 2:
        return {}
    links = db.session.execute(
        sa.select(NominationForward.target_nomination_id, NominationForward.source_nomination_id).where(
            NominationForward.target_nomination_id.in_(ids), NominationForward.source_nomination_id.in_(ids)
        )
    ).all()
    parent = dict(links)
    roots = {}
    for nomination_id in {*parent, *parent.values()}:
        root, seen = nomination_id, set()
        while root in parent and root not in seen:
            seen.add(root)
            root = parent[root]
        roots[nomination_id] = root
    return roots


def _visible_ids(viewer: User | None, ids: list[int]) -> set[int]:
    if not ids or viewer is None or not viewer.is_authenticated:
        return set()
    visible = set(
        db.session.scalars(access.visible_nominations(viewer).with_only_columns(Nomination.id).where(Nomination.id.in_(ids)))
    )
    if viewer.role in access.COUNCIL_ROLES:
        # A council member also opens the dossiers assigned to them (access.can_view_nomination).
        from dvkheo.review.models import AssignmentStatus, ReviewAssignment

        visible |= set(
            db.session.scalars(
                sa.select(ReviewAssignment.nomination_id).where(
                    ReviewAssignment.reviewer_id == viewer.id,
                    ReviewAssignment.status == AssignmentStatus.ACTIVE,
                    ReviewAssignment.nomination_id.in_(ids),
                )
            )
        )
    return visible


def _submitted_in_time(nomination: Nomination) -> list[Problem]:
    """`eligibility.campaign_open` as the committee reads it.

    A sent dossier passed that rule at the moment it was sent (the submit and resubmit guards
    check it), so it is not judged again against today's phase; an unsent draft is.
    """
    if nomination.status is S.DRAFT:
        return eligibility.campaign_open(nomination)
    return []


def _duplicate_rule(nomination: Nomination, duplicates: list[Duplicate]) -> list[Problem]:
    """`eligibility.nominee_not_duplicated`, answered from the page's duplicate query."""
    for duplicate in duplicates:
        other = duplicate.nomination
        if duplicate.same_nominee and other.campaign_id == nomination.campaign_id and other.status in LIVE_STATES:
            return [
                Problem(
                    "nominee_unique",
                    f"“{nomination.nominee_name}” đã có hồ sơ khác đang được xét trong đợt này "
                    f"(hồ sơ số {other.id}, {other.unit.name}).",
                    "nominee_name",
                )
            ]
    return []


def build_checklist(nomination: Nomination, duplicates: list[Duplicate]) -> Checklist:
    """Every eligibility rule with its label, passed or not, and its messages."""
    items = []
    for rule in eligibility.RULES:
        name = rule.__name__
        if name == "campaign_open":
            problems = _submitted_in_time(nomination)
        elif name == "nominee_not_duplicated":
            problems = _duplicate_rule(nomination, duplicates)
        else:
            problems = rule(nomination)
        items.append(ChecklistItem(name, CHECKLIST_LABELS.get(name, name), tuple(p.message for p in problems)))
    return Checklist(tuple(items))


def open_holds(nominations: list[Nomination]) -> dict[int, NominationHold]:
    """The open hold of each nomination now on hold, in one query."""
    ids = [n.id for n in nominations if n.status is S.ON_HOLD]
    if not ids:
        return {}
    holds = db.session.scalars(
        sa.select(NominationHold)
        .where(NominationHold.nomination_id.in_(ids), NominationHold.released_at.is_(None))
        .order_by(NominationHold.placed_at, NominationHold.id)
    )
    return {hold.nomination_id: hold for hold in holds}  # the latest open one wins


def screening_info(nominations: list[Nomination], viewer: User | None) -> dict[int, ScreeningInfo]:
    """Checklist, duplicates and open hold for a page of nominations, in a bounded number of queries.

    The nominations should come with what the rules read eager-loaded (see `ELIGIBILITY_LOADS`).
    """
    duplicates = find_duplicates(nominations, viewer)
    holds = open_holds(nominations)
    origins = forwarded_from(nominations)
    return {
        n.id: ScreeningInfo(
            checklist=build_checklist(n, duplicates[n.id]),
            duplicates=duplicates[n.id],
            open_hold=holds.get(n.id),
            forwarded_from=origins.get(n.id),
        )
        for n in nominations
    }


def forwarded_from(nominations: list[Nomination]) -> dict[int, Nomination]:
    """The lower level's dossier each of these was forwarded from ("đề nghị cấp trên"), with its campaign; one query."""
    ids = [n.id for n in nominations]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(NominationForward.target_nomination_id, Nomination)
        .join(Nomination, Nomination.id == NominationForward.source_nomination_id)
        .where(NominationForward.target_nomination_id.in_(ids))
        .options(so.joinedload(Nomination.campaign))
    )
    return {target_id: source for target_id, source in rows}


# What the eligibility rules read on each row, loaded with the page instead of row by row.
ELIGIBILITY_LOADS = (
    so.joinedload(Nomination.unit),
    so.joinedload(Nomination.field),
    so.joinedload(Nomination.collective_type),
    so.joinedload(Nomination.individual_category),
    so.selectinload(Nomination.attachments),
    so.joinedload(Nomination.campaign).joinedload(Campaign.organising_unit),
)


def holds_of(nomination: Nomination) -> list[NominationHold]:
    """Every hold of a nomination, newest first, with who placed and released it."""
    return list(
        db.session.scalars(
            sa.select(NominationHold)
            .where(NominationHold.nomination_id == nomination.id)
            .options(so.joinedload(NominationHold.placed_by), so.joinedload(NominationHold.released_by))
            .order_by(NominationHold.placed_at.desc(), NominationHold.id.desc())
        )
    )


def history_notes(events: list[AuditEvent]) -> dict[int, list[str]]:
    """Readable extra lines for history events (a hold's category and expected release date, the
    reviewer an assignment names), with the reviewers' names read in one query."""
    reviewer_ids = {
        (event.details or {}).get("reviewer_id") for event in events if event.action in COMMITTEE_ONLY_EVENTS
    } - {None}
    names = dict(db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(reviewer_ids))).tuples().all()) if reviewer_ids else {}
    notes: dict[int, list[str]] = {}
    for event in events:
        details = event.details or {}
        lines = []
        if details.get("reviewer_id") in names:
            source = " (phân công tự động)" if details.get("source") == "auto" else ""
            lines.append(f"Thành viên: {names[details['reviewer_id']]}{source}")
        if event.action == A.HOLD.value:
            category = details.get("category")
            if category in HoldCategory._value2member_map_:
                lines.append(f"Diện tạm dừng: {HoldCategory(category).label}")
            if details.get("release_on"):
                lines.append(f"Dự kiến xem xét gỡ: {format_date(date.fromisoformat(details['release_on']))}")
        if lines:
            notes[event.id] = lines
    return notes


SYSTEM_ACTOR = "Hệ thống"
# How a reviewer of the dossier is shown, should one ever appear as an actor, to readers outside the committee.
COMMITTEE_ACTOR = "Hội đồng xét chọn"


def visible_history(nomination: Nomination, viewer) -> tuple[list[AuditEvent], dict[int, str]]:
    """The dossier's history as `viewer` may read it, and the name shown for each event's actor.

    The committee (see `access.can_see_reviewers`) reads every event under its actor's name.
    Anyone else (the unit, an assigned reviewer) gets no event that names a reviewer, and no
    reviewer of this dossier (live, removed or conflicted) is named as an actor: automatic steps
    read "Hệ thống" in any case. One more query than the history itself for such readers.
    """
    from dvkheo.core import audit

    events = audit.history("nomination", nomination.id)
    reveal = access.can_see_reviewers(viewer, nomination)
    hidden: set[int] = set()
    if not reveal:
        from dvkheo.review.models import ReviewAssignment

        events = [event for event in events if event.action not in COMMITTEE_ONLY_EVENTS]
        hidden = set(
            db.session.scalars(sa.select(ReviewAssignment.reviewer_id).where(ReviewAssignment.nomination_id == nomination.id))
        )
    names = {}
    for event in events:
        if event.actor is None:
            names[event.id] = SYSTEM_ACTOR
        elif event.actor_id in hidden:
            names[event.id] = COMMITTEE_ACTOR
        else:
            names[event.id] = event.actor.full_name
    return events, names


# --- the inbox ---------------------------------------------------------------------------------


@dataclass
class InboxFilters:
    status: str = AWAITING
    field_id: int | None = None
    kind: NomineeKind | None = None
    unit: Unit | None = None
    q: str = ""

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for pagination and redirects)."""
        args = {
            "status": self.status,
            "field": str(self.field_id) if self.field_id else "",
            "kind": self.kind.value if self.kind else "",
            "unit": str(self.unit.id) if self.unit else "",
            "q": self.q,
        }
        return {key: value for key, value in args.items() if value}


def parse_filters(campaign: Campaign, args) -> InboxFilters:
    """Read the inbox's GET arguments; values outside the campaign are ignored."""
    filters = InboxFilters(q=(args.get("q") or "").strip()[:200])
    status = (args.get("status") or "").strip()
    if status == ALL or status in {s.value for s in SENT_STATES}:
        filters.status = status
    field_id = query_int("field", source=args)
    if field_id in {f.id for f in campaign.allowed_fields}:
        filters.field_id = field_id
    kind = (args.get("kind") or "").strip()
    if kind in NomineeKind._value2member_map_:
        filters.kind = NomineeKind(kind)
    unit_id = query_int("unit", source=args)
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is not None and unit.is_within(campaign.organising_unit):
            filters.unit = unit
    return filters


def inbox_query(campaign: Campaign, filters: InboxFilters) -> sa.Select:
    """The campaign's sent dossiers matching `filters`, oldest submission first, rules' data eager-loaded."""
    query = sa.select(Nomination).where(Nomination.campaign_id == campaign.id).options(*ELIGIBILITY_LOADS)
    if filters.status == AWAITING:
        query = query.where(Nomination.status.in_(SUBMITTED_STATES))
    elif filters.status == ALL:
        query = query.where(Nomination.status != S.DRAFT)
    else:
        query = query.where(Nomination.status == S(filters.status))
    if filters.field_id:
        query = query.where(Nomination.field_id == filters.field_id)
    if filters.kind:
        query = query.where(Nomination.kind == filters.kind)
    if filters.unit is not None:
        query = query.where(Nomination.unit_id.in_(sa.select(Unit.id).where(subtree_condition(filters.unit))))
    if filters.q:
        query = query.where(search.matches(filters.q, Nomination.search_text))
    return query.order_by(Nomination.submitted_at, Nomination.id)


def unit_choices(campaign: Campaign) -> list[tuple[Unit, int]]:
    """Units for the inbox's unit filter: those that sent dossiers and the units between them and the
    organising unit, in tree order, each with its depth below the organising unit. Two queries."""
    root = campaign.organising_unit
    paths = db.session.scalars(
        sa.select(Unit.path)
        .where(Unit.id.in_(sa.select(Nomination.unit_id).where(Nomination.campaign_id == campaign.id, Nomination.status != S.DRAFT)))
        .distinct()
    )
    ids = set()
    for path in paths:
        parts = [int(part) for part in path.strip("/").split("/") if part]
        ids.update(parts[root.depth:])  # from the organising unit down
    if not ids:
        return []
    units = db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids), subtree_condition(root)).order_by(Unit.path))
    return [(unit, unit.depth - root.depth) for unit in units]


# --- operations --------------------------------------------------------------------------------


def _require_screening_phase(campaign: Campaign) -> None:
    if campaign.status not in SCREENING_PHASES:
        raise RuleRefused(
            [
                Problem(
                    "phase",
                    f"Đợt bình xét đang ở giai đoạn “{campaign.status.label}”: chỉ tiếp nhận, trả lại hoặc không tiếp nhận "
                    "hồ sơ trong giai đoạn nhận hồ sơ hoặc sơ loại và chấm điểm.",
                )
            ]
        )


def _require_hold_phase(campaign: Campaign) -> None:
    if campaign.status not in HOLD_PHASES:
        raise RuleRefused(
            [
                Problem(
                    "phase",
                    f"Đợt bình xét đang ở giai đoạn “{campaign.status.label}”: không thể tạm dừng xét hoặc gỡ tạm dừng xét nữa.",
                )
            ]
        )


def _dossier_link(nomination: Nomination) -> str:
    if has_request_context():
        return url_for("nominations.show", nomination_id=nomination.id)
    return f"/nominations/{nomination.id}"


def unit_submitters(nomination: Nomination) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(
                User.unit_id == nomination.unit_id, User.role == Role.UNIT_SUBMITTER, User.active.is_(True)
            ).order_by(User.id)
        )
    )


def _notify_unit(nomination: Nomination, message: str) -> None:
    link = _dossier_link(nomination)
    for user in unit_submitters(nomination):
        notify(user, message, link, subject="Kết quả sơ loại hồ sơ đề nghị “Dân vận khéo”")


def _name(nomination: Nomination) -> str:
    return f"“{nomination.display_title}” (hồ sơ số {nomination.id})"


def accept(nomination: Nomination, actor: User, info: ScreeningInfo | None = None) -> S:
    """Tiếp nhận a dossier that passes the whole checklist.

    Side effects, in order: checks the phase and the checklist, moves the nomination to
    accepted (workflow, audited), notifies the unit's submitters.
    """
    _require_screening_phase(nomination.campaign)
    if (nomination.status, A.ACCEPT) in workflow.TRANSITIONS:  # otherwise `apply` explains the state
        info = info or screening_info([nomination], actor)[nomination.id]
        if not info.checklist.complete:
            raise RuleRefused(
                [Problem("checklist", f"Chưa thể tiếp nhận: hồ sơ mới đạt {info.checklist.passed_count}/{info.checklist.total} yêu cầu.")]
                + info.checklist.problems()
            )
    target = workflow.apply(nomination, A.ACCEPT, actor)
    _notify_unit(nomination, f"Hồ sơ {_name(nomination)} đã được tiếp nhận để Hội đồng xét chọn.")
    return target


def accept_many(nominations: list[Nomination], actor: User) -> list[Problem]:
    """Tiếp nhận several dossiers, all or nothing.

    Returns the problems of the dossiers that cannot be accepted, each prefixed with the
    dossier's number; when there is any, the caller rolls back and nothing is accepted.
    """
    if nominations:
        _require_screening_phase(nominations[0].campaign)
    infos = screening_info(nominations, actor)
    problems: list[Problem] = []
    for nomination in nominations:
        try:
            accept(nomination, actor, infos[nomination.id])
        except RuleRefused as refused:
            if any(p.rule == "permission" for p in refused.problems):
                raise
            reasons = [p.message for p in refused.problems if p.rule != "checklist"] or [refused.problems[0].message]
            problems.append(Problem("bulk_accept", f"Hồ sơ số {nomination.id} “{nomination.display_title}”: " + " ".join(reasons)))
    return problems


def return_for_completion(nomination: Nomination, actor: User, reason: str) -> S:
    """Trả lại để bổ sung: phase check, workflow move with the reason, notice to the unit."""
    _require_screening_phase(nomination.campaign)
    target = workflow.apply(nomination, A.RETURN, actor, reason=reason)
    _notify_unit(nomination, f"Hồ sơ {_name(nomination)} được trả lại để bổ sung. Nội dung cần bổ sung: {as_sentence(reason)}")
    return target


def reject(nomination: Nomination, actor: User, reason: str) -> S:
    """Không tiếp nhận: phase check, workflow move with the reason, notice to the unit."""
    _require_screening_phase(nomination.campaign)
    target = workflow.apply(nomination, A.REJECT, actor, reason=reason)
    _notify_unit(nomination, f"Hồ sơ {_name(nomination)} không được tiếp nhận. Lý do: {as_sentence(reason)}")
    return target


def place_hold(nomination: Nomination, actor: User, category: HoldCategory, reason: str, release_on: date | None) -> NominationHold:
    """Tạm dừng xét (Decree 152/2025: discipline, investigation, inspection, complaint, denunciation).

    Side effects, in order: checks the phase, the reason and the expected release date (today or
    later), moves the nomination to on hold (workflow, audited, remembering where it was), records
    the `NominationHold`, notifies the unit's submitters.
    """
    _require_hold_phase(nomination.campaign)
    reason = (reason or "").strip()
    problems = []
    if not reason:
        problems.append(Problem("reason", "Vui lòng ghi rõ lý do tạm dừng xét.", "reason"))
    if release_on is None:
        problems.append(Problem("release_on", "Vui lòng nhập ngày dự kiến xem xét gỡ tạm dừng xét.", "release_on"))
    elif release_on < today_in_vietnam():
        problems.append(
            Problem(
                "release_on",
                f"Ngày dự kiến gỡ tạm dừng xét ({format_date(release_on)}) đã qua; vui lòng chọn từ hôm nay "
                f"({format_date(today_in_vietnam())}) trở đi.",
                "release_on",
            )
        )
    if problems:
        raise RuleRefused(problems)
    previous = nomination.status
    workflow.apply(
        nomination, A.HOLD, actor, reason=reason,
        details={"category": category.value, "release_on": release_on.isoformat()},
    )
    hold = NominationHold(
        nomination=nomination, category=category, reason=reason, release_on=release_on,
        previous_status=previous, placed_by_id=actor.id,
    )
    db.session.add(hold)
    db.session.flush()
    _notify_unit(
        nomination,
        f"Hồ sơ {_name(nomination)} được tạm dừng xét ({category.label}). Lý do: {as_sentence(reason)} "
        f"Ngày dự kiến xem xét gỡ: {format_date(release_on)}.",
    )
    return hold


def release_hold(nomination: Nomination, actor: User, note: str = "") -> S:
    """Gỡ tạm dừng xét: back to the state it was held from; closes the open hold; notifies the unit."""
    _require_hold_phase(nomination.campaign)
    note = (note or "").strip()
    hold = open_holds([nomination]).get(nomination.id)
    target = workflow.apply(nomination, A.RELEASE, actor, reason=note or None, details={"hold_id": hold.id} if hold else None)
    if hold is not None:
        hold.released_at = utcnow()
        hold.released_by_id = actor.id
        hold.release_note = note
    _notify_unit(nomination, f"Hồ sơ {_name(nomination)} đã được gỡ tạm dừng xét và tiếp tục được xét ({target.label}).")
    return target
