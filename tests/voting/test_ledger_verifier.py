"""The standalone verifier (kiem_tra_so_cai.py) on a downloaded ledger, and the file against the
database (issue 14): an intact ledger passes, and every tampering with a batch fails, naming it.

- In a fresh virtual environment without the project, the downloaded verifier checks the downloaded
  file and prints the tallies of the results page.
- The file edited by hand: a count, a receipt digest, a sealing time, a batch deleted, inserted,
  reordered, the last batches cut, the whole chain rewritten with every hash recomputed, tallies
  that do not add up, a garbled file. A rewrite or a cut that is consistent on its own fails only
  against a head saved earlier (`--head`).
- The database tampered with, `flask votes verify`: what test_votes_verify_binds.py, test_votes_cli.py
  and test_ledger.py do not already cover (a sealing time, the shown counts, a forged batch with the
  head moved onto it, a rewrite against a saved file and in the file published afterwards).
"""
from __future__ import annotations

import ast
import copy
import html as html_lib
import io
import json
import re
import subprocess
import sys

import pytest
import sqlalchemy as sa

from dvkheo.extensions import db
from dvkheo.voting import ledger, ledger_verifier
from dvkheo.voting.models import Vote, VoteBatch, VoteChain
from tests.voting.ledger_helpers import download, rehash, run_verifier, sealed_ballot


@pytest.fixture
def closed(client, voting_campaign, make_nominee, make_voter):
    """Five batches, the last sealed after voting closed (by the results page), and the file downloaded."""
    ballot = sealed_ballot(voting_campaign, make_nominee, make_voter)
    response = client.get(f"/binh-chon/dot/{voting_campaign.id}/ket-qua")
    assert response.status_code == 200
    ballot.results_html = response.get_data(as_text=True)
    ballot.heads.append(ledger.chain_head(voting_campaign.id))
    ballot.document = download(client, voting_campaign)
    assert [batch["seq"] for batch in ballot.document["batches"]] == [1, 2, 3, 4, 5]
    return ballot


def results_page_tallies(html: str) -> dict[str, int]:
    """Title -> votes, as the results page shows them."""
    rows = re.findall(
        r'<td data-label="Mô hình, điển hình"><strong>(.*?)</strong>.*?<td data-label="Số phiếu" class="num">(\d+)</td>',
        html, flags=re.S,
    )
    return {html_lib.unescape(title): int(votes) for title, votes in rows}


def head_option(seq_hash) -> str:
    return f"{seq_hash[0]}:{seq_hash[1]}"


# --- the downloaded verifier, in a fresh environment ---------------------------------------------


