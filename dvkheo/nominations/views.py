from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.campaigns.models import Campaign, NomineeKind, ReferenceItem
from dvkheo.core.confirm import Confirmation, ask, is_confirmed
from dvkheo.core.storage import UploadRejected, discard, send_stored, store_upload
from dvkheo.core import search
from dvkheo.core.transition_views import perform
from dvkheo.core.urls import paginate, query_int
from dvkheo.extensions import db
from dvkheo.nominations import operations, workflow
from dvkheo.nominations.forms import ReturnForm, WithdrawForm, build_form
from dvkheo.nominations.models import Attachment, Nomination
from dvkheo.nominations.states import NominationAction, NominationState

# A commendation panel is shown once the award exists, also after it was proposed upward or revoked.
AWARD_PANEL_STATES = frozenset({NominationState.AWARDED, NominationState.FORWARDED, NominationState.REVOKED})

bp = Blueprint("nominations", __name__)


@bp.route("/")
@login_required
def index():
    args = {key: request.args.get(key, "").strip() for key in ("q", "status", "kind", "campaign", "field")}
    query = access.visible_nominations(current_user).options(
        so.joinedload(Nomination.campaign),
        so.joinedload(Nomination.field),
        so.joinedload(Nomination.unit),
    )
    if args["q"]:
        query = query.where(search.matches(args["q"], Nomination.search_text))
    if args["status"] in NominationState._value2member_map_:
        query = query.where(Nomination.status == NominationState(args["status"]))
    if args["kind"] in NomineeKind._value2member_map_:
        query = query.where(Nomination.kind == NomineeKind(args["kind"]))
    campaign_id, field_id = query_int("campaign"), query_int("field")
    if campaign_id is not None:
        query = query.where(Nomination.campaign_id == campaign_id)
    if field_id is not None:
        query = query.where(Nomination.field_id == field_id)
    query = query.order_by(Nomination.updated_at.desc(), Nomination.id.desc())
    page = paginate(query)

    # Filter options come from the same visible rows, so nothing of other units leaks here either.
    visible_ids = access.visible_nominations(current_user).with_only_columns(Nomination.id).scalar_subquery()
    campaigns = db.session.scalars(
        sa.select(Campaign).where(Campaign.id.in_(sa.select(Nomination.campaign_id).where(Nomination.id.in_(visible_ids))))
        .order_by(Campaign.year.desc(), Campaign.title)
    ).all()
    fields = db.session.scalars(
        sa.select(ReferenceItem).where(ReferenceItem.id.in_(sa.select(Nomination.field_id).where(Nomination.id.in_(visible_ids))))
        .order_by(ReferenceItem.position)
    ).all()
    return render_template(
        "nominations/index.html", page=page, args=args, campaigns=campaigns, fields=fields,
        states=list(NominationState), kinds=list(NomineeKind),
        filter_args={k: v for k, v in args.items() if v},
    )


@bp.route("/new")
@login_required
def new():
    access.require(access.can_nominate(current_user))
    campaigns = operations.open_campaigns_for(current_user.unit)
    return render_template("nominations/choose.html", campaigns=campaigns)


@bp.route("/new/<int:campaign_id>/<kind>", methods=["GET", "POST"])
@login_required
def create(campaign_id: int, kind: str):
    access.require(access.can_nominate(current_user))
    campaign = access.get_or_404(Campaign, campaign_id)
    if kind not in NomineeKind._value2member_map_:
        abort(404)
    nominee_kind = NomineeKind(kind)
    if campaign not in operations.open_campaigns_for(current_user.unit):
        flash("Đợt bình xét này hiện không nhận hồ sơ từ đơn vị của bạn.", "warning")
        return redirect(url_for(".new"))
    if nominee_kind not in campaign.allowed_kinds:
        flash(f"Đợt bình xét này không nhận hồ sơ {nominee_kind.label.lower()}.", "warning")
        return redirect(url_for(".new"))
    return _edit_form(campaign, nominee_kind, nomination=None)


@bp.route("/<int:nomination_id>/edit", methods=["GET", "POST"])
@login_required
def edit(nomination_id: int):
    nomination = access.load_nomination(nomination_id, for_edit=True)
    return _edit_form(nomination.campaign, nomination.kind, nomination=nomination)


