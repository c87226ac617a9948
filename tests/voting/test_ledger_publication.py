"""The published vote ledger (issue 14): the public page of sealed batches, the JSON file anyone can
download, what that file must never contain, and the receipt check's batch number."""
from __future__ import annotations

import json
import re

import pytest

from dvkheo.core.timeutil import as_vietnam
from dvkheo.extensions import db
from dvkheo.voting import ledger, ledger_verifier
from dvkheo.voting.models import VoteBatch, Voter
from tests.voting.ledger_helpers import cast, download, seal, sealed_ballot


def ledger_page(client, campaign, query: str = "") -> tuple[int, str]:
    response = client.get(f"/binh-chon/dot/{campaign.id}/so-cai{query}")
    return response.status_code, response.get_data(as_text=True)


def one_vote_batches(campaign, make_nominee, make_voter, number: int) -> None:
    """`number` batches of one vote each (three votes per voter, one voter per three batches)."""
    nominees = [make_nominee() for _ in range(3)]
    voter = None
    for index in range(number):
        if index % 3 == 0:
            voter = make_voter()
        cast(campaign, voter, nominees[index % 3])
        seal(campaign)


# --- the page ------------------------------------------------------------------------------------


def test_ledger_page_lists_sealed_batches_head_and_pending_without_login(client, voting_campaign, make_nominee, make_voter):
    ballot = sealed_ballot(voting_campaign, make_nominee, make_voter, close=False)
    status, html = ledger_page(client, voting_campaign)
    assert status == 200
    assert "Sổ cái bình chọn" in html and voting_campaign.title in html
    seq, head = ledger.chain_head(voting_campaign.id)
    assert (seq, head) == ballot.heads[-1]
    assert f"Lô số <strong>{seq}</strong>, mã băm <code class=\"hash\">{head}</code>" in html
    assert "1 phiếu, lượt rút phiếu đã ghi nhận đang chờ niêm phong trong lô tiếp theo." in html
    batches = db.session.query(VoteBatch).order_by(VoteBatch.seq).all()
    assert [batch.seq for batch in batches] == [1, 2, 3, 4]
    rows = re.findall(r"<tr>\s*<td data-label=\"Lô số\".*?</tr>", html, flags=re.S)
    assert len(rows) == 4
    # Newest first; each row: number, sealing time (Vietnam, dd/mm/yyyy), casts, withdrawals, hash.
    for row, batch in zip(rows, reversed(batches)):
        assert f">{batch.seq}<" in row
        assert as_vietnam(batch.sealed_at).strftime("%H:%M %d/%m/%Y") in row
        assert re.search(r"\d\d:\d\d \d\d/\d\d/\d{4}", row)
        assert f"<td data-label=\"Phiếu\" class=\"num\">{batch.cast_count}</td>" in row
        assert f"<td data-label=\"Rút phiếu\" class=\"num\">{batch.withdrawal_count}</td>" in row
        assert batch.hash in row
    assert [batch.cast_count for batch in batches] == [3, 2, 2, 2]
    assert [batch.withdrawal_count for batch in batches] == [0, 1, 0, 0]
    # Both downloads are linked; the counts are said to be hidden while the campaign hides them.
    assert f"/binh-chon/dot/{voting_campaign.id}/so-cai.json" in html and "/binh-chon/so-cai/kiem_tra_so_cai.py" in html
    assert "giữ kín số phiếu đến khi kết thúc bình chọn" in html
    # Nothing names a nominee's votes or a receipt.
    for vote in ballot.votes:
        assert vote.receipt_code not in html


def test_ledger_page_before_any_batch_says_so(client, voting_campaign):
    status, html = ledger_page(client, voting_campaign)
    assert status == 200
    assert "Chưa niêm phong lô phiếu nào." in html
    assert f"Lô số <strong>0</strong>, mã băm <code class=\"hash\">{ledger_verifier.GENESIS_HASH}</code>" in html
    assert "đang chờ niêm phong" not in html


def test_ledger_page_after_closing_marks_the_final_batch(client, voting_campaign, make_nominee, make_voter):
    sealed_ballot(voting_campaign, make_nominee, make_voter)
    client.get(f"/binh-chon/dot/{voting_campaign.id}/ket-qua")  # the results page seals what was left
    status, html = ledger_page(client, voting_campaign)
    assert status == 200
    assert "sau khi kết thúc</span>" in html and "Đã kết thúc bình chọn." in html
    assert "đang chờ niêm phong" not in html
    assert "giữ kín số phiếu" not in html


