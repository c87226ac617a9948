"""Who scores which dossier: conflicts of interest, manual and balanced assignment, declared conflicts.

Business actions here change objects, flush, audit and notify; they never commit (the view does,
once). Refusals raise `RuleRefused` with Vietnamese `Problem`s.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.campaigns.models import Campaign, CampaignStatus
from dvkheo.core import audit
from dvkheo.core.notifications import notice_link, notify
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.timeutil import utcnow
from dvkheo.council.models import CouncilMember
from dvkheo.extensions import db
from dvkheo.nominations import workflow
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import ASSIGNABLE_STATES, NominationAction, NominationState
from dvkheo.review.models import AssignmentStatus, ReviewAssignment
from dvkheo.units.models import Unit

NOT_REVIEW_PHASE = "Chỉ phân công chấm điểm khi đợt bình xét đang ở giai đoạn “Sơ loại và chấm điểm”."


# --- the conflict rule -----------------------------------------------------------------------


def conflict_reason(reviewer_unit, nominating_unit, organising_unit) -> str | None:
    """Why a reviewer of `reviewer_unit` may not score a dossier of `nominating_unit`, or None.

    A conflict of interest ("Xung đột lợi ích") exists when the reviewer's unit is
    1. the nominating unit itself;
    2. a unit below it (a body under the nominating commune speaks for its own superior); or
    3. a unit above it *strictly below the campaign's organising unit* (a district judging its
       own commune).
    The organising unit and every unit above it are exempt from rule 3: the organising
    committee's own staff sit on the council by function, and every dossier of the campaign
    comes from below the organising unit, so rule 3 would otherwise exclude the whole committee.
    A reviewer without a unit has no tree conflict. Declared conflicts (assignment status
    CONFLICT) are a separate, per-dossier fact handled by the callers.
    Units are `Unit` rows or anything with `id`, `path` and `name`; only the materialised paths
    are compared: no query, safe to call 250,000 times.
    """
    if reviewer_unit is None:
        return None
    if reviewer_unit.id == nominating_unit.id:
        return f"Xung đột lợi ích: thành viên công tác tại chính đơn vị đề nghị (“{nominating_unit.name}”)."
    if reviewer_unit.path.startswith(nominating_unit.path):
        return f"Xung đột lợi ích: đơn vị của thành viên (“{reviewer_unit.name}”) trực thuộc đơn vị đề nghị."
    below_organiser = reviewer_unit.path.startswith(organising_unit.path) and reviewer_unit.id != organising_unit.id
    if below_organiser and nominating_unit.path.startswith(reviewer_unit.path):
        return f"Xung đột lợi ích: đơn vị của thành viên (“{reviewer_unit.name}”) là cấp trên của đơn vị đề nghị."
    return None


# --- reads -----------------------------------------------------------------------------------


def council_scorers(campaign: Campaign, *, automatic_only: bool = True) -> list[User]:
    """Council members who may score: users of role REVIEWER or CHAIR, active, ordered by id (units loaded).

    With `automatic_only`, only members marked to receive dossiers (`scores_nominations`).
    """
    query = (
        sa.select(User)
        .join(CouncilMember, CouncilMember.user_id == User.id)
        .where(
            CouncilMember.campaign_id == campaign.id,
            User.role.in_(access.COUNCIL_ROLES),
            User.active.is_(True),
        )
        .options(so.joinedload(User.unit))
        .order_by(User.id)
    )
    if automatic_only:
        query = query.where(CouncilMember.scores_nominations.is_(True))
    return list(db.session.scalars(query))


def campaign_loads(campaign_id: int) -> dict[int, int]:
    """Active assignments per reviewer in one campaign (finalised ones included), in one query."""
    rows = db.session.execute(
        sa.select(ReviewAssignment.reviewer_id, sa.func.count())
        .join(Nomination, ReviewAssignment.nomination_id == Nomination.id)
        .where(Nomination.campaign_id == campaign_id, ReviewAssignment.status == AssignmentStatus.ACTIVE)
        .group_by(ReviewAssignment.reviewer_id)
    )
    return {reviewer_id: count for reviewer_id, count in rows}


def campaign_secretaries(campaign: Campaign) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(
                User.role == Role.SECRETARY, User.unit_id == campaign.organising_unit_id, User.active.is_(True)
            ).order_by(User.id)
        )
    )


# --- single changes --------------------------------------------------------------------------


def _require_review_phase(campaign: Campaign) -> None:
    if campaign.status is not CampaignStatus.REVIEW:
        raise RuleRefused([Problem("phase", NOT_REVIEW_PHASE)])


def _require_assignable(nomination: Nomination) -> None:
    if nomination.status not in ASSIGNABLE_STATES:
        raise RuleRefused(
            [Problem("state", f"Không thể phân công chấm điểm hồ sơ đang ở trạng thái “{nomination.status.label}”.")]
        )


def _after_new_reviewer(nomination: Nomination, actor: User) -> None:
    """An accepted dossier starts its review; a scored one is reopened for the newcomer."""
    if nomination.status is NominationState.ACCEPTED:
        workflow.apply(nomination, NominationAction.START_REVIEW, actor)
    elif nomination.status is NominationState.SCORED:
        workflow.apply(nomination, NominationAction.REOPEN_SCORING, actor, reason="Phân công thêm thành viên chấm điểm")


def _activate(nomination: Nomination, reviewer: User, actor: User, source: str, existing: ReviewAssignment | None):
    if existing is None:
        existing = ReviewAssignment(nomination=nomination, reviewer=reviewer)
        db.session.add(existing)
    existing.status = AssignmentStatus.ACTIVE
    existing.source = source
    existing.assigned_by_id = actor.id
    existing.assigned_at = utcnow()
    existing.finalised_at = None
    existing.final_total = None
    db.session.flush()
    return existing


def assign(nomination: Nomination, reviewer: User, actor: User, *, source: str = "manual", details: dict | None = None) -> ReviewAssignment:
    """Give `reviewer` the dossier to score.

    Side effects, in order: checks the phase, the dossier's state, council membership and
    conflicts (tree rule and a declared conflict); creates or reactivates the assignment; records
    an "assign" audit event; moves an ACCEPTED dossier to IN_REVIEW (START_REVIEW) or a SCORED
    one back to IN_REVIEW (REOPEN_SCORING).
    """
    campaign = nomination.campaign
    _require_review_phase(campaign)
    _require_assignable(nomination)
    if reviewer.id not in {user.id for user in council_scorers(campaign, automatic_only=False)}:
        raise RuleRefused([Problem("reviewer", "Người được chọn không phải Thành viên Hội đồng của đợt bình xét này.", "reviewer_id")])
    existing = db.session.scalar(
        sa.select(ReviewAssignment).where(
            ReviewAssignment.nomination_id == nomination.id, ReviewAssignment.reviewer_id == reviewer.id
        )
    )
    if existing is not None and existing.status is AssignmentStatus.ACTIVE:
        raise RuleRefused([Problem("duplicate", f"{reviewer.full_name} đã được phân công chấm hồ sơ này.", "reviewer_id")])
    if existing is not None and existing.status is AssignmentStatus.CONFLICT:
        raise RuleRefused(
            [Problem("conflict", f"{reviewer.full_name} đã khai báo xung đột lợi ích với hồ sơ này; không thể phân công lại.", "reviewer_id")]
        )
    reason = conflict_reason(reviewer.unit, nomination.unit, campaign.organising_unit)
    if reason:
        raise RuleRefused([Problem("conflict", f"Không thể phân công {reviewer.full_name}. {reason}", "reviewer_id")])
    assignment = _activate(nomination, reviewer, actor, source, existing)
    audit.record("nomination", nomination.id, "assign", actor, details={"reviewer_id": reviewer.id, "source": source, **(details or {})})
    _after_new_reviewer(nomination, actor)
    notify_assigned(reviewer, campaign, [nomination.display_title])
    return assignment


def notify_assigned(reviewer: User, campaign: Campaign, titles: list[str]) -> None:
    """Tell a reviewer what they now have to score (one notice per assignment action, however many dossiers)."""
    if not titles:
        return
    deadline = f" Hạn chấm điểm: {campaign.review_close_on.strftime('%d/%m/%Y')}." if campaign.review_close_on else ""
    what = f"hồ sơ “{titles[0]}”" if len(titles) == 1 else f"{len(titles)} hồ sơ"
    notify(
        reviewer,
        f"Bạn được phân công chấm điểm {what} ({campaign.title}).{deadline}",
        notice_link("review.queue"),
        subject="Phân công chấm điểm hồ sơ “Dân vận khéo”",
    )


def unassign(assignment: ReviewAssignment, actor: User) -> None:
    """Withdraw an assignment ("Thu hồi phân công") that the reviewer has not finalised.

    Side effects: status REMOVED (scores typed so far are kept with it), an "unassign" audit
    event; when every remaining reviewer has already finalised, the dossier's scoring is
    completed (COMPLETE_SCORING, recorded under the system).
    """
    nomination = assignment.nomination
    _require_review_phase(nomination.campaign)
    if assignment.status is not AssignmentStatus.ACTIVE:
        raise RuleRefused([Problem("state", "Phân công này không còn hiệu lực.")])
    if assignment.finalised_at is not None:
        raise RuleRefused(
            [Problem("final", f"{assignment.reviewer.full_name} đã hoàn tất chấm điểm hồ sơ này; không thể thu hồi phân công.")]
        )
    assignment.status = AssignmentStatus.REMOVED
    db.session.flush()
    audit.record("nomination", nomination.id, "unassign", actor, details={"reviewer_id": assignment.reviewer_id})
    _complete_if_all_final(nomination, actor)


def _complete_if_all_final(nomination: Nomination, actor: User) -> bool:
    from dvkheo.review import queries

    if nomination.status is not NominationState.IN_REVIEW:
        return False
    active, final = queries.assignment_progress(nomination.id)
    if active and active == final:
        workflow.apply(nomination, NominationAction.COMPLETE_SCORING, actor)
        return True
    return False


# --- declared conflicts ----------------------------------------------------------------------


def least_loaded_eligible(nomination: Nomination) -> User | None:
    """The eligible automatic scorer with the fewest active assignments in the campaign (ties: lowest id)."""
    campaign = nomination.campaign
    taken = set(
        db.session.scalars(
            sa.select(ReviewAssignment.reviewer_id).where(
                ReviewAssignment.nomination_id == nomination.id,
                ReviewAssignment.status.in_([AssignmentStatus.ACTIVE, AssignmentStatus.CONFLICT]),
            )
        )
    )
    loads = campaign_loads(campaign.id)
    candidates = [
        user
        for user in council_scorers(campaign)
        if user.id not in taken and conflict_reason(user.unit, nomination.unit, campaign.organising_unit) is None
    ]
    return min(candidates, key=lambda user: (loads.get(user.id, 0), user.id), default=None)


def declare_conflict(assignment: ReviewAssignment, reason: str, actor: User) -> User | None:
    """The reviewer declares a conflict of interest with this dossier; returns the replacement, if any.

    Side effects, in order: the assignment becomes CONFLICT with the reason and time (so the
    reviewer is never assigned this dossier again); a "declare_conflict" audit event; when the
    campaign is in review and the dossier assignable, the least-loaded eligible member is
    assigned (source "auto", audited "assign"); the campaign's secretaries are notified of the
    replacement, or that the dossier lacks a reviewer.
    """
    reason = (reason or "").strip()
    if not reason:
        raise RuleRefused([Problem("reason", "Vui lòng nêu lý do xung đột lợi ích.", "reason")])
    if assignment.status is not AssignmentStatus.ACTIVE or assignment.finalised_at is not None:
        raise RuleRefused([Problem("state", "Chỉ khai báo xung đột lợi ích khi chưa hoàn tất chấm điểm.")])
    nomination = assignment.nomination
    campaign = nomination.campaign
    assignment.status = AssignmentStatus.CONFLICT
    assignment.conflict_reason = reason
    assignment.conflict_declared_at = utcnow()
    db.session.flush()
    audit.record(
        "nomination", nomination.id, "declare_conflict", actor, reason=reason,
        details={"reviewer_id": assignment.reviewer_id},
    )

    replacement = None
    if campaign.status is CampaignStatus.REVIEW and nomination.status in ASSIGNABLE_STATES:
        replacement = least_loaded_eligible(nomination)
    if replacement is not None:
        existing = db.session.scalar(
            sa.select(ReviewAssignment).where(
                ReviewAssignment.nomination_id == nomination.id, ReviewAssignment.reviewer_id == replacement.id
            )
        )
        _activate(nomination, replacement, actor, "auto", existing)
        audit.record(
            "nomination", nomination.id, "assign", actor,
            details={"reviewer_id": replacement.id, "source": "auto", "replaces": assignment.reviewer_id},
        )
        notify(
            replacement,
            f"Bạn được phân công chấm điểm hồ sơ “{nomination.display_title}” ({campaign.title}).",
            url_for("review.queue"),
        )
        message = (
            f"{assignment.reviewer.full_name} khai báo xung đột lợi ích với hồ sơ “{nomination.display_title}”. "
            f"Hồ sơ đã được phân công lại cho {replacement.full_name}."
        )
    else:
        message = (
            f"{assignment.reviewer.full_name} khai báo xung đột lợi ích với hồ sơ “{nomination.display_title}”. "
            "Không còn Thành viên Hội đồng phù hợp: hồ sơ đang thiếu người chấm, vui lòng phân công bổ sung."
        )
    link = url_for("review.assignments", campaign_id=campaign.id)
    for secretary in campaign_secretaries(campaign):
        notify(secretary, message, link)
    return replacement


# --- balanced automatic assignment ----------------------------------------------------------


class _UnitKey(NamedTuple):
    """What the conflict rule reads of a unit, detached from the ORM."""

    id: int
    path: str
    name: str

    @classmethod
    def of(cls, unit: Unit | None) -> "_UnitKey | None":
        return None if unit is None else cls(unit.id, unit.path, unit.name)


@dataclass
class Shortfall:
    nomination_id: int
    title: str
    has: int
    needs: int


@dataclass
class AutoResult:
    created: int = 0
    dossiers: int = 0
    shortfalls: list[Shortfall] = field(default_factory=list)


def plan_balanced(
    nominations: list[tuple[int, int]],
    members: list[int],
    loads: dict[int, int],
    eligible: dict[int, list[int]],
) -> dict[int, list[int]]:
    """Which members each dossier gets: a pure, deterministic greedy plan.

    `nominations` is [(nomination id, reviewers still needed)], `eligible[n]` the members allowed
    on dossier n (conflicts and current reviewers already excluded), `loads` the members' current
    active assignments (updated in place). Dossiers with the fewest eligible members per missing
    reviewer go first; each takes the least-loaded eligible members, ties broken by user id.
    Without conflicts this alone keeps max load − min load ≤ 1 (each step raises only minimum
    loads); with conflicts the greedy pass can strand a member, so `_rebalance` then moves new
    assignments along chains of eligible members until no move narrows the spread.
    """
    for member in members:
        loads.setdefault(member, 0)
    order = sorted(
        (item for item in nominations if item[1] > 0),
        key=lambda item: (len(eligible.get(item[0], ())) - item[1], item[0]),
    )
    plan: dict[int, list[int]] = {}
    for nomination_id, needed in order:
        candidates = sorted(eligible.get(nomination_id, ()), key=lambda member: (loads[member], member))
        chosen = candidates[:needed]
        for member in chosen:
            loads[member] += 1
        if chosen:
            plan[nomination_id] = chosen
    _rebalance(plan, {n: set(allowed) for n, allowed in eligible.items()}, loads)
    return plan


def _rebalance(plan: dict[int, list[int]], eligible: dict[int, set[int]], loads: dict[int, int]) -> None:
    """Move planned assignments from heavy to light members while that narrows the spread.

    From a member u, a breadth-first search follows "u can take dossier d from member v" (u is
    eligible for d and not yet on it) until it reaches a member at least two dossiers heavier
    than u; shifting along that path raises u by one, lowers the end by one and leaves the
    members between unchanged. The sum of squared loads falls with every shift, so it ends.
    Only this run's new assignments move; existing ones stay where the secretary put them.
    """
    holders: dict[int, set[int]] = defaultdict(set)
    for nomination_id, chosen in plan.items():
        for member in chosen:
            holders[member].add(nomination_id)
    members = sorted(loads)

    def takeable(taker: int, giver: int) -> int | None:
        for nomination_id in sorted(holders[giver]):
            if taker in eligible.get(nomination_id, ()) and taker not in plan[nomination_id]:
                return nomination_id
        return None

    def shift_path(source: int) -> bool:
        parent: dict[int, tuple[int, int]] = {}
        visited, frontier = {source}, [source]
        while frontier:
            next_frontier = []
            for taker in frontier:
                for giver in members:
                    if giver in visited or not holders[giver]:
                        continue
                    nomination_id = takeable(taker, giver)
                    if nomination_id is None:
                        continue
                    parent[giver] = (taker, nomination_id)
                    visited.add(giver)
                    if loads[giver] >= loads[source] + 2:
                        member = giver
                        while member in parent:
                            receiver, moved = parent[member]
                            plan[moved][plan[moved].index(member)] = receiver
                            holders[member].discard(moved)
                            holders[receiver].add(moved)
                            loads[member] -= 1
                            loads[receiver] += 1
                            member = receiver
                        return True
                    next_frontier.append(giver)
            frontier = next_frontier
        return False

    while members and max(loads.values()) - min(loads.values()) > 1:
        if not any(shift_path(source) for source in sorted(members, key=lambda m: (loads[m], m))):
            break


def auto_assign(campaign: Campaign, actor: User) -> AutoResult:
    """Give every assignable dossier `campaign.reviewers_per_nomination` active reviewers, balancing loads.

    Reads members, dossiers (with units) and existing assignments in a few queries, plans in
    memory (`plan_balanced`), bulk-inserts the new assignments, records one "assign" audit event
    per new reviewer (source "auto"), then starts the review of ACCEPTED dossiers and reopens
    SCORED ones through the workflow. Dossiers on hold are not assignable and are skipped.
    Returns how many assignments were made and which dossiers still lack reviewers.
    """
    _require_review_phase(campaign)
    k = campaign.reviewers_per_nomination
    members = council_scorers(campaign)
    organiser = campaign.organising_unit
    nominations = list(
        db.session.scalars(
            sa.select(Nomination)
            .where(Nomination.campaign_id == campaign.id, Nomination.status.in_(ASSIGNABLE_STATES))
            .options(so.joinedload(Nomination.unit))
            .order_by(Nomination.id)
        )
    )
    by_id = {n.id: n for n in nominations}
    existing: dict[int, dict[int, tuple[int, AssignmentStatus]]] = defaultdict(dict)
    rows = db.session.execute(
        sa.select(ReviewAssignment.id, ReviewAssignment.nomination_id, ReviewAssignment.reviewer_id, ReviewAssignment.status)
        .join(Nomination, ReviewAssignment.nomination_id == Nomination.id)
        .where(Nomination.campaign_id == campaign.id)
    )
    loads: dict[int, int] = defaultdict(int)
    for assignment_id, nomination_id, reviewer_id, status in rows:
        existing[nomination_id][reviewer_id] = (assignment_id, status)
        if status is AssignmentStatus.ACTIVE:
            loads[reviewer_id] += 1

    # Plain tuples instead of ORM attributes: the conflict rule runs dossiers × members times.
    organiser_key = _UnitKey.of(organiser)
    member_units = [(member.id, _UnitKey.of(member.unit)) for member in members]
    needs: list[tuple[int, int]] = []
    eligible: dict[int, list[int]] = {}
    for nomination in nominations:
        current = existing.get(nomination.id, {})
        active = sum(1 for _, status in current.values() if status is AssignmentStatus.ACTIVE)
        if active >= k:
            continue
        needs.append((nomination.id, k - active))
        unit_key = _UnitKey.of(nomination.unit)
        eligible[nomination.id] = [
            member_id
            for member_id, member_unit in member_units
            if (member_id not in current or current[member_id][1] is AssignmentStatus.REMOVED)
            and conflict_reason(member_unit, unit_key, organiser_key) is None
        ]

    member_ids = [member.id for member in members]
    member_loads = {member: loads.get(member, 0) for member in member_ids}
    plan = plan_balanced(needs, member_ids, member_loads, eligible)

    now = utcnow()
    inserts, reactivate = [], []
    for nomination_id, chosen in plan.items():
        for member in chosen:
            previous = existing.get(nomination_id, {}).get(member)
            if previous is None:
                inserts.append(
                    dict(nomination_id=nomination_id, reviewer_id=member, status=AssignmentStatus.ACTIVE,
                         source="auto", assigned_by_id=actor.id, assigned_at=now)
                )
            else:
                reactivate.append(previous[0])
    if inserts:
        db.session.execute(sa.insert(ReviewAssignment), inserts)
    if reactivate:
        db.session.execute(
            sa.update(ReviewAssignment)
            .where(ReviewAssignment.id.in_(reactivate))
            .values(status=AssignmentStatus.ACTIVE, source="auto", assigned_by_id=actor.id, assigned_at=now, finalised_at=None,
                    final_total=None)
            .execution_options(synchronize_session=False)
        )
    result = AutoResult()
    for nomination_id, chosen in plan.items():
        for member in chosen:
            audit.record("nomination", nomination_id, "assign", actor, details={"reviewer_id": member, "source": "auto"})
        result.created += len(chosen)
        result.dossiers += 1
    db.session.flush()
    # The new rows are already in the database (bulk insert), so the workflow's guards see them;
    # without autoflush each guard's query would otherwise flush one audit row at a time.
    with db.session.no_autoflush:
        for nomination_id in plan:
            _after_new_reviewer(by_id[nomination_id], actor)
    db.session.flush()
    new_work: dict[int, list[str]] = defaultdict(list)
    for nomination_id, chosen in plan.items():
        for member in chosen:
            new_work[member].append(by_id[nomination_id].display_title)
    reviewers = {user.id: user for user in members}
    for member, titles in new_work.items():
        notify_assigned(reviewers[member], campaign, titles)

    for nomination_id, needed in needs:
        got = len(plan.get(nomination_id, ()))
        if got < needed:
            nomination = by_id[nomination_id]
            result.shortfalls.append(Shortfall(nomination_id, nomination.display_title, k - needed + got, k))
    return result
