"""Revocation pages: draft a revoking decision, follow revoked certificates, record recovery, reissue.

One transaction per POST: the operations in `revocation` flush and audit, the view commits once
or rolls back and shows why, keeping what the user typed. Campaigns outside the user's
committee answer 404; committee members without the permission get 403.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from dvkheo import access
from dvkheo.awards import revocation
from dvkheo.awards.models import Decision, DecisionAwardee, RevocationScope
from dvkheo.awards.decision_views import SESSION_EXPIRED, _problems
from dvkheo.awards.views import bp
from dvkheo.campaigns.models import Campaign
from dvkheo.certificates.models import Certificate
from dvkheo.core.confirm import Confirmation, ask, is_confirmed
from dvkheo.core.fields import VNDateField
from dvkheo.core.forms import TOO_LONG, EmptyForm
from dvkheo.core.rules import RuleRefused
from dvkheo.core.transition_views import perform
from dvkheo.extensions import db

NO_REVOCATION = "none"
AWARD_CHOICE = "award"
CERTIFICATE_CHOICE = "certificate-"


class RevocationForm(FlaskForm):
    reason = TextAreaField(
        "Lý do thu hồi, hủy bỏ",
        validators=[DataRequired(message=revocation.REASON_REQUIRED), Length(max=4000, message=TOO_LONG)],
        render_kw={
            "rows": 4,
            "placeholder": "Ví dụ: Qua kiểm tra, thành tích kê khai trong hồ sơ đề nghị không đúng sự thật.",
        },
    )


class RecoveryForm(FlaskForm):
    recovered_on = VNDateField("Ngày thu hồi được bản gốc")
    note = TextAreaField(
        "Ghi chú",
        validators=[Length(max=1000, message=TOO_LONG)],
        render_kw={"rows": 2, "placeholder": "Ví dụ: Đơn vị nộp lại bản gốc, đã cắt góc hủy"},
    )


def _load_campaign(campaign: Campaign) -> Campaign:
    """404 to anyone outside the campaign's committee (they learn nothing)."""
    if not access.can_view_decisions(current_user, campaign):
        abort(404)
    return campaign


# --- drafting a revoking decision ----------------------------------------------------------------


def _posted_choices(lines: list[revocation.RevocableLine]) -> dict[int, str]:
    """What the secretary chose per line, as the radio values (kept when the page is shown again)."""
    chosen = {}
    for entry in lines:
        value = request.form.get(f"line-{entry.line.id}", NO_REVOCATION)
        if value == AWARD_CHOICE or (value.startswith(CERTIFICATE_CHOICE) and value[len(CERTIFICATE_CHOICE):].isdigit()):
            chosen[entry.line.id] = value
    return chosen


def _as_items(chosen: dict[int, str]) -> list[revocation.RevocationChoice]:
    items = []
    for awardee_id, value in chosen.items():
        if value == AWARD_CHOICE:
            items.append(revocation.RevocationChoice(awardee_id, RevocationScope.AWARD))
        else:
            items.append(
                revocation.RevocationChoice(awardee_id, RevocationScope.CERTIFICATE, int(value[len(CERTIFICATE_CHOICE):]))
            )
    return items


def _after_draft_url(draft: Decision) -> str:
    if "awards.decision" in current_app.view_functions:
        return url_for("awards.decision", decision_id=draft.id)
    return url_for("awards.revocations", campaign_id=draft.campaign_id)


@bp.route("/decisions/<int:decision_id>/revocations/new", methods=["GET", "POST"])
@login_required
def new_revocation(decision_id: int):
    original = access.get_or_404(Decision, decision_id)
    campaign = _load_campaign(original.campaign)
    access.require(access.can_draft_decision(current_user, campaign))
    if original.kind not in revocation.REVOCABLE_KINDS:
        abort(404)
    lines = revocation.revocable_lines(original)
    form = RevocationForm() if request.method == "POST" else RevocationForm(formdata=None)
    chosen: dict[int, str] = _posted_choices(lines) if request.method == "POST" else {}
    errors: list[str] = []
    if request.method == "POST":
        if not form.validate():
            if "csrf_token" in form.errors:
                errors.append(SESSION_EXPIRED)
            errors.extend(message for name, messages in form.errors.items() if name != "csrf_token" for message in messages)
        else:
            try:
                draft = revocation.draft_revocation(original, _as_items(chosen), form.reason.data, current_user)
            except RuleRefused as refused:
                for problem in _problems(refused):
                    if problem.field == "reason":
                        form.reason.errors = list(form.reason.errors) + [problem.message]
                    else:
                        errors.append(problem.message)
            else:
                db.session.commit()
                flash(
                    f"Đã lập dự thảo quyết định thu hồi ({len(draft.revocation_items)} dòng). "
                    "Dự thảo cần Chủ tịch duyệt và ban hành mới có hiệu lực.",
                    "success",
                )
                return redirect(_after_draft_url(draft))
    return render_template(
        "awards/revocation_new.html",
        campaign=campaign,
        original=original,
        lines=lines,
        form=form,
        chosen=chosen,
        errors=errors,
        AWARD_CHOICE=AWARD_CHOICE,
        CERTIFICATE_CHOICE=CERTIFICATE_CHOICE,
    ), (422 if request.method == "POST" else 200)


