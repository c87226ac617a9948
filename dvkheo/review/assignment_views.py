"""Routes for assignment: the secretary's assignment page, balanced automatic assignment,
the scoring progress page with reminders, and each reviewer's queue.

Every POST is one transaction: operations flush and audit, the view commits once or rolls back
and flashes why. Outsiders get 404, staff who may only read get 403 on writes.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.campaigns.models import Campaign, CampaignStatus
from dvkheo.core.forms import EmptyForm
from dvkheo.core.rules import RuleRefused
from dvkheo.core.text import person_sort_key
from dvkheo.core.urls import carried_args, paginate
from dvkheo.council.models import CouncilMember
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import ASSIGNABLE_STATES, NominationState
from dvkheo.review import assignment as ops
from dvkheo.review import scoring
from dvkheo.review.models import AssignmentStatus, ReviewAssignment
from dvkheo.review.scoring_forms import AssignForm, RemindForm
from dvkheo.review.views import bp

SHORTFALLS_LISTED = 10
ASSIGNMENT_LIST_ARGS = ("page", "lacking")


def _council(campaign: Campaign) -> list[CouncilMember]:
    """Council members who may score (REVIEWER or CHAIR accounts), with users and units, in one query,
    in Vietnamese order of given names."""
    members = list(
        db.session.scalars(
            sa.select(CouncilMember)
            .join(User, CouncilMember.user_id == User.id)
            .where(CouncilMember.campaign_id == campaign.id, User.role.in_(access.COUNCIL_ROLES), User.active.is_(True))
            .options(so.joinedload(CouncilMember.user).joinedload(User.unit))
            .order_by(User.id)
        )
    )
    return sorted(members, key=lambda member: person_sort_key(member.user.full_name))


def _refused(refused: RuleRefused) -> None:
    db.session.rollback()
    if any(problem.rule == "permission" for problem in refused.problems):
        abort(403)
    for problem in refused.problems:
        flash(problem.message, "error")


@bp.route("/campaigns/<int:campaign_id>/assignments")
@login_required
def assignments(campaign_id: int):
    campaign = access.load_review_campaign(campaign_id)
    k = campaign.reviewers_per_nomination
    council = _council(campaign)
    loads = ops.campaign_loads(campaign.id)

    active_count = (
        sa.select(sa.func.count())
        .where(ReviewAssignment.nomination_id == Nomination.id, ReviewAssignment.status == AssignmentStatus.ACTIVE)
        .correlate(Nomination)
        .scalar_subquery()
    )
    lacking = request.args.get("lacking") == "1"
    query = (
        sa.select(Nomination)
        .where(Nomination.campaign_id == campaign.id, Nomination.status.in_(ASSIGNABLE_STATES))
        .options(so.joinedload(Nomination.unit))
        .order_by(Nomination.id)
    )
    if lacking:
        query = query.where(active_count < k)
    page = paginate(query)

    ids = [n.id for n in page.items]
    sheets: dict[int, list[ReviewAssignment]] = {n.id: [] for n in page.items}
    if ids:
        for sheet in db.session.scalars(
            sa.select(ReviewAssignment)
            .where(
                ReviewAssignment.nomination_id.in_(ids),
                ReviewAssignment.status.in_([AssignmentStatus.ACTIVE, AssignmentStatus.CONFLICT]),
            )
            .options(so.joinedload(ReviewAssignment.reviewer))
            .order_by(ReviewAssignment.id)
        ):
            sheets[sheet.nomination_id].append(sheet)
    counts = scoring.scored_counts([s.id for rows in sheets.values() for s in rows])

    # Per dossier: who may still be chosen, and why the others may not (computed in memory).
    options: dict[int, list[tuple[User, str | None]]] = {}
    for nomination in page.items:
        taken = {s.reviewer_id: s for s in sheets[nomination.id]}
        row = []
        for member in council:
            sheet = taken.get(member.user_id)
            if sheet is not None and sheet.status is AssignmentStatus.ACTIVE:
                continue
            if sheet is not None:
                reason = "đã khai báo xung đột lợi ích"
            else:
                reason = ops.conflict_reason(member.user.unit, nomination.unit, campaign.organising_unit)
            row.append((member.user, reason))
        options[nomination.id] = row

    totals = db.session.execute(
        sa.select(
            sa.func.count().filter(Nomination.status.in_(ASSIGNABLE_STATES)),
            sa.func.count().filter(sa.and_(Nomination.status.in_(ASSIGNABLE_STATES), active_count < k)),
            sa.func.count().filter(Nomination.status == NominationState.ON_HOLD),
        ).where(Nomination.campaign_id == campaign.id)
    ).one()
    return render_template(
        "review/assignments.html",
        list_args=carried_args(*ASSIGNMENT_LIST_ARGS),
        campaign=campaign,
        council=council,
        loads=loads,
        page=page,
        sheets=sheets,
        counts=counts,
        options=options,
        lacking=lacking,
        totals={"assignable": totals[0], "lacking": totals[1], "on_hold": totals[2]},
        can_manage=access.can_manage_review(current_user, campaign),
        in_review=campaign.status is CampaignStatus.REVIEW,
        form=EmptyForm(),
        paper_label=scoring.PAPER_LABEL,
    )


def _back_to_assignments(campaign: Campaign):
    return redirect(url_for("review.assignments", campaign_id=campaign.id, **carried_args(*ASSIGNMENT_LIST_ARGS)))


@bp.route("/campaigns/<int:campaign_id>/assignments/assign", methods=["POST"])
@login_required
def assign(campaign_id: int):
    campaign = access.load_review_campaign(campaign_id, manage=True)
    council = _council(campaign)
    form = AssignForm([member.user for member in council])
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return _back_to_assignments(campaign)
    nomination = db.session.get(Nomination, int(form.nomination_id.data))
    if nomination is None or nomination.campaign_id != campaign.id:
        abort(404)
    reviewer = db.session.get(User, form.reviewer_id.data)
    try:
        ops.assign(nomination, reviewer, current_user)
    except RuleRefused as refused:
        _refused(refused)
        return _back_to_assignments(campaign)
    db.session.commit()
    flash(f"Đã phân công {reviewer.full_name} chấm hồ sơ “{nomination.display_title}”.", "success")
    return _back_to_assignments(campaign)


@bp.route("/assignments/<int:assignment_id>/remove", methods=["POST"])
@login_required
def unassign(assignment_id: int):
    sheet = access.get_or_404(ReviewAssignment, assignment_id)
    campaign = access.load_review_campaign(sheet.nomination.campaign_id, manage=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name = sheet.reviewer.full_name
    try:
        ops.unassign(sheet, current_user)
    except RuleRefused as refused:
        _refused(refused)
        return _back_to_assignments(campaign)
    db.session.commit()
    flash(f"Đã thu hồi phân công của {name}.", "success")
    return _back_to_assignments(campaign)


@bp.route("/campaigns/<int:campaign_id>/assignments/auto", methods=["POST"])
@login_required
def auto_assign(campaign_id: int):
    campaign = access.load_review_campaign(campaign_id, manage=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        result = ops.auto_assign(campaign, current_user)
    except RuleRefused as refused:
        _refused(refused)
        return _back_to_assignments(campaign)
    db.session.commit()
    if result.created:
        flash(f"Đã phân công tự động {result.created} lượt chấm cho {result.dossiers} hồ sơ.", "success")
    else:
        flash("Không có hồ sơ nào cần phân công thêm.", "info")
    if result.shortfalls:
        listed = "; ".join(f"“{s.title}” ({s.has}/{s.needs})" for s in result.shortfalls[:SHORTFALLS_LISTED])
        more = len(result.shortfalls) - SHORTFALLS_LISTED
        flash(
            f"{len(result.shortfalls)} hồ sơ chưa đủ {campaign.reviewers_per_nomination} thành viên chấm do xung đột lợi ích "
            f"hoặc thiếu thành viên: {listed}" + (f" và {more} hồ sơ khác." if more > 0 else "."),
            "warning",
        )
    return _back_to_assignments(campaign)


# --- progress and reminders ------------------------------------------------------------------


@bp.route("/campaigns/<int:campaign_id>/progress")
@login_required
def progress(campaign_id: int):
    campaign = access.load_review_campaign(campaign_id)
    rows = scoring.campaign_progress(campaign)
    assigned = sum(row.assigned for row in rows)
    finalised = sum(row.finalised for row in rows)
    return render_template(
        "review/progress.html",
        campaign=campaign,
        rows=rows,
        assigned=assigned,
        finalised=finalised,
        percent=round(100 * finalised / assigned) if assigned else 0,
        unfinished_reviewers=sum(1 for row in rows if row.unfinished > 0),
        can_manage=access.can_manage_review(current_user, campaign),
        form=RemindForm(),
    )


@bp.route("/campaigns/<int:campaign_id>/progress/remind", methods=["POST"])
@login_required
def remind(campaign_id: int):
    campaign = access.load_review_campaign(campaign_id, manage=True)
    form = RemindForm()
    if not form.validate_on_submit():
        abort(400)
    rows = scoring.campaign_progress(campaign)
    target = (form.reviewer_id.data or "").strip()
    if target:
        if not target.isdigit():
            abort(400)
        reviewers = [row.reviewer for row in rows if row.reviewer.id == int(target)]
        if not reviewers:
            abort(404)
    else:
        reviewers = [row.reviewer for row in rows]
    reminded = scoring.remind(campaign, reviewers, current_user)
    db.session.commit()
    if reminded:
        flash(f"Đã gửi nhắc nhở tới {len(reminded)} thành viên chưa hoàn thành chấm điểm.", "success")
    else:
        flash("Không có thành viên nào cần nhắc nhở: tất cả đã hoàn thành phần chấm điểm được giao.", "info")
    return redirect(url_for("review.progress", campaign_id=campaign.id))


# --- the reviewer's queue --------------------------------------------------------------------


def _queue_order(group: dict) -> tuple:
    """Campaigns with sheets still to score first, the nearest scoring deadline first; finished ones after."""
    campaign = group["campaign"]
    if group["pending"]:
        deadline = campaign.review_close_on
        return (0, deadline is None, deadline or date.min, -campaign.id)
    return (1, False, date.min, -campaign.id)


@bp.route("/queue")
@access.roles_required(Role.REVIEWER, Role.CHAIR)
def queue():
    items = scoring.reviewer_queue(current_user)
    counts = scoring.scored_counts([item.id for item in items])
    groups: list[dict] = []
    for item in items:
        campaign = item.nomination.campaign
        if not groups or groups[-1]["campaign"].id != campaign.id:
            groups.append({"campaign": campaign, "sheets": [], "done": 0, "pending": 0})
        group = groups[-1]
        label, tone = scoring.sheet_status(item, counts.get(item.id, 0))
        group["sheets"].append((item, label, tone, counts.get(item.id, 0)))
        group["done"] += item.finalised_at is not None
        group["pending"] += item.finalised_at is None and item.nomination.status is NominationState.IN_REVIEW
    # Work waiting first: campaigns with sheets still to score, the nearest deadline first; then the finished ones.
    groups.sort(key=_queue_order)
    from dvkheo.council.queries import ballots_awaiting

    return render_template(
        "review/queue.html", groups=groups, paper_label=scoring.PAPER_LABEL, ballots=ballots_awaiting(current_user.id)
    )
