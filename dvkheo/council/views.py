"""The council's pages: membership, award forms' voting rules, ballots and minutes.

Each POST is one transaction: operations flush and audit, the view commits once, or rolls back
and shows why. Campaigns and ballots outside the user's scope answer 404; staff who may only
read, and members who may not vote, get 403.

Secrecy: while a ballot is open its pages show only how many members have voted; results are
totals, shown once it is closed. No page names a member beside a choice.
"""
from __future__ import annotations

from datetime import date
from io import BytesIO
from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.accounts.models import User
from dvkheo.awards import operations as award_ops
from dvkheo.certificates.emblems import MAX_EMBLEM_BYTES, emblems_in_use, store_emblem
from dvkheo.awards.forms import PREFIX_MEANINGS, AwardFormEditForm, AwardFormForm, format_decimal, layout_rows
from dvkheo.awards.models import AwardForm, SignerPrefix
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core import audit
from dvkheo.core.confirm import Confirmation, ask, is_confirmed
from dvkheo.core.forms import EmptyForm
from dvkheo.core.rules import RuleRefused
from dvkheo.core.storage import UploadRejected, discard, send_stored
from dvkheo.council import operations as ops
from dvkheo.council import queries
from dvkheo.council import issuer
from dvkheo.council.clock import clock_words
from dvkheo.council.forms import (
    INHERIT,
    AttendanceForm,
    BallotForm,
    CloseForm,
    CouncilIssuerForm,
    MeetingForm,
    MemberAddForm,
    MemberEditForm,
    TallyForm,
    cast_form_class,
)
from dvkheo.council.models import BallotStatus, CouncilBallot, CouncilMember, CouncilRole
from dvkheo.council.voting import rule_in_words
from dvkheo.documents.formats import issuer_example, system_mismatch
from dvkheo.extensions import db

bp = Blueprint("council", __name__)

SESSION_EXPIRED = "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ; vui lòng tải lại trang và gửi lại."

BALLOT_HISTORY_LABELS = {
    "create": "Lập phiếu bầu",
    "update_attendance": "Cập nhật danh sách dự họp",
    "open": "Mở bỏ phiếu",
    "cast_ballot": "Một thành viên đã bỏ phiếu điện tử",
    "record_tally": "Nhập kết quả kiểm phiếu giấy",
    "close": "Kiểm phiếu, kết thúc bỏ phiếu",
    "update_meeting": "Sửa thời gian, địa điểm cuộc họp",
}
COUNCIL_HISTORY_LABELS = {
    "update_issuer": "Sửa tên, cơ quan thành lập, thể thức văn bản của Hội đồng",
    "add_member": "Thêm thành viên",
    "update_member": "Sửa vai trò, nhiệm vụ chấm điểm",
    "remove_member": "Bỏ khỏi Hội đồng",
}


def _refused(refused: RuleRefused) -> list[str]:
    """Roll back; a permission refusal is a 403, anything else is shown to the user."""
    db.session.rollback()
    if any(problem.rule == "permission" for problem in refused.problems):
        abort(403)
    return [problem.message for problem in refused.problems]


def _flash_refused(refused: RuleRefused) -> None:
    for message in _refused(refused):
        flash(message, "error")


# --- membership ---------------------------------------------------------------------------------


@bp.route("/campaigns/<int:campaign_id>/members")
@login_required
def members(campaign_id: int):
    campaign = access.load_review_campaign(campaign_id)
    return _members_page(campaign)


def _members_page(campaign, add_form: MemberAddForm | None = None, errors: list[str] | None = None, status: int = 200):
    can_manage = access.can_manage_review(current_user, campaign)
    term = request.args.get("q", "").strip()
    candidates = queries.candidates(campaign, term) if can_manage else []
    if add_form is None and can_manage:
        add_form = MemberAddForm(formdata=None, candidates=candidates)
    council = queries.members(campaign.id)
    edit_forms = {
        member.id: MemberEditForm(
            formdata=None,
            prefix=f"m{member.id}",
            data={"council_role": member.council_role.value, "scores_nominations": member.scores_nominations},
        )
        for member in council
    }
    return render_template(
        "council/members.html",
        campaign=campaign,
        council=council,
        usage=queries.member_usage(campaign.id),
        can_manage=can_manage,
        add_form=add_form,
        edit_forms=edit_forms,
        term=term,
        candidates=candidates,
        errors=errors or [],
        history=audit.history("council", campaign.id),
        history_labels=COUNCIL_HISTORY_LABELS,
        button_form=EmptyForm(),
    ), status


