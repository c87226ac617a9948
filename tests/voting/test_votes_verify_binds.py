"""`flask votes verify` binds the sealed batches to the votes and voters tables (issue 14, item 5).

One test per tampering of the issue: each passed the old totals-only check with exit 0; each
must now exit 1 naming the record. Two of them (the last batch cut with its rows, the whole
ledger rewritten with recomputed hashes and rows edited to match) are consistent inside the
database: only a head saved earlier (`--head`, as printed on the minutes) or a ledger file
downloaded earlier (`--ledger`) exposes them.
"""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.voting import ledger, publication, sealing
from dvkheo.voting.ledger_verifier import batch_hash, counts_digest, entries_commitment, entry_line, receipt_digest
from dvkheo.voting.models import Vote, VoteBatch, VoteChain, VoteChannel, Voter

ONLINE = VoteChannel.ONLINE


@pytest.fixture
def ballot(voting_campaign, make_nominee, make_voter):
    """Two votes per voter at most; voter A voted for nominees 0 and 1, voter B for nominee 2; each
    vote sealed in its own batch (1, 2, 3)."""
    voting_campaign.votes_per_voter = 2
    db.session.commit()
    nominees = [make_nominee(f"Mô hình số {index}") for index in range(3)]
    first, second = make_voter(), make_voter()
    votes = []
    for voter, nominee in ((first, nominees[0]), (first, nominees[1]), (second, nominees[2])):
        votes.append(ledger.cast(voting_campaign, voter, nominee, ONLINE))
        sealing.seal(voting_campaign.id, final=False)
        db.session.commit()
    return {"campaign": voting_campaign, "nominees": nominees, "voters": [first, second], "votes": votes}


def verify(runner, campaign, *options):
    result = runner.invoke(args=["votes", "verify", str(campaign.id), *options])
    return result.exit_code, result.output


def save_ledger(campaign, path) -> str:
    """A ledger file as someone downloaded it from the public page."""
    path.write_text(json.dumps(publication.ledger_document(campaign)), encoding="utf-8")
    return str(path)


def rechain(campaign_id: int) -> None:
    """What a forger with write access does: recompute every digest and hash in order and move the head."""
    previous, seq = ledger.GENESIS_HASH, 0
    for batch in db.session.scalars(sa.select(VoteBatch).where(VoteBatch.campaign_id == campaign_id).order_by(VoteBatch.seq)):
        batch.counts_digest = counts_digest(batch.counts, batch.counts_salt)
        batch.prev_hash = previous
        batch.hash = batch_hash(
            campaign_id, batch.seq, previous, ledger.moment_text(batch.sealed_at), batch.final, batch.cast_digest,
            batch.withdrawal_digest, batch.counts_digest, batch.entries_commitment,
        )
        previous, seq = batch.hash, batch.seq
    chain = db.session.get(VoteChain, campaign_id)
    chain.seq, chain.head_hash = seq, previous
    db.session.commit()


def test_the_intact_ballot_verifies_with_its_saved_heads(runner, ballot, tmp_path):
    campaign = ballot["campaign"]
    seq, head = ledger.chain_head(campaign.id)
    saved = save_ledger(campaign, tmp_path / "so-cai.json")
    code, output = verify(runner, campaign, "--head", head, "--head", f"{seq}:{head}", "--ledger", saved)
    assert code == 0, output
    assert "Số lô đã niêm phong: 3" in output and "Số mốc đối chiếu: 3" in output
    assert "sổ cái nguyên vẹn" in output


def test_reset_active_votes_is_caught(runner, ballot):
    first = ballot["voters"][0]
    db.session.execute(sa.update(Voter).where(Voter.id == first.id).values(active_votes=0))
    db.session.commit()
    code, output = verify(runner, ballot["campaign"])
    assert code == 1
    assert f"Người bình chọn số {first.id}: số phiếu đang dùng ghi 0, bảng phiếu có 2 phiếu còn hiệu lực." in output


