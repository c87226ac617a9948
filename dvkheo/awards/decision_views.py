"""Decision pages: the campaign's list, drafting from the council's result, the decision, its
edit page, workflow moves, amendments, the official PDF and a Word copy to edit.

Each POST is one transaction: operations flush and audit, the view commits once, or rolls back
and shows why, keeping what the user typed. A campaign or decision outside the user's area
answers 404; inside it, without the permission, 403.
"""
from __future__ import annotations

from io import BytesIO

import sqlalchemy.orm as so
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.awards import decisions as ops
from dvkheo.awards import signed_copy
from dvkheo.awards import workflow
from dvkheo.awards.decision_forms import DecisionEditForm, IssueForm, NewDecisionForm, ReturnForm, SignedCopyForm
from dvkheo.awards.decision_pdf import decision_context
from dvkheo.awards.models import AwardForm, Decision, DecisionAwardee, DecisionStatus, RevocationItem, signature_lines
from dvkheo.awards.views import bp
from dvkheo.campaigns.models import Campaign
from dvkheo.core import audit
from dvkheo.core.confirm import Confirmation, ask, is_confirmed
from dvkheo.core.forms import EmptyForm
from dvkheo.core.rules import RuleRefused
from dvkheo.core.timeutil import format_date, today_in_vietnam
from dvkheo.core.urls import query_int
from dvkheo.extensions import db
from dvkheo.review.ranking import format_score

SESSION_EXPIRED = "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ; vui lòng tải lại trang và gửi lại."
HISTORY_LABELS = {
    "draft": "Dự thảo quyết định",
    "update": "Sửa dự thảo",
    "approve": "Duyệt dự thảo",
    "return": "Trả lại dự thảo để sửa",
    "issue": "Ban hành quyết định",
    "discard": "Hủy dự thảo",
    "signed_copy": "Tải lên bản ký số",
}
FIELD_LABELS = {
    "place_name": "địa danh", "parent_body": "cơ quan chủ quản", "issuing_body": "cơ quan ban hành",
    "signer_prefix": "thẩm quyền ký", "signer_authority": "thẩm quyền ký", "signer_title": "chức vụ người ký",
    "signer_name": "người ký", "title": "trích yếu", "legal_bases": "căn cứ", "considering": "xét đề nghị",
    "articles": "các điều", "recipients": "nơi nhận", "lines_removed": "bỏ dòng khỏi danh sách",
    "lines_added": "bổ sung dòng vào danh sách", "lines_edited": "sửa dòng trong danh sách",
}


# --- loading and access ---------------------------------------------------------------------------


def _deny(campaign: Campaign):
    abort(403 if access.is_within_campaign_area(current_user, campaign) else 404)


def _load_campaign(campaign_id: int) -> Campaign:
    campaign = access.get_or_404(Campaign, campaign_id)
    if not access.can_view_decisions(current_user, campaign):
        _deny(campaign)
    return campaign


def _load_decision(decision_id: int) -> Decision:
    """The decision with what its pages read, or 404 to anyone outside its campaign's committee (access.load_decision)."""
    return access.load_decision(
        decision_id,
        so.selectinload(Decision.awardees).options(
            so.joinedload(DecisionAwardee.nomination),
            so.joinedload(DecisionAwardee.award_form),
            so.joinedload(DecisionAwardee.corrects).joinedload(DecisionAwardee.decision),
        ),
        so.selectinload(Decision.revocation_items).options(
            so.joinedload(RevocationItem.awardee).joinedload(DecisionAwardee.decision),
            so.joinedload(RevocationItem.certificate),
        ),
    )


def _problems(refused: RuleRefused) -> list:
    """Roll back; a permission refusal is a 403, anything else is shown to the user."""
    db.session.rollback()
    if any(problem.rule == "permission" for problem in refused.problems):
        abort(403)
    return refused.problems


# --- the campaign's decisions -----------------------------------------------------------------------


@bp.route("/campaigns/<int:campaign_id>/decisions")
@login_required
def decisions(campaign_id: int):
    campaign = _load_campaign(campaign_id)
    from dvkheo.awards.operations import award_forms

    forms = award_forms(campaign.id)
    return render_template(
        "awards/decisions/index.html",
        campaign=campaign,
        rows=ops.campaign_decisions(campaign.id),
        award_forms=forms,
        waiting=ops.waiting_candidates(campaign, forms),
        uses_public_vote=ops.uses_public_vote(campaign),
        can_draft=access.can_draft_decision(current_user, campaign),
        can_edit_forms="council.award_form_edit" in current_app.view_functions
        and access.can_manage_review(current_user, campaign),
        format_score=format_score,
    )