def _edit_form(campaign: Campaign, kind: NomineeKind, nomination: Nomination | None):
    reference = operations.reference_lists()
    form = build_form(campaign, kind, reference, obj=nomination)
    if nomination is None and request.method == "GET":
        form.locality.data = current_user.unit.name
    if nomination is not None and request.method == "GET":
        form.nominee_consent.data = nomination.nominee_consent_at is not None
    staged = operations.load_staged(form.staged_uploads.data, current_user) if request.method == "POST" else []
    general_errors: list[str] = []

    if request.method == "POST":
        form_ok = form.validate()  # first: validate() resets every field's errors
        already_staged = len(staged)
        upload_errors = _stage_uploads(form, staged)
        if form_ok and not upload_errors:
            try:
                return _save(form, campaign, kind, nomination, staged)
            except sa.exc.DBAPIError as error:
                _discard_unsaved(staged[already_staged:], error)
                raise  # the error pages explain (a database outage: 503)
            except UploadRejected as error:
                db.session.rollback()
                general_errors.append(str(error))
            except workflow.TransitionRefused as refused:
                # The draft was saved; show why it could not be sent.
                _attach_problems(form, refused.problems, general_errors)
                nomination = db.session.get(Nomination, refused.nomination_id)
                staged = []
        else:
            general_errors.append("Hồ sơ chưa được lưu: vui lòng sửa các mục được đánh dấu bên dưới.")
        form.staged_uploads.data = operations.dump_staged(staged, current_user)

    return render_template(
        "nominations/form.html",
        form=form,
        campaign=campaign,
        kind=kind,
        nomination=nomination,
        staged=staged,
        general_errors=general_errors,
    ), (422 if general_errors or form.errors else 200)


def _stage_uploads(form, staged: list) -> bool:
    """Store every newly chosen file; keep the good ones staged, mark the bad ones on their field."""
    had_errors = False
    slots = [(form.evidence, "evidence", None), (form.review_minutes, "review_minutes", None)]
    slots += [(file_field, "evidence", criterion.id) for criterion, file_field in form.criterion_files]
    for file_field, purpose, criterion_id in slots:
        uploads = file_field.data if isinstance(file_field.data, list) else [file_field.data]
        for upload in uploads:
            if upload is None or not getattr(upload, "filename", ""):
                continue
            try:
                stored = store_upload(upload.stream, upload.filename)
            except UploadRejected as error:
                file_field.errors = list(file_field.errors or []) + [str(error)]
                had_errors = True
                continue
            staged.append((stored, purpose, criterion_id))
    return had_errors


def _discard_unsaved(new_files: list, error: sa.exc.DBAPIError) -> None:
    """Remove the files this request stored when the database refused the save, so that no file is left
    without its record. A failed statement means the transaction was not committed; a failure of the commit
    itself (no statement) may hide a commit that happened: those files are kept, `flask uploads prune`
    removes them if no record points at them."""
    if not error.statement:
        return
    for stored, _purpose, _criterion_id in new_files:
        discard(stored.stored_name)


def _save(form, campaign: Campaign, kind: NomineeKind, nomination: Nomination | None, staged: list):
    """One transaction: create or update the draft, attach staged files, then submit if asked."""
    creating = nomination is None
    if creating:
        nomination = operations.create_draft(campaign, kind, current_user.unit, current_user)
    operations.update_report(nomination, operations.form_values(form), current_user)
    operations.record_nominee_consent(nomination, bool(form.nominee_consent.data), current_user)
    if staged:
        operations.attach_files(nomination, staged, current_user)

    if form.wants_submit:
        action = NominationAction.RESUBMIT if nomination.status is NominationState.RETURNED else NominationAction.SUBMIT
        try:
            if kind is NomineeKind.INDIVIDUAL and nomination.nominee_consent_at is None:
                from dvkheo.privacy.notices import NOMINEE_CONSENT_REQUIRED

                raise workflow.TransitionRefused([workflow.Problem("nominee_consent", NOMINEE_CONSENT_REQUIRED, "nominee_consent")])
            workflow.apply(nomination, action, current_user)
        except workflow.TransitionRefused as refused:
            db.session.commit()  # the typed dossier is kept as a draft
            refused.nomination_id = nomination.id
            raise
        operations.notify_committee_of_submission(nomination, resubmitted=action is NominationAction.RESUBMIT)
        db.session.commit()
        flash("Đã nộp hồ sơ. Cơ quan tổ chức sẽ tiếp nhận và thông báo kết quả sơ loại.", "success")
        return redirect(url_for(".show", nomination_id=nomination.id))

    db.session.commit()
    flash("Đã lưu nháp hồ sơ.", "success")
    return redirect(url_for(".edit", nomination_id=nomination.id))


def _attach_problems(form, problems, general_errors: list[str]) -> None:
    general_errors.append("Đã lưu nháp, nhưng hồ sơ chưa nộp được vì:")
    for problem in problems:
        general_errors.append(problem.message)
        target = problem.field if problem.field and problem.field in form else None
        if target:
            form[target].errors = list(form[target].errors or []) + [problem.message]


