"""The sealer: closes the votes and withdrawals recorded since the last batch into a published,
hash-chained batch (`VoteBatch`).

Votes never touch a campaign-wide row; only the sealer does, by locking the campaign's chain head
(`VoteChain`), so two sealers take turns and batches get consecutive numbers. It claims rows by
setting `votes.cast_batch` / `votes.withdrawal_batch` where still NULL, and builds the batch from
exactly the rows its UPDATE returned: a vote committed a moment later, even with an earlier
`cast_at`, is left for the next batch, and none is published twice.

A batch holds at least `VOTE_BATCH_MIN` entries (a batch of one would show that receipt's nominee
in the counts), and while voting is open the newest `VOTE_BATCH_MIN` always wait for the next one:
after voting closes, what is left is sealed as the final batch, which then holds at least the
minimum too whenever the campaign got that many votes. Sealing runs:
- as a job (`seal_job`, RQ or in-process without Redis) that a web process enqueues after every
  `VOTE_BATCH_TRIGGER` of its own votes (`note_votes`);
- from `flask votes seal --all`, every few minutes (deploy/systemd/dvkheo-vote-seal.timer);
- when the campaign leaves the public vote, and when the results or ledger page finds voting
  closed with entries unsealed (`seal_if_closed`).
"""
from __future__ import annotations

import secrets
import threading
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.voting import ledger
from dvkheo.voting.ledger_verifier import (
    batch_hash, counts_digest, entries_commitment, entry_line, list_digest, receipt_digest,
)
from dvkheo.voting.models import CAST_WAITING, GENESIS_HASH, WITHDRAWAL_WAITING, Vote, VoteBatch, VoteChain


def _lock_chain(campaign_id: int) -> VoteChain:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(VoteChain).values(campaign_id=campaign_id, seq=0, head_hash=GENESIS_HASH).on_conflict_do_nothing()
    )
    return db.session.scalar(
        sa.select(VoteChain).where(VoteChain.campaign_id == campaign_id).with_for_update()
        .execution_options(populate_existing=True)
    )


def _plan_claim(campaign_id: int, *, keep: int, voters: int, minimum: int) -> tuple[int | None, int | None] | None:
    """Which waiting entries a batch may take now: the highest vote id of the casts and of the
    withdrawals to claim (None: none of that kind), or None when no batch is due.

    Entries are ordered by vote id, a cast before its own withdrawal (a vote cast and withdrawn while
    waiting may have its cast sealed now and its withdrawal later, never the reverse). The newest
    stay waiting until they hold at least `keep` entries from at least `voters` people; the rest
    make the batch if they hold at least `minimum` entries from at least `voters` people. Counting
    people, not entries, keeps one voter who votes and withdraws over and over from making up a
    whole batch, whose counts would then prove their choice to a buyer."""
    rows = db.session.execute(
        sa.select(Vote.id, Vote.voter_id, CAST_WAITING, WITHDRAWAL_WAITING)
        .where(Vote.campaign_id == campaign_id, sa.or_(CAST_WAITING, WITHDRAWAL_WAITING))
    ).all()
    entries = sorted(
        [(vote_id, 0, voter_id) for vote_id, voter_id, cast_waits, _ in rows if cast_waits]
        + [(vote_id, 1, voter_id) for vote_id, voter_id, _, withdrawal_waits in rows if withdrawal_waits]
    )
    split = len(entries)
    if keep:
        kept_voters: set[int] = set()
        while split > 0 and (len(entries) - split < keep or len(kept_voters) < voters):
            split -= 1
            kept_voters.add(entries[split][2])
    claimed = entries[:split]
    if len(claimed) < max(minimum, 1) or len({voter_id for _, _, voter_id in claimed}) < voters:
        return None
    cast_ids = [vote_id for vote_id, kind, _ in claimed if kind == 0]
    withdrawal_ids = [vote_id for vote_id, kind, _ in claimed if kind == 1]
    return (max(cast_ids) if cast_ids else None), (max(withdrawal_ids) if withdrawal_ids else None)