def _award_form_of(campaign: Campaign) -> AwardForm:
    form_id = query_int("award_form", strict=True)
    award_form = db.session.get(AwardForm, form_id) if form_id is not None else None
    if award_form is None or award_form.campaign_id != campaign.id:
        abort(404)
    return award_form


@bp.route("/campaigns/<int:campaign_id>/decisions/new", methods=["GET", "POST"])
@login_required
def new_decision(campaign_id: int):
    campaign = _load_campaign(campaign_id)
    access.require(access.can_draft_decision(current_user, campaign))
    award_form = _award_form_of(campaign)
    listing = ops.candidates(campaign, award_form)
    errors: list[str] = []
    if request.method == "POST":
        form = NewDecisionForm(candidate_list=listing)
        if form.validate():
            try:
                decision = ops.draft_award_decision(campaign, award_form, form.nomination_ids.data, current_user)
            except RuleRefused as refused:
                problems = _problems(refused)
                errors = [problem.message for problem in problems]
                campaign, award_form = db.session.get(Campaign, campaign_id), db.session.get(AwardForm, award_form.id)
                listing = ops.candidates(campaign, award_form)
                chosen = form.nomination_ids.data
                form = NewDecisionForm(formdata=None, candidate_list=listing, data={"nomination_ids": chosen})
            else:
                db.session.commit()
                flash(f"Đã lập dự thảo quyết định với {len(decision.awardees)} tập thể, cá nhân.", "success")
                return redirect(url_for(".decision", decision_id=decision.id))
        else:
            if "csrf_token" in form.errors:
                errors.append(SESSION_EXPIRED)
            errors += form.nomination_ids.errors
    else:
        form = NewDecisionForm(
            formdata=None, candidate_list=listing, data={"nomination_ids": [c.nomination_id for c in listing.candidates]}
        )
    return render_template(
        "awards/decisions/new.html",
        campaign=campaign,
        award_form=award_form,
        # "K/T TRƯỞNG BAN" for a Party issuer, "KT. CHỦ TỊCH" for a State one: the award form's system decides.
        signature=signature_lines(award_form),
        listing=listing,
        form=form,
        chosen=set(form.nomination_ids.data or []),
        errors=errors,
        format_score=format_score,
    ), (422 if errors else 200)


# --- one decision ------------------------------------------------------------------------------------

CONFIRMED_MOVES = (workflow.DecisionAction.ISSUE, workflow.DecisionAction.DISCARD)


def decision_confirmation(decision: Decision, move, decided_on=None) -> Confirmation:
    """What issuing or discarding a decision asks; with `decided_on` (the typed date) it repeats it."""
    if move is workflow.DecisionAction.DISCARD:
        return Confirmation(
            question="Hủy dự thảo quyết định này?",
            irreversible="Dự thảo bị hủy và không khôi phục được; các hồ sơ trong danh sách trở lại chờ quyết định.",
            button="Hủy dự thảo",
            details=(f"Dự thảo: {decision.title}",),
            danger=True,
        )
    details = [f"Trích yếu: {decision.title}"]
    if decided_on:
        details.append(f"Ngày ban hành: {format_date(decided_on)}")
    if decision.kind in ops.AWARDING_KINDS:
        details.append(f"Số tập thể, cá nhân được khen thưởng: {len(decision.awardees)}")
    return Confirmation(
        question="Ban hành quyết định này?",
        irreversible=f"Quyết định được lấy số theo sổ văn bản đi của {decision.issuing_body} và có hiệu lực"
        + ("; giấy khen được cấp số hiệu" if decision.kind in ops.AWARDING_KINDS else "")
        + ". Quyết định đã ban hành không sửa, không hủy được: muốn thay đổi phải ban hành quyết định sửa đổi hoặc thu hồi.",
        button="Ban hành quyết định",
        details=tuple(details),
    )