@bp.route("/<int:nomination_id>")
@login_required
def show(nomination_id: int):
    from dvkheo.awards import queries as award_queries
    from dvkheo.review import screening
    from dvkheo.review.screening_views import panel_context

    nomination = access.load_nomination(nomination_id)
    history, actor_names = screening.visible_history(nomination, current_user)
    return render_template(
        "nominations/show.html",
        nomination=nomination,
        history=history,
        actor_names=actor_names,
        history_labels=screening.HISTORY_LABELS,
        history_notes=screening.history_notes(history),
        actions=workflow.available_actions(nomination, current_user),
        return_form=ReturnForm(),
        withdraw_form=WithdrawForm(),
        withdraw_confirmation=withdraw_confirmation(nomination),
        A=NominationAction,
        award=award_queries.award_summary(nomination.id) if nomination.status in AWARD_PANEL_STATES else None,
        forward_in=award_queries.forward_into(nomination.id),
        forwards_out=award_queries.forwards_from(nomination.id) if nomination.status is NominationState.FORWARDED else [],
        **panel_context(nomination),  # the committee's screening panel (None for the unit)
    )


@bp.route("/<int:nomination_id>/withdraw", methods=["POST"])
@login_required
def withdraw(nomination_id: int):
    """Withdraw a dossier: it cannot be sent again, so the unit confirms first (dvkheo/core/confirm.py)."""
    nomination = access.load_nomination(nomination_id)
    form = WithdrawForm()
    if (
        form.validate_on_submit()
        and not is_confirmed()
        and NominationAction.WITHDRAW in workflow.available_actions(nomination, current_user)
    ):
        return ask(withdraw_confirmation(nomination, form.reason.data), url_for(".show", nomination_id=nomination.id))
    return _transition(nomination, NominationAction.WITHDRAW, form, "Đã rút hồ sơ.")


def withdraw_confirmation(nomination: Nomination, reason: str | None = None) -> Confirmation:
    """What "Rút hồ sơ" asks; with `reason` (as typed) it repeats it."""
    details = [f"Hồ sơ số {nomination.id}: {nomination.display_title}"]
    if reason and reason.strip():
        details.append(f"Lý do: {reason.strip()}")
    return Confirmation(
        question="Rút hồ sơ này?",
        irreversible="Hồ sơ đã rút dừng ở trạng thái “Đã rút hồ sơ”: không sửa, không nộp lại được và không được xét tiếp.",
        button="Rút hồ sơ",
        details=tuple(details),
        danger=True,
    )


@bp.route("/<int:nomination_id>/return", methods=["POST"])
@login_required
def return_for_completion(nomination_id: int):
    nomination = access.load_nomination(nomination_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors) or "Yêu cầu không hợp lệ.", "error")
        return redirect(url_for(".show", nomination_id=nomination.id))
    from dvkheo.review import screening

    return perform(
        lambda: screening.return_for_completion(nomination, current_user, form.reason.data),
        url_for(".show", nomination_id=nomination.id),
        lambda: "Đã trả hồ sơ để đơn vị bổ sung.",
    )


def _transition(nomination: Nomination, action: NominationAction, form, success: str):
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors) or "Yêu cầu không hợp lệ.", "error")
        return redirect(url_for(".show", nomination_id=nomination.id))
    return perform(
        lambda: workflow.apply(nomination, action, current_user, reason=form.reason.data),
        url_for(".show", nomination_id=nomination.id),
        lambda: success,
    )


@bp.route("/<int:nomination_id>/attachments/<int:attachment_id>")
@login_required
def download(nomination_id: int, attachment_id: int):
    nomination = access.load_nomination(nomination_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.nomination_id != nomination.id:
        abort(404)
    access.require(access.can_download_attachment(current_user, attachment))
    return send_stored(
        attachment.stored_name, mimetype=attachment.content_type, as_attachment=True,
        download_name=attachment.original_name,
    )


@bp.route("/<int:nomination_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@login_required
def delete_attachment(nomination_id: int, attachment_id: int):
    nomination = access.load_nomination(nomination_id, for_edit=True)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.nomination_id != nomination.id:
        abort(404)
    from dvkheo.core.forms import EmptyForm

    if not EmptyForm().validate_on_submit():
        abort(400)
    stored_name = attachment.stored_name
    operations.remove_attachment(nomination, attachment, current_user)
    db.session.commit()
    discard(stored_name)  # only after the commit: a rollback must not lose the file
    flash(f"Đã xóa tệp “{attachment.original_name}”.", "success")
    return redirect(url_for(".edit", nomination_id=nomination.id))


from dvkheo.nominations import dossier_views, spreadsheet_views  # noqa: E402,F401  (routes on this blueprint)