@bp.route("/campaigns/<int:campaign_id>/members/add", methods=["POST"])
@login_required
def member_add(campaign_id: int):
    campaign = access.load_review_campaign(campaign_id, manage=True)
    # The choices are the search results the secretary saw, plus the posted account if it qualifies.
    posted = request.form.get("user_id", "")
    candidates = queries.candidates(campaign, request.args.get("q", ""))
    if posted.isdigit() and all(user.id != int(posted) for user in candidates):
        user = db.session.get(User, int(posted))
        if user is not None:
            candidates.append(user)
    form = MemberAddForm(candidates=candidates)
    if not form.validate():
        if "csrf_token" in form.errors:
            flash(SESSION_EXPIRED, "error")
        return _members_page(campaign, form, ["Chưa thêm được thành viên: vui lòng chọn lại."], 422)
    try:
        member = ops.add_member(
            campaign,
            db.session.get(User, form.user_id.data),
            CouncilRole(form.council_role.data),
            bool(form.scores_nominations.data),
            current_user,
        )
    except RuleRefused as refused:
        messages = _refused(refused)
        return _members_page(campaign, form, messages, 422)
    db.session.commit()
    flash(f"Đã thêm {member.user.full_name} vào Hội đồng ({member.council_role.label}).", "success")
    return redirect(url_for(".members", campaign_id=campaign.id))


def _load_member(member_id: int) -> CouncilMember:
    member = access.get_or_404(CouncilMember, member_id)
    access.load_review_campaign(member.campaign_id, manage=True)
    return member


@bp.route("/members/<int:member_id>", methods=["POST"])
@login_required
def member_update(member_id: int):
    member = _load_member(member_id)
    form = MemberEditForm(prefix=f"m{member.id}")
    if not form.validate():
        flash(SESSION_EXPIRED if "csrf_token" in form.errors else "Lựa chọn không hợp lệ; vui lòng chọn lại.", "error")
        return redirect(url_for(".members", campaign_id=member.campaign_id))
    try:
        changed = ops.update_member(member, CouncilRole(form.council_role.data), bool(form.scores_nominations.data), current_user)
    except RuleRefused as refused:
        _flash_refused(refused)
        return redirect(url_for(".members", campaign_id=member.campaign_id))
    db.session.commit()
    flash(f"Đã lưu thay đổi của {member.user.full_name}." if changed else "Không có thay đổi nào.", "success" if changed else "info")
    return redirect(url_for(".members", campaign_id=member.campaign_id))


@bp.route("/members/<int:member_id>/remove", methods=["POST"])
@login_required
def member_remove(member_id: int):
    member = _load_member(member_id)
    campaign_id, name = member.campaign_id, member.user.full_name
    if not EmptyForm().validate_on_submit():
        flash(SESSION_EXPIRED, "error")
        return redirect(url_for(".members", campaign_id=campaign_id))
    try:
        ops.remove_member(member, current_user)
    except RuleRefused as refused:
        _flash_refused(refused)
        return redirect(url_for(".members", campaign_id=campaign_id))
    db.session.commit()
    flash(f"Đã bỏ {name} khỏi Hội đồng.", "success")
    return redirect(url_for(".members", campaign_id=campaign_id))


# --- award forms -------------------------------------------------------------------------------


@bp.route("/campaigns/<int:campaign_id>/award-forms", methods=["GET", "POST"])
@login_required
def award_forms(campaign_id: int):
    campaign = access.load_review_campaign(campaign_id, manage=request.method == "POST")
    can_manage = access.can_manage_review(current_user, campaign)
    # A GET writes nothing: the default "Giấy khen" is created by the button below (or with the
    # first form added, so that it stays the first), in the name of whoever pressed it.
    form = AwardFormForm() if request.method == "POST" else AwardFormForm(formdata=None, data={"quorum": (2, 3), "threshold": (1, 2)})
    errors: list[str] = []
    if request.method == "POST":
        if form.validate():
            try:
                award_ops.ensure_default_award_forms(campaign, current_user)
                created = award_ops.create_award_form(campaign, form.to_input(), current_user)
            except RuleRefused as refused:
                errors = form.attach(_refused_problems(refused))
            else:
                db.session.commit()
                flash(
                    f"Đã thêm hình thức khen thưởng “{created.name}”. Cơ quan ban hành, người ký và căn cứ pháp lý "
                    "được sao từ hình thức đầu tiên của đợt; vui lòng kiểm tra lại bên dưới.",
                    "success",
                )
                return redirect(url_for(".award_form_edit", form_id=created.id))
        else:
            errors = ["Chưa lưu được: vui lòng sửa các mục được đánh dấu bên dưới."]
    return render_template(
        "council/award_forms.html",
        campaign=campaign,
        forms=award_ops.award_forms(campaign.id),
        rule_in_words=rule_in_words,
        missing_details=award_ops.missing_details,
        signature_lines=award_ops.signature_lines,
        form=form if can_manage else None,
        seed_form=EmptyForm() if can_manage else None,
        errors=errors,
    ), (422 if errors else 200)