# --- revoked certificates: recovery and reissue --------------------------------------------------


def _revocations_page(campaign: Campaign, failed: tuple[int, RecoveryForm] | None = None, status: int = 200):
    rows = revocation.revoked_certificates(campaign.id)
    forms = {}
    for row in rows:
        certificate = row.certificate
        if failed is not None and failed[0] == certificate.id:
            forms[certificate.id] = failed[1]
        else:
            forms[certificate.id] = RecoveryForm(
                formdata=None,
                prefix=f"c{certificate.id}",
                data={"recovered_on": certificate.recovered_on, "note": certificate.recovery_note},
            )
    return render_template(
        "awards/revocations.html",
        campaign=campaign,
        rows=rows,
        forms=forms,
        decisions=revocation.revocable_decisions(campaign.id),
        revoking=revocation.revocation_decisions(campaign.id),
        can_draft=access.can_draft_decision(current_user, campaign),
        button_form=EmptyForm(),
        reissue_confirmation=reissue_confirmation,
        failed_id=failed[0] if failed else None,
        has_decision_page="awards.decision" in current_app.view_functions,
    ), status


@bp.route("/campaigns/<int:campaign_id>/revocations")
@login_required
def revocations(campaign_id: int):
    campaign = _load_campaign(access.get_or_404(Campaign, campaign_id))
    return _revocations_page(campaign)


@bp.route("/certificates/<int:certificate_id>/recovery", methods=["POST"])
@login_required
def record_recovery(certificate_id: int):
    certificate = access.get_or_404(Certificate, certificate_id)
    campaign = _load_campaign(certificate.decision.campaign)
    access.require(access.can_manage_recovery(current_user, certificate))
    form = RecoveryForm(prefix=f"c{certificate.id}")
    if not form.validate():
        if "csrf_token" in form.errors:
            flash(SESSION_EXPIRED, "error")
        return _revocations_page(campaign, (certificate.id, form), 422)
    try:
        changed = revocation.record_recovery(certificate, form.recovered_on.data, form.note.data, current_user)
    except RuleRefused as refused:
        for problem in _problems(refused):
            target = form.recovered_on if problem.field == "recovered_on" else form.note
            target.errors = list(target.errors) + [problem.message]
        # The rollback expired the certificate; the page reads it again.
        return _revocations_page(campaign, (certificate_id, form), 422)
    db.session.commit()
    if changed:
        flash(f"Đã ghi nhận thu hồi bản gốc giấy khen số {certificate.serial}.", "success")
    else:
        flash("Không có thay đổi nào.", "info")
    return redirect(url_for("awards.revocations", campaign_id=campaign.id) + f"#cert-{certificate.id}")


def reissue_confirmation(line: DecisionAwardee) -> Confirmation:
    """What "Cấp lại giấy khen" asks."""
    form = line.award_form.name
    return Confirmation(
        question=f"Cấp lại {form} cho “{line.recipient_name}”?",
        irreversible=f"{form} mới được cấp ngay với số hiệu mới và hiện “còn hiệu lực” trên trang tra cứu công khai; "
        f"muốn bỏ {form} mới phải ra quyết định thu hồi.",
        button=f"Cấp lại {form}",
    )


@bp.route("/awardees/<int:awardee_id>/reissue", methods=["POST"])
@login_required
def reissue_certificate(awardee_id: int):
    line = access.get_or_404(DecisionAwardee, awardee_id)
    campaign = _load_campaign(line.decision.campaign)
    access.require(access.can_draft_decision(current_user, campaign))
    back = url_for("awards.revocations", campaign_id=campaign.id)
    if not EmptyForm().validate_on_submit():
        flash(SESSION_EXPIRED, "error")
        return redirect(back)
    # A new serial is issued at once and shows on the public verification page: asked first, unless it
    # would be refused anyway (the refusal then says why).
    if not is_confirmed() and any(
        row.can_reissue and row.certificate.awardee_id == line.id for row in revocation.revoked_certificates(campaign.id)
    ):
        return ask(reissue_confirmation(line), back)
    issued = []
    return perform(
        lambda: issued.append(revocation.reissue_certificate(line, current_user)),
        back,
        lambda: f"Đã cấp lại {line.award_form.name} cho “{line.recipient_name}” với số hiệu mới {issued[0].serial}.",
    )
