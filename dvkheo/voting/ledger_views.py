"""The public vote ledger ("Sổ cái bình chọn"): the sealed batches of a campaign, the whole ledger
as one JSON file, and the standalone verifier to check it. No login: anyone may check the count."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, abort, current_app, render_template, request
from flask_login import current_user

from dvkheo import access
from dvkheo.campaigns.models import Campaign
from dvkheo.extensions import db
from dvkheo.voting import ledger, publication, results, sealing
from dvkheo.voting.models import VoteBatch
from dvkheo.voting.views import bp

BATCHES_PER_PAGE = 50
VERIFIER_NAME = "kiem_tra_so_cai.py"
_VERIFIER_SOURCE = Path(__file__).with_name("ledger_verifier.py")


def _public_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not access.is_public(campaign):
        abort(404)
    return campaign


def _page_number() -> int:
    raw = request.args.getlist("trang") or ["1"]
    # ASCII digits only: str.isdigit() also takes "²" (int() then fails) and full-width "２".
    if len(raw) != 1 or not raw[0].isascii() or not raw[0].isdigit() or not 1 <= int(raw[0]) <= 1_000_000:
        abort(404)
    return int(raw[0])


@bp.route("/dot/<int:campaign_id>/so-cai", endpoint="ledger")
def ledger_page(campaign_id: int):
    campaign = _public_campaign(campaign_id)
    page = _page_number()
    sealing.seal_if_closed(campaign)
    pending = ledger.pending(campaign.id)
    seq, head = ledger.chain_head(campaign.id)
    pages = max((seq + BATCHES_PER_PAGE - 1) // BATCHES_PER_PAGE, 1)
    if page > pages:
        abort(404)
    shown = db.session.scalars(
        sa.select(VoteBatch).where(VoteBatch.campaign_id == campaign.id).order_by(VoteBatch.seq.desc())
        # The page shows counts and hashes: the receipt lists (10,000 digests in a big batch) stay in the database.
        .options(so.defer(VoteBatch.cast_receipts), so.defer(VoteBatch.withdrawal_receipts))
        .offset((page - 1) * BATCHES_PER_PAGE).limit(BATCHES_PER_PAGE)
    ).all()
    return render_template(
        "voting/ledger.html", campaign=campaign, batches=shown, head_seq=seq, head_hash=head, page=page, pages=pages,
        visible=results.tallies_visible(campaign), final=results.voting_closed(campaign),
        pending=pending, batch_min=current_app.config.get("VOTE_BATCH_MIN", 20),
        can_verify=access.can_view_review(current_user, campaign), verifier_name=VERIFIER_NAME,
    )


@bp.route("/dot/<int:campaign_id>/so-cai.json", endpoint="ledger_json")
def ledger_json(campaign_id: int):
    campaign = _public_campaign(campaign_id)
    sealing.seal_if_closed(campaign)
    document = publication.ledger_document(campaign)
    # The same ledger gives the same tag whenever it was generated: a copy already downloaded is
    # revalidated with a 304 instead of megabytes of receipt digests.
    unstamped = {key: value for key, value in document.items() if key != "generated_at"}
    tag = hashlib.sha256(json.dumps(unstamped, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()
    response = Response(
        json.dumps(document, ensure_ascii=False, indent=1), mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="so-cai-binh-chon-dot-{campaign.id}.json"',
                 "Cache-Control": "no-cache"},
    )
    response.set_etag(tag)
    return response.make_conditional(request)


@bp.route(f"/so-cai/{VERIFIER_NAME}", endpoint="ledger_verifier")
def ledger_verifier_download():
    return Response(
        _VERIFIER_SOURCE.read_text(encoding="utf-8"), mimetype="text/x-python",
        headers={"Content-Disposition": f'attachment; filename="{VERIFIER_NAME}"'},
    )