def test_downloaded_verifier_checks_the_downloaded_ledger_in_a_fresh_venv(client, closed, tmp_path):
    response = client.get("/binh-chon/so-cai/kiem_tra_so_cai.py")
    assert response.status_code == 200
    script = tmp_path / "kiem_tra_so_cai.py"
    script.write_bytes(response.data)
    ledger_file = tmp_path / f"so-cai-binh-chon-dot-{closed.campaign.id}.json"
    ledger_file.write_bytes(client.get(f"/binh-chon/dot/{closed.campaign.id}/so-cai.json").data)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True, timeout=60)
    python = venv / "bin" / "python"
    # The environment has nothing of the project: neither the app nor Flask can be imported there.
    probe = subprocess.run([str(python), "-I", "-c", "import dvkheo"], cwd=tmp_path, capture_output=True, timeout=30)
    assert probe.returncode == 1 and b"ModuleNotFoundError" in probe.stderr
    probe = subprocess.run([str(python), "-I", "-c", "import flask"], cwd=tmp_path, capture_output=True, timeout=30)
    assert probe.returncode == 1

    def verifier(*options):
        run = subprocess.run(
            [str(python), "-I", script.name, ledger_file.name, *options], cwd=tmp_path, capture_output=True, timeout=60,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"},
        )
        return run.returncode, run.stdout.decode("utf-8"), run.stderr.decode("utf-8")

    code, output, errors = verifier()
    assert code == 0, output + errors
    assert "Số lô phiếu: 5" in output
    assert f"Đầu chuỗi tính lại: lô số 5, mã băm {closed.heads[-1][1]}" in output
    assert "Kết quả: sổ cái nguyên vẹn" in output
    printed = {
        title: int(votes)
        for title, votes in re.findall(r"^  Hồ sơ số \d+ · (.*?): (\d+) phiếu$", output, flags=re.M)
    }
    shown = results_page_tallies(closed.results_html)
    assert printed == shown == {"Mô hình đường hoa": 4, "Mô hình camera an ninh": 3, "Mô hình tủ sách": 2}
    assert "Đây là kết quả chính thức: 9 phiếu bình chọn còn hiệu lực." in closed.results_html

    counted, late = closed.votes[3], closed.votes[-1]
    code, output, errors = verifier(
        "--receipt", counted.receipt_code.lower(), "--receipt", late.receipt_code,
        "--receipt", closed.withdrawn.withdrawal_receipt, "--head", head_option(closed.heads[1]),
    )
    assert code == 0, output + errors
    assert f"Biên nhận {counted.receipt_code}: phiếu bình chọn nằm trong lô số 2 (" in output
    assert f"Biên nhận {late.receipt_code}: phiếu bình chọn nằm trong lô số 5 (" in output
    assert f"Biên nhận {closed.withdrawn.withdrawal_receipt}: việc rút phiếu nằm trong lô số 2." in output
    assert "Số mốc đầu chuỗi đối chiếu: 1" in output
    # The receipt's batch, never its nominee.
    assert "đường hoa" not in output.split("Biên nhận", 1)[1]

    code, output, _ = verifier("--receipt", "BC-AAAA-BBBB-CC")
    assert code == 0 and "Biên nhận BC-AAAA-BBBB-CC: không có trong các lô đã niêm phong." in output


def test_verifier_source_parses_as_python_3_9():
    from dvkheo.voting import ledger_verifier as module

    with open(module.__file__, encoding="utf-8") as handle:
        ast.parse(handle.read(), feature_version=(3, 9))


# --- the file tampered with ----------------------------------------------------------------------


def failing(tmp_path, document, *options) -> str:
    code, output = run_verifier(tmp_path, document, *options)
    assert code == 1, output
    assert "Kết quả: phát hiện" in output
    return output


def test_intact_file_passes_with_every_earlier_head(closed, tmp_path):
    options = [item for head in closed.heads for item in ("--head", head_option(head))]
    code, output = run_verifier(tmp_path, closed.document, *options, "--head", closed.heads[0][1])
    assert code == 0, output
    assert "Số mốc đầu chuỗi đối chiếu: 6" in output
    assert "Kết quả: sổ cái nguyên vẹn, mã băm mọi lô, đầu chuỗi và kết quả đều khớp." in output


def test_file_with_an_edited_count_fails(closed, tmp_path):
    forged = copy.deepcopy(closed.document)
    a, b = (str(nominee.id) for nominee in closed.nominees[:2])
    counts = forged["batches"][2]["counts"]  # batch 3: two votes for B
    counts[a], counts[b] = 1, counts[b] - 1
    forged["tallies"][a] += 1
    forged["tallies"][b] -= 1
    output = failing(tmp_path, forged)
    assert "Lô số 3: số phiếu theo hồ sơ không khớp mã băm của nó (đã bị sửa)." in output


def test_file_with_an_edited_count_and_digest_fails_on_the_batch_hash(closed, tmp_path):
    forged = copy.deepcopy(closed.document)
    a, b = (str(nominee.id) for nominee in closed.nominees[:2])
    batch = forged["batches"][2]
    batch["counts"] = {a: 1, b: 1}
    batch["counts_digest"] = ledger_verifier.counts_digest(batch["counts"], batch["counts_salt"])
    forged["tallies"][a] += 1
    forged["tallies"][b] -= 1
    output = failing(tmp_path, forged)
    assert "Lô số 3: nội dung không khớp mã băm của lô (lô đã bị sửa)." in output


