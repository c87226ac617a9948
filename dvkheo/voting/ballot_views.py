"""The citizen's ballot, casting and withdrawing votes, the public results and the receipt check;
plus the committee's chain-verification page.

Contract of the two POSTs (the concurrency test and bench/votes.py rely on it):
- success: one commit, 303 to the ballot page, a flash naming the receipt code;
- a refusal of the ledger (`RuleRefused`): rollback, 409, the ballot page with the message in
  `<p class="flash flash-error">`;
- a database conflict from a race (unique index, deadlock, lock timeout): rollback, 409 "Vui lòng thử lại";
- not identified for this campaign: 401 with a link to identify;
- bad input (no or unknown nominee, the honeypot filled in): 422 with a message.
Casting stays lean: the campaign, the voter and the nominee are loaded with `db.session.get`,
then the ledger's own statements; nothing else.
"""
from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address

from dvkheo import access
from dvkheo.campaigns.models import Campaign
from dvkheo.core.direct_limits import direct_limit
from dvkheo.core.rules import RuleRefused
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.voting import ledger, results, sealing
from dvkheo.voting.ballot_forms import ReceiptLookupForm, WithdrawForm, read_cast
from dvkheo.voting.models import Vote, Voter
from dvkheo.voting.session import current_voter, session_voter
from dvkheo.voting.views import bp

RETRY_MESSAGE = "Hệ thống đang ghi nhận một yêu cầu khác của bạn cùng lúc. Vui lòng thử lại."
NOT_IDENTIFIED = "Bạn cần xác thực trước khi bình chọn trong đợt bình xét này."
# Database errors a race can raise (a unique index, a deadlock, a lock or statement timeout).
JUST_CAST = "vua-ghi-nhan"
RACE_ERRORS = (sa.exc.IntegrityError, sa.exc.OperationalError, sa.exc.InternalError)


# --- rate limits -------------------------------------------------------------------------------


def _voter_key() -> str | None:
    """The voter this browser's session names for the campaign in the URL; None (not counted) for
    unidentified requests: they are refused with 401 anyway, and the per-IP limit still counts them."""
    campaign_id = (request.view_args or {}).get("campaign_id")
    voter_id = session.get(f"voter:{campaign_id}")
    return None if voter_id is None else f"voter:{campaign_id}:{voter_id}"


# Counted directly (see core/direct_limits.py): these are the busiest routes of the site.
ip_limited = direct_limit("VOTE_RATE_LIMIT_PER_IP", get_remote_address, scope="vote-ip")
voter_limited = direct_limit("VOTE_RATE_LIMIT_PER_VOTER", _voter_key, scope="vote-voter")


# --- helpers -----------------------------------------------------------------------------------


def _public_campaign(campaign_id: int) -> Campaign:
    """A campaign in (or past) its public phase; any other answers 404."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not access.is_public(campaign):
        abort(404)
    return campaign


def _ballot_page(
    campaign: Campaign, voter: Voter | None, *, status: int = 200, error: str | None = None, just_cast: bool = False
):
    """The ballot; `error` is shown as an error flash (a refused vote), `voter=None` asks to identify;
    `just_cast` shows the newest live vote's receipt as the success message."""
    context = results.vote_context(campaign, voter)
    newest = next((vote for vote in context.receipts if vote.live), None) if just_cast else None
    opens, closes = campaign.voting_window()
    return render_template(
        "voting/ballot.html",
        campaign=campaign,
        voter=voter,
        vote_ctx=context,
        nominees=results.ballot_nominees(campaign.id) if voter is not None else [],
        opens=opens,
        closes=closes,
        error=error,
        just_recorded=newest,
            ), status


def _refused(campaign: Campaign, voter: Voter | None, message: str, status: int):
    db.session.rollback()
    return _ballot_page(campaign, voter, status=status, error=message)


# --- the ballot --------------------------------------------------------------------------------


@bp.route("/dot/<int:campaign_id>/phieu")
def ballot(campaign_id: int):
    campaign = _public_campaign(campaign_id)
    voter = current_voter(campaign.id)
    if voter is None:
        return redirect(results.identify_url(campaign.id))
    return _ballot_page(campaign, voter, just_cast=request.args.get(JUST_CAST) == "1")


@bp.route("/dot/<int:campaign_id>/binh-chon", methods=["POST"])
@ip_limited
@voter_limited
def cast(campaign_id: int):
    # The hot path of the public vote: nothing is loaded before the ledger's one statement, which
    # checks the campaign, the voter and the nominee itself (see `ledger.cast_online`); pages for
    # refusals load what they show.
    # The voter's session version is checked inside that statement too: a cookie copied before "Thoát" casts nothing.
    voter_id, version = session_voter(campaign_id)
    if voter_id is None or version is None:
        return _ballot_page(_public_campaign(campaign_id), None, status=401, error=NOT_IDENTIFIED)
    nomination_id, problem = read_cast(request.form)
    if problem:
        campaign = _public_campaign(campaign_id)
        return _refused(campaign, current_voter(campaign.id), problem, 422)
    try:
        receipt, title = ledger.cast_online(campaign_id, voter_id, nomination_id, session_version=version)
        db.session.commit()
        sealing.note_votes(campaign_id)
    except RuleRefused as refused:
        rule, message = refused.problems[0].rule, refused.problems[0].message
        db.session.rollback()
        campaign = _public_campaign(campaign_id)  # 404 when the campaign is not public at all
        if rule == "voter":
            return _ballot_page(campaign, None, status=401, error=NOT_IDENTIFIED)
        # A forged or stale form is bad input, not a rule of the vote.
        return _refused(campaign, current_voter(campaign.id), message, 422 if rule == "unknown_nominee" else 409)
    except RACE_ERRORS:
        db.session.rollback()
        campaign = _public_campaign(campaign_id)
        return _refused(campaign, current_voter(campaign.id), RETRY_MESSAGE, 409)
    # The ballot shows the new receipt from the ledger: no message in the session cookie to sign on
    # the busiest route, and nothing about the vote in the URL (only a flag). A bare 303: no HTML body
    # that no browser shows.
    return Response(status=303, headers={"Location": _just_cast_location(request.script_root, campaign_id)})