def test_swapped_nominees_of_two_vote_rows_are_caught(runner, ballot):
    mine, theirs = ballot["votes"][0], ballot["votes"][2]
    a, c = ballot["nominees"][0].id, ballot["nominees"][2].id
    db.session.execute(sa.update(Vote).where(Vote.id == mine.id).values(nomination_id=c))
    db.session.execute(sa.update(Vote).where(Vote.id == theirs.id).values(nomination_id=a))
    db.session.commit()
    code, output = verify(runner, ballot["campaign"])
    assert code == 1
    assert f"Lô số 1: hồ sơ số {a} được công bố 1 phiếu, bảng phiếu có 0." in output
    assert f"Lô số 3: hồ sơ số {c} được công bố 1 phiếu, bảng phiếu có 0." in output
    assert "Lô số 1: hồ sơ, loại hoặc thời điểm của các phiếu trong bảng phiếu khác với lúc niêm phong" in output


def test_swapped_nominees_inside_one_batch_are_caught_by_its_commitment(runner, voting_campaign, make_nominee, make_voter):
    first, second = make_nominee(), make_nominee()
    votes = [ledger.cast(voting_campaign, make_voter(), nominee, ONLINE) for nominee in (first, second)]
    sealing.seal(voting_campaign.id, final=False)
    db.session.commit()
    db.session.execute(sa.update(Vote).where(Vote.id == votes[0].id).values(nomination_id=second.id))
    db.session.execute(sa.update(Vote).where(Vote.id == votes[1].id).values(nomination_id=first.id))
    db.session.commit()
    code, output = verify(runner, voting_campaign)
    assert code == 1  # same counts, same receipts: only the commitment to the private entries sees it
    assert "Lô số 1: hồ sơ, loại hoặc thời điểm của các phiếu trong bảng phiếu khác với lúc niêm phong" in output


def test_a_changed_receipt_is_caught(runner, ballot):
    vote = ballot["votes"][1]
    db.session.execute(sa.update(Vote).where(Vote.id == vote.id).values(receipt_code="BC-AAAA-BBBB-CCCC"))
    db.session.commit()
    code, output = verify(runner, ballot["campaign"])
    assert code == 1
    assert "Lô số 2: biên nhận bỏ phiếu đã công bố khác bảng phiếu (1 biên nhận không có phiếu tương ứng, 1 phiếu không có trong lô)." in output
    assert f"Phiếu số {vote.id} (mã BC-AAAA-BBBB-CCCC): ghi thuộc Lô số 2 nhưng biên nhận không có trong lô." in output


def test_a_third_vote_over_the_limit_with_a_well_formed_batch_is_caught(runner, ballot):
    campaign, first, spare = ballot["campaign"], ballot["voters"][0], ballot["nominees"][2]
    extra = Vote(campaign_id=campaign.id, voter_id=first.id, nomination_id=spare.id, channel=ONLINE,
                 receipt_code="BC-EXTR-AVOT-E3", cast_at=utcnow())
    db.session.add(extra)
    db.session.execute(sa.update(Voter).where(Voter.id == first.id).values(active_votes=3))
    sealing.seal(campaign.id, final=False)  # sealed by the app itself: digests, hash, head all right
    db.session.commit()
    code, output = verify(runner, campaign)
    assert code == 1
    assert f"Người bình chọn số {first.id}: 3 phiếu còn hiệu lực, vượt giới hạn 2 phiếu mỗi người." in output
    assert "Lô số 4" not in output and "Đầu chuỗi đã lưu" not in output.split("Kết quả:")[1]


def _drop_last_batch(campaign, with_rows: bool) -> VoteBatch:
    last = db.session.scalars(sa.select(VoteBatch).where(VoteBatch.campaign_id == campaign.id).order_by(VoteBatch.seq.desc())).first()
    if with_rows:
        for vote in db.session.scalars(sa.select(Vote).where(Vote.cast_batch == last.seq)):
            db.session.execute(sa.update(Voter).where(Voter.id == vote.voter_id).values(active_votes=Voter.active_votes - 1))
            db.session.delete(vote)
    db.session.delete(last)
    chain = db.session.get(VoteChain, campaign.id)
    chain.seq, chain.head_hash = last.seq - 1, last.prev_hash
    db.session.commit()
    return last