def test_file_with_a_replaced_receipt_digest_fails(closed, tmp_path):
    forged = copy.deepcopy(closed.document)
    receipts = forged["batches"][0]["cast_receipts"]
    receipts[1] = ledger_verifier.receipt_digest("BC-ZZZZ-ZZZZ-ZZ")
    receipts.sort()
    output = failing(tmp_path, forged)
    assert "Lô số 1: danh sách cast_receipts không khớp mã băm của nó (đã bị sửa)." in output
    assert "Lô số 1: nội dung không khớp mã băm của lô (lô đã bị sửa)." in output
    # With its list digest recomputed too, the batch hash still gives it away.
    forged["batches"][0]["cast_digest"] = ledger_verifier.list_digest(receipts)
    output = failing(tmp_path, forged)
    assert "danh sách cast_receipts" not in output
    assert "Lô số 1: nội dung không khớp mã băm của lô (lô đã bị sửa)." in output


def test_file_with_a_removed_receipt_fails(closed, tmp_path):
    forged = copy.deepcopy(closed.document)
    del forged["batches"][0]["cast_receipts"][0]
    output = failing(tmp_path, forged)
    assert "Lô số 1: danh sách cast_receipts không khớp mã băm của nó (đã bị sửa)." in output
    assert "Lô số 1: tổng số phiếu theo hồ sơ (3) khác số biên nhận bỏ phiếu trừ rút phiếu (2)." in output


def test_file_with_an_edited_sealing_time_fails(closed, tmp_path):
    forged = copy.deepcopy(closed.document)
    forged["batches"][3]["sealed_at"] = "2020-01-01T00:00:00.000000Z"
    output = failing(tmp_path, forged)
    assert "Lô số 4: nội dung không khớp mã băm của lô (lô đã bị sửa)." in output


def test_file_with_a_batch_marked_final_fails(closed, tmp_path):
    forged = copy.deepcopy(closed.document)
    forged["batches"][0]["final"] = True
    assert "Lô số 1: nội dung không khớp mã băm của lô (lô đã bị sửa)." in failing(tmp_path, forged)


def test_file_with_a_middle_batch_deleted_fails(closed, tmp_path):
    forged = copy.deepcopy(closed.document)
    gone = forged["batches"].pop(2)
    for key, value in gone["counts"].items():
        forged["tallies"][key] -= value
    output = failing(tmp_path, forged)
    assert "Lô số 4: số thứ tự không liền mạch (chờ lô số 3): có lô bị xóa, chèn hoặc đảo thứ tự." in output
    assert "Lô số 4: không nối với lô trước (mã băm lô trước không khớp)." in output


def test_file_with_a_forged_batch_inserted_fails(closed, tmp_path):
    forged = copy.deepcopy(closed.document)
    b = str(closed.nominees[1].id)
    after = forged["batches"][1]
    fake = {
        "seq": 3, "sealed_at": after["sealed_at"], "final": False, "prev_hash": after["hash"],
        "cast_receipts": sorted(ledger_verifier.receipt_digest(f"BC-FAKE-FAKE-{n}A") for n in range(2, 6)),
        "withdrawal_receipts": [], "counts": {b: 4}, "entries_commitment": ledger_verifier.list_digest([]),
    }
    fake["cast_digest"] = ledger_verifier.list_digest(fake["cast_receipts"])
    fake["withdrawal_digest"] = ledger_verifier.list_digest([])
    fake["counts_digest"] = ledger_verifier.counts_digest(fake["counts"])
    fake["hash"] = ledger_verifier.batch_hash(
        closed.campaign.id, 3, after["hash"], fake["sealed_at"], False, fake["cast_digest"], fake["withdrawal_digest"],
        fake["counts_digest"], fake["entries_commitment"],
    )
    forged["batches"].insert(2, fake)  # the later batches keep their numbers: 3 appears twice
    forged["tallies"][b] += 4
    output = failing(tmp_path, forged)
    assert "Lô số 3: số thứ tự không liền mạch (chờ lô số 4): có lô bị xóa, chèn hoặc đảo thứ tự." in output
    assert "Lô số 3: không nối với lô trước (mã băm lô trước không khớp)." in output
    # Renumbering the later batches as well breaks each of their hashes.
    for batch in forged["batches"][3:]:
        batch["seq"] += 1
    forged["head"]["seq"] += 1
    output = failing(tmp_path, forged)
    assert "Lô số 4: không nối với lô trước (mã băm lô trước không khớp)." in output
    for seq in (4, 5, 6):
        assert f"Lô số {seq}: nội dung không khớp mã băm của lô (lô đã bị sửa)." in output


