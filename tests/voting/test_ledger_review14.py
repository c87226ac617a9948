"""Findings of the review of the public vote ledger (issue 14), each as a user or a checker meets it."""
from __future__ import annotations

import copy
import io
import json

from dvkheo.extensions import db
from dvkheo.voting import ledger, ledger_verifier, publication, sealing
from dvkheo.voting.models import VoteChannel


def _sealed_ledger(campaign, make_nominee, make_voter) -> dict:
    """Two batches of two votes each, as the public file publishes them (live tallies on)."""
    campaign.live_tallies = True
    db.session.commit()
    first, second = make_nominee(), make_nominee()
    for _ in range(2):
        ledger.cast(campaign, make_voter(), first, VoteChannel.ONLINE)
        ledger.cast(campaign, make_voter(), second, VoteChannel.ONLINE)
        sealing.seal(campaign.id, final=False)
        db.session.commit()
    return json.loads(json.dumps(publication.ledger_document(campaign)))


def _run_verifier(document, tmp_path, *options) -> tuple[int, str]:
    path = tmp_path / "so-cai.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    return ledger_verifier.main([str(path), *options], out=out), out.getvalue()


def _append_replayed_batch(document: dict) -> dict:
    """A forger appends a copy of the last batch (same receipts, same counts) as a new batch, with the
    link, the hash, the head and the tallies recomputed so that every figure in the file agrees."""
    forged = copy.deepcopy(document)
    last = forged["batches"][-1]
    replay = copy.deepcopy(last)
    replay["seq"] = last["seq"] + 1
    replay["prev_hash"] = last["hash"]
    replay["hash"] = ledger_verifier.batch_hash(
        forged["campaign"]["id"], replay["seq"], replay["prev_hash"], replay["sealed_at"], replay["final"],
        replay["cast_digest"], replay["withdrawal_digest"], replay["counts_digest"], replay["entries_commitment"],
    )
    forged["batches"].append(replay)
    forged["head"] = {"seq": replay["seq"], "hash": replay["hash"]}
    forged["tallies"] = {key: value + replay["counts"].get(key, 0) for key, value in forged["tallies"].items()}
    return forged


def test_the_verifier_refuses_a_batch_replayed_with_every_hash_recomputed(voting_campaign, make_nominee, make_voter, tmp_path):
    document = _sealed_ledger(voting_campaign, make_nominee, make_voter)
    assert _run_verifier(document, tmp_path)[0] == 0

    forged = _append_replayed_batch(document)
    code, output = _run_verifier(forged, tmp_path)
    assert code == 1
    assert "Lô số 3: biên nhận có mã băm" in output
    assert "đã có trong lô số 2: một biên nhận được công bố hai lần (phiếu bị tính hai lần)." in output
    # The same receipt counted twice is named even though the file is otherwise self-consistent.
    assert output.count("một biên nhận được công bố hai lần") == 2