@lru_cache(maxsize=1024)
def _just_cast_location(script_root: str, campaign_id: int) -> str:
    """The ballot's address after a vote. Built once per campaign: `url_for` was a tenth of the
    vote route's Python (bench/votes.py); the address depends only on these two."""
    return url_for("voting.ballot", campaign_id=campaign_id, **{JUST_CAST: "1"})


@bp.route("/dot/<int:campaign_id>/phieu/<int:vote_id>/rut-lai", methods=["POST"])
@ip_limited
@voter_limited
def withdraw(campaign_id: int, vote_id: int):
    campaign = _public_campaign(campaign_id)
    voter = current_voter(campaign.id)
    if voter is None:
        return _ballot_page(campaign, None, status=401, error=NOT_IDENTIFIED)
    vote = db.session.get(Vote, vote_id)
    if vote is None or vote.voter_id != voter.id or vote.campaign_id != campaign.id:
        abort(404)  # another person's vote: nothing to learn here
    form = WithdrawForm()
    if not form.validate():
        return _refused(campaign, voter, _first_error(form), 422)
    title = db.session.get(Nomination, vote.nomination_id).title
    try:
        withdrawn = ledger.withdraw(campaign, vote, voter)
        receipt = withdrawn.withdrawal_receipt
        db.session.commit()
        sealing.note_votes(campaign_id)
    except RuleRefused as refused:
        return _refused(campaign, voter, refused.problems[0].message, 409)
    except RACE_ERRORS:
        return _refused(campaign, voter, RETRY_MESSAGE, 409)
    flash(f"Đã rút lại phiếu bình chọn cho “{title}”. Mã xác nhận rút phiếu: {receipt}.", "success")
    return redirect(url_for(".ballot", campaign_id=campaign_id), 303)


def _first_error(form) -> str:
    for field in form:
        if field.errors:
            if field.name == "csrf_token":
                return "Phiên làm việc đã hết hạn. Vui lòng tải lại trang và bình chọn lại."
            return field.errors[0]
    return "Yêu cầu không hợp lệ."


# --- results and receipts -----------------------------------------------------------------------


@bp.route("/dot/<int:campaign_id>/ket-qua", endpoint="results")
def results_page(campaign_id: int):
    campaign = _public_campaign(campaign_id)
    return _results(campaign)


def _results(campaign: Campaign, report: ledger.VerificationReport | None = None):
    shown = results.public_results(campaign, recent_batches=RECENT_BATCHES)
    return render_template(
        "voting/results.html",
        campaign=campaign,
        rows=shown.rows,
        visible=shown.visible,
        final=shown.final,
        total=shown.total,
        chain_seq=shown.chain_seq,
        chain_head=shown.chain_head,
        recent_batches=shown.recent_batches,
        pending=shown.pending,
        opens=shown.opens,
        closes=shown.closes,
        lookup=ReceiptLookupForm(formdata=None),
        report=report,
        titles={row.nominee.nomination_id: row.nominee.title for row in shown.rows},
    )


RECENT_BATCHES = 10


@bp.route("/dot/<int:campaign_id>/ma-xac-nhan", methods=["GET", "POST"])
@ip_limited
def receipt(campaign_id: int):
    # The page's own form posts the code, so that it never lands in a URL, a server access log or a
    # browser history beside the visitor's address; a link with ?ma= keeps working.
    campaign = _public_campaign(campaign_id)
    asked = request.method == "POST" or "ma" in request.args
    form = ReceiptLookupForm(formdata=request.form if request.method == "POST" else request.args)
    if asked:
        form.validate()
    else:  # a first visit: an empty field, not an error
        form.ma.errors = []
    problem = form.problem() if asked else None
    found = None
    status = 200
    if asked and problem is None:
        found = ledger.find_receipt(campaign.id, form.ma.data)
        if found is None:
            status = 404
    # Only "recorded in batch n, counted" or "withdrawn": never the nominee. A batch is published as
    # receipt digests and counts, unlinked, and holds at least VOTE_BATCH_MIN entries, so the batch
    # number leads to no nominee either. A receipt that proved the choice to anyone holding it
    # could be sold, or demanded (issue 14, item 4).
    answer = None if found is None else ("withdrawal" if found.kind == "withdraw" else "withdrawn" if found.withdrawn else "counted")
    return render_template(
        "voting/receipt.html", campaign=campaign, form=form, asked=asked, problem=problem, found=found, answer=answer,
    ), status


@bp.route("/dot/<int:campaign_id>/kiem-tra-chuoi")
def verify_report(campaign_id: int):
    """The committee's view of `flask votes verify`: the chain recomputed, the tallies, every problem."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        from dvkheo.extensions import login_manager

        return login_manager.unauthorized()
    campaign = access.load_review_campaign(campaign_id)
    report = ledger.verify(campaign.id)
    return _results(campaign, report=report)
