"""`flask votes verify` binds the chain to the votes and voters tables (issue 14, item 5).

One test per tampering of the issue: each passed the old totals-only check with exit 0; each
must now exit 1 naming the record. The last two (the end of the chain cut with its rows, the
whole chain rewritten with recomputed hashes and rows edited to match) are consistent inside the
database: only a head saved earlier (`--head`, `--checkpoints`) exposes them.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.voting import ledger
from dvkheo.voting.models import Vote, VoteChain, VoteChannel, VoteCheckpoint, VoteEvent, Voter

ONLINE = VoteChannel.ONLINE


@pytest.fixture
def ballot(voting_campaign, make_nominee, make_voter):
    """Two votes per voter at most; voter A voted for nominees 0 and 1, voter B for nominee 2."""
    voting_campaign.votes_per_voter = 2
    db.session.commit()
    nominees = [make_nominee(f"Mô hình số {index}") for index in range(3)]
    first, second = make_voter(), make_voter()
    votes = []
    for voter, nominee in ((first, nominees[0]), (first, nominees[1]), (second, nominees[2])):
        votes.append(ledger.cast(voting_campaign, voter, nominee, ONLINE))
        db.session.commit()
    return {"campaign": voting_campaign, "nominees": nominees, "voters": [first, second], "votes": votes}


def verify(runner, campaign, *options):
    result = runner.invoke(args=["votes", "verify", str(campaign.id), *options])
    return result.exit_code, result.output


def rechain(campaign_id: int) -> None:
    """What a forger with write access does: recompute every hash in order and move the head."""
    previous, seq = ledger.GENESIS_HASH, 0
    for event in db.session.scalars(sa.select(VoteEvent).where(VoteEvent.campaign_id == campaign_id).order_by(VoteEvent.seq)):
        event.prev_hash = previous
        event.hash = ledger.event_hash(previous, event.seq, event.kind, event.nomination_id, event.receipt_code, event.occurred_at)
        previous, seq = event.hash, event.seq
    chain = db.session.get(VoteChain, campaign_id)
    chain.seq, chain.head_hash = seq, previous
    db.session.commit()


def test_the_intact_ballot_verifies_with_its_saved_heads(runner, ballot):
    campaign = ballot["campaign"]
    seq, head = ledger.chain_head(campaign.id)
    assert runner.invoke(args=["votes", "checkpoint", str(campaign.id)]).exit_code == 0
    code, output = verify(runner, campaign, "--head", head, "--head", f"{seq}:{head}", "--checkpoints")
    assert code == 0, output
    assert "Số mốc đầu chuỗi đối chiếu: 3" in output and "chuỗi nguyên vẹn" in output


def test_reset_active_votes_is_caught(runner, ballot):
    first = ballot["voters"][0]
    db.session.execute(sa.update(Voter).where(Voter.id == first.id).values(active_votes=0))
    db.session.commit()
    code, output = verify(runner, ballot["campaign"])
    assert code == 1
    assert f"Người bình chọn số {first.id}: số phiếu đang dùng ghi 0, bảng phiếu có 2 phiếu còn hiệu lực." in output


def test_swapped_nominees_of_two_vote_rows_are_caught(runner, ballot):
    mine, theirs = ballot["votes"][0], ballot["votes"][2]
    mine_code, theirs_code = mine.receipt_code, theirs.receipt_code
    a, c = ballot["nominees"][0].id, ballot["nominees"][2].id
    db.session.execute(sa.update(Vote).where(Vote.id == mine.id).values(nomination_id=c))
    db.session.execute(sa.update(Vote).where(Vote.id == theirs.id).values(nomination_id=a))
    db.session.commit()
    code, output = verify(runner, ballot["campaign"])
    assert code == 1
    assert f"Sự kiện số 1 (bỏ phiếu, mã {mine_code}): chuỗi ghi hồ sơ số {a}, phiếu số {mine.id} trong bảng phiếu ghi hồ sơ số {c}." in output
    assert f"Sự kiện số 3 (bỏ phiếu, mã {theirs_code}): chuỗi ghi hồ sơ số {c}, phiếu số {theirs.id} trong bảng phiếu ghi hồ sơ số {a}." in output


def test_a_changed_receipt_is_caught(runner, ballot):
    vote = ballot["votes"][1]
    original = vote.receipt_code
    db.session.execute(sa.update(Vote).where(Vote.id == vote.id).values(receipt_code="BC-AAAA-BBBB-CCCC"))
    db.session.commit()
    code, output = verify(runner, ballot["campaign"])
    assert code == 1
    assert f"Sự kiện số 2 (bỏ phiếu, mã {original}): không có phiếu tương ứng trong bảng phiếu." in output
    assert f"Phiếu số {vote.id} (mã BC-AAAA-BBBB-CCCC): không có sự kiện bỏ phiếu trong chuỗi." in output


def test_a_third_vote_over_the_limit_with_a_well_formed_event_is_caught(runner, ballot):
    campaign, first, spare = ballot["campaign"], ballot["voters"][0], ballot["nominees"][2]
    at = utcnow()
    extra = Vote(campaign_id=campaign.id, voter_id=first.id, nomination_id=spare.id, channel=ONLINE,
                 receipt_code="BC-EXTR-AVOT-E3", cast_at=at)
    db.session.add(extra)
    db.session.execute(sa.update(Voter).where(Voter.id == first.id).values(active_votes=3))
    ledger._append_event(campaign.id, "cast", spare.id, extra.receipt_code, at)  # hash, number, head all right
    db.session.commit()
    code, output = verify(runner, campaign)
    assert code == 1
    assert f"Người bình chọn số {first.id}: 3 phiếu còn hiệu lực, vượt giới hạn 2 phiếu mỗi người." in output
    assert "nội dung không khớp" not in output and "Đầu chuỗi đã lưu không khớp" not in output


def _drop_last(campaign, first):
    last = db.session.scalars(sa.select(VoteEvent).order_by(VoteEvent.seq.desc())).first()
    vote = db.session.scalar(sa.select(Vote).where(Vote.receipt_code == last.receipt_code))
    db.session.delete(last)
    db.session.execute(sa.update(Voter).where(Voter.id == vote.voter_id).values(active_votes=Voter.active_votes - 1))
    db.session.delete(vote)
    chain = db.session.get(VoteChain, campaign.id)
    chain.seq, chain.head_hash = last.seq - 1, last.prev_hash
    db.session.commit()
    return last


def test_dropping_the_last_event_with_its_vote_and_moving_the_head_back_is_caught_by_a_saved_head(runner, ballot):
    campaign = ballot["campaign"]
    seq, head = ledger.chain_head(campaign.id)
    runner.invoke(args=["votes", "checkpoint", str(campaign.id)])
    _drop_last(campaign, ballot["voters"][0])
    # Consistent inside the database: the rows went with the event and the voter's count was fixed.
    code, output = verify(runner, campaign)
    assert code == 0, output
    code, output = verify(runner, campaign, "--head", f"{seq}:{head}")
    assert code == 1
    assert f"Đầu chuỗi đã lưu trước đây (sự kiện số {seq}, mã băm {head}) không còn trong chuỗi" in output
    code, output = verify(runner, campaign, "--checkpoints")
    assert code == 1 and f"mã băm {head}) không còn trong chuỗi" in output


def test_dropping_the_last_event_alone_is_caught_without_a_saved_head(runner, ballot):
    campaign = ballot["campaign"]
    last = db.session.scalars(sa.select(VoteEvent).order_by(VoteEvent.seq.desc())).first()
    db.session.delete(last)
    chain = db.session.get(VoteChain, campaign.id)
    chain.seq, chain.head_hash = last.seq - 1, last.prev_hash
    db.session.commit()
    code, output = verify(runner, campaign)
    assert code == 1
    vote = ballot["votes"][2]
    assert f"Phiếu số {vote.id} (mã {vote.receipt_code}): không có sự kiện bỏ phiếu trong chuỗi." in output


def test_event_1_rewritten_with_every_later_hash_and_the_head_recomputed_is_caught(runner, ballot):
    campaign, other = ballot["campaign"], ballot["nominees"][2].id
    first_vote = ballot["votes"][0]
    first_code = first_vote.receipt_code
    db.session.execute(sa.update(VoteEvent).where(VoteEvent.seq == 1).values(nomination_id=other))
    db.session.commit()
    rechain(campaign.id)
    code, output = verify(runner, campaign)
    assert code == 1
    assert f"Sự kiện số 1 (bỏ phiếu, mã {first_code}): chuỗi ghi hồ sơ số {other}, phiếu số {first_vote.id}" in output


def test_a_full_rewrite_with_the_rows_edited_to_match_is_caught_by_a_saved_head(runner, ballot):
    campaign, other = ballot["campaign"], ballot["nominees"][2].id
    first_vote = ballot["votes"][0]
    seq, head = ledger.chain_head(campaign.id)
    runner.invoke(args=["votes", "checkpoint", str(campaign.id)])
    db.session.execute(sa.update(VoteEvent).where(VoteEvent.seq == 1).values(nomination_id=other))
    db.session.execute(sa.update(Vote).where(Vote.id == first_vote.id).values(nomination_id=other))
    db.session.commit()
    rechain(campaign.id)
    code, output = verify(runner, campaign)
    assert code == 0, output  # the database agrees with itself: this is what an anchor is for
    code, output = verify(runner, campaign, "--head", head)
    assert code == 1
    assert f"Đầu chuỗi đã lưu trước đây (mã băm {head}) không còn trong chuỗi" in output
    code, output = verify(runner, campaign, "--checkpoints")
    assert code == 1 and f"(sự kiện số {seq}, mã băm {head}) không còn trong chuỗi" in output


def test_channel_rule_mixed_channels_are_caught(runner, ballot):
    vote = ballot["votes"][1]
    db.session.execute(sa.update(Vote).where(Vote.id == vote.id).values(channel=VoteChannel.ASSISTED))
    db.session.commit()
    code, output = verify(runner, ballot["campaign"])
    assert code == 1
    first = ballot["voters"][0]
    assert f"Người bình chọn số {first.id}: vi phạm quy tắc một cách bình chọn" in output
    assert f"Người bình chọn số {first.id}: có phiếu bình chọn có hỗ trợ trong đợt xác thực bằng thư điện tử" in output


def test_a_withdrawn_row_without_its_withdrawal_event_is_caught(runner, ballot):
    vote = ballot["votes"][2]
    db.session.execute(sa.update(Vote).where(Vote.id == vote.id).values(withdrawn_at=utcnow(), withdrawal_receipt="BC-WWWW-XXXX-YY"))
    db.session.commit()
    code, output = verify(runner, ballot["campaign"])
    assert code == 1
    assert f"Phiếu số {vote.id} (mã {vote.receipt_code}): ghi đã rút nhưng không có sự kiện rút phiếu trong chuỗi." in output


def test_a_badly_written_head_is_refused(runner, ballot):
    result = runner.invoke(args=["votes", "verify", str(ballot["campaign"].id), "--head", "abc"])
    assert result.exit_code == 2 and "không phải mã băm SHA-256" in result.output


def test_checkpoint_saves_the_head_once_until_it_moves(runner, ballot):
    campaign = ballot["campaign"]
    seq, head = ledger.chain_head(campaign.id)
    first = runner.invoke(args=["votes", "checkpoint", str(campaign.id)])
    again = runner.invoke(args=["votes", "checkpoint", str(campaign.id)])
    assert f"Đã lưu mốc đầu chuỗi: sự kiện số {seq}, mã băm {head}" in first.output
    assert "Đầu chuỗi chưa đổi từ mốc trước" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VoteCheckpoint)) == 1


def test_checkpoint_all_saves_every_campaign_with_votes(runner, ballot):
    result = runner.invoke(args=["votes", "checkpoint", "--all"])
    assert result.exit_code == 0
    assert f"Đợt bình xét số {ballot['campaign'].id}: Đã lưu mốc đầu chuỗi" in result.output
    assert runner.invoke(args=["votes", "checkpoint"]).exit_code == 2


def test_the_committee_page_checks_the_saved_heads(client, login_as, province, runner, ballot):
    from dvkheo.accounts.models import Role

    campaign = ballot["campaign"]
    runner.invoke(args=["votes", "checkpoint", str(campaign.id)])
    _, head = ledger.chain_head(campaign.id)
    _drop_last(campaign, ballot["voters"][0])
    login_as(Role.SECRETARY, province)
    html = client.get(f"/binh-chon/dot/{campaign.id}/kiem-tra-chuoi").get_data(as_text=True)
    assert f"mã băm {head}) không còn trong chuỗi" in html


def test_an_assisted_voter_erased_by_the_purge_still_verifies(runner, voting_campaign, make_nominee, make_voter):
    from dvkheo.campaigns.models import VoterVerification
    from dvkheo.privacy.purge import erase_voters

    voting_campaign.voter_verification = VoterVerification.VOTER_LIST
    db.session.commit()
    listed = make_voter(identity_key="list:77")
    ledger.cast(voting_campaign, listed, make_nominee(), VoteChannel.ASSISTED)
    db.session.commit()
    erase_voters(Voter.id == listed.id, utcnow())
    db.session.commit()
    assert db.session.get(Voter, listed.id).identity_key.startswith("purged:")
    code, output = verify(runner, voting_campaign)
    assert code == 0, output
