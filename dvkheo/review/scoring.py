"""Scoring a dossier against the campaign's rubric ("Thang điểm"), reminders, and the reads the pages need.

Actions change objects, flush, audit and notify; they never commit.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for

from dvkheo import access
from dvkheo.accounts.models import User
from dvkheo.campaigns.models import Campaign, CampaignStatus
from dvkheo.core import audit
from dvkheo.core.notifications import notify
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.text import person_sort_key
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.nominations import workflow
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationAction, NominationState
from dvkheo.review.models import AssignmentStatus, ReviewAssignment, Score

PAPER_LABEL = "Thư ký nhập hộ từ phiếu giấy"


@dataclass(frozen=True)
class Entry:
    """What was typed for one criterion: points (None when blank) and a comment."""

    points: int | None
    comment: str = ""


def scoring_blockers(assignment: ReviewAssignment) -> list[Problem]:
    """Why this sheet cannot be written now (empty when it can), in Vietnamese."""
    nomination = assignment.nomination
    if assignment.status is not AssignmentStatus.ACTIVE:
        return [Problem("state", "Phân công chấm điểm này không còn hiệu lực.")]
    if assignment.finalised_at is not None:
        return [Problem("final", "Phiếu chấm đã hoàn tất; không thể sửa điểm.")]
    if nomination.status is NominationState.ON_HOLD:
        return [Problem("on_hold", "Hồ sơ đang tạm dừng xét; chưa thể chấm điểm cho đến khi gỡ tạm dừng xét.")]
    if nomination.status is not NominationState.IN_REVIEW:
        return [Problem("state", f"Hồ sơ đang ở trạng thái “{nomination.status.label}”; không thể chấm điểm.")]
    if nomination.campaign.status is not CampaignStatus.REVIEW:
        return [Problem("phase", "Chỉ chấm điểm khi đợt bình xét đang ở giai đoạn “Sơ loại và chấm điểm”.")]
    return []


def save_scores(assignment: ReviewAssignment, entries: dict[int, Entry], actor: User, *, finalise: bool = False) -> bool:
    """Write the sheet; with `finalise`, lock it. Returns True when this completed the dossier's scoring.

    `entries` maps criterion id to what was typed. The actor is the assigned reviewer, or the
    campaign's secretary typing in a paper sheet (then `entered_by_id` is set and the audit
    event says "paper"). Side effects, in order: checks permission and state; checks bounds
    (0..max) and, to finalise, that every criterion has points and, when the campaign asks for
    it, a comment; upserts the scores; on finalising sets `finalised_at`, records a
    "score_finalise" audit event (a paper save records "score_paper" too) and, when this was the
    last active sheet, moves the dossier to SCORED (COMPLETE_SCORING, recorded under the system).
    """
    paper = actor.id != assignment.reviewer_id
    allowed = access.can_enter_paper_scores(actor, assignment) if paper else access.can_score(actor, assignment)
    blockers = scoring_blockers(assignment)
    if blockers:
        raise RuleRefused(blockers)
    if not allowed:
        raise RuleRefused([Problem("permission", "Bạn không có quyền chấm điểm hồ sơ này.")])

    campaign = assignment.nomination.campaign
    problems: list[Problem] = []
    for criterion in campaign.criteria:
        entry = entries.get(criterion.id, Entry(None))
        if entry.points is not None and not 0 <= entry.points <= criterion.max_score:
            problems.append(Problem("bounds", points_message(criterion.max_score), f"points_{criterion.id}"))
    if finalise:
        problems += completeness_problems(campaign, entries)
    if problems:
        raise RuleRefused(problems)

    existing = {score.criterion_id: score for score in assignment.scores}
    for criterion in campaign.criteria:
        entry = entries.get(criterion.id, Entry(None))
        score = existing.get(criterion.id)
        if score is None:
            score = Score(criterion_id=criterion.id)
            assignment.scores.append(score)
        score.points = entry.points
        score.comment = entry.comment.strip()
    if paper:
        assignment.entered_by_id = actor.id
    details = {"reviewer_id": assignment.reviewer_id}
    if paper:
        details["entered_by"] = "paper"
    if paper and not finalise:
        audit.record("nomination", assignment.nomination_id, "score_paper", actor, details=details)
    if not finalise:
        db.session.flush()
        return False

    assignment.finalised_at = utcnow()
    db.session.flush()
    details["total"] = assignment.final_total = assignment.total
    audit.record("nomination", assignment.nomination_id, "score_finalise", actor, details=details)
    from dvkheo.review import queries

    active, final = queries.assignment_progress(assignment.nomination_id)
    if active and active == final:
        workflow.apply(assignment.nomination, NominationAction.COMPLETE_SCORING, actor)
        return True
    return False


def points_message(maximum: int) -> str:
    return f"Điểm phải là số nguyên từ 0 đến {maximum}."


MISSING_POINTS = "Vui lòng cho điểm tiêu chí này trước khi hoàn tất."
MISSING_COMMENT = "Đợt bình xét yêu cầu nhận xét cho từng tiêu chí."


def completeness_problems(campaign: Campaign, entries: dict[int, Entry]) -> list[Problem]:
    """What finalising still needs: points for every criterion and, when the campaign asks, a comment.

    Also run by the sheet's view when the form itself was refused (a decimal or an over-maximum
    point), so that a reviewer sees every problem of the sheet in one round, not in two.
    """
    problems: list[Problem] = []
    for criterion in campaign.criteria:
        entry = entries.get(criterion.id, Entry(None))
        if entry.points is None:
            problems.append(Problem("missing", MISSING_POINTS, f"points_{criterion.id}"))
        if campaign.comments_required and not entry.comment.strip():
            problems.append(Problem("comment", MISSING_COMMENT, f"comment_{criterion.id}"))
    return problems


def typed_total(entries: dict[int, Entry], criteria) -> int:
    """The running total shown under the sheet: the sum of the valid points typed so far."""
    maxima = {criterion.id: criterion.max_score for criterion in criteria}
    return sum(
        entry.points for criterion_id, entry in entries.items()
        if entry.points is not None and 0 <= entry.points <= maxima.get(criterion_id, -1)
    )


# --- reads for the pages ---------------------------------------------------------------------


def sheet_status(assignment: ReviewAssignment, scored_count: int) -> tuple[str, str]:
    """(label, badge tone) of one reviewer's sheet: chưa chấm / đang chấm dở / đã hoàn tất."""
    if assignment.finalised_at is not None:
        return "Đã hoàn tất", "success"
    if scored_count:
        return "Đang chấm dở", "warning"
    return "Chưa chấm", "neutral"