def test_ledger_page_is_404_for_a_campaign_not_in_its_public_phase(client, make_campaign):
    campaign = make_campaign()
    assert client.get(f"/binh-chon/dot/{campaign.id}/so-cai").status_code == 404
    assert client.get(f"/binh-chon/dot/{campaign.id}/so-cai.json").status_code == 404
    assert client.get("/binh-chon/dot/987654/so-cai").status_code == 404


def test_ledger_page_paginates_fifty_batches_a_page(client, voting_campaign, make_nominee, make_voter):
    one_vote_batches(voting_campaign, make_nominee, make_voter, 60)
    status, first = ledger_page(client, voting_campaign)
    assert status == 200
    assert first.count('<td data-label="Lô số"') == 50
    assert "Trang 1/2" in first and "Lô cũ hơn ›" in first and "Lô mới hơn" not in first
    assert f'href="/binh-chon/dot/{voting_campaign.id}/so-cai?trang=2"' in first
    numbers = [int(n) for n in re.findall(r'<td data-label="Lô số" class="num">(\d+)', first)]
    assert numbers == list(range(60, 10, -1))
    status, second = ledger_page(client, voting_campaign, "?trang=2")
    assert status == 200
    numbers = [int(n) for n in re.findall(r'<td data-label="Lô số" class="num">(\d+)', second)]
    assert numbers == list(range(10, 0, -1))
    assert "Trang 2/2" in second and "‹ Lô mới hơn" in second and "Lô cũ hơn" not in second


NONSENSE_PAGES = [
    "?trang=3", "?trang=0", "?trang=-1", "?trang=abc", "?trang=", "?trang=1.5", "?trang=99999999999999999999",
    "?trang=%EF%BC%92", "?trang=%C2%B9", "?trang=1&trang=2",  # full-width 2, superscript 1, twice
]


def test_ledger_page_refuses_nonsense_pages(client, voting_campaign, make_nominee, make_voter):
    one_vote_batches(voting_campaign, make_nominee, make_voter, 51)
    assert ledger_page(client, voting_campaign, "?trang=2")[0] == 200
    assert ledger_page(client, voting_campaign, "?trang=02")[0] == 200
    for query in NONSENSE_PAGES:
        assert ledger_page(client, voting_campaign, query)[0] == 404, query


def test_ledger_page_with_no_batches_has_one_page(client, voting_campaign):
    assert ledger_page(client, voting_campaign, "?trang=1")[0] == 200
    assert ledger_page(client, voting_campaign, "?trang=2")[0] == 404


def test_ledger_page_queries_do_not_grow_with_batches(client, voting_campaign, make_nominee, make_voter, make_campaign, count_queries):
    from dvkheo.campaigns.models import CampaignStatus

    other = make_campaign(
        status=CampaignStatus.PUBLIC_VOTING, votes_per_voter=3,
        public_voting_open_on=voting_campaign.public_voting_open_on, public_voting_close_on=voting_campaign.public_voting_close_on,
    )
    one_vote_batches(voting_campaign, make_nominee, make_voter, 3)
    one_vote_batches(other, lambda: make_nominee(campaign=other), lambda: make_voter(campaign=other), 60)
    with count_queries() as few:
        assert ledger_page(client, voting_campaign)[0] == 200
    with count_queries() as many:
        assert ledger_page(client, other)[0] == 200
    with count_queries() as older:
        assert ledger_page(client, other, "?trang=2")[0] == 200
    assert few.count == many.count == older.count, (few.statements, many.statements)
    assert few.count <= 8, few.statements


# --- the JSON file -------------------------------------------------------------------------------


