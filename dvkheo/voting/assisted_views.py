"""Staff pages of the public vote: the campaign's local voter list (its secretary imports it) and
assisted voting (a commune official records the vote of a person found on that list).

Access: a campaign outside the user's area answers 404; a user of the area without the permission
answers 403 (`access.can_manage_voter_list`, `access.can_assist_voting`, `access.can_assist_entry`).
Pages that show people (names, birth dates) are never cached and never show identity numbers;
searches are POSTed so that no name, birth date or number lands in an address or a server log.
"""
from __future__ import annotations

import io

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.campaigns.models import Campaign, CampaignStatus, VoterVerification
from dvkheo.core.rules import RuleRefused
from dvkheo.core.storage import UploadRejected, clean_original_name
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.units.importer import ImportFailed
from dvkheo.voting import identity, ledger, sealing
from dvkheo.voting import voter_list as lists
from dvkheo.voting.identity_forms import AssistedSearchForm, AssistedVoteForm, VoterListUploadForm
from dvkheo.voting.models import Voter, VoteChannel, VoterListEntry
from dvkheo.voting.views import bp

RETRY_MESSAGE = "Hệ thống đang ghi nhận một yêu cầu khác cho người này cùng lúc. Vui lòng kiểm tra lại rồi thử lại."
# A database conflict from a race (unique index, deadlock, lock timeout): nothing was recorded.
RACE_ERRORS = (sa.exc.IntegrityError, sa.exc.OperationalError, sa.exc.InternalError)


def _no_store(response):
    response = current_app.make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the voter list ----------------------------------------------------------------------------


def _list_campaign(campaign_id: int) -> Campaign:
    campaign = access.get_or_404(Campaign, campaign_id)
    if not access.can_view_review(current_user, campaign):
        abort(404)
    access.require(access.can_manage_voter_list(current_user, campaign))
    return campaign


@bp.route("/dot/<int:campaign_id>/danh-sach-cu-tri", methods=["GET", "POST"])
@login_required
def voter_list(campaign_id: int):
    """Counts of the list per unit, and the upload of a CSV/XLSX list (all rows or none).

    Side effects on success: new and changed entries written, an audit event with the counts,
    one commit, a flash with the counts, a redirect. On any row error nothing is written.
    """
    campaign = _list_campaign(campaign_id)
    form = VoterListUploadForm()
    issues = []
    if form.validate_on_submit():
        upload = form.file.data
        name = clean_original_name(upload.filename)
        try:
            table = lists.read_table(upload.stream, upload.filename)
            rows = lists.parse_table(table, campaign)
            result = lists.import_rows(campaign, rows, actor=current_user)
            db.session.commit()
        except UploadRejected as error:
            form.file.errors.append(str(error))
        except ImportFailed as failure:
            db.session.rollback()
            issues = failure.issues
        except sa.exc.IntegrityError:  # another import of the same list ran at the same moment
            db.session.rollback()
            form.file.errors.append("Danh sách vừa được cập nhật từ một lần tải lên khác. Vui lòng tải tệp lên lại.")
        else:
            flash(f"Đã nhập danh sách cử tri từ tệp “{name}”: {result.summary()}.", "success")
            return redirect(url_for("voting.voter_list", campaign_id=campaign.id), 303)
    counts = lists.counts_by_unit(campaign.id)
    return _no_store((render_template(
        "voting/voter_list.html",
        campaign=campaign,
        form=form,
        issues=issues[:lists.SHOWN_ISSUES],
        hidden_issues=max(0, len(issues) - lists.SHOWN_ISSUES),
        counts=counts,
        total=sum(count for _, count in counts),
        column_titles=lists.COLUMN_TITLES,
        max_mb=lists.MAX_BYTES // (1024 * 1024),
        max_rows=lists.MAX_ROWS,
        uses_list=campaign.voter_verification is VoterVerification.VOTER_LIST,
    ), 422 if form.errors or issues else 200))


@bp.route("/dot/<int:campaign_id>/danh-sach-cu-tri/mau.xlsx")
@login_required
def voter_list_template(campaign_id: int):
    """The empty XLSX template with instructions and the campaign's unit codes. No side effects."""
    campaign = _list_campaign(campaign_id)
    return send_file(
        io.BytesIO(lists.template_xlsx(campaign)),
        mimetype=lists.XLSX_MIMETYPE,
        as_attachment=True,
        download_name=f"mau-danh-sach-cu-tri-dot-{campaign.id}.xlsx",
        max_age=0,
    )


# --- assisted voting ---------------------------------------------------------------------------


@bp.route("/ho-tro")
@login_required
def assisted_index():
    """The campaigns in which the signed-in commune official may record assisted votes now
    (in their public phase, with assisted voting, organised at or above the official's unit)."""
    unit = current_user.unit
    campaigns = []
    if unit is not None:
        campaigns = [
            campaign for campaign in db.session.scalars(
                sa.select(Campaign)
                .where(
                    Campaign.organising_unit_id.in_(unit.ancestor_ids),
                    Campaign.status == CampaignStatus.PUBLIC_VOTING,
                    Campaign.has_public_stage.is_(True),
                    Campaign.assisted_voting.is_(True),
                )
                .options(so.joinedload(Campaign.organising_unit))
                .order_by(Campaign.year.desc(), Campaign.id.desc())
            )
            if access.can_assist_voting(current_user, campaign)
        ]
    return _no_store(render_template("voting/assisted.html", campaigns=campaigns, campaign=None))