def _decision_page(
    decision: Decision, *, issue_form=None, return_form=None, signed_form=None, errors=None, status: int = 200
):
    campaign = decision.campaign
    actions = workflow.available_actions(decision, current_user)
    pending = decision.status in (DecisionStatus.DRAFT, DecisionStatus.APPROVED)
    warnings = ops.achievement_warnings(decision) if pending else []
    if issue_form is None:
        issue_form = IssueForm(formdata=None, data={"decided_on": today_in_vietnam()})
    related = ops.related(decision)
    views = current_app.view_functions
    issued = decision.status is DecisionStatus.ISSUED
    awarding = decision.kind in ops.AWARDING_KINDS
    return render_template(
        "awards/decisions/show.html",
        decision=decision,
        campaign=campaign,
        doc=decision_context(decision),
        actions=[a.value for a in actions],
        warnings=warnings,
        unacknowledged={w.key for w in ops.unacknowledged(decision, warnings)},
        issue_form=issue_form,
        return_form=return_form or ReturnForm(formdata=None),
        button_form=EmptyForm(),
        errors=errors or [],
        related=related,
        unchanged={line.id for line in ops.unchanged_corrections(decision)},
        can_edit=decision.status is DecisionStatus.DRAFT and access.can_draft_decision(current_user, campaign),
        can_amend=issued and awarding and access.can_draft_decision(current_user, campaign),
        show_certificates=issued and awarding and "certificates.decision_certificates" in views
        and access.can_print_certificates(current_user, campaign),
        show_revocation=issued and awarding and "awards.new_revocation" in views
        and access.can_draft_decision(current_user, campaign),
        signed_copies=signed_copy.copies(decision.id) if issued else [],
        can_upload_signed=issued and access.can_issue_decision(current_user, decision),
        signed_form=signed_form or SignedCopyForm(formdata=None),
        signing_time=signed_copy.format_signing_time,
        history=audit.history("decision", decision.id),
        history_labels=HISTORY_LABELS,
        field_labels=FIELD_LABELS,
        confirmations={move.value: decision_confirmation(decision, move) for move in CONFIRMED_MOVES},
    ), status


@bp.route("/decisions/<int:decision_id>")
@login_required
def decision(decision_id: int):
    return _decision_page(_load_decision(decision_id))


@bp.route("/decisions/<int:decision_id>/<action>", methods=["POST"])
@login_required
def decision_action(decision_id: int, action: str):
    if action not in {a.value for a in workflow.DecisionAction}:
        abort(404)
    move = workflow.DecisionAction(action)
    decision = _load_decision(decision_id)
    back = url_for(".decision", decision_id=decision.id)
    options: dict = {}
    reason = None
    issue_form = return_form = None
    if move is workflow.DecisionAction.ISSUE:
        issue_form = IssueForm()
        if not issue_form.validate():
            errors = [SESSION_EXPIRED] if "csrf_token" in issue_form.errors else list(issue_form.decided_on.errors)
            return _decision_page(decision, issue_form=issue_form, errors=errors, status=422)
        options = {"decided_on": issue_form.decided_on.data, "acknowledge_warnings": bool(issue_form.acknowledge.data)}
    elif move is workflow.DecisionAction.RETURN:
        return_form = ReturnForm()
        if not return_form.validate():
            errors = [SESSION_EXPIRED] if "csrf_token" in return_form.errors else list(return_form.reason.errors)
            return _decision_page(decision, return_form=return_form, errors=errors, status=422)
        reason = return_form.reason.data
    elif not EmptyForm().validate_on_submit():
        flash(SESSION_EXPIRED, "error")
        return redirect(back)
    # Issuing and discarding cannot be undone: asked first, unless the move would be refused anyway.
    if move in CONFIRMED_MOVES and not is_confirmed() and not workflow.blockers(decision, move, current_user, **options):
        return ask(decision_confirmation(decision, move, options.get("decided_on")), back + "#actions")
    try:
        workflow.apply(decision, move, current_user, reason=reason, **options)
    except RuleRefused as refused:
        problems = _problems(refused)
        messages = [problem.message for problem in problems]
        if move in (workflow.DecisionAction.ISSUE, workflow.DecisionAction.RETURN):
            decision = _load_decision(decision_id)
            for problem in problems:
                target = issue_form if move is workflow.DecisionAction.ISSUE else return_form
                if problem.field and problem.field in target:
                    target[problem.field].errors = list(target[problem.field].errors) + [problem.message]
            return _decision_page(decision, issue_form=issue_form, return_form=return_form, errors=messages, status=422)
        for message in messages:
            flash(message, "error")
        return redirect(back)
    message = move.done
    if move is workflow.DecisionAction.ISSUE:
        message = f"Đã ban hành Quyết định số {decision.number_label} ngày {format_date(decision.decided_on)}."
        if decision.kind in ops.AWARDING_KINDS:
            message += f" Đã cấp {len(decision.awardees)} giấy khen (số hiệu để tra cứu)."
    db.session.commit()
    flash(message, "success")
    if move is workflow.DecisionAction.DISCARD:
        return redirect(url_for(".decisions", campaign_id=decision.campaign_id))
    return redirect(back)