def scored_counts(assignment_ids: list[int]) -> dict[int, int]:
    """How many criteria each assignment has points for, in one grouped query."""
    if not assignment_ids:
        return {}
    rows = db.session.execute(
        sa.select(Score.assignment_id, sa.func.count())
        .where(Score.assignment_id.in_(assignment_ids), Score.points.is_not(None))
        .group_by(Score.assignment_id)
    )
    return dict(rows.all())


def reviewer_queue(user: User) -> list[ReviewAssignment]:
    """The user's live assignments across campaigns, with dossier, unit and campaign loaded."""
    return list(
        db.session.scalars(
            sa.select(ReviewAssignment)
            .join(Nomination, ReviewAssignment.nomination_id == Nomination.id)
            .where(ReviewAssignment.reviewer_id == user.id, ReviewAssignment.status == AssignmentStatus.ACTIVE)
            .options(
                so.joinedload(ReviewAssignment.nomination).joinedload(Nomination.campaign),
                so.joinedload(ReviewAssignment.nomination).joinedload(Nomination.unit),
            )
            .order_by(Nomination.campaign_id.desc(), ReviewAssignment.finalised_at.is_not(None), Nomination.id)
        )
    )


def colleagues_sheets(assignment: ReviewAssignment) -> list[ReviewAssignment]:
    """The other live sheets of the same dossier, with reviewers and scores loaded."""
    return list(
        db.session.scalars(
            sa.select(ReviewAssignment)
            .where(
                ReviewAssignment.nomination_id == assignment.nomination_id,
                ReviewAssignment.status == AssignmentStatus.ACTIVE,
                ReviewAssignment.id != assignment.id,
            )
            .options(so.joinedload(ReviewAssignment.reviewer), so.selectinload(ReviewAssignment.scores))
            .order_by(ReviewAssignment.id)
        )
    )