def test_dropping_the_last_batch_with_its_votes_and_moving_the_head_back_is_caught_by_a_saved_head(runner, ballot, tmp_path):
    campaign = ballot["campaign"]
    seq, head = ledger.chain_head(campaign.id)
    saved = save_ledger(campaign, tmp_path / "so-cai.json")
    _drop_last_batch(campaign, with_rows=True)
    # Consistent inside the database: the rows went with the batch and the voter's count was fixed.
    code, output = verify(runner, campaign)
    assert code == 0, output
    code, output = verify(runner, campaign, "--head", f"{seq}:{head}")
    assert code == 1
    assert f"Đầu chuỗi đã lưu trước đây (lô số {seq}, mã băm {head}) không còn trong chuỗi" in output
    code, output = verify(runner, campaign, "--ledger", saved)
    assert code == 1 and f"Lô số {seq} trong tệp sổ cái đã lưu" in output and "không còn lô này" in output


def test_dropping_the_last_batch_alone_is_caught_without_a_saved_head(runner, ballot):
    campaign = ballot["campaign"]
    _drop_last_batch(campaign, with_rows=False)
    code, output = verify(runner, campaign)
    assert code == 1
    vote = ballot["votes"][2]
    assert f"Phiếu số {vote.id} (mã {vote.receipt_code}): ghi thuộc lô số 3, lô này không có." in output


def test_batch_1_rewritten_with_every_later_hash_and_the_head_recomputed_is_caught(runner, ballot):
    campaign = ballot["campaign"]
    a, c = ballot["nominees"][0].id, ballot["nominees"][2].id
    db.session.execute(sa.update(VoteBatch).where(VoteBatch.seq == 1).values(counts={str(c): 1}))
    db.session.commit()
    rechain(campaign.id)
    code, output = verify(runner, campaign)
    assert code == 1
    assert f"Lô số 1: hồ sơ số {a} được công bố 0 phiếu, bảng phiếu có 1." in output
    assert f"Lô số 1: hồ sơ số {c} được công bố 1 phiếu, bảng phiếu có 0." in output


def test_a_full_rewrite_with_the_rows_edited_to_match_is_caught_by_a_saved_head(runner, ballot, tmp_path):
    campaign, other = ballot["campaign"], ballot["nominees"][2].id
    first_vote = ballot["votes"][0]
    seq, head = ledger.chain_head(campaign.id)
    saved = save_ledger(campaign, tmp_path / "so-cai.json")
    line = entry_line("cast", receipt_digest(first_vote.receipt_code), other, ledger.moment_text(first_vote.cast_at))
    db.session.execute(sa.update(VoteBatch).where(VoteBatch.seq == 1).values(
        counts={str(other): 1}, entries_commitment=entries_commitment([line]),
    ))
    db.session.execute(sa.update(Vote).where(Vote.id == first_vote.id).values(nomination_id=other))
    db.session.commit()
    rechain(campaign.id)
    code, output = verify(runner, campaign)
    assert code == 0, output  # the database agrees with itself: this is what an anchor is for
    code, output = verify(runner, campaign, "--head", head)
    assert code == 1
    assert f"Đầu chuỗi đã lưu trước đây (mã băm {head}) không còn trong chuỗi" in output
    code, output = verify(runner, campaign, "--ledger", saved)
    assert code == 1 and "Lô số 1 trong tệp sổ cái đã lưu" in output


def test_channel_rule_mixed_channels_are_caught(runner, ballot):
    vote = ballot["votes"][1]
    db.session.execute(sa.update(Vote).where(Vote.id == vote.id).values(channel=VoteChannel.ASSISTED))
    db.session.commit()
    code, output = verify(runner, ballot["campaign"])
    assert code == 1
    first = ballot["voters"][0]
    assert f"Người bình chọn số {first.id}: vi phạm quy tắc một cách bình chọn" in output
    assert f"Người bình chọn số {first.id}: có phiếu bình chọn có hỗ trợ trong đợt xác thực bằng thư điện tử" in output