def _edit_refused(decision: Decision):
    """An issued decision never changes: the page says what to do instead (409)."""
    return render_template(
        "awards/decisions/locked.html", decision=decision, campaign=decision.campaign,
        message=ops.EDIT_REFUSED if decision.status is DecisionStatus.ISSUED
        else f"Quyết định đang ở trạng thái “{decision.status.label}”: chỉ sửa được dự thảo.",
        can_amend=decision.status is DecisionStatus.ISSUED and decision.kind in ops.AWARDING_KINDS
        and access.can_draft_decision(current_user, decision.campaign),
        button_form=EmptyForm(),
    ), 409


@bp.route("/decisions/<int:decision_id>/edit", methods=["GET", "POST"])
@login_required
def edit_decision(decision_id: int):
    decision = _load_decision(decision_id)
    access.require(access.can_draft_decision(current_user, decision.campaign))
    if decision.status is not DecisionStatus.DRAFT:
        return _edit_refused(decision)
    listing = ops.candidates(decision.campaign, decision.award_form)
    errors: list[str] = []
    if request.method == "POST":
        form = DecisionEditForm(candidate_list=listing, fmt=decision.format)
        if form.validate():
            try:
                changed = ops.update_draft(decision, form.to_input(), current_user)
            except RuleRefused as refused:
                problems = _problems(refused)
                errors = [problem.message for problem in problems]
                for problem in problems:
                    if problem.field and problem.field in form:
                        form[problem.field].errors = list(form[problem.field].errors) + [problem.message]
                decision = _load_decision(decision_id)
                if decision.status is not DecisionStatus.DRAFT:
                    return _edit_refused(decision)
                listing = ops.candidates(decision.campaign, decision.award_form)
            else:
                db.session.commit()
                if changed:
                    flash("Đã lưu dự thảo quyết định.", "success")
                else:
                    flash("Không có thay đổi nào.", "info")
                return redirect(url_for(".decision", decision_id=decision.id))
        else:
            errors = [SESSION_EXPIRED] if "csrf_token" in form.errors else ["Chưa lưu được: vui lòng sửa các mục được đánh dấu bên dưới."]
    else:
        form = DecisionEditForm.for_decision(decision, listing)
    lines = {line.id: line for line in decision.awardees}
    return render_template(
        "awards/decisions/edit.html",
        decision=decision,
        campaign=decision.campaign,
        form=form,
        listing=listing,
        line_rows=[(entry, lines.get(int(entry.form.line_id.data))) for entry in form.lines if (entry.form.line_id.data or "").isdigit()],
        unchanged={line.id for line in ops.unchanged_corrections(decision)},
        errors=errors,
        format_score=format_score,
    ), (422 if errors else 200)


@bp.route("/decisions/<int:decision_id>/amend", methods=["POST"])
@login_required
def amend_decision(decision_id: int):
    decision = _load_decision(decision_id)
    access.require(access.can_draft_decision(current_user, decision.campaign))
    back = url_for(".decision", decision_id=decision.id)
    if not EmptyForm().validate_on_submit():
        flash(SESSION_EXPIRED, "error")
        return redirect(back)
    try:
        amendment = ops.draft_amendment(decision, current_user)
    except RuleRefused as refused:
        for problem in _problems(refused):
            flash(problem.message, "error")
        return redirect(back)
    db.session.commit()
    flash(
        "Đã lập dự thảo quyết định sửa đổi, bổ sung. Hãy sửa các dòng cần đính chính và bỏ các dòng không thay đổi.",
        "success",
    )
    return redirect(url_for(".edit_decision", decision_id=amendment.id))


@bp.route("/decisions/<int:decision_id>/pdf")
@login_required
def decision_pdf(decision_id: int):
    decision = _load_decision(decision_id)
    from dvkheo.awards.decision_pdf import decision_pdf as render  # WeasyPrint loads only when a PDF is made

    response = send_file(
        BytesIO(render(decision)),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=ops.pdf_filename(decision),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/decisions/<int:decision_id>/docx")
@login_required
def decision_docx(decision_id: int):
    """The secretary's Word copy to edit; the record here stays the official text."""
    decision = _load_decision(decision_id)
    from dvkheo.documents import docx

    response = send_file(
        BytesIO(docx.decision_docx(decision)),
        mimetype=docx.MIMETYPE,
        as_attachment=True,
        download_name=docx.decision_filename(decision),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response

