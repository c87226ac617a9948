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


def test_a_receipt_typed_without_its_dashes_is_found_on_the_page_and_by_the_verifier(
    app, voting_campaign, make_nominee, make_voter, tmp_path
):
    """A receipt read aloud or copied from paper comes back as "bc7kq4m9tz2hwx" or "BC 7KQ4 M9TZ 2HWX":
    the page said "Không tìm thấy mã" (404) and the verifier "không có trong các lô" for a counted vote."""
    vote = ledger.cast(voting_campaign, make_voter(), make_nominee(), VoteChannel.ONLINE)
    db.session.commit()
    sealing.seal(voting_campaign.id, final=False)
    db.session.commit()
    code = vote.receipt_code  # "BC-XXXX-XXXX-XXXX"
    bare = code.replace("-", "")
    typed = [bare.lower(), " ".join(code.split("-")), f"{code[:7]}–{code[8:]}", "".join(chr(ord(c) + 0xFEE0) for c in bare)]
    stranger = app.test_client()
    url = f"/binh-chon/dot/{voting_campaign.id}/ma-xac-nhan"
    for text in typed:
        response = stranger.post(url, data={"ma": text})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, text
        assert "Phiếu bình chọn đã được ghi nhận trong lô số 1 của sổ cái và đang được tính." in html, text
        assert f'value="{code}"' in html  # the field shows the code as issued

    # The published digest of an issued code is unchanged, so files already published still verify.
    assert ledger_verifier.receipt_digest(code) == ledger_verifier._sha256("dvkheo-bien-nhan|" + code)
    document = json.loads(json.dumps(publication.ledger_document(voting_campaign)))
    exit_code, output = _run_verifier(document, tmp_path, "--receipt", bare.lower(), "--receipt", "BC-AAAA-BBBB-CCCC")
    assert exit_code == 0
    assert f"Biên nhận {code}: phiếu bình chọn nằm trong lô số 1 (" in output
    assert "Biên nhận BC-AAAA-BBBB-CCCC: không có trong các lô đã niêm phong." in output


def test_verify_names_a_run_of_deleted_batches_as_a_range(voting_campaign, make_nominee, make_voter):
    """One deleted batch read "Thiếu lô số 2–2"; two or more keep the range."""
    import sqlalchemy as sa

    from dvkheo.voting.models import VoteBatch

    nominee = make_nominee()
    for _ in range(4):
        ledger.cast(voting_campaign, make_voter(), nominee, VoteChannel.ONLINE)
        sealing.seal(voting_campaign.id, final=False)
        db.session.commit()
    db.session.execute(sa.delete(VoteBatch).where(VoteBatch.campaign_id == voting_campaign.id, VoteBatch.seq.in_([2, 3])))
    db.session.commit()
    problems = ledger.verify(voting_campaign.id).problems
    assert "Thiếu các lô số 2–3: có lô đã bị xóa." in problems
    assert not [problem for problem in problems if "2–2" in problem]