def test_a_withdrawal_written_into_the_table_by_hand_is_caught(runner, ballot):
    vote, second = ballot["votes"][2], ballot["voters"][1]
    db.session.execute(sa.update(Vote).where(Vote.id == vote.id).values(withdrawn_at=utcnow(), withdrawal_receipt="BC-WWWW-XXXX-YY"))
    db.session.commit()
    code, output = verify(runner, ballot["campaign"])
    assert code == 1  # the voter's slot was not freed
    assert f"Người bình chọn số {second.id}: số phiếu đang dùng ghi 1, bảng phiếu có 0 phiếu còn hiệu lực." in output
    db.session.execute(sa.update(Vote).where(Vote.id == vote.id).values(withdrawal_batch=3))
    db.session.commit()
    code, output = verify(runner, ballot["campaign"])
    assert code == 1 and "Lô số 3: biên nhận rút phiếu đã công bố khác bảng phiếu." in output


def test_a_badly_written_head_is_refused(runner, ballot):
    result = runner.invoke(args=["votes", "verify", str(ballot["campaign"].id), "--head", "abc"])
    assert result.exit_code == 2 and "không phải mã băm SHA-256" in result.output


def test_seal_waits_for_the_minimum_while_voting_is_open(app, monkeypatch, runner, voting_campaign, make_nominee, make_voter):
    nominee = make_nominee()
    monkeypatch.setitem(app.config, "VOTE_BATCH_MIN", 3)
    monkeypatch.setitem(app.config, "VOTE_BATCH_MIN_VOTERS", 1)
    for _ in range(2):
        ledger.cast(voting_campaign, make_voter(), nominee, ONLINE)
    db.session.commit()
    result = runner.invoke(args=["votes", "seal", str(voting_campaign.id)])
    assert result.exit_code == 0
    assert f"Đợt bình xét số {voting_campaign.id}: chưa đến hạn niêm phong (2 phiếu, lượt rút phiếu đang chờ)." in result.output
    for _ in range(4):
        ledger.cast(voting_campaign, make_voter(), nominee, ONLINE)
    db.session.commit()
    result = runner.invoke(args=["votes", "seal", "--all"])
    batch = ledger.batches(voting_campaign.id)[0]
    # 6 waiting: the oldest 3 sealed, the newest 3 kept for the next batch.
    assert f"đã niêm phong lô số 1 (3 phiếu, 0 lượt rút), mã băm {batch.hash}" in result.output
    assert ledger.pending(voting_campaign.id) == 3
    assert runner.invoke(args=["votes", "seal"]).exit_code == 2


def test_the_committee_page_shows_the_problems(client, login_as, province, runner, ballot):
    from dvkheo.accounts.models import Role

    campaign = ballot["campaign"]
    _drop_last_batch(campaign, with_rows=False)
    login_as(Role.SECRETARY, province)
    html = client.get(f"/binh-chon/dot/{campaign.id}/kiem-tra-chuoi").get_data(as_text=True)
    vote = ballot["votes"][2]
    assert f"Phiếu số {vote.id} (mã {vote.receipt_code}): ghi thuộc lô số 3, lô này không có." in html


def test_an_assisted_voter_erased_by_the_purge_still_verifies(runner, voting_campaign, make_nominee, make_voter):
    from dvkheo.campaigns.models import VoterVerification
    from dvkheo.privacy.purge import erase_voters

    voting_campaign.voter_verification = VoterVerification.VOTER_LIST
    db.session.commit()
    listed = make_voter(identity_key="list:77")
    ledger.cast(voting_campaign, listed, make_nominee(), VoteChannel.ASSISTED)
    sealing.seal(voting_campaign.id, final=False)
    db.session.commit()
    erase_voters(Voter.id == listed.id, utcnow())
    db.session.commit()
    assert db.session.get(Voter, listed.id).identity_key.startswith("purged:")
    code, output = verify(runner, voting_campaign)
    assert code == 0, output
