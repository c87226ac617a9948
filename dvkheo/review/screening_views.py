"""Routes for screening: the committee's inbox and the secretary's decisions on one dossier.

Each POST is one transaction: the operation in `screening` moves and audits, the view commits
once, or rolls back and shows why (beside the field when the problem names one). Dossiers and
campaigns outside the user's scope answer 404; staff who may only read answer 403.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.campaigns import operations as campaign_ops
from dvkheo.campaigns.models import NomineeKind
from dvkheo.core.confirm import Confirmation, ask, is_confirmed
from dvkheo.core.forms import EmptyForm
from dvkheo.core.rules import RuleRefused
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.core.urls import carried_args, paginate
from dvkheo.extensions import db
from dvkheo.nominations import workflow
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import SENT_STATES, SUBMITTED_STATES, NominationAction, NominationState
from dvkheo.review import screening
from dvkheo.review.models import NominationHold
from dvkheo.review.screening_forms import HoldForm, RejectForm, ReleaseForm, ReturnForm
from dvkheo.review.views import bp

SESSION_EXPIRED = "Phiên làm việc đã hết hạn hoặc yêu cầu không hợp lệ; vui lòng tải lại trang và thử lại."


# --- the inbox ---------------------------------------------------------------------------------


@bp.route("/campaigns/<int:campaign_id>/inbox")
@login_required
def inbox(campaign_id: int):
    """Dossiers sent to the committee, awaiting screening by default; a fixed number of queries per page."""
    campaign = access.load_review_campaign(campaign_id)
    filters = screening.parse_filters(campaign, request.args)
    page = paginate(screening.inbox_query(campaign, filters), per_page=screening.INBOX_PAGE_SIZE)
    counts = campaign_ops.status_counts(campaign)
    return render_template(
        "review/inbox.html",
        campaign=campaign,
        page=page,
        infos=screening.screening_info(page.items, current_user),
        counts=counts,
        awaiting_count=sum(counts.get(state, 0) for state in SUBMITTED_STATES),
        sent_count=sum(counts.values()),
        filters=filters,
        filter_args=filters.as_args(),
        states=[state for state in NominationState if state in SENT_STATES],
        kinds=list(NomineeKind),
        units=screening.unit_choices(campaign),
        can_manage=access.can_manage_review(current_user, campaign),
        screening_open=campaign.status in screening.SCREENING_PHASES,
        acceptable=SUBMITTED_STATES,
        bulk_form=EmptyForm(),
        ALL=screening.ALL,
    )


@bp.route("/campaigns/<int:campaign_id>/inbox/accept", methods=["POST"])
@login_required
def accept_selected(campaign_id: int):
    """Tiếp nhận the checked dossiers, all or nothing: one refused dossier and none is accepted."""
    campaign = access.load_review_campaign(campaign_id, manage=True)
    back = url_for(".inbox", campaign_id=campaign.id, **carried_args("q", "status", "field", "kind", "unit", "page"))
    if not EmptyForm().validate_on_submit():
        flash(SESSION_EXPIRED, "error")
        return redirect(back)
    ids = {int(value) for value in request.form.getlist("nomination_ids") if value.isdigit()}
    if not ids:
        flash("Chưa chọn hồ sơ nào để tiếp nhận.", "warning")
        return redirect(back)
    nominations = list(
        db.session.scalars(
            sa.select(Nomination)
            .where(Nomination.id.in_(ids), Nomination.campaign_id == campaign.id)
            .options(*screening.ELIGIBILITY_LOADS)
            .order_by(Nomination.id)
        ).unique()
    )
    try:
        problems = screening.accept_many(nominations, current_user)
    except RuleRefused as refused:
        return _refused(refused, back)
    if problems or not nominations:
        db.session.rollback()
        flash(
            f"Chưa tiếp nhận hồ sơ nào: {len(problems)}/{len(nominations)} hồ sơ được chọn chưa thể tiếp nhận. "
            "Hãy bỏ chọn các hồ sơ dưới đây rồi tiếp nhận lại, hoặc xử lý riêng từng hồ sơ.",
            "error",
        )
        for problem in problems:
            flash(problem.message, "error")
        return redirect(back)
    db.session.commit()
    flash(f"Đã tiếp nhận {len(nominations)} hồ sơ.", "success")
    return redirect(back)


def _refused(refused: RuleRefused, back: str):
    db.session.rollback()
    if any(problem.rule == "permission" for problem in refused.problems):
        abort(403)
    for problem in refused.problems:
        flash(problem.message, "error")
    return redirect(back)


# --- decisions on one dossier ----------------------------------------------------------------------


def _load_for_screening(nomination_id: int) -> Nomination:
    nomination = access.load_nomination(nomination_id)
    access.require(access.can_manage_review(current_user, nomination.campaign))
    return nomination


def _decide(
    nomination_id: int, key: str, form, run: Callable[[Nomination, object], object], success: Callable[[Nomination], str],
    confirmation: Callable[[Nomination, object], Confirmation | None] | None = None,
):
    """Validate `form`, run the operation, commit once; on refusal roll back and show the page again.

    An irreversible step passes `confirmation`: unless confirmed, the step is asked about first
    (when `confirmation` returns None, the step would be refused anyway and goes on to say why).
    """
    nomination = _load_for_screening(nomination_id)
    if not form.validate_on_submit():
        return _redisplay(nomination_id, key, form)
    question = confirmation(nomination, form) if confirmation is not None and not is_confirmed() else None
    if question is not None:
        return ask(question, url_for("nominations.show", nomination_id=nomination.id))
    try:
        run(nomination, form)
    except RuleRefused as refused:
        db.session.rollback()
        if any(problem.rule == "permission" for problem in refused.problems):
            abort(403)
        for problem in refused.problems:
            if problem.field and problem.field in form:
                form[problem.field].errors = list(form[problem.field].errors or []) + [problem.message]
            else:
                flash(problem.message, "error")
        return _redisplay(nomination_id, key, form)
    db.session.commit()
    flash(success(nomination), "success")
    return redirect(url_for("nominations.show", nomination_id=nomination.id))


def _redisplay(nomination_id: int, key: str, form):
    """The dossier page again, with this form as the user typed it and its messages beside the fields."""
    from dvkheo.nominations.views import show

    g.screening_forms = {key: form}
    return show(nomination_id=nomination_id), 422


@bp.route("/nominations/<int:nomination_id>/accept", methods=["POST"])
@login_required
def accept(nomination_id: int):
    return _decide(
        nomination_id, "accept", EmptyForm(),
        lambda n, form: screening.accept(n, current_user),
        lambda n: "Đã tiếp nhận hồ sơ.",
    )


@bp.route("/nominations/<int:nomination_id>/return", methods=["POST"])
@login_required
def return_dossier(nomination_id: int):
    return _decide(
        nomination_id, "return", ReturnForm(),
        lambda n, form: screening.return_for_completion(n, current_user, form.reason.data),
        lambda n: "Đã trả hồ sơ để đơn vị bổ sung; đơn vị đã được thông báo.",
    )


@bp.route("/nominations/<int:nomination_id>/reject", methods=["POST"])
@login_required
def reject(nomination_id: int):
    return _decide(
        nomination_id, "reject", RejectForm(),
        lambda n, form: screening.reject(n, current_user, form.reason.data),
        lambda n: "Đã ghi nhận không tiếp nhận hồ sơ; đơn vị đã được thông báo.",
        # Without a reason the workflow refuses, beside the field: nothing to ask about.
        confirmation=lambda n, form: reject_confirmation(n, form.reason.data) if (form.reason.data or "").strip() else None,
    )


def reject_confirmation(nomination: Nomination, reason: str | None = None) -> Confirmation:
    """What "Không tiếp nhận" asks; with `reason` (as typed) it repeats it."""
    details = [f"Hồ sơ số {nomination.id}: {nomination.display_title}"]
    if reason:
        details.append(f"Lý do: {reason.strip()}")
    return Confirmation(
        question="Không tiếp nhận hồ sơ này?",
        irreversible="Hồ sơ dừng ở trạng thái “Không tiếp nhận”: không được xét tiếp, đơn vị không sửa, nộp lại hồ sơ này được. "
        "Đơn vị được thông báo kèm lý do.",
        button="Không tiếp nhận",
        details=tuple(details),
        danger=True,
    )


@bp.route("/nominations/<int:nomination_id>/hold", methods=["POST"])
@login_required
def hold(nomination_id: int):
    return _decide(
        nomination_id, "hold", HoldForm(),
        lambda n, form: screening.place_hold(n, current_user, form.hold_category, form.reason.data, form.release_on.data),
        lambda n: "Đã tạm dừng xét hồ sơ; đơn vị đã được thông báo.",
    )


@bp.route("/nominations/<int:nomination_id>/release", methods=["POST"])
@login_required
def release(nomination_id: int):
    return _decide(
        nomination_id, "release", ReleaseForm(),
        lambda n, form: screening.release_hold(n, current_user, form.note.data or ""),
        lambda n: f"Đã gỡ tạm dừng xét; hồ sơ trở lại trạng thái “{n.status.label}”.",
    )


# --- the panel on the dossier page -------------------------------------------------------------------


@dataclass
class ScreeningPanel:
    info: screening.ScreeningInfo
    holds: list[NominationHold]
    can_manage: bool
    screening_open: bool
    hold_open: bool
    actions: set[NominationAction] = field(default_factory=set)
    forms: dict = field(default_factory=dict)
    reject_confirmation: Confirmation | None = None

    def offers(self, action: NominationAction) -> bool:
        """Whether the panel shows the form of `action` (allowed by the workflow and the campaign's phase)."""
        if action not in self.actions:
            return False
        if action in (NominationAction.HOLD, NominationAction.RELEASE):
            return self.hold_open
        return self.screening_open

    @property
    def phase_blocked(self) -> bool:
        """The workflow would allow a screening decision but the campaign's phase does not."""
        decisions = {NominationAction.ACCEPT, NominationAction.RETURN, NominationAction.REJECT, NominationAction.HOLD, NominationAction.RELEASE}
        return any(action in self.actions and not self.offers(action) for action in decisions)


def panel_context(nomination: Nomination) -> dict:
    """What `templates/review/_screening_panel.html` needs on the dossier page (None for the unit)."""
    campaign = nomination.campaign
    if not access.can_view_review(current_user, campaign):
        return {"screening": None}
    can_manage = access.can_manage_review(current_user, campaign)
    forms = {"accept": EmptyForm(), "return": ReturnForm(), "reject": RejectForm(), "hold": HoldForm(), "release": ReleaseForm()}
    forms.update(g.get("screening_forms") or {})
    panel = ScreeningPanel(
        info=screening.screening_info([nomination], current_user)[nomination.id],
        holds=screening.holds_of(nomination),
        can_manage=can_manage,
        screening_open=campaign.status in screening.SCREENING_PHASES,
        hold_open=campaign.status in screening.HOLD_PHASES,
        actions=set(workflow.available_actions(nomination, current_user)) if can_manage else set(),
        forms=forms,
        reject_confirmation=reject_confirmation(nomination) if can_manage else None,
    )
    return {"screening": panel, "today": today_in_vietnam()}

