"""Shared by the ledger publication and verifier tests: a campaign whose votes were sealed in several
batches (with a withdrawal), the downloaded ledger file, and what a forger does to it."""
from __future__ import annotations

import copy
import io
import json
from dataclasses import dataclass, field

from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.voting import ledger, ledger_verifier, sealing
from dvkheo.voting.models import VoteChannel


def cast(campaign, voter, nominee):
    vote = ledger.cast(campaign, voter, nominee, VoteChannel.ONLINE)
    db.session.commit()
    return vote


def seal(campaign, *, final: bool = False):
    """One batch of whatever is waiting (the tests' batches are small: minimum 1)."""
    batch = sealing.seal(campaign.id, final=final, minimum=1)
    db.session.commit()
    return batch


@dataclass
class Ballot:
    campaign: object
    nominees: list
    votes: list = field(default_factory=list)
    withdrawn: object = None
    heads: list = field(default_factory=list)  # (seq, hash) after each seal, as the page showed it

    @property
    def expected(self) -> dict[int, int]:
        """A: 4 live votes, B: 3, C: 2."""
        a, b, c = self.nominees
        return {a.id: 4, b.id: 3, c.id: 2}


def sealed_ballot(campaign, make_nominee, make_voter, *, close: bool = True) -> Ballot:
    """Four batches while voting is open (one with a withdrawal), and, when `close`, voting closed
    with one more vote left waiting for the final batch (the results page seals it)."""
    a, b, c = make_nominee("Mô hình đường hoa"), make_nominee("Mô hình camera an ninh"), make_nominee("Mô hình tủ sách")
    ballot = Ballot(campaign, [a, b, c])
    voters = [make_voter() for _ in range(10)]
    plan = [
        [(0, a), (1, a), (2, b)],
        [(3, a), (4, c)],
        [(5, b), (6, b)],
        [(7, c), (8, a)],
    ]
    for number, batch in enumerate(plan):
        for index, nominee in batch:
            ballot.votes.append(cast(campaign, voters[index], nominee))
        if number == 1:  # voter 0 takes back the vote for A: a withdrawal in batch 2
            ballot.withdrawn = ledger.withdraw(campaign, ballot.votes[0], voters[0])
            db.session.commit()
        seal(campaign)
        ballot.heads.append(ledger.chain_head(campaign.id))
    ballot.votes.append(cast(campaign, voters[9], a))  # waits for the next batch
    if close:
        campaign.voting_closes_at = utcnow()
        db.session.commit()
    return ballot


def download(client, campaign) -> dict:
    response = client.get(f"/binh-chon/dot/{campaign.id}/so-cai.json")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def run_verifier(tmp_path, document: dict, *options: str) -> tuple[int, str]:
    """`python3 kiem_tra_so_cai.py FILE …` in process, on `document` written as the page serves it."""
    path = tmp_path / "so-cai.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    out = io.StringIO()
    code = ledger_verifier.main([str(path), *options], out=out)
    return code, out.getvalue()


# --- what a forger does to the file --------------------------------------------------------------


def rehash(document: dict) -> dict:
    """Recompute every digest, hash, link, the head and the tallies in order: a consistent forgery."""
    forged = copy.deepcopy(document)
    campaign_id = forged["campaign"]["id"]
    previous, totals = ledger_verifier.GENESIS_HASH, {}
    for batch in forged["batches"]:
        batch["cast_receipts"] = sorted(batch["cast_receipts"])
        batch["withdrawal_receipts"] = sorted(batch["withdrawal_receipts"])
        batch["cast_digest"] = ledger_verifier.list_digest(batch["cast_receipts"])
        batch["withdrawal_digest"] = ledger_verifier.list_digest(batch["withdrawal_receipts"])
        if "counts" in batch:
            batch["counts"] = {key: value for key, value in batch["counts"].items() if value}
            batch["counts_digest"] = ledger_verifier.counts_digest(batch["counts"], batch.get("counts_salt", ""))
            for key, value in batch["counts"].items():
                totals[key] = totals.get(key, 0) + value
        batch["prev_hash"] = previous
        batch["hash"] = ledger_verifier.batch_hash(
            campaign_id, batch["seq"], previous, batch["sealed_at"], batch["final"], batch["cast_digest"],
            batch["withdrawal_digest"], batch["counts_digest"], batch["entries_commitment"],
        )
        previous = batch["hash"]
    forged["head"] = {"seq": forged["batches"][-1]["seq"] if forged["batches"] else 0, "hash": previous}
    if "tallies" in forged:
        forged["tallies"] = {key: value for key, value in sorted(totals.items(), key=lambda item: int(item[0])) if value}
    return forged
