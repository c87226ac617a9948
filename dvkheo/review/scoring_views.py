"""Routes for scoring: the reviewer's sheet, the secretary's paper entry, declaring a conflict of interest.

A sheet belongs to its reviewer: anyone else gets 404 (other reviewers of the same campaign
included). Paper entry is the campaign secretary's: outsiders 404, other staff 403.
"""
from __future__ import annotations

import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.core.confirm import Confirmation, ask, is_confirmed
from dvkheo.core.rules import RuleRefused
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.review import assignment as assignment_ops
from dvkheo.review import scoring
from dvkheo.review.models import AssignmentStatus, ReviewAssignment
from dvkheo.review.scoring_forms import ConflictForm, build_score_form
from dvkheo.review.views import bp


def _load_sheet(assignment_id: int) -> ReviewAssignment:
    return access.get_or_404(
        ReviewAssignment,
        assignment_id,
        so.joinedload(ReviewAssignment.nomination).joinedload(Nomination.campaign),
    )


def _own_sheet(assignment_id: int) -> ReviewAssignment:
    sheet = _load_sheet(assignment_id)
    if not access.is_own_sheet(current_user, sheet):
        abort(404)
    return sheet


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
@login_required
def score(assignment_id: int):
    sheet = _own_sheet(assignment_id)
    return _sheet_page(sheet, paper=False)


@bp.route("/assignments/<int:assignment_id>/paper", methods=["GET", "POST"])
@login_required
def paper_entry(assignment_id: int):
    sheet = _load_sheet(assignment_id)
    campaign = sheet.nomination.campaign
    if not access.can_view_review(current_user, campaign) or sheet.status is not AssignmentStatus.ACTIVE:
        abort(404)
    access.require(access.is_campaign_secretary(current_user, campaign))
    return _sheet_page(sheet, paper=True)


def _complete(campaign, entries) -> bool:
    """Every criterion has points and, when the campaign asks for them, a comment (what finalising requires)."""
    return all(
        entries[c.id].points is not None and (entries[c.id].comment.strip() or not campaign.comments_required)
        for c in campaign.criteria
    )


def finalise_confirmation(sheet: ReviewAssignment, entries=None, *, paper: bool) -> Confirmation:
    """What "Hoàn tất chấm điểm" asks; with `entries` (the typed sheet) it also shows the total."""
    nomination = sheet.nomination
    campaign = nomination.campaign
    details = [f"Hồ sơ số {nomination.id}: {nomination.display_title}"]
    if paper:
        details.append(f"Phiếu chấm giấy của thành viên {sheet.reviewer.full_name}")
    if entries is not None:
        details.append(f"Tổng điểm: {sum(entry.points or 0 for entry in entries.values())}/{campaign.max_total_score}")
    return Confirmation(
        question="Hoàn tất chấm điểm hồ sơ này?",
        irreversible="Sau khi hoàn tất, phiếu chấm bị khóa: không sửa được điểm và nhận xét nữa.",
        button="Hoàn tất chấm điểm",
        details=tuple(details),
        # Without JavaScript the sheet typed so far lives only in this page: it can still be saved unfinished.
        step_field="finalise",
        keep=("Lưu phiếu, chưa hoàn tất", "save", "Lưu"),
    )


def _sheet_page(sheet: ReviewAssignment, *, paper: bool):
    nomination = sheet.nomination
    campaign = nomination.campaign
    criteria = campaign.criteria
    form = build_score_form(criteria, sheet.scores)
    blockers = scoring.scoring_blockers(sheet)
    general_errors: list[str] = []
    endpoint = "review.paper_entry" if paper else "review.score"

    if form.is_submitted():
        if blockers:
            for problem in blockers:
                flash(problem.message, "error")
            return redirect(url_for(endpoint, assignment_id=sheet.id))
        if form.validate():
            entries = form.entries(criteria)
            # Finalising locks the sheet: a complete sheet is confirmed first; an incomplete one goes
            # on to save_scores, which refuses it with every missing point and comment marked.
            if form.wants_finalise and not is_confirmed() and _complete(campaign, entries):
                return ask(finalise_confirmation(sheet, entries, paper=paper), url_for(endpoint, assignment_id=sheet.id))
            try:
                completed = scoring.save_scores(sheet, form.entries(criteria), current_user, finalise=form.wants_finalise)
            except RuleRefused as refused:
                db.session.rollback()
                if any(problem.rule == "permission" for problem in refused.problems):
                    abort(403)
                for problem in refused.problems:
                    if problem.field and problem.field in form:
                        form[problem.field].errors = list(form[problem.field].errors or []) + [problem.message]
                    else:
                        general_errors.append(problem.message)
                general_errors.insert(0, "Chưa hoàn tất được phiếu chấm: vui lòng sửa các mục được đánh dấu bên dưới.")
            else:
                db.session.commit()
                if form.wants_finalise:
                    flash("Đã hoàn tất chấm điểm hồ sơ." + (" Hồ sơ đã đủ điểm của tất cả thành viên được phân công." if completed else ""), "success")
                else:
                    flash("Đã lưu phiếu chấm.", "success")
                return redirect(url_for(endpoint, assignment_id=sheet.id))
        else:
            if form.wants_finalise:
                # Every problem in one round: what finalising needs, beside the refused points.
                for problem in scoring.completeness_problems(campaign, form.entries(criteria)):
                    target = form[problem.field]
                    if not target.errors:
                        target.errors = [problem.message]
            general_errors.append("Phiếu chấm chưa được lưu: vui lòng sửa các mục được đánh dấu bên dưới.")
        # The refused attempt was rolled back: reload what is stored, keep what was typed.
        db.session.refresh(sheet)

    show_others = access.can_see_colleague_scores(current_user, nomination)
    colleagues = scoring.colleagues_sheets(sheet) if show_others else []
    attachments = nomination.attachments
    return render_template(
        "review/score.html",
        sheet=sheet,
        nomination=nomination,
        campaign=campaign,
        criteria=criteria,
        form=form,
        rows=form.rows(criteria),
        by_criterion={c.id: [a for a in attachments if a.criterion_id == c.id and a.purpose == "evidence"] for c in criteria},
        general_files=[a for a in attachments if a.criterion_id is None or a.purpose != "evidence"],
        saved={s.criterion_id: s for s in sheet.scores},
        editable=not blockers,
        blockers=blockers,
        general_errors=general_errors,
        paper=paper,
        paper_label=scoring.PAPER_LABEL,
        show_others=show_others,
        colleagues=colleagues,
        conflict_form=ConflictForm(formdata=None),
        finalise_confirmation=finalise_confirmation(sheet, paper=paper),
        typed_total=scoring.typed_total(form.entries(criteria), criteria),
    ), (422 if general_errors else 200)


@bp.route("/assignments/<int:assignment_id>/conflict", methods=["POST"])
@login_required
def declare_conflict(assignment_id: int):
    sheet = _own_sheet(assignment_id)
    form = ConflictForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors) or "Yêu cầu không hợp lệ.", "error")
        return redirect(url_for("review.score", assignment_id=sheet.id))
    try:
        replacement = assignment_ops.declare_conflict(sheet, form.reason.data, current_user)
    except RuleRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            flash(problem.message, "error")
        return redirect(url_for("review.score", assignment_id=sheet.id))
    db.session.commit()
    flash(
        "Đã ghi nhận khai báo xung đột lợi ích. "
        + ("Hồ sơ đã được chuyển cho thành viên khác; " if replacement else "")
        + "Thư ký Hội đồng đã được thông báo.",
        "success",
    )
    return redirect(url_for("review.queue"))