def test_file_with_two_batches_reordered_fails(closed, tmp_path):
    forged = copy.deepcopy(closed.document)
    batches = forged["batches"]
    batches[1], batches[2] = batches[2], batches[1]
    output = failing(tmp_path, forged)
    assert "Lô số 3: số thứ tự không liền mạch (chờ lô số 2): có lô bị xóa, chèn hoặc đảo thứ tự." in output
    assert "Lô số 3: không nối với lô trước (mã băm lô trước không khớp)." in output
    # Swapping their numbers too: their hashes no longer match.
    batches[1]["seq"], batches[2]["seq"] = 2, 3
    output = failing(tmp_path, forged)
    assert "Lô số 2: nội dung không khớp mã băm của lô (lô đã bị sửa)." in output


def test_file_with_the_last_batches_cut_passes_alone_but_not_against_the_saved_head(closed, tmp_path):
    cut = copy.deepcopy(closed.document)
    for batch in cut["batches"][3:]:
        for key, value in batch["counts"].items():
            cut["tallies"][key] -= value
    cut["tallies"] = {key: value for key, value in cut["tallies"].items() if value}
    del cut["batches"][3:]
    cut["head"] = {"seq": 3, "hash": cut["batches"][-1]["hash"]}
    code, output = run_verifier(tmp_path, cut)
    assert code == 0, output  # consistent on its own: only a head saved earlier exposes it
    assert f"Đầu chuỗi tính lại: lô số 3, mã băm {closed.heads[2][1]}" in output
    final_seq, final_hash = closed.heads[-1]
    output = failing(tmp_path, cut, "--head", f"{final_seq}:{final_hash}")
    assert (
        f"Đầu chuỗi đã lưu trước đây (lô số 5, mã băm {final_hash}) không còn trong chuỗi: "
        "sổ cái đã bị viết lại hoặc cắt bớt từ sau mốc đó."
    ) in output
    # A head from before the cut still holds.
    assert run_verifier(tmp_path, cut, "--head", head_option(closed.heads[1]))[0] == 0


def test_file_cut_without_updating_the_head_fails(closed, tmp_path):
    cut = copy.deepcopy(closed.document)
    del cut["batches"][-1]
    output = failing(tmp_path, cut)
    assert "Đầu chuỗi ghi trong tệp (lô số 5" in output


def test_file_rewritten_with_every_hash_recomputed_passes_alone_but_not_against_saved_heads(closed, tmp_path):
    """A vote moved from A to B in batch 1, then every digest, hash, link, head and tally redone."""
    forged = copy.deepcopy(closed.document)
    a, b = (str(nominee.id) for nominee in closed.nominees[:2])
    counts = forged["batches"][0]["counts"]
    counts[a], counts[b] = counts[a] - 1, counts[b] + 1
    forged = rehash(forged)
    assert forged["head"]["hash"] != closed.heads[-1][1]
    code, output = run_verifier(tmp_path, forged)
    assert code == 0, output
    assert f"Hồ sơ số {b} · Mô hình camera an ninh: 4 phiếu" in output
    # The head printed on the minutes, and one saved from the page while voting was open.
    output = failing(tmp_path, forged, "--head", head_option(closed.heads[-1]))
    assert f"Đầu chuỗi đã lưu trước đây (lô số 5, mã băm {closed.heads[-1][1]}) không còn trong chuỗi" in output
    output = failing(tmp_path, forged, "--head", closed.heads[1][1])
    assert f"Đầu chuỗi đã lưu trước đây (mã băm {closed.heads[1][1]}) không còn trong chuỗi" in output
    # Even the first hash changed: nothing of the saved heads is left.
    assert forged["batches"][0]["hash"] != closed.document["batches"][0]["hash"]