def _assist_campaign(campaign_id: int) -> Campaign:
    campaign = access.get_or_404(Campaign, campaign_id)
    if not access.can_assist_voting(current_user, campaign):
        abort(403 if access.is_within_campaign_area(current_user, campaign) else 404)
    return campaign


def _closed_message(campaign: Campaign) -> str | None:
    try:
        identity.check_taking_votes(campaign)
    except RuleRefused as refused:
        return refused.problems[0].message
    return None


def _assisted_page(campaign: Campaign, status: int = 200, **context):
    context.setdefault("search_form", AssistedSearchForm(formdata=None))
    return _no_store((render_template(
        "voting/assisted.html",
        campaign=campaign,
        closed=_closed_message(campaign),
        has_list=lists.has_list(campaign.id),
        email_method=campaign.voter_verification is VoterVerification.EMAIL_CODE,
        assisted_needs_list=ledger.ASSISTED_NEEDS_LIST,
        **context,
    ), status))


@bp.route("/dot/<int:campaign_id>/ho-tro", methods=["GET", "POST"])
@login_required
def assisted(campaign_id: int):
    """Find a person on the local list within the official's unit (POST: nothing lands in the URL)."""
    campaign = _assist_campaign(campaign_id)
    form = AssistedSearchForm()
    found = None
    if form.validate_on_submit():
        found = lists.find_entries(
            campaign, current_user,
            id_number=form.id_number.data, full_name=form.full_name.data, birth_date=form.birth_date.data,
        )
        # The number is not echoed back once used: the results page carries none.
        form.id_number.data, form.id_number.raw_data = "", None
    return _assisted_page(campaign, 422 if form.errors else 200, search_form=form, found=found)


def _shortlist(campaign: Campaign) -> list[Nomination]:
    return list(db.session.scalars(
        sa.select(Nomination)
        .where(Nomination.campaign_id == campaign.id, Nomination.status == NominationState.SHORTLISTED)
        .options(so.joinedload(Nomination.unit))
        .order_by(Nomination.title, Nomination.id)
    ))


@bp.route("/dot/<int:campaign_id>/ho-tro/<int:entry_id>", methods=["GET", "POST"])
@login_required
def assisted_person(campaign_id: int, entry_id: int):
    """One person: whether they voted and how (never for whom), and the nominees to tick.

    Side effects of the POST: every ticked vote recorded through the ledger (ASSISTED, the
    official as recorder) and one "assisted_vote" audit event, in one commit; or nothing, with
    the ledger's message (e.g. the person already voted online). The receipts are shown once,
    on a printable slip without the person's name.
    """
    campaign = _assist_campaign(campaign_id)
    entry = db.session.get(VoterListEntry, entry_id, options=[so.joinedload(VoterListEntry.unit)])
    if entry is None or entry.campaign_id != campaign.id or not access.can_assist_entry(current_user, entry):
        abort(404)
    voter = db.session.scalar(
        sa.select(Voter).where(Voter.campaign_id == campaign.id, Voter.identity_key == f"list:{entry.id}")
    )
    used = voter.active_votes if voter else 0
    nominees = _shortlist(campaign)
    form = AssistedVoteForm(nominees=nominees, slots_left=max(campaign.votes_per_voter - used, 0))
    refusal = None
    if form.validate_on_submit():
        chosen = [nominee for nominee in nominees if nominee.id in set(form.nominations.data)]
        try:
            votes = identity.record_assisted_votes(campaign, entry, chosen, current_user)
            by_id = {nominee.id: nominee for nominee in chosen}
            slip = [(by_id[v.nomination_id].title, by_id[v.nomination_id].nominee_name, v.receipt_code) for v in votes]
            recorded_at = votes[0].cast_at
            db.session.commit()
            sealing.note_votes(campaign.id, len(votes))
        except RuleRefused as refused:
            db.session.rollback()
            refusal = refused.problems[0].message
        except RACE_ERRORS:
            db.session.rollback()
            refusal = RETRY_MESSAGE
        else:
            flash(f"Đã ghi nhận {len(slip)} phiếu bình chọn có hỗ trợ. Vui lòng in hoặc chép mã xác nhận trao cho người bình chọn.", "success")
            return _assisted_page(campaign, slip=slip, recorded_at=recorded_at)
        db.session.refresh(entry)
        voter = db.session.scalar(
            sa.select(Voter).where(Voter.campaign_id == campaign.id, Voter.identity_key == f"list:{entry.id}")
        )
        used = voter.active_votes if voter else 0
    status = 409 if refusal else (422 if form.errors else 200)
    return _assisted_page(
        campaign, status,
        entry=entry, voter=voter, used=used, slots_left=max(campaign.votes_per_voter - used, 0),
        online=voter is not None and voter.channel is VoteChannel.ONLINE,
        vote_form=form, nominees=nominees, refusal=refusal,
    )