def seal(
    campaign_id: int, *, final: bool, minimum: int = 1, keep: int = 0, voters: int = 1, at: datetime | None = None
) -> VoteBatch | None:
    """Seal the campaign's unsealed entries into one batch, if there are at least `minimum` of them
    (or any, when `final`). Returns the batch, or None when nothing was sealed. Flushes; the caller commits.

    `keep` (ignored when `final`): leave the newest `keep` entries waiting. The timer and the size
    trigger keep `VOTE_BATCH_MIN`, so the final batch after the close also holds at least the minimum
    (when the campaign got that many votes): a small last batch would tie its few receipts to the
    nominees that the final tallies, minus every other batch, give it.
    `voters` (ignored when `final`): a batch, and the entries kept waiting, hold entries of at least
    that many people (see `_plan_claim`)."""
    chain = _lock_chain(campaign_id)
    waiting = ledger.pending(campaign_id)
    keep, voters = (0, 1) if final else (max(keep, 0), max(voters, 1))
    if waiting == 0 or (not final and waiting - keep < max(minimum, 1)):
        return None
    cast_bound, withdrawal_bound = (), ()
    if keep or voters > 1:
        plan = _plan_claim(campaign_id, keep=keep, voters=voters, minimum=minimum)
        if plan is None:
            return None
        cast_limit, withdrawal_limit = plan
        cast_bound = (Vote.id <= cast_limit,) if cast_limit is not None else (sa.false(),)
        withdrawal_bound = (Vote.id <= withdrawal_limit,) if withdrawal_limit is not None else (sa.false(),)
    at = ledger.as_utc(at) if at else utcnow()  # stored as UTC: SQLite keeps the wall time, not the offset
    seq = chain.seq + 1
    claim = db.session.begin_nested()  # undone alone if the claim comes out too small
    casts = db.session.execute(
        sa.update(Vote).where(Vote.campaign_id == campaign_id, CAST_WAITING, *cast_bound).values(cast_batch=seq)
        .returning(Vote.receipt_code, Vote.nomination_id, Vote.cast_at).execution_options(synchronize_session=False)
    ).all()
    withdrawals = db.session.execute(
        sa.update(Vote).where(
            Vote.campaign_id == campaign_id, WITHDRAWAL_WAITING, *withdrawal_bound,
        ).values(withdrawal_batch=seq)
        .returning(Vote.withdrawal_receipt, Vote.nomination_id, Vote.withdrawn_at).execution_options(synchronize_session=False)
    ).all()
    if len(casts) + len(withdrawals) < (1 if final else max(minimum, 1)):
        # Fewer than the minimum claimed (entries moved on between the count and the claim): not a batch.
        claim.rollback()
        return None
    claim.commit()
    if not casts and not withdrawals:
        return None
    counts: dict[int, int] = {}
    lines, cast_digests, withdrawal_digests = [], [], []
    for code, nomination_id, moment in casts:
        digest = receipt_digest(code)
        cast_digests.append(digest)
        counts[nomination_id] = counts.get(nomination_id, 0) + 1
        lines.append(entry_line("cast", digest, nomination_id, ledger.moment_text(moment)))
    for code, nomination_id, moment in withdrawals:
        digest = receipt_digest(code)
        withdrawal_digests.append(digest)
        counts[nomination_id] = counts.get(nomination_id, 0) - 1
        lines.append(entry_line("withdraw", digest, nomination_id, ledger.moment_text(moment)))
    counts = {str(key): value for key, value in sorted(counts.items()) if value}
    cast_digests.sort()
    withdrawal_digests.sort()
    salt = secrets.token_hex(16)  # published with the counts only: hidden counts cannot be guessed from their digest
    batch = VoteBatch(
        campaign_id=campaign_id, seq=seq, sealed_at=at, final=final,
        cast_receipts=cast_digests, withdrawal_receipts=withdrawal_digests, counts=counts,
        cast_count=len(cast_digests), withdrawal_count=len(withdrawal_digests),
        cast_digest=list_digest(cast_digests), withdrawal_digest=list_digest(withdrawal_digests),
        counts_salt=salt, counts_digest=counts_digest(counts, salt), entries_commitment=entries_commitment(lines),
        prev_hash=chain.head_hash,
    )
    batch.hash = batch_hash(
        campaign_id, seq, chain.head_hash, ledger.moment_text(at), final, batch.cast_digest, batch.withdrawal_digest,
        batch.counts_digest, batch.entries_commitment,
    )
    db.session.add(batch)
    chain.seq, chain.head_hash = seq, batch.hash
    db.session.flush()
    from dvkheo.core import audit

    audit.record(
        "vote_batch", batch.id, "seal", None, to_state="final" if final else "sealed",
        details={"campaign_id": campaign_id, "seq": seq, "casts": batch.cast_count,
                 "withdrawals": batch.withdrawal_count, "hash": batch.hash},
    )
    return batch


def seal_due(campaign_id: int, at: datetime | None = None) -> VoteBatch | None:
    """Seal what is due now: a full batch while voting is open, whatever is left once it has closed."""
    from dvkheo.campaigns.models import Campaign
    from dvkheo.voting.results import voting_closed

    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    closed = voting_closed(campaign, at)
    minimum = current_app.config.get("VOTE_BATCH_MIN", 20)
    voters = current_app.config.get("VOTE_BATCH_MIN_VOTERS", 5)
    return seal(campaign_id, final=closed, minimum=minimum, keep=minimum, voters=voters, at=at)


def seal_if_closed(campaign) -> None:
    """Pages that show the official count call this: once voting has closed, whatever is still
    unsealed (no timer ran since the close) is sealed now as the final batch, and committed, so that
    the published ledger and the results page agree. The chain head's lock makes it happen once."""
    from dvkheo.voting.results import voting_closed

    if voting_closed(campaign) and ledger.pending(campaign.id):
        seal(campaign.id, final=True)
        db.session.commit()


def seal_job(campaign_id: int) -> None:
    """The background job: seal what is due for one campaign, and commit."""
    seal_due(campaign_id)
    db.session.commit()


def campaigns_with_pending() -> list[int]:
    unsealed = sa.or_(CAST_WAITING, WITHDRAWAL_WAITING)
    return list(db.session.scalars(sa.select(Vote.campaign_id).where(unsealed).distinct().order_by(Vote.campaign_id)))


_counter_lock = threading.Lock()
_votes_since_seal: dict[int, int] = {}


def note_votes(campaign_id: int, number: int = 1) -> None:
    """Count this process's committed votes; after `VOTE_BATCH_TRIGGER` of them, ask for a seal.

    Process-local on purpose: it costs no query and no shared row on the vote path. With several
    processes a batch may fill sooner than one process sees; the timer covers the rest."""
    trigger = current_app.config.get("VOTE_BATCH_TRIGGER", 500)
    with _counter_lock:
        seen = _votes_since_seal.get(campaign_id, 0) + number
        due = seen >= trigger
        _votes_since_seal[campaign_id] = 0 if due else seen
    if due:
        from dvkheo.core import jobs

        jobs.enqueue("dvkheo.voting.sealing.seal_job", campaign_id)