def test_head_saved_at_another_number_fails(closed, tmp_path):
    seq, digest = closed.heads[1]
    output = failing(tmp_path, closed.document, "--head", f"{seq + 1}:{digest}")
    assert f"Đầu chuỗi đã lưu trước đây (mã băm {digest}) ghi lô số {seq + 1}, nay nằm ở lô số {seq}." in output


def test_file_whose_tallies_do_not_match_its_batches_fails(closed, tmp_path):
    forged = copy.deepcopy(closed.document)
    a, b = (str(nominee.id) for nominee in closed.nominees[:2])
    forged["tallies"][a], forged["tallies"][b] = forged["tallies"][b], forged["tallies"][a]
    output = failing(tmp_path, forged)
    assert "Kết quả bình chọn ghi trong tệp (trang kết quả) khác tổng số phiếu tính lại từ các lô." in output
    forged["tallies"] = {a: 9}
    assert "khác tổng số phiếu tính lại từ các lô" in failing(tmp_path, forged)


def test_file_with_hidden_counts_checks_the_chain_and_waits_for_the_tallies(client, voting_campaign, make_nominee, make_voter, tmp_path):
    ballot = sealed_ballot(voting_campaign, make_nominee, make_voter, close=False)
    document = download(client, voting_campaign)
    code, output = run_verifier(tmp_path, document, "--head", head_option(ballot.heads[0]))
    assert code == 0, output
    assert "Số phiếu: chưa công bố (đợt bình xét giữ kín kết quả đến khi kết thúc bình chọn)." in output
    document["batches"][1]["counts_digest"] = ledger_verifier.counts_digest({str(ballot.nominees[0].id): 2}, "0" * 32)
    assert "Lô số 2: nội dung không khớp mã băm của lô (lô đã bị sửa)." in failing(tmp_path, document)


@pytest.mark.parametrize("text", ["{}", "[]", '{"format": "dvkheo-so-cai/1"}', '{"format": "khac", "batches": []}'])
def test_file_that_is_not_a_ledger_fails(tmp_path, text):
    path = tmp_path / "khac.json"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    code = ledger_verifier.main([str(path)], out=out)
    assert code == 1, out.getvalue()


def _set(path, value):
    def change(document):
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return document

    return change


GARBLED = {
    "campaign is text": _set(["campaign"], "đợt 3"),
    "campaign id is text": _set(["campaign", "id"], "3"),
    "batches is a dict": _set(["batches"], {}),
    "batches hold junk": _set(["batches"], [1, "lô", None, {}]),
    "head is a list": _set(["head"], []),
    "head is missing": _set(["head"], None),
    "infinite count": _set(["batches", 0, "counts", "1"], float("inf")),
    "count keyed by text": _set(["batches", 0, "counts"], {"x": 3}),
    "counts is a list": _set(["batches", 0, "counts"], [3]),
    "receipts is text": _set(["batches", 0, "cast_receipts"], "abc"),
    "receipts are numbers": _set(["batches", 0, "cast_receipts"], [1, 2, 3]),
    "receipts are lists": _set(["batches", 0, "cast_receipts"], [["a"], ["b"]]),
    "duplicate receipts": lambda d: _set(["batches", 0, "cast_receipts"], [d["batches"][0]["cast_receipts"][0]] * 3)(d),
    "seq is text": _set(["batches", 0, "seq"], "1"),
    "seq is missing": _set(["batches", 0, "seq"], None),
    "hash is missing": _set(["batches", 0, "hash"], None),
    "prev_hash is a number": _set(["batches", 1, "prev_hash"], 5),
    "final is text": _set(["batches", 0, "final"], "no"),
    "tallies is a list": _set(["tallies"], [1]),
    "infinite tally": _set(["tallies", "1"], float("inf")),
    "tally is a list": _set(["tallies", "1"], [1]),
}


