"""The chain head printed on paper: the council's minutes and the award decision's annexed list print the vote
ledger's head at the close of voting (the last sealed batch: its number, full hash and sealing time) and where
anyone can check it.

Printed, the head is an anchor outside the database: a ledger rewritten afterwards no longer holds it
(`ledger.anchor_problems`; `flask votes verify --head 12:<hash>`; the downloadable verifier's `--head`).

A document keeps the head it was issued with: `capture()` is stored on the ballot when it closes
(`CouncilBallot.ledger_head`) and on the decision when it is issued (`Decision.ledger_head`), and `printed()` reads
that copy, so that a batch sealed later, a changed public address or a reopened vote never rewrites issued paper.
Only a campaign with a public vote and at least one sealed batch has a head to print; otherwise nothing is.
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from flask import current_app

from dvkheo.core.timeutil import as_vietnam
from dvkheo.extensions import db
from dvkheo.voting import ledger
from dvkheo.voting.models import VoteBatch


def ledger_url(campaign_id: int) -> str:
    """The public ledger page's address: PUBLIC_BASE_URL and the page's path, as certificates build their
    verification address (outside any request, the host never taken from one); the path alone without it."""
    path = current_app.url_map.bind("", url_scheme="https").build("voting.ledger", {"campaign_id": campaign_id})
    return f"{(current_app.config.get('PUBLIC_BASE_URL') or '').rstrip('/')}{path}"


def capture(campaign) -> dict:
    """The head to print for `campaign` now, as a document stores it: {} when there is none to print (no public
    vote, or no batch sealed), else {"seq", "hash", "sealed_at" (UTC, as the batch hash reads it), "final", "url"}."""
    if campaign is None or not campaign.has_public_stage:
        return {}
    seq, head = ledger.chain_head(campaign.id)
    if seq == 0:
        return {}
    batch = db.session.scalar(sa.select(VoteBatch).where(VoteBatch.campaign_id == campaign.id, VoteBatch.seq == seq))
    if batch is None or batch.hash != head:
        # The stored head names no batch: the ledger is damaged (`flask votes verify` says how); print nothing false.
        return {}
    return {
        "seq": seq, "hash": head, "sealed_at": ledger.moment_text(batch.sealed_at), "final": bool(batch.final),
        "url": ledger_url(campaign.id),
    }


def printed(snapshot: dict | None) -> dict | None:
    """What the documents print from a stored (or just captured) head: {"seq", "hash", "url", "final", "sealed_at"
    (a datetime in Vietnam time), "time" ("10:15"), "date" ("20/11/2026")}; None when there is nothing to print."""
    if not snapshot or not snapshot.get("hash"):
        return None
    sealed = as_vietnam(datetime.strptime(snapshot["sealed_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc))
    return {
        "seq": int(snapshot["seq"]), "hash": snapshot["hash"], "url": snapshot.get("url", ""),
        "final": bool(snapshot.get("final")), "sealed_at": sealed,
        "time": f"{sealed:%H:%M}", "date": f"{sealed:%d/%m/%Y}",
    }


def head_to_print(campaign, stored: dict | None, *, frozen: bool) -> dict | None:
    """What a document prints (see `printed`): the head stored when it was issued or closed (`frozen`), or for a
    draft the ledger's head now."""
    return printed(stored if frozen else capture(campaign))


def stored_heads(campaign_id: int) -> list[tuple[str, int, str]]:
    """Every head a closed ballot's minutes or an issued decision printed: (document, batch number, hash).
    `flask votes verify` checks each is still in the ledger (two queries)."""
    from dvkheo.awards.models import Decision
    from dvkheo.council.models import CouncilBallot

    heads = []
    for ballot_id, head in db.session.execute(
        sa.select(CouncilBallot.id, CouncilBallot.ledger_head).where(CouncilBallot.campaign_id == campaign_id)
        .order_by(CouncilBallot.id)
    ):
        if head and head.get("hash"):
            heads.append((f"biên bản phiên bỏ phiếu số {ballot_id}", int(head["seq"]), head["hash"]))
    for decision in db.session.scalars(
        sa.select(Decision).where(Decision.campaign_id == campaign_id, Decision.ledger_head.is_not(None)).order_by(Decision.id)
    ):
        head = decision.ledger_head
        if head and head.get("hash"):
            heads.append((f"quyết định số {decision.number_label}", int(head["seq"]), head["hash"]))
    return heads
