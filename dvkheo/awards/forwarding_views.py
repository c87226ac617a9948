"""Forwarding upward: the campaign's awarded list, proposing a nomination to a parent unit's campaign,
and the lower level's history as the upper committee reads it.

Nominations and campaigns outside the user's scope answer 404; in scope without the
permission, 403. One transaction per POST.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired

from dvkheo import access
from dvkheo.awards import forwarding
from dvkheo.awards import queries as award_queries
from dvkheo.awards.decision_views import SESSION_EXPIRED, _problems
from dvkheo.awards.models import NominationForward
from dvkheo.awards.views import bp
from dvkheo.campaigns.models import Campaign, NomineeKind
from dvkheo.core.rules import RuleRefused
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState


def _campaign_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ForwardForm(FlaskForm):
    # The list is checked by `forwarding.forward`, which says in Vietnamese why a campaign is not a target.
    target_campaign_id = SelectField("Đợt bình xét của cấp trên", coerce=_campaign_id, validate_choice=False)
    confirm = BooleanField(
        "Tôi xác nhận đề nghị cấp trên khen thưởng hồ sơ này, kèm báo cáo thành tích, minh chứng và quá trình xét chọn ở cấp mình.",
        validators=[DataRequired(message="Vui lòng đánh dấu xác nhận trước khi gửi đề nghị.")],
    )


def _why_no_target(nomination: Nomination) -> str:
    if nomination.status is not NominationState.AWARDED:
        return (
            f"Hồ sơ đang ở trạng thái “{nomination.status.label}”; chỉ hồ sơ đã được khen thưởng "
            "(chưa đề nghị cấp trên, chưa bị thu hồi) mới được đề nghị cấp trên."
        )
    organiser = nomination.campaign.organising_unit
    if organiser.parent_id is None:
        return f"{organiser.name} là cấp cao nhất trong hệ thống; không có cấp trên để đề nghị."
    return (
        f"Hiện không có đợt bình xét nào của cấp trên {organiser.name} đang nhận hồ sơ "
        f"{nomination.kind.label.lower()}. Khi cấp trên mở đợt bình xét, hồ sơ có thể được đề nghị từ trang này."
    )


@bp.route("/nominations/<int:nomination_id>/forward", methods=["GET", "POST"])
@login_required
def forward_nomination(nomination_id: int):
    nomination = access.get_or_404(Nomination, nomination_id)
    if not access.can_view_nomination(current_user, nomination):
        abort(404)
    access.require(access.can_forward_nomination(current_user, nomination))
    targets = forwarding.target_campaigns(nomination) if nomination.status is NominationState.AWARDED else []
    form = ForwardForm() if request.method == "POST" else ForwardForm(formdata=None)
    form.target_campaign_id.choices = [(c.id, f"{c.title} · {c.organising_unit.name}") for c in targets]
    if request.method == "GET" and len(targets) == 1:
        form.target_campaign_id.data = targets[0].id
    errors: list[str] = []
    if request.method == "POST":
        if not form.validate():
            errors.append(SESSION_EXPIRED if "csrf_token" in form.errors else "Chưa gửi được đề nghị: vui lòng xem các lỗi bên dưới.")
        else:
            target = db.session.get(Campaign, form.target_campaign_id.data) if form.target_campaign_id.data else None
            if target is None:
                form.target_campaign_id.errors = ["Vui lòng chọn đợt bình xét của cấp trên."]
                errors.append("Chưa gửi được đề nghị: vui lòng chọn đợt bình xét của cấp trên.")
            else:
                try:
                    record = forwarding.forward(nomination, target, current_user)
                except RuleRefused as refused:
                    errors.extend(problem.message for problem in _problems(refused))
                else:
                    db.session.commit()
                    flash(
                        f"Đã đề nghị hồ sơ “{nomination.display_title}” lên đợt bình xét “{target.title}” "
                        f"(hồ sơ mới số {record.target_nomination_id}, đã nộp).",
                        "success",
                    )
                    return redirect(url_for("awards.forward_nomination", nomination_id=nomination.id))
    return render_template(
        "awards/forward_new.html",
        campaign=nomination.campaign,
        nomination=nomination,
        award=award_queries.award_summary(nomination.id),
        forwards=award_queries.forwards_from(nomination.id),
        targets=targets,
        why_none=_why_no_target(nomination) if not targets else "",
        form=form,
        errors=errors,
    ), (422 if errors else 200)


@bp.route("/forwards/<int:forward_id>")
@login_required
def forward_history(forward_id: int):
    record = access.get_or_404(NominationForward, forward_id)
    # The upper committee reads it through the dossier it received; the lower committee sent it.
    if not (
        access.can_view_nomination(current_user, record.target)
        or access.can_view_review(current_user, record.source.campaign)
    ):
        abort(404)
    return render_template("awards/forward_history.html", forward=record)


@bp.route("/campaigns/<int:campaign_id>/awarded")
@login_required
def awarded(campaign_id: int):
    campaign = access.get_or_404(Campaign, campaign_id)
    if not access.can_view_decisions(current_user, campaign):
        abort(404)
    rows = forwarding.awarded_rows(campaign.id)
    # Targets depend only on the campaign and the kind: one look-up for the page, never per row.
    above = forwarding.open_campaigns_above(campaign) if rows else []
    targets_by_kind = {kind: [c for c in above if kind in c.allowed_kinds] for kind in NomineeKind}
    return render_template(
        "awards/forward_awarded.html",
        campaign=campaign,
        rows=rows,
        targets_by_kind=targets_by_kind,
        has_decision_page="awards.decision" in current_app.view_functions,
    )