@dataclass
class ReviewerProgress:
    reviewer: User
    assigned: int = 0
    finalised: int = 0
    in_progress: int = 0
    not_started: int = 0
    conflicts: int = 0

    @property
    def unfinished(self) -> int:
        return self.assigned - self.finalised


def campaign_progress(campaign: Campaign) -> list[ReviewerProgress]:
    """Per reviewer of the campaign (every council scorer and anyone holding a sheet): counts in SQL.

    Three queries whatever the number of dossiers: members, one grouped count, the reviewers
    that only appear through assignments.
    """
    from dvkheo.review.assignment import council_scorers

    has_points = (
        sa.select(Score.id)
        .where(Score.assignment_id == ReviewAssignment.id, Score.points.is_not(None))
        .exists()
    )
    active = ReviewAssignment.status == AssignmentStatus.ACTIVE
    final = ReviewAssignment.finalised_at.is_not(None)
    rows = db.session.execute(
        sa.select(
            ReviewAssignment.reviewer_id,
            sa.func.sum(sa.case((active, 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(active, final), 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(active, ~final, has_points), 1), else_=0)),
            sa.func.sum(sa.case((ReviewAssignment.status == AssignmentStatus.CONFLICT, 1), else_=0)),
        )
        .join(Nomination, ReviewAssignment.nomination_id == Nomination.id)
        .where(Nomination.campaign_id == campaign.id)
        .group_by(ReviewAssignment.reviewer_id)
    ).all()
    members = {user.id: user for user in council_scorers(campaign, automatic_only=False)}
    missing = [row[0] for row in rows if row[0] not in members]
    if missing:
        for user in db.session.scalars(sa.select(User).where(User.id.in_(missing))):
            members[user.id] = user
    progress = {user_id: ReviewerProgress(user) for user_id, user in members.items()}
    for reviewer_id, assigned, finalised, in_progress, conflicts in rows:
        item = progress[reviewer_id]
        item.assigned, item.finalised = int(assigned or 0), int(finalised or 0)
        item.in_progress, item.conflicts = int(in_progress or 0), int(conflicts or 0)
        item.not_started = item.assigned - item.finalised - item.in_progress
    return sorted(progress.values(), key=lambda item: (person_sort_key(item.reviewer.full_name), item.reviewer.id))


def remind(campaign: Campaign, reviewers: list[User], actor: User) -> list[User]:
    """Send "Nhắc nhở" to those of `reviewers` who still have unfinished sheets; returns who was reminded.

    Side effects: one in-app notice each (emailed when mail is configured), one "remind" audit
    event on the campaign listing the reminded reviewers.
    """
    by_id = {item.reviewer.id: item for item in campaign_progress(campaign)}
    reminded = []
    for reviewer in reviewers:
        item = by_id.get(reviewer.id)
        if item is None or item.unfinished <= 0:
            continue
        notify(
            reviewer,
            f"Nhắc nhở: bạn còn {item.unfinished} hồ sơ chưa hoàn tất chấm điểm trong đợt “{campaign.title}”"
            + (f"; hạn chấm điểm {campaign.review_close_on.strftime('%d/%m/%Y')}." if campaign.review_close_on else "."),
            url_for("review.queue"),
            subject="Nhắc nhở chấm điểm hồ sơ “Dân vận khéo”",
        )
        reminded.append(reviewer)
    if reminded:
        audit.record("campaign", campaign.id, "remind", actor, details={"reviewer_ids": [user.id for user in reminded]})
    return reminded