def test_json_download_format_licence_batches_and_head(client, voting_campaign, make_nominee, make_voter):
    ballot = sealed_ballot(voting_campaign, make_nominee, make_voter, close=False)
    response = client.get(f"/binh-chon/dot/{voting_campaign.id}/so-cai.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="so-cai-binh-chon-dot-{voting_campaign.id}.json"'
    document = json.loads(response.get_data(as_text=True))
    assert document["format"] == "dvkheo-so-cai/1"
    assert document["licence"]["url"] == "https://creativecommons.org/licenses/by/4.0/deed.vi"
    assert "CC BY 4.0" in document["licence"]["name"]
    assert document["campaign"] == {
        "id": voting_campaign.id, "title": voting_campaign.title, "votes_per_voter": 3, "voting_closed": False,
    }
    assert {n["id"]: n["title"] for n in document["nominees"]} == {n.id: n.title for n in ballot.nominees}
    assert [batch["seq"] for batch in document["batches"]] == [1, 2, 3, 4]
    assert document["head"] == {"seq": 4, "hash": ballot.heads[-1][1]}
    stored = {batch.seq: batch for batch in ledger.batches(voting_campaign.id)}
    for batch in document["batches"]:
        assert batch["hash"] == stored[batch["seq"]].hash
        assert batch["sealed_at"] == ledger.moment_text(stored[batch["seq"]].sealed_at)
        assert batch["final"] is False
    assert document["batches"][0]["prev_hash"] == ledger_verifier.GENESIS_HASH
    # Anyone can check the chain and the receipts already; the counts wait for the close.
    assert ledger_verifier.verify_document(document).ok


def test_json_hides_counts_and_tallies_while_the_campaign_hides_its_count(client, voting_campaign, make_nominee, make_voter):
    sealed_ballot(voting_campaign, make_nominee, make_voter, close=False)
    assert voting_campaign.live_tallies is False
    document = download(client, voting_campaign)
    assert "tallies" not in document
    for batch in document["batches"]:
        assert "counts" not in batch
        assert len(batch["counts_digest"]) == 64
    body = client.get(f"/binh-chon/dot/{voting_campaign.id}/so-cai.json").get_data(as_text=True)
    assert '"counts"' not in body and '"tallies"' not in body


def test_json_shows_counts_and_tallies_with_live_tallies(client, voting_campaign, make_nominee, make_voter):
    ballot = sealed_ballot(voting_campaign, make_nominee, make_voter, close=False)
    voting_campaign.live_tallies = True
    db.session.commit()
    document = download(client, voting_campaign)
    a, b, c = ballot.nominees
    # The sealed batches only: the vote still waiting for a batch is not in the file.
    assert document["tallies"] == {str(a.id): 3, str(b.id): 3, str(c.id): 2}
    # Batch 2: one vote for A, one for C, and a vote for A withdrawn: A nets out and is left out.
    assert document["batches"][1]["counts"] == {str(c.id): 1}
    assert all("counts" in batch for batch in document["batches"])


def test_json_shows_counts_and_tallies_once_voting_closed(client, voting_campaign, make_nominee, make_voter):
    ballot = sealed_ballot(voting_campaign, make_nominee, make_voter)
    client.get(f"/binh-chon/dot/{voting_campaign.id}/ket-qua")  # seals the last vote
    document = download(client, voting_campaign)
    assert document["campaign"]["voting_closed"] is True
    assert document["tallies"] == {str(key): value for key, value in ballot.expected.items()}
    assert [batch["final"] for batch in document["batches"]] == [False, False, False, False, True]
    for batch in document["batches"]:
        assert len(batch["counts_salt"]) == 32
        assert ledger_verifier.counts_digest(batch["counts"], batch["counts_salt"]) == batch["counts_digest"]
    result = ledger_verifier.verify_document(document)
    assert result.ok, result.problems
    assert result.tallies == ballot.expected


def test_json_holds_no_receipt_in_clear_no_voter_and_no_receipt_beside_a_nominee(client, voting_campaign, make_nominee, make_voter):
    ballot = sealed_ballot(voting_campaign, make_nominee, make_voter)
    client.get(f"/binh-chon/dot/{voting_campaign.id}/ket-qua")
    body = client.get(f"/binh-chon/dot/{voting_campaign.id}/so-cai.json").get_data(as_text=True)
    document = json.loads(body)
    db.session.expire_all()
    codes = [vote.receipt_code for vote in ballot.votes] + [ballot.withdrawn.withdrawal_receipt]
    for code in codes:
        assert code not in body and code.lower() not in body and code.replace("-", "") not in body
    # No voter: neither an identity, nor a voter's row number under any name, nor the moment of a vote.
    for voter in db.session.query(Voter).all():
        assert voter.identity_key not in body
    keys = set()

    def collect(node, parent=None):
        if isinstance(node, dict):
            for key, value in node.items():
                if parent not in ("counts", "tallies"):  # keyed by nomination id
                    keys.add(key)
                collect(value, key)
        elif isinstance(node, list):
            for value in node:
                collect(value, parent)

    collect(document)
    assert not {key for key in keys if re.search("voter|identity|email|channel|receipt_code|cast_at|user", key)} - {"votes_per_voter"}
    for vote in ballot.votes:
        assert ledger.moment_text(vote.cast_at) not in body

    def places(node, digest, path=()):
        """Every path in the document where `digest` occurs, as a value or a key."""
        found = []
        if isinstance(node, dict):
            for key, value in node.items():
                if digest in str(key):
                    found.append((*path, key, "<key>"))
                found += places(value, digest, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                found += places(value, digest, (*path, index))
        elif isinstance(node, str) and digest in node:
            found.append(path)
        return found

    by_batch = {}
    for vote in ballot.votes:
        db.session.refresh(vote)
        digest = ledger_verifier.receipt_digest(vote.receipt_code)
        where = places(document, digest)
        # Exactly once, as an item of a batch's cast_receipts list: never a key, never in a dict with a nominee.
        assert len(where) == 1, where
        assert where[0][0] == "batches" and where[0][2] == "cast_receipts", where
        batch = document["batches"][where[0][1]]
        assert batch["seq"] == vote.cast_batch
        by_batch.setdefault(batch["seq"], set()).add(vote.nomination_id)
    withdrawal = ledger_verifier.receipt_digest(ballot.withdrawn.withdrawal_receipt)
    where = places(document, withdrawal)
    assert len(where) == 1 and where[0][2] == "withdrawal_receipts", where
    # The only nominee numbers in a batch are its counts, summed over at least two receipts: every
    # batch here mixes receipts, and no item of a receipt list is a dict that could carry a nominee.
    for batch in document["batches"]:
        assert all(isinstance(item, str) for item in batch["cast_receipts"] + batch["withdrawal_receipts"])
        assert set(batch) <= {
            "seq", "sealed_at", "final", "prev_hash", "cast_receipts", "withdrawal_receipts", "cast_digest",
            "withdrawal_digest", "counts_digest", "entries_commitment", "hash", "counts", "counts_salt",
        }
        assert batch["cast_receipts"] == sorted(batch["cast_receipts"])  # not in the order of casting
    assert set(document) == {"format", "licence", "generated_at", "campaign", "nominees", "head", "batches", "tallies"}


def test_verifier_download_is_the_verifier(client):
    response = client.get("/binh-chon/so-cai/kiem_tra_so_cai.py")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="kiem_tra_so_cai.py"'
    source = response.get_data(as_text=True)
    assert source.startswith("#!/usr/bin/env python3")
    assert "def main(" in source and "dvkheo-so-cai/1" in source
    # Standard library only: nothing of the app, nothing to install.
    imports = {line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imports <= {"__future__", "argparse", "hashlib", "json", "sys"}, imports


# --- the receipt check ---------------------------------------------------------------------------


def receipt_page(client, campaign, code: str) -> tuple[int, str]:
    response = client.post(f"/binh-chon/dot/{campaign.id}/ma-xac-nhan", data={"ma": code})
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"], before = False, app.config.get("WTF_CSRF_ENABLED", True)
    yield
    app.config["WTF_CSRF_ENABLED"] = before


def test_receipt_check_names_the_batch_once_sealed_and_never_the_nominee(client, no_csrf, voting_campaign, make_nominee, make_voter):
    ballot = sealed_ballot(voting_campaign, make_nominee, make_voter, close=False)
    titles = [nominee.title for nominee in ballot.nominees] + [nominee.nominee_name for nominee in ballot.nominees]
    counted = ballot.votes[3]  # sealed in batch 2
    status, html = receipt_page(client, voting_campaign, counted.receipt_code.lower())
    assert status == 200
    assert "Phiếu bình chọn đã được ghi nhận trong lô số 2 của sổ cái và đang được tính." in html
    assert "lô số 2 chứa mã băm của mã xác nhận này" in html
    assert f'href="/binh-chon/dot/{voting_campaign.id}/so-cai"' in html
    waiting = ballot.votes[-1]
    status, html = receipt_page(client, voting_campaign, waiting.receipt_code)
    assert status == 200
    assert "Phiếu bình chọn đã được ghi nhận và đang được tính." in html
    assert "Phiếu sẽ được niêm phong trong lô tiếp theo của sổ cái" in html
    assert "trong lô số" not in html
    db.session.refresh(ballot.withdrawn)
    status, html = receipt_page(client, voting_campaign, ballot.withdrawn.withdrawal_receipt)
    assert "việc rút phiếu đã được ghi nhận trong lô số 2 của sổ cái." in html
    status, html = receipt_page(client, voting_campaign, ballot.withdrawn.receipt_code)
    assert "Phiếu bình chọn đã được ghi nhận trong lô số 1, sau đó đã rút lại" in html
    for code in (counted.receipt_code, waiting.receipt_code, ballot.withdrawn.receipt_code, ballot.withdrawn.withdrawal_receipt):
        html = receipt_page(client, voting_campaign, code)[1]
        for title in titles:
            assert title not in html


def test_receipt_check_of_an_unsealed_withdrawal_waits_for_the_next_batch(client, no_csrf, voting_campaign, make_nominee, make_voter):
    nominee, voter = make_nominee("Mô hình chợ sạch"), make_voter()
    vote = cast(voting_campaign, voter, make_nominee("Mô hình đèn đường"))
    cast(voting_campaign, voter, nominee)
    seal(voting_campaign)
    withdrawn = ledger.withdraw(voting_campaign, vote, voter)
    db.session.commit()
    html = receipt_page(client, voting_campaign, withdrawn.withdrawal_receipt)[1]
    assert "việc rút phiếu đã được ghi nhận, sẽ được niêm phong trong lô tiếp theo của sổ cái." in html
    assert "Mô hình chợ sạch" not in html and "Mô hình đèn đường" not in html


def test_after_closing_the_file_and_the_page_seal_the_rest_before_anyone_opens_the_results(client, voting_campaign, make_nominee, make_voter):
    """No timer ran since the close: the first download already holds the final batch and the official count."""
    ballot = sealed_ballot(voting_campaign, make_nominee, make_voter)
    assert ledger.pending(voting_campaign.id) == 1
    document = download(client, voting_campaign)
    assert document["head"]["seq"] == 5 and document["batches"][-1]["final"] is True
    assert document["tallies"] == {str(key): value for key, value in ballot.expected.items()}
    assert ledger_verifier.verify_document(document).ok
    status, html = ledger_page(client, voting_campaign)
    assert status == 200 and "đang chờ niêm phong" not in html
    results = client.get(f"/binh-chon/dot/{voting_campaign.id}/ket-qua").get_data(as_text=True)
    assert "Đây là kết quả chính thức: 9 phiếu bình chọn còn hiệu lực." in results
    assert len(ledger.batches(voting_campaign.id)) == 5  # sealed once


def test_hidden_counts_cannot_be_recovered_from_the_published_digests(client, voting_campaign, make_nominee, make_voter):
    """A batch's counts are a few small numbers: unsalted, their digest would give them away to anyone
    trying the ways its receipts split among the nominees (a batch of 20 among 10 nominees is 10 million
    tries). The salt is published with the counts, not before."""
    import itertools

    sealed_ballot(voting_campaign, make_nominee, make_voter, close=False)
    document = download(client, voting_campaign)
    nominees = [str(item["id"]) for item in document["nominees"]]
    recovered = {}
    for batch in document["batches"]:
        casts, withdrawals = len(batch["cast_receipts"]), len(batch["withdrawal_receipts"])
        for cast_to in itertools.combinations_with_replacement(nominees, casts):
            for withdrawn_from in itertools.combinations_with_replacement(nominees, withdrawals):
                counts = {key: cast_to.count(key) - withdrawn_from.count(key) for key in nominees}
                if ledger_verifier.counts_digest(counts) == batch["counts_digest"]:
                    recovered[batch["seq"]] = {key: value for key, value in counts.items() if value}
    assert recovered == {}  # the hidden counts stay hidden
    assert "counts_salt" not in json.dumps(document)
