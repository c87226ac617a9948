"""The published vote ledger of a campaign: one JSON document ("dvkheo-so-cai/1") that anyone can
download and check with `ledger_verifier` (the same file served for download).

Counts per batch are withheld while the campaign keeps its count hidden (they would give the
running tally away): the batch then shows only `counts_digest`, which its hash covers, and the
counts appear once voting is over; the chain and the receipts are checkable all along."""
from __future__ import annotations

from datetime import datetime

from dvkheo.campaigns.models import Campaign
from dvkheo.core.timeutil import utcnow
from dvkheo.voting import ledger, results
from dvkheo.voting.ledger_verifier import FORMAT
from dvkheo.voting.models import VoteBatch

LICENCE = {
    "name": "Creative Commons Ghi công 4.0 Quốc tế (CC BY 4.0)",
    "url": "https://creativecommons.org/licenses/by/4.0/deed.vi",
    "attribution": "Hệ thống Dân vận khéo",
}


def batch_entry(batch: VoteBatch, *, with_counts: bool) -> dict:
    entry = {
        "seq": batch.seq,
        "sealed_at": ledger.moment_text(batch.sealed_at),
        "final": batch.final,
        "prev_hash": batch.prev_hash,
        "cast_receipts": list(batch.cast_receipts),
        "withdrawal_receipts": list(batch.withdrawal_receipts),
        "cast_digest": batch.cast_digest,
        "withdrawal_digest": batch.withdrawal_digest,
        "counts_digest": batch.counts_digest,
        "entries_commitment": batch.entries_commitment,
        "hash": batch.hash,
    }
    if with_counts:
        entry["counts"] = dict(batch.counts)
        entry["counts_salt"] = batch.counts_salt
    return entry


def ledger_document(campaign: Campaign, at: datetime | None = None) -> dict:
    """The whole ledger as published now (a fixed number of queries: batches, nominees, head)."""
    visible = results.tallies_visible(campaign, at)
    sealed = ledger.batches(campaign.id)
    seq, head = ledger.chain_head(campaign.id)
    nominees = results.published_nominees(campaign.id)
    document = {
        "format": FORMAT,
        "licence": LICENCE,
        "generated_at": ledger.moment_text(at or utcnow()),
        "campaign": {
            "id": campaign.id,
            "title": campaign.title,
            "votes_per_voter": campaign.votes_per_voter,
            "voting_closed": results.voting_closed(campaign, at),
        },
        "nominees": [{"id": n.nomination_id, "title": n.title, "nominee": n.nominee_name, "unit": n.unit_name} for n in nominees],
        "head": {"seq": seq, "hash": head},
        "batches": [batch_entry(batch, with_counts=visible) for batch in sealed],
    }
    if visible:
        document["tallies"] = {str(key): value for key, value in sorted(ledger.published_tallies(campaign.id).items())}
    return document