def test_garbled_nominee_list_is_no_crash(closed, tmp_path):
    """The nominees' titles are labels, not part of any hash: the tallies are checked by number."""
    forged = _set(["nominees"], "abc")(copy.deepcopy(closed.document))
    code, output = run_verifier(tmp_path, forged)
    assert code == 0, output
    assert f"Hồ sơ số {closed.nominees[0].id} · : 4 phiếu" in output


def test_garbled_file_fails_with_a_message_never_a_traceback(closed, tmp_path):
    for name, garble in GARBLED.items():  # one ballot for all: each garbling on its own copy
        code, output = run_verifier(tmp_path, garble(copy.deepcopy(closed.document)))
        assert code == 1, f"{name}: {output}"
        assert "Kết quả: phát hiện" in output, name


def test_unreadable_file_and_malformed_head_exit_2(closed, tmp_path):
    path = tmp_path / "hong.json"
    path.write_text("{ không phải json", encoding="utf-8")
    out = io.StringIO()
    assert ledger_verifier.main([str(path)], out=out) == 2
    assert "Lỗi: không đọc được tệp sổ cái" in out.getvalue()
    out = io.StringIO()
    assert ledger_verifier.main([str(path), "--head", "5:xyz"], out=out) == 2
    assert "không phải mã băm SHA-256" in out.getvalue()


def test_flask_votes_verify_file_is_the_same_verifier(runner, closed, tmp_path):
    path = tmp_path / "so-cai.json"
    path.write_text(json.dumps(closed.document, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["votes", "verify-file", str(path), "--head", head_option(closed.heads[2])])
    assert result.exit_code == 0, result.output
    assert "Kết quả: sổ cái nguyên vẹn" in result.output
    forged = copy.deepcopy(closed.document)
    forged["batches"][0]["sealed_at"] = forged["batches"][1]["sealed_at"]
    path.write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["votes", "verify-file", str(path)])
    assert result.exit_code == 1
    assert "Lô số 1: nội dung không khớp mã băm của lô (lô đã bị sửa)." in result.output


# --- the database tampered with: `flask votes verify` --------------------------------------------


def verify(runner, campaign, *options) -> tuple[int, str]:
    result = runner.invoke(args=["votes", "verify", str(campaign.id), *options])
    return result.exit_code, result.output


def broken(runner, campaign, *options) -> str:
    code, output = verify(runner, campaign, *options)
    assert code == 1, output
    assert "Kết quả: phát hiện" in output
    return output


def batch_row(campaign, seq: int) -> VoteBatch:
    return db.session.scalar(sa.select(VoteBatch).where(VoteBatch.campaign_id == campaign.id, VoteBatch.seq == seq))


def update_batch(campaign, seq: int, **values) -> None:
    db.session.execute(
        sa.update(VoteBatch).where(VoteBatch.campaign_id == campaign.id, VoteBatch.seq == seq).values(**values)
    )
    db.session.commit()