@bp.route("/campaigns/<int:campaign_id>/award-forms/default", methods=["POST"])
@login_required
def seed_award_forms(campaign_id: int):
    """Create the campaign's default award form ("Giấy khen", audited) when it has none; back to `next`."""
    campaign = access.load_review_campaign(campaign_id, manage=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if award_ops.award_forms(campaign.id):
        flash("Đợt bình xét đã có hình thức khen thưởng.", "info")
    else:
        created = award_ops.ensure_default_award_forms(campaign, current_user)
        db.session.commit()
        flash(
            f"Đã tạo hình thức khen thưởng mặc định “{created[0].name}”. Vui lòng bổ sung người ký ở trang sửa.", "success"
        )
    back = request.form.get("next", "")
    if back not in ("ballots", "award_forms"):
        back = "award_forms"
    return redirect(url_for(f".{back}", campaign_id=campaign.id))


def _refused_problems(refused: RuleRefused):
    db.session.rollback()
    if any(problem.rule == "permission" for problem in refused.problems):
        abort(403)
    return refused.problems


def _attach(form, problems) -> list[str]:
    for problem in problems:
        if problem.field and problem.field in form:
            form[problem.field].errors = list(form[problem.field].errors) + [problem.message]
    return [problem.message for problem in problems]


@bp.route("/award-forms/<int:form_id>/edit", methods=["GET", "POST"])
@login_required
def award_form_edit(form_id: int):
    """One page for the whole award form; "Thêm dòng" re-shows the page with another legal-basis row, saving nothing."""
    award_form = access.get_or_404(AwardForm, form_id)
    campaign = access.load_review_campaign(award_form.campaign_id, manage=True)
    prefilled = False
    if request.method == "POST":
        form = AwardFormEditForm(award_form=award_form)
    else:
        # The unit's defaults were the form's when it was created; an empty field now is the secretary's choice
        # (no parent body for a commune's People's Committee) and is shown empty, never refilled.
        form = AwardFormEditForm(formdata=None, award_form=award_form, prefill_bases=award_ops.DEFAULT_LEGAL_BASES)
        prefilled = not award_form.legal_bases
    errors: list[str] = []
    if request.method == "GET" or "add_basis_row" in request.form:
        form.add_basis_row()  # an empty line ready for a new legal basis
    elif "preview" in request.form:
        pass  # the page again, its previews in the system just chosen; nothing saved
    elif form.validate() and _store_emblem(form):
        previous_emblem = award_form.emblem_file
        try:
            changed = award_ops.update_award_form(award_form, form.to_input(), current_user)
        except RuleRefused as refused:
            if form.stored_emblem:
                discard(form.stored_emblem)
            errors = form.attach(_refused_problems(refused))
        else:
            db.session.commit()
            # An emblem an issued decision froze for its certificates stays: they reprint with it.
            if (previous_emblem and previous_emblem != award_form.emblem_file
                    and previous_emblem not in emblems_in_use(campaign_id=campaign.id)):
                discard(previous_emblem)
            flash(f"Đã lưu hình thức khen thưởng “{award_form.name}”." if changed else "Không có thay đổi nào.", "success" if changed else "info")
            warning = _system_warning(award_form.document_format, award_form)
            if warning:
                flash(warning, "warning")
            return redirect(url_for(".award_forms", campaign_id=campaign.id))
    elif "csrf_token" in form and form.csrf_token.errors:
        errors = [SESSION_EXPIRED]
    else:
        errors = form.messages() or ["Chưa lưu được: vui lòng sửa các mục được đánh dấu bên dưới."]
    fmt = form.document_format
    code = (form.issuer_code.data or "…").upper().replace(" ", "")
    return render_template(
        "council/award_form_edit.html", campaign=campaign, award_form=award_form, form=form, errors=errors,
        rule_in_words=rule_in_words, prefilled=prefilled, layout_rows=layout_rows(form.layout),
        placeholders=award_ops.REASON_PLACEHOLDERS, certificate_titles=award_ops.CERTIFICATE_TITLES,
        reason_preview=award_ops.reason_preview(form.reason_template.data or "", campaign.year),
        signature_preview=award_ops.signature_lines(_signer_of(form)),
        mm=format_decimal, missing=award_ops.missing_details(award_form),
        doc_format=fmt, ex=issuer_example(fmt), number_preview=fmt.number_line(None, "QĐ", code),
        system_warning=_system_warning(fmt, SimpleNamespace(
            issuing_body=form.issuing_body.data, parent_body=form.parent_body.data, issuer_in_text=form.issuer_in_text.data,
        )),
        number_example=fmt.number_line(5, "QĐ", code),
        recipients_preview=fmt.recipient_lines(["Như Điều 3"], form.archive.data or None),
        citation_preview=fmt.citation(
            "Quyết định", fmt.number(5, "QĐ", code), date(campaign.year, 12, 3), form.issuer_in_text.data or "…"
        ),
        prefix_meanings=[(fmt.prefix(prefix.name), meaning) for prefix, meaning in PREFIX_MEANINGS.items() if fmt.prefix(prefix.name)],
    ), (422 if errors else 200)


def _system_warning(fmt, issuer) -> str:
    """A Party body in the State's system, or a People's Committee in the Party's: said, not refused."""
    return system_mismatch(
        fmt, issuing_body=issuer.issuing_body or "", parent_body=issuer.parent_body or "",
        issuer_in_text=issuer.issuer_in_text or "",
    )


def _store_emblem(form: AwardFormEditForm) -> bool:
    """Store a newly chosen emblem (checked by content) before saving; False, with the reason beside the field, when refused."""
    upload = form.emblem.data
    if not upload or not getattr(upload, "filename", ""):
        return True
    try:
        form.stored_emblem = store_emblem(upload.stream.read(MAX_EMBLEM_BYTES + 1), upload.filename)
    except UploadRejected as rejected:
        form.emblem.errors = list(form.emblem.errors) + [str(rejected)]
        return False
    return True


@bp.route("/award-forms/<int:form_id>/emblem")
@login_required
def award_form_emblem(form_id: int):
    """The issuer's own emblem as uploaded, for the editor's preview (the committee of the campaign)."""
    award_form = access.get_or_404(AwardForm, form_id)
    access.load_review_campaign(award_form.campaign_id)
    if not award_form.emblem_file:
        abort(404)
    svg = award_form.emblem_file.endswith(".svg")
    response = send_stored(award_form.emblem_file, mimetype="image/svg+xml" if svg else "image/png", max_age=0)
    # Opened on its own, an SVG is a document: nothing in it may run or load.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return response


def _signer_of(form: AwardFormEditForm) -> SimpleNamespace:
    """The signer as typed, in the chosen system, for the signature block's preview (an unknown prefix shows as none)."""
    try:
        prefix = SignerPrefix(form.signer_prefix.data or "")
    except ValueError:
        prefix = SignerPrefix.NONE
    return SimpleNamespace(
        signer_prefix=prefix, signer_authority=form.signer_authority.data, signer_title=form.signer_title.data,
        format=form.document_format,
    )


# --- ballots -----------------------------------------------------------------------------------


@bp.route("/campaigns/<int:campaign_id>/ballots", methods=["GET", "POST"])
@login_required
def ballots(campaign_id: int):
    campaign = access.load_review_campaign(campaign_id, manage=request.method == "POST")
    can_manage = access.can_manage_review(current_user, campaign)
    in_phase = campaign.status is CampaignStatus.COUNCIL_DECISION
    form = None
    errors: list[str] = []
    if can_manage and in_phase:
        forms_ = award_ops.award_forms(campaign.id)
        if not forms_ and request.method == "POST":  # a GET writes nothing; the page offers to create it
            forms_ = award_ops.ensure_default_award_forms(campaign, current_user)
            db.session.commit()
        nominations = queries.eligible_nominations(campaign.id)
        form = BallotForm(
            formdata=request.form if request.method == "POST" else None, award_forms=forms_, nominations=nominations,
            data=None if request.method == "POST" else {"meeting_on": campaign.decision_on},
        )
        if request.method == "POST":
            if form.validate():
                chosen = [n for n in nominations if n.id in set(form.nomination_ids.data)]
                try:
                    ballot = ops.create_ballot(
                        campaign,
                        db.session.get(AwardForm, form.award_form_id.data),
                        meeting_on=form.meeting_on.data,
                        meeting_time=form.meeting_time.data or "",
                        meeting_place=form.meeting_place.data or "",
                        meeting_end_time=form.meeting_end_time.data or "",
                        nominations=chosen,
                        actor=current_user,
                    )
                except RuleRefused as refused:
                    errors = _attach(form, _refused_problems(refused))
                else:
                    db.session.commit()
                    flash("Đã lập phiếu bầu. Hãy cập nhật danh sách dự họp trước khi mở bỏ phiếu.", "success")
                    return redirect(url_for(".ballot", ballot_id=ballot.id))
            else:
                errors = ["Chưa lập được phiếu bầu: vui lòng sửa các mục được đánh dấu bên dưới."]
    elif request.method == "POST":
        flash(f"Chỉ lập phiếu bầu khi đợt bình xét ở giai đoạn “{CampaignStatus.COUNCIL_DECISION.label}”.", "error")
        return redirect(url_for(".ballots", campaign_id=campaign.id))
    rows = queries.ballots(campaign.id)
    return render_template(
        "council/ballots.html",
        campaign=campaign,
        ballots=rows,
        issuer_form=_issuer_form(campaign) if can_manage else None,
        issuer_preview=_issuer_preview(campaign),
        counts=queries.ballot_counts([b.id for b in rows]),
        can_manage=can_manage,
        in_phase=in_phase,
        form=form,
        seed_form=EmptyForm() if can_manage and form is not None and not form.award_form_id.choices else None,
        errors=errors,
    ), (422 if errors else 200)


def _issuer_form(campaign, formdata=None) -> CouncilIssuerForm:
    from dvkheo.documents.models import DocumentSystem, ensure_builtin_systems

    ensure_builtin_systems()
    systems = db.session.scalars(db.select(DocumentSystem).order_by(DocumentSystem.id)).all()
    form_ = issuer.first_award_form(campaign)
    inherited = form_.document_format.name if form_ is not None else "Văn bản của Đảng"
    return CouncilIssuerForm(
        formdata=formdata,
        systems=systems,
        inherited_label=inherited,
        data=None if formdata is not None else {
            "council_name": campaign.council_name,
            "council_parent_body": campaign.council_parent_body,
            "council_code": campaign.council_code,
            "council_document_system_id": campaign.council_document_system_id or INHERIT,
            "council_recipients": campaign.council_recipients,
        },
    )


def _issuer_preview(campaign) -> dict:
    """What the minutes will print when the fields are left empty."""
    fmt = issuer.council_format(campaign)
    return {
        "name": issuer.council_name(campaign),
        "parent_body": issuer.parent_body(campaign),
        "number": fmt.number_line(None, "BB", issuer.council_code(campaign)),
        "system": fmt.name,
        "recipients": issuer.recipients(campaign),
        "warning": system_mismatch(fmt, issuing_body=issuer.parent_body(campaign)),
    }


@bp.route("/campaigns/<int:campaign_id>/council-issuer", methods=["POST"])
@login_required
def council_issuer(campaign_id: int):
    """Save how the minutes name the council. Side effects: one commit (the campaign, an audit event)."""
    campaign = access.load_review_campaign(campaign_id, manage=True)
    access.require(access.can_manage_review(current_user, campaign))
    form = _issuer_form(campaign, formdata=request.form)
    if not form.validate():
        if form.errors.get("csrf_token"):
            flash(SESSION_EXPIRED, "error")
            return redirect(url_for(".ballots", campaign_id=campaign.id))
        for field_ in form:
            for error in field_.errors:
                flash(f"{field_.label.text}: {error}", "error")
        return redirect(url_for(".ballots", campaign_id=campaign.id) + "#council-issuer")
    try:
        changes = ops.update_council_issuer(campaign, form.values(), current_user)
    except RuleRefused as refused:
        _flash_refused(refused)
        return redirect(url_for(".ballots", campaign_id=campaign.id) + "#council-issuer")
    db.session.commit()
    flash("Đã lưu thông tin Hội đồng trên biên bản." if changes else "Không có thay đổi nào để lưu.", "success" if changes else "info")
    # The council writes as the agency that set it up: a Party body's council in the State's system is said, not refused.
    warning = system_mismatch(issuer.council_format(campaign), issuing_body=issuer.parent_body(campaign))
    if warning:
        flash(warning, "warning")
    return redirect(url_for(".ballots", campaign_id=campaign.id) + "#council-issuer")


def _load_ballot(ballot_id: int) -> CouncilBallot:
    ballot = queries.load_ballot(ballot_id)
    if ballot is None or not access.can_view_ballot(current_user, ballot):
        abort(404)
    return ballot


def _attendance_form(ballot: CouncilBallot) -> AttendanceForm:
    form = AttendanceForm(formdata=None)
    for attendance in ballot.attendances:
        form.rows.append_entry(
            {
                "attendance_id": str(attendance.id),
                "presence": "present" if attendance.present else "absent",
                "vote_mode": attendance.vote_mode or ops.ELECTRONIC,
                "written_opinion": attendance.written_opinion,
                "written_opinion_on": attendance.written_opinion_on,
            }
        )
    return form


def _tally_form(ballot: CouncilBallot) -> TallyForm:
    form = TallyForm(formdata=None, data={"paper_ballots": ballot.paper_ballots})
    for item in ballot.items:
        form.items.append_entry(
            {
                "item_id": str(item.id),
                "agree_paper": item.agree_paper,
                "disagree_paper": item.disagree_paper,
                "agree_written": item.agree_written,
                "disagree_written": item.disagree_written,
            }
        )
    return form


@bp.route("/ballots/<int:ballot_id>")
@login_required
def ballot(ballot_id: int):
    return _ballot_page(_load_ballot(ballot_id))


def _meeting_form(ballot: CouncilBallot, formdata=None) -> MeetingForm:
    return MeetingForm(
        formdata=formdata,
        data=None if formdata is not None else {name: getattr(ballot, name) for name in ops.MEETING_FIELDS},
    )


def _close_form(ballot: CouncilBallot, formdata=None) -> CloseForm:
    return CloseForm(
        formdata=formdata,
        start_time=ballot.meeting_time,
        start_on=ballot.meeting_on,
        data=None if formdata is not None else {
            "meeting_end_time": ballot.meeting_end_time, "meeting_end_on": ballot.meeting_end_on,
        },
    )


def _meeting_words(ballot: CouncilBallot) -> dict:
    from dvkheo.core.timeutil import format_date

    end_on = ballot.meeting_end_on
    return {
        "start": clock_words(ballot.meeting_time),
        "end": clock_words(ballot.meeting_end_time),
        "end_on": format_date(end_on) if end_on and end_on != ballot.meeting_on else "",
    }


def _ballot_page(ballot: CouncilBallot, *, attendance_form=None, tally_form=None, errors=None, status: int = 200,
                 meeting_form=None, close_form=None):
    campaign = ballot.campaign
    can_manage = access.can_manage_review(current_user, campaign)
    is_staff = access.can_view_review(current_user, campaign)
    own = ops.attendance_of(ballot, current_user)
    closed = ballot.status is BallotStatus.CLOSED
    if can_manage and ballot.status is BallotStatus.PREPARING and attendance_form is None:
        attendance_form = _attendance_form(ballot)
    if can_manage and ballot.status is BallotStatus.OPEN and tally_form is None:
        tally_form = _tally_form(ballot)
    if can_manage and not closed and meeting_form is None:
        meeting_form = _meeting_form(ballot)
    if can_manage and ballot.status is BallotStatus.OPEN and close_form is None:
        close_form = _close_form(ballot)
    present = sum(1 for a in ballot.attendances if a.present)
    return render_template(
        "council/ballot.html",
        meeting_form=meeting_form,
        close_form=close_form,
        meeting_words=_meeting_words(ballot),
        minutes_number_text=issuer.minutes_number(ballot) if ballot.minutes_number else "",
        ballot=ballot,
        campaign=campaign,
        can_manage=can_manage,
        is_staff=is_staff,
        own=own,
        can_cast=access.can_cast_ballot(current_user, ballot, own),
        can_read_minutes=access.can_read_minutes(current_user, ballot),
        attendance_form=attendance_form,
        tally_form=tally_form,
        attendance_rows=dict(zip([a.id for a in ballot.attendances], attendance_form.rows)) if attendance_form else {},
        tally_rows=dict(zip([i.id for i in ballot.items], tally_form.items)) if tally_form else {},
        membership=len(ballot.attendances),
        present=present,
        voted=ops.votes_received(ballot),
        electronic_voters=sum(1 for a in ballot.attendances if a.present and a.vote_mode == ops.ELECTRONIC),
        paper_voters=ops.paper_voters(ballot),
        written_opinions=ops.written_opinions(ballot),
        results=ops.results(ballot) if closed else [],
        rule_words=rule_in_words(ballot if ballot.status is not BallotStatus.PREPARING else ballot.award_form),
        history=audit.history("council_ballot", ballot.id) if is_staff else [],
        history_labels=BALLOT_HISTORY_LABELS,
        vote_mode_labels=ops.VOTE_MODE_LABELS,
        has_written_opinion=ops.has_written_opinion,
        errors=errors or [],
        button_form=EmptyForm(),
        close_confirmation=close_confirmation(ballot) if close_form is not None else None,
    ), status


@bp.route("/ballots/<int:ballot_id>/attendance", methods=["POST"])
@login_required
def attendance(ballot_id: int):
    ballot = _load_ballot(ballot_id)
    access.require(access.can_manage_review(current_user, ballot.campaign))
    form = AttendanceForm()
    if not form.validate():
        return _ballot_page(ballot, attendance_form=form, errors=["Danh sách dự họp chưa hợp lệ: vui lòng sửa các mục được đánh dấu."], status=422)
    rows = []
    for row in form.rows:
        if not (row.form.attendance_id.data or "").isdigit():
            continue
        rows.append(
            ops.AttendanceInput(
                attendance_id=int(row.form.attendance_id.data),
                present=row.form.presence.data != "absent",
                vote_mode=row.form.vote_mode.data or "",
                written_opinion=row.form.written_opinion.data or "",
                written_opinion_on=row.form.written_opinion_on.data,
            )
        )
    try:
        ops.update_attendance(ballot, rows, current_user)
    except RuleRefused as refused:
        messages = _refused(refused)
        return _ballot_page(_load_ballot(ballot_id), attendance_form=form, errors=messages, status=422)
    db.session.commit()
    flash("Đã lưu danh sách dự họp.", "success")
    return redirect(url_for(".ballot", ballot_id=ballot.id))


def _ballot_action(ballot_id: int, action, success: str):
    ballot = _load_ballot(ballot_id)
    access.require(access.can_manage_review(current_user, ballot.campaign))
    if not EmptyForm().validate_on_submit():
        flash(SESSION_EXPIRED, "error")
        return redirect(url_for(".ballot", ballot_id=ballot.id))
    try:
        action(ballot)
    except RuleRefused as refused:
        _flash_refused(refused)
        return redirect(url_for(".ballot", ballot_id=ballot_id))
    db.session.commit()
    flash(success, "success")
    return None


@bp.route("/ballots/<int:ballot_id>/open", methods=["POST"])
@login_required
def open_ballot(ballot_id: int):
    response = _ballot_action(ballot_id, lambda b: ops.open_ballot(b, current_user), "Đã mở bỏ phiếu kín.")
    return response or redirect(url_for(".ballot", ballot_id=ballot_id))


@bp.route("/ballots/<int:ballot_id>/meeting", methods=["POST"])
@login_required
def meeting(ballot_id: int):
    """The meeting's day, times and place as typed by the secretary. Side effects: one commit (the ballot, an
    audit event listing the changes)."""
    ballot = _load_ballot(ballot_id)
    access.require(access.can_manage_review(current_user, ballot.campaign))
    form = _meeting_form(ballot, formdata=request.form)
    if not form.validate():
        if form.errors.get("csrf_token"):
            flash(SESSION_EXPIRED, "error")
            return redirect(url_for(".ballot", ballot_id=ballot.id))
        return _ballot_page(
            ballot, meeting_form=form, errors=["Thông tin cuộc họp chưa hợp lệ: vui lòng sửa các mục được đánh dấu."], status=422
        )
    try:
        changes = ops.update_meeting(ballot, {name: getattr(form, name).data for name in ops.MEETING_FIELDS}, current_user)
    except RuleRefused as refused:
        _flash_refused(refused)
        return redirect(url_for(".ballot", ballot_id=ballot.id))
    db.session.commit()
    flash("Đã lưu thông tin cuộc họp." if changes else "Không có thay đổi nào để lưu.", "success" if changes else "info")
    return redirect(url_for(".ballot", ballot_id=ballot.id) + "#meeting")


def close_confirmation(ballot: CouncilBallot, meeting_end: dict | None = None) -> Confirmation:
    """What "Kiểm phiếu và kết thúc" asks; with `meeting_end` (the typed end of the meeting) it repeats it."""
    from dvkheo.core.timeutil import format_date

    present = sum(1 for a in ballot.attendances if a.present)
    details = [
        f"Phiếu đã nhận: {ops.votes_received(ballot)} của {present} thành viên có mặt",
        f"Số hồ sơ trong phiếu bầu: {len(ballot.items)}",
    ]
    if meeting_end:
        end_on = meeting_end.get("meeting_end_on") or ballot.meeting_on
        details.append(
            f"Biên bản ghi cuộc họp kết thúc lúc {clock_words(meeting_end['meeting_end_time'])}"
            + (f", ngày {format_date(end_on)}" if end_on else "")
        )
    return Confirmation(
        question="Kiểm phiếu và kết thúc phiên bỏ phiếu?",
        irreversible="Sau khi kiểm phiếu, không ai bỏ phiếu thêm được. Kết quả tính theo các phiếu đã nhận, "
        "hồ sơ được chuyển theo kết quả và biên bản họp được lấy số; không thể mở lại phiên bỏ phiếu.",
        button="Kiểm phiếu và kết thúc",
        details=tuple(details),
    )


@bp.route("/ballots/<int:ballot_id>/close", methods=["POST"])
@login_required
def close_ballot(ballot_id: int):
    """Count the votes; the end of the meeting typed beside the button goes into the minutes (required)."""
    ballot = _load_ballot(ballot_id)
    access.require(access.can_manage_review(current_user, ballot.campaign))
    if ballot.status is BallotStatus.OPEN:
        form = _close_form(ballot, formdata=request.form)
        if not form.validate():
            if form.errors.get("csrf_token"):
                flash(SESSION_EXPIRED, "error")
                return redirect(url_for(".ballot", ballot_id=ballot.id))
            problems = [f"{field_.label.text}: {error}" for field_ in form for error in field_.errors]
            return _ballot_page(
                ballot, close_form=form, errors=[f"Chưa kiểm phiếu. {problem}" for problem in problems], status=422,
            )
        meeting_end = {"meeting_end_time": form.meeting_end_time.data, "meeting_end_on": form.meeting_end_on.data}
        if not is_confirmed():
            return ask(close_confirmation(ballot, meeting_end), url_for(".ballot", ballot_id=ballot.id) + "#ballot-actions")
    else:
        meeting_end = {}
    response = _ballot_action(
        ballot_id, lambda b: ops.close_ballot(b, current_user, meeting_end),
        "Đã kiểm phiếu. Kết quả và biên bản họp Hội đồng đã sẵn sàng.",
    )
    return response or redirect(url_for(".ballot", ballot_id=ballot_id))


@bp.route("/ballots/<int:ballot_id>/delete", methods=["POST"])
@login_required
def delete_ballot(ballot_id: int):
    campaign_id = _load_ballot(ballot_id).campaign_id
    response = _ballot_action(ballot_id, lambda b: ops.delete_ballot(b, current_user), "Đã hủy phiếu bầu đang chuẩn bị.")
    return response or redirect(url_for(".ballots", campaign_id=campaign_id))


@bp.route("/ballots/<int:ballot_id>/tally", methods=["POST"])
@login_required
def tally(ballot_id: int):
    ballot = _load_ballot(ballot_id)
    access.require(access.can_manage_review(current_user, ballot.campaign))
    form = TallyForm()
    if not form.validate():
        return _ballot_page(ballot, tally_form=form, errors=["Kết quả kiểm phiếu chưa hợp lệ: vui lòng sửa các mục được đánh dấu."], status=422)
    tallies = [
        ops.ItemTally(
            item_id=int(entry.form.item_id.data),
            agree_paper=entry.form.agree_paper.data or 0,
            disagree_paper=entry.form.disagree_paper.data or 0,
            agree_written=entry.form.agree_written.data or 0,
            disagree_written=entry.form.disagree_written.data or 0,
        )
        for entry in form.items
        if (entry.form.item_id.data or "").isdigit()
    ]
    try:
        ops.record_tally(ballot, form.paper_ballots.data or 0, tallies, current_user)
    except RuleRefused as refused:
        messages = _refused(refused)
        return _ballot_page(_load_ballot(ballot_id), tally_form=form, errors=messages, status=422)
    db.session.commit()
    flash("Đã lưu kết quả kiểm phiếu giấy.", "success")
    return redirect(url_for(".ballot", ballot_id=ballot.id))


@bp.route("/ballots/<int:ballot_id>/vote", methods=["GET", "POST"])
@login_required
def cast(ballot_id: int):
    """The member's own ballot paper; nobody else may fill it in."""
    ballot = _load_ballot(ballot_id)
    own = ops.attendance_of(ballot, current_user)
    if own is not None and own.has_voted:
        flash("Bạn đã bỏ phiếu trong phiên này; mỗi thành viên chỉ bỏ phiếu một lần.", "info")
        return redirect(url_for(".ballot", ballot_id=ballot.id))
    if own is None or not own.present or own.vote_mode != ops.ELECTRONIC:
        abort(403)
    if ballot.status is not BallotStatus.OPEN:
        flash("Phiên bỏ phiếu chưa mở." if ballot.status is BallotStatus.PREPARING else "Phiên bỏ phiếu đã kết thúc.", "warning")
        return redirect(url_for(".ballot", ballot_id=ballot.id))
    form = cast_form_class(ballot.items)()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                ops.cast_vote(ballot, current_user, form.choices())
            except RuleRefused as refused:
                _flash_refused(refused)
                return redirect(url_for(".ballot", ballot_id=ballot.id))
            db.session.commit()
            flash("Phiếu của bạn đã được ghi nhận. Cảm ơn bạn đã bỏ phiếu.", "success")
            return redirect(url_for(".ballot", ballot_id=ballot.id))
        status = 422
    return render_template(
        "council/cast.html", ballot=ballot, campaign=ballot.campaign, form=form,
        fields=[(item, form[f"item-{item.id}"]) for item in ballot.items],
    ), status


@bp.route("/ballots/<int:ballot_id>/minutes.pdf")
@login_required
def minutes_pdf(ballot_id: int):
    ballot = _load_ballot(ballot_id)
    if ballot.status is not BallotStatus.CLOSED:
        abort(404)
    access.require(access.can_read_minutes(current_user, ballot))
    from dvkheo.council import minutes  # WeasyPrint loads only when a PDF is made

    response = send_file(
        BytesIO(minutes.minutes_pdf(ballot)),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=issuer.minutes_filename(ballot, "pdf"),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/ballots/<int:ballot_id>/minutes.docx")
@login_required
def minutes_docx(ballot_id: int):
    """The minutes as a Word copy for the secretary to edit; the record here stays the official text."""
    ballot = _load_ballot(ballot_id)
    if ballot.status is not BallotStatus.CLOSED:
        abort(404)
    access.require(access.can_read_minutes(current_user, ballot))
    from dvkheo.documents import docx

    response = send_file(
        BytesIO(docx.minutes_docx(ballot)),
        mimetype=docx.MIMETYPE,
        as_attachment=True,
        download_name=docx.minutes_filename(ballot),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response