def test_votes_commands_answer_a_campaign_number_past_any_id_with_a_message(runner):
    """`flask votes verify 99999999999999999999` ended in an OverflowError traceback."""
    for command in (["votes", "verify", "99999999999999999999"], ["votes", "seal", "2147483648"], ["votes", "verify", "0"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 1, command
        assert f"Không có đợt bình xét số {command[2]}." in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_ledger_page_shows_the_receipt_option_with_a_whole_code(client, voting_campaign):
    """The instruction read "--receipt BC-XXXX-XXXX-XX": a code has 4+4+4 symbols, as on the receipt."""
    html = client.get(f"/binh-chon/dot/{voting_campaign.id}/so-cai").get_data(as_text=True)
    assert "--receipt BC-XXXX-XXXX-XXXX</code>" in html
    assert "BC-XXXX-XXXX-XX<" not in html


def test_after_the_close_a_file_whose_batches_hide_their_counts_fails(voting_campaign, make_nominee, make_voter, tmp_path):
    """Counts stripped from a closed campaign's file (and the tallies with them) passed as "chưa công bố",
    exit 0: the checker saw no count to check and said the ledger was whole."""
    document = _sealed_ledger(voting_campaign, make_nominee, make_voter)
    document["campaign"]["voting_closed"] = True
    assert _run_verifier(document, tmp_path)[0] == 0

    stripped = copy.deepcopy(document)
    for batch in stripped["batches"]:
        batch.pop("counts"), batch.pop("counts_salt", None)
    stripped.pop("tallies")
    code, output = _run_verifier(stripped, tmp_path)
    assert code == 1
    assert "Lô số 1: đã kết thúc bình chọn nhưng lô không công bố số phiếu theo hồ sơ (tệp thiếu số phiếu)." in output

    # While the count is hidden, the same file is a normal one.
    stripped["campaign"]["voting_closed"] = False
    assert _run_verifier(stripped, tmp_path)[0] == 0


def test_an_unsealed_vote_is_told_when_its_batch_is_sealed_not_in_a_few_minutes(
    app, monkeypatch, voting_campaign, make_nominee, make_voter
):
    """A batch is sealed once enough entries wait, the newest VOTE_BATCH_MIN always kept for the next one (or at
    the close): in a quiet campaign a vote waits hours or days, while the page promised "vài phút một lần"."""
    monkeypatch.setitem(app.config, "VOTE_BATCH_MIN", 20)
    vote = ledger.cast(voting_campaign, make_voter(), make_nominee(), VoteChannel.ONLINE)
    db.session.commit()
    html = app.test_client().post(f"/binh-chon/dot/{voting_campaign.id}/ma-xac-nhan", data={"ma": vote.receipt_code}).get_data(as_text=True)
    assert "vài phút" not in html
    assert ("Phiếu sẽ được niêm phong trong lô tiếp theo của sổ cái: sổ cái chỉ niêm phong một lô khi đủ 20 phiếu, lượt rút phiếu và luôn giữ lại "
            "20 phiếu, lượt rút phiếu mới nhất cho lô sau, nên phiếu có thể chờ đến khi có thêm phiếu mới hoặc đến khi "
            "kết thúc bình chọn.") in html


def test_the_verifier_flags_votes_counted_for_a_nominee_the_file_does_not_list(client, voting_campaign, make_nominee, make_voter, tmp_path):
    """A re-published copy that moved votes to an id no one can look up must not pass as intact."""
    import json
    from datetime import timedelta

    from dvkheo.core.timeutil import utcnow
    from dvkheo.extensions import db
    from dvkheo.voting import ledger, ledger_verifier, sealing
    from dvkheo.voting.models import VoteChannel

    nominee = make_nominee()
    for _ in range(2):
        ledger.cast(voting_campaign, make_voter(), nominee, VoteChannel.ONLINE)
    db.session.commit()
    voting_campaign.voting_closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    sealing.seal_if_closed(voting_campaign)
    document = json.loads(client.get(f"/binh-chon/dot/{voting_campaign.id}/so-cai.json").data)
    assert ledger_verifier.verify_document(document).ok
    document["nominees"] = [item for item in document["nominees"] if item["id"] != nominee.id]
    problems = ledger_verifier.verify_document(document).problems
    assert problems == [
        f"Hồ sơ số {nominee.id} có 2 phiếu nhưng không có trong danh sách mô hình, điển hình được công khai của tệp."
    ]


def test_a_ledger_file_already_downloaded_is_revalidated_with_304(client, voting_campaign, make_nominee, make_voter):
    from dvkheo.extensions import db
    from dvkheo.voting import ledger, sealing
    from dvkheo.voting.models import VoteChannel

    nominee = make_nominee()
    ledger.cast(voting_campaign, make_voter(), nominee, VoteChannel.ONLINE)
    sealing.seal(voting_campaign.id, final=False)
    db.session.commit()
    url = f"/binh-chon/dot/{voting_campaign.id}/so-cai.json"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    ledger.cast(voting_campaign, make_voter(), nominee, VoteChannel.ONLINE)
    sealing.seal(voting_campaign.id, final=False)
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


def test_the_verifier_speaks_vietnamese_when_called_wrongly(capsys):
    import pytest

    from dvkheo.voting import ledger_verifier

    with pytest.raises(SystemExit) as missing:
        ledger_verifier.main([])
    assert missing.value.code == 2 and "Lỗi: thiếu tên tệp sổ cái (.json)." in capsys.readouterr().err
    with pytest.raises(SystemExit):
        ledger_verifier.main(["so-cai.json", "--head"])
    assert "Lỗi: tùy chọn --head cần một giá trị." in capsys.readouterr().err
    with pytest.raises(SystemExit):
        ledger_verifier.main(["--help"])
    shown = capsys.readouterr().out
    assert shown.startswith("Cách dùng: python3 kiem_tra_so_cai.py") and "Tùy chọn:" in shown and "usage" not in shown