def rechain_database(campaign_id: int) -> None:
    """What a forger with write access and the app's code does after editing the votes table:
    rebuild every batch from the rows it claims, recompute every hash in order, move the head."""
    previous = ledger_verifier.GENESIS_HASH
    votes = db.session.scalars(sa.select(Vote).where(Vote.campaign_id == campaign_id)).all()
    for batch in ledger.batches(campaign_id):
        casts, withdrawals, counts, lines = [], [], {}, []
        for vote in votes:
            if vote.cast_batch == batch.seq:
                digest = ledger_verifier.receipt_digest(vote.receipt_code)
                casts.append(digest)
                counts[vote.nomination_id] = counts.get(vote.nomination_id, 0) + 1
                lines.append(ledger_verifier.entry_line("cast", digest, vote.nomination_id, ledger.moment_text(vote.cast_at)))
            if vote.withdrawal_batch == batch.seq:
                digest = ledger_verifier.receipt_digest(vote.withdrawal_receipt)
                withdrawals.append(digest)
                counts[vote.nomination_id] = counts.get(vote.nomination_id, 0) - 1
                lines.append(ledger_verifier.entry_line("withdraw", digest, vote.nomination_id, ledger.moment_text(vote.withdrawn_at)))
        batch.cast_receipts, batch.withdrawal_receipts = sorted(casts), sorted(withdrawals)
        batch.cast_count, batch.withdrawal_count = len(casts), len(withdrawals)
        batch.counts = {str(key): value for key, value in sorted(counts.items()) if value}
        batch.cast_digest = ledger_verifier.list_digest(batch.cast_receipts)
        batch.withdrawal_digest = ledger_verifier.list_digest(batch.withdrawal_receipts)
        batch.counts_digest = ledger_verifier.counts_digest(batch.counts, batch.counts_salt)
        batch.entries_commitment = ledger_verifier.entries_commitment(lines)
        batch.prev_hash = previous
        batch.hash = ledger_verifier.batch_hash(
            campaign_id, batch.seq, previous, ledger.moment_text(batch.sealed_at), batch.final, batch.cast_digest,
            batch.withdrawal_digest, batch.counts_digest, batch.entries_commitment,
        )
        previous = batch.hash
    chain = db.session.get(VoteChain, campaign_id)
    chain.head_hash = previous
    db.session.commit()


def saved_ledger(tmp_path, document) -> str:
    path = tmp_path / "so-cai-da-luu.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_database_edited_sealing_time_is_caught(runner, closed):
    batch = batch_row(closed.campaign, 4)
    update_batch(closed.campaign, 4, sealed_at=batch.sealed_at.replace(year=2020))
    assert "Lô số 4: nội dung không khớp mã băm của lô (lô đã bị sửa)." in broken(runner, closed.campaign)


def test_database_edited_published_cast_count_is_caught(runner, closed):
    """The page shows each batch's number of votes: a number the database holds beside the receipts."""
    update_batch(closed.campaign, 2, cast_count=20)
    output = broken(runner, closed.campaign)
    assert "Lô số 2: số phiếu, lượt rút phiếu ghi trên lô (20, 1) khác số biên nhận đã công bố (2, 1)." in output


def test_database_forged_batch_appended_with_the_head_moved_is_caught_by_the_rows(runner, closed):
    """A well-formed batch 6 and the stored head moved onto it: the chain agrees with itself, the votes table does not."""
    head = batch_row(closed.campaign, 5)
    b = str(closed.nominees[1].id)
    cast_receipts = [ledger_verifier.receipt_digest("BC-FAKE-FAKE-2A")]
    forged = VoteBatch(
        campaign_id=closed.campaign.id, seq=6, sealed_at=head.sealed_at, final=True, cast_receipts=cast_receipts,
        withdrawal_receipts=[], counts={b: 1}, cast_count=1, withdrawal_count=0,
        cast_digest=ledger_verifier.list_digest(cast_receipts), withdrawal_digest=ledger_verifier.list_digest([]),
        counts_digest=ledger_verifier.counts_digest({b: 1}), entries_commitment=head.entries_commitment, prev_hash=head.hash,
    )
    forged.hash = ledger_verifier.batch_hash(
        closed.campaign.id, 6, head.hash, ledger.moment_text(head.sealed_at), True, forged.cast_digest,
        forged.withdrawal_digest, forged.counts_digest, forged.entries_commitment,
    )
    db.session.add(forged)
    db.session.execute(sa.update(VoteChain).where(VoteChain.campaign_id == closed.campaign.id).values(seq=6, head_hash=forged.hash))
    db.session.commit()
    output = broken(runner, closed.campaign)
    assert "Đầu chuỗi đã lưu" not in output.split("Kết quả:")[1]
    assert "Lô số 6: biên nhận bỏ phiếu đã công bố khác bảng phiếu (1 biên nhận không có phiếu tương ứng, 0 phiếu không có trong lô)." in output
    assert f"Lô số 6: hồ sơ số {b} được công bố 1 phiếu, bảng phiếu có 0." in output
    assert "Lô số 6: hồ sơ, loại hoặc thời điểm của các phiếu trong bảng phiếu khác với lúc niêm phong" in output


def test_database_rewrite_with_hashes_recomputed_fails_against_the_saved_file_and_in_the_file_published_after(
    client, runner, closed, tmp_path
):
    """A vote of batch 2 moved from C to B in the votes table, every batch rebuilt and rehashed: the
    database agrees with itself; the file saved before names every batch from 2 on, and the file
    downloaded afterwards fails in anyone's verifier against the head on the minutes."""
    campaign = closed.campaign
    saved = saved_ledger(tmp_path, closed.document)
    vote = closed.votes[4]  # batch 2, for C; its voter has no other vote
    b = closed.nominees[1].id
    db.session.execute(sa.update(Vote).where(Vote.id == vote.id).values(nomination_id=b))
    db.session.commit()
    rechain_database(campaign.id)
    code, output = verify(runner, campaign)
    assert code == 0, output
    assert f"Hồ sơ số {b} · Mô hình camera an ninh: 4 phiếu" in output
    output = broken(runner, campaign, "--ledger", saved)
    rewritten = {batch.seq: batch.hash for batch in ledger.batches(campaign.id)}
    assert "Lô số 1 trong tệp" not in output  # batch 1 is untouched
    for seq in (2, 3, 4, 5):
        before = closed.document["batches"][seq - 1]["hash"]
        assert f"Lô số {seq} trong tệp sổ cái đã lưu ({saved}) có mã băm {before}, cơ sở dữ liệu ghi {rewritten[seq]}" in output
    assert verify(runner, campaign, "--head", head_option(closed.heads[0]))[0] == 0  # saved before the rewrite
    published = download(client, campaign)
    code, out = run_verifier(tmp_path, published)
    assert code == 0, out  # consistent on its own, as the database
    assert f"Hồ sơ số {b} · Mô hình camera an ninh: 4 phiếu" in out
    code, out = run_verifier(tmp_path, published, "--head", head_option(closed.heads[-1]))
    assert code == 1
    assert f"Đầu chuỗi đã lưu trước đây (lô số 5, mã băm {closed.heads[-1][1]}) không còn trong chuỗi" in out


@pytest.mark.parametrize("content", ["[]", '{"campaign": "3"}', '{"campaign": {"id": 1}, "batches": [1, "x"]}'])
def test_database_verify_refuses_a_saved_ledger_it_cannot_read(runner, closed, tmp_path, content):
    path = tmp_path / "khac.json"
    path.write_text(content.replace('"id": 1', f'"id": {closed.campaign.id}'), encoding="utf-8")
    result = runner.invoke(args=["votes", "verify", str(closed.campaign.id), "--ledger", str(path)])
    assert result.exit_code == 2, result.output
    assert "--ledger" in result.output and "Traceback" not in result.output


def test_database_verify_refuses_a_saved_ledger_of_another_campaign(runner, closed, tmp_path):
    other = copy.deepcopy(closed.document)
    other["campaign"]["id"] += 1
    result = runner.invoke(args=["votes", "verify", str(closed.campaign.id), "--ledger", saved_ledger(tmp_path, other)])
    assert result.exit_code == 2 and "là sổ cái của đợt bình xét khác" in result.output
