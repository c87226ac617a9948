"""The vote ledger: limits held by the database, receipts, and sealed batches whose hash chain exposes tampering."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dvkheo.core.rules import RuleRefused
from dvkheo.core.timeutil import VIETNAM_TZ, utcnow
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.voting import ledger, sealing
from dvkheo.voting.ledger_verifier import receipt_digest
from dvkheo.voting.models import Vote, VoteBatch, VoteChannel

ONLINE, ASSISTED = VoteChannel.ONLINE, VoteChannel.ASSISTED


def cast(campaign, voter, nominee, channel=ONLINE, **kwargs):
    vote = ledger.cast(campaign, voter, nominee, channel, **kwargs)
    db.session.commit()
    return vote


def refused(callable_, *args, **kwargs) -> str:
    with pytest.raises(RuleRefused) as error:
        callable_(*args, **kwargs)
    db.session.rollback()
    return error.value.problems[0].message


def test_cast_gives_a_receipt_and_counts(voting_campaign, make_nominee, make_voter):
    nominee, voter = make_nominee(), make_voter()
    vote = cast(voting_campaign, voter, nominee)
    assert vote.receipt_code.startswith("BC-") and len(vote.receipt_code) == 17
    assert ledger.tallies(voting_campaign.id) == {nominee.id: 1}
    status = ledger.find_receipt(voting_campaign.id, vote.receipt_code.lower())
    assert (status.kind, status.batch, status.withdrawn) == ("cast", None, False)  # recorded, not yet sealed
    assert db.session.get(type(voter), voter.id).active_votes == 1
    sealing.seal(voting_campaign.id, final=False)
    db.session.commit()
    assert ledger.find_receipt(voting_campaign.id, vote.receipt_code).batch == 1


def test_one_live_vote_per_nominee_and_at_most_n_per_voter(voting_campaign, make_nominee, make_voter):
    nominees = [make_nominee() for _ in range(4)]
    voter = make_voter()
    cast(voting_campaign, voter, nominees[0])
    assert refused(ledger.cast, voting_campaign, voter, nominees[0], ONLINE) == "Bạn đã bình chọn cho mô hình, điển hình này rồi."
    cast(voting_campaign, voter, nominees[1])
    cast(voting_campaign, voter, nominees[2])
    message = refused(ledger.cast, voting_campaign, voter, nominees[3], ONLINE)
    assert message == "Mỗi người được bình chọn tối đa 3 mô hình, điển hình; đã đủ số phiếu."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == 3
    assert ledger.verify(voting_campaign.id).ok


def test_withdrawal_frees_a_slot_and_has_its_own_receipt(voting_campaign, make_nominee, make_voter):
    first, second = make_nominee(), make_nominee()
    voter = make_voter()
    vote = cast(voting_campaign, voter, first)
    withdrawn = ledger.withdraw(voting_campaign, vote, voter)
    db.session.commit()
    assert withdrawn.withdrawal_receipt and withdrawn.withdrawal_receipt != vote.receipt_code
    assert ledger.find_receipt(voting_campaign.id, vote.receipt_code).withdrawn is True
    assert ledger.tallies(voting_campaign.id) == {}
    cast(voting_campaign, voter, first)  # may vote again for the same nominee once withdrawn
    cast(voting_campaign, voter, second)
    assert refused(ledger.withdraw, voting_campaign, db.session.get(Vote, vote.id), voter) == "Phiếu bình chọn này đã được rút lại trước đó."
    assert ledger.verify(voting_campaign.id).ok


def test_withdrawal_refused_when_the_campaign_does_not_allow_it(voting_campaign, make_nominee, make_voter):
    voting_campaign.vote_withdrawal_allowed = False
    db.session.commit()
    voter = make_voter()
    vote = cast(voting_campaign, voter, make_nominee())
    assert refused(ledger.withdraw, voting_campaign, vote, voter) == "Đợt bình xét này không cho phép rút lại phiếu bình chọn."


def use_voter_list(campaign):
    from dvkheo.campaigns.models import VoterVerification

    campaign.voter_verification = VoterVerification.VOTER_LIST
    db.session.commit()


def test_online_then_assisted_is_refused_and_the_reverse_too(voting_campaign, make_nominee, make_voter):
    use_voter_list(voting_campaign)
    first, second = make_nominee(), make_nominee()
    online, assisted = make_voter(identity_key="list:901"), make_voter(identity_key="list:902")
    cast(voting_campaign, online, first, ONLINE)
    assert "đã bình chọn trực tuyến" in refused(ledger.cast, voting_campaign, online, second, ASSISTED)
    cast(voting_campaign, assisted, first, ASSISTED)
    assert "đã bình chọn có hỗ trợ" in refused(ledger.cast, voting_campaign, assisted, second, ONLINE)


def test_window_edges_in_vietnam_time(voting_campaign, make_nominee, make_voter):
    opens = datetime(2026, 12, 1, 7, 0, tzinfo=VIETNAM_TZ)
    closes = datetime(2026, 12, 10, 17, 0, tzinfo=VIETNAM_TZ)
    voting_campaign.voting_opens_at, voting_campaign.voting_closes_at = opens, closes
    db.session.commit()
    nominee, voter = make_nominee(), make_voter()
    assert "Chưa đến thời gian bình chọn (bắt đầu lúc 07:00 ngày 01/12/2026)" in refused(
        ledger.cast, voting_campaign, voter, nominee, ONLINE, at=opens - timedelta(microseconds=1)
    )
    cast(voting_campaign, voter, nominee, at=opens)
    other = make_voter()
    cast(voting_campaign, other, nominee, at=closes)
    late = make_voter()
    assert "Đã hết thời gian bình chọn (kết thúc lúc 17:00 ngày 10/12/2026)" in refused(
        ledger.cast, voting_campaign, late, nominee, ONLINE, at=closes + timedelta(seconds=1)
    )


def test_whole_day_window_from_the_public_voting_dates(voting_campaign):
    from datetime import date

    voting_campaign.public_voting_open_on, voting_campaign.public_voting_close_on = date(2026, 12, 1), date(2026, 12, 10)
    opens, closes = voting_campaign.voting_window()
    # Midnight in Hà Nội is 17:00 UTC the day before.
    assert opens == datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)
    assert voting_campaign.voting_open(datetime(2026, 12, 10, 16, 59, 59, tzinfo=timezone.utc))
    assert not voting_campaign.voting_open(datetime(2026, 12, 10, 17, 0, 0, tzinfo=timezone.utc))


def test_only_shortlisted_nominees_of_the_campaign_take_votes(voting_campaign, make_nominee, make_voter):
    held = make_nominee(status=NominationState.ON_HOLD)
    assert refused(ledger.cast, voting_campaign, make_voter(), held, ONLINE) == "Mô hình, điển hình này không có trong danh sách bình chọn."


def _cast_in_batches(campaign, make_nominee, make_voter, batches=3, per_batch=2):
    """`batches` sealed batches of `per_batch` votes each, alternating between two nominees."""
    nominees = [make_nominee() for _ in range(2)]
    for number in range(batches * per_batch):
        cast(campaign, make_voter(), nominees[number % 2])
        if number % per_batch == per_batch - 1:
            sealing.seal(campaign.id, final=False)
            db.session.commit()
    return nominees


def test_a_batch_waits_for_the_minimum_while_voting_is_open_and_the_rest_is_sealed_at_the_close(
    voting_campaign, make_nominee, make_voter
):
    nominee = make_nominee()
    for _ in range(3):
        cast(voting_campaign, make_voter(), nominee)
    assert sealing.seal(voting_campaign.id, final=False, minimum=4) is None
    assert ledger.pending(voting_campaign.id) == 3
    cast(voting_campaign, make_voter(), nominee)
    batch = sealing.seal(voting_campaign.id, final=False, minimum=4)
    db.session.commit()
    assert (batch.seq, batch.cast_count, batch.counts, batch.final) == (1, 4, {str(nominee.id): 4}, False)
    cast(voting_campaign, make_voter(), nominee)
    last = sealing.seal(voting_campaign.id, final=True, minimum=4)  # after the close: below the minimum is fine
    db.session.commit()
    assert (last.seq, last.cast_count, last.prev_hash, last.final) == (2, 1, batch.hash, True)
    assert sealing.seal(voting_campaign.id, final=True) is None  # nothing left
    assert ledger.chain_head(voting_campaign.id) == (2, last.hash)
    assert ledger.published_tallies(voting_campaign.id) == ledger.tallies(voting_campaign.id) == {nominee.id: 5}


def test_a_batch_publishes_receipt_digests_and_counts_but_never_a_receipt_beside_its_nominee(
    voting_campaign, make_nominee, make_voter
):
    first, second = make_nominee(), make_nominee()
    votes = [cast(voting_campaign, make_voter(), nominee) for nominee in (first, second, second)]
    withdrawn = ledger.withdraw(voting_campaign, votes[1], db.session.get(type(votes[1].voter), votes[1].voter_id))
    db.session.commit()
    batch = sealing.seal(voting_campaign.id, final=False)
    db.session.commit()
    assert batch.cast_receipts == sorted(receipt_digest(vote.receipt_code) for vote in votes)
    assert batch.withdrawal_receipts == [receipt_digest(withdrawn.withdrawal_receipt)]
    assert batch.counts == {str(first.id): 1, str(second.id): 1}  # 2 cast minus 1 withdrawn
    published = repr((batch.cast_receipts, batch.withdrawal_receipts, batch.counts, batch.entries_commitment))
    assert not any(vote.receipt_code in published for vote in votes)


def test_verify_detects_an_edited_batch(voting_campaign, make_nominee, make_voter):
    nominees = _cast_in_batches(voting_campaign, make_nominee, make_voter)
    assert ledger.verify(voting_campaign.id).ok
    db.session.execute(
        sa.update(VoteBatch).where(VoteBatch.seq == 2).values(counts={str(nominees[0].id): 2})
    )
    db.session.commit()
    problems = ledger.verify(voting_campaign.id).problems
    assert "Lô số 2: số phiếu theo hồ sơ không khớp mã băm của nó (đã bị sửa)." in problems
    assert f"Lô số 2: hồ sơ số {nominees[0].id} được công bố 2 phiếu, bảng phiếu có 1." in problems


def test_verify_detects_a_deleted_batch(voting_campaign, make_nominee, make_voter):
    _cast_in_batches(voting_campaign, make_nominee, make_voter)
    db.session.execute(sa.delete(VoteBatch).where(VoteBatch.seq == 2))
    db.session.commit()
    problems = ledger.verify(voting_campaign.id).problems
    assert "Thiếu lô số 2: có lô đã bị xóa." in problems
    assert any("ghi thuộc lô số 2, lô này không có" in p for p in problems)


def test_verify_detects_a_forged_batch_appended(voting_campaign, make_nominee, make_voter):
    from dvkheo.voting.ledger_verifier import batch_hash, counts_digest, list_digest

    nominees = _cast_in_batches(voting_campaign, make_nominee, make_voter)
    last = db.session.scalars(sa.select(VoteBatch).order_by(VoteBatch.seq.desc())).first()
    fake = [receipt_digest("BC-FAKE-FAKE-FA")]
    counts = {str(nominees[0].id): 1}
    forged = VoteBatch(
        campaign_id=voting_campaign.id, seq=4, sealed_at=last.sealed_at, final=False, cast_receipts=fake,
        withdrawal_receipts=[], counts=counts, cast_count=1, withdrawal_count=0, cast_digest=list_digest(fake),
        withdrawal_digest=list_digest([]), counts_digest=counts_digest(counts), entries_commitment=last.entries_commitment,
        prev_hash=last.hash,
    )
    forged.hash = batch_hash(
        voting_campaign.id, 4, last.hash, ledger.moment_text(last.sealed_at), False, forged.cast_digest,
        forged.withdrawal_digest, forged.counts_digest, forged.entries_commitment,
    )
    db.session.add(forged)
    db.session.commit()
    problems = ledger.verify(voting_campaign.id).problems
    # A well-forged batch still differs from the stored head and from the votes table.
    assert any(p.startswith("Đầu chuỗi đã lưu (lô số 3) không khớp") for p in problems)
    assert any(p.startswith("Lô số 4: biên nhận bỏ phiếu đã công bố khác bảng phiếu") for p in problems)


def test_verify_detects_nominees_swapped_in_the_votes_table(voting_campaign, make_nominee, make_voter):
    """Same batch, same counts: only the private entries commitment sees the swap."""
    nominees = _cast_in_batches(voting_campaign, make_nominee, make_voter, batches=1)
    rows = db.session.scalars(sa.select(Vote).order_by(Vote.id)).all()
    db.session.execute(sa.update(Vote).where(Vote.id == rows[0].id).values(nomination_id=nominees[1].id))
    db.session.execute(sa.update(Vote).where(Vote.id == rows[1].id).values(nomination_id=nominees[0].id))
    db.session.commit()
    problems = ledger.verify(voting_campaign.id).problems
    assert problems == [
        "Lô số 1: hồ sơ, loại hoặc thời điểm của các phiếu trong bảng phiếu khác với lúc niêm phong (bảng phiếu đã bị sửa)."
    ]


def test_online_hot_path_keeps_the_same_rules_and_a_verifiable_chain(voting_campaign, make_nominee, make_voter):
    """`cast_online` (one statement on PostgreSQL) refuses what `cast` refuses and leaves a verifiable ledger."""
    use_voter_list(voting_campaign)
    nominees = [make_nominee() for _ in range(4)]
    voter, assisted = make_voter(identity_key="list:911"), make_voter(identity_key="list:912")
    receipts = []
    for nominee in nominees[:3]:
        receipt, title = ledger.cast_online(voting_campaign.id, voter.id, nominee.id)
        db.session.commit()
        receipts.append(receipt)
        assert title == nominee.title
    cast(voting_campaign, assisted, nominees[0], ASSISTED)
    assert refused(ledger.cast_online, voting_campaign.id, voter.id, nominees[0].id) == "Mỗi người được bình chọn tối đa 3 mô hình, điển hình; đã đủ số phiếu."
    vote = db.session.scalars(sa.select(Vote).where(Vote.receipt_code == receipts[0])).one()
    ledger.withdraw(voting_campaign, vote, db.session.get(type(voter), voter.id))
    db.session.commit()
    assert refused(ledger.cast_online, voting_campaign.id, voter.id, nominees[1].id) == "Bạn đã bình chọn cho mô hình, điển hình này rồi."
    assert "đã bình chọn có hỗ trợ" in refused(ledger.cast_online, voting_campaign.id, assisted.id, nominees[1].id)
    held = make_nominee(status=NominationState.ON_HOLD)
    assert refused(ledger.cast_online, voting_campaign.id, voter.id, held.id) == "Mô hình, điển hình này không có trong danh sách bình chọn."
    batch = sealing.seal(voting_campaign.id, final=False)
    db.session.commit()
    report = ledger.verify(voting_campaign.id)
    assert report.ok, report.problems
    assert (batch.cast_count, batch.withdrawal_count, report.pending) == (4, 1, 0)  # 3 online, 1 assisted, 1 withdrawal
    assert ledger.find_receipt(voting_campaign.id, receipts[1]).batch == 1


def test_assisted_is_refused_in_an_email_code_campaign(voting_campaign, make_nominee, make_voter):
    """An online voter there is "email:<hash>": nothing ties them to a person on the list, so an
    assisted vote could be a second vote of the same person (issue 14, item 6)."""
    nominee = make_nominee()
    listed = make_voter(identity_key="list:921")
    assert refused(ledger.cast, voting_campaign, listed, nominee, ASSISTED) == ledger.ASSISTED_NEEDS_LIST
    use_voter_list(voting_campaign)
    emailed = make_voter(identity_key="email:abc")
    assert "không được đối chiếu trên danh sách cử tri" in refused(ledger.cast, voting_campaign, emailed, nominee, ASSISTED)
    cast(voting_campaign, listed, nominee, ASSISTED)
    assert ledger.verify(voting_campaign.id).ok


def test_the_timer_keeps_the_minimum_waiting_so_that_the_last_batch_is_never_small(
    app, monkeypatch, voting_campaign, make_nominee, make_voter
):
    """With 7 entries and a minimum of 3: the timer seals the oldest 4 and keeps the newest 3 waiting;
    at the close those 3 make the final batch, not 1 or 2 that the final tallies would give away."""
    monkeypatch.setitem(app.config, "VOTE_BATCH_MIN", 3)
    monkeypatch.setitem(app.config, "VOTE_BATCH_MIN_VOTERS", 1)
    first, second = make_nominee(), make_nominee()
    votes = [cast(voting_campaign, make_voter(), (first, second)[number % 2]) for number in range(6)]
    assert sealing.seal_due(voting_campaign.id) is not None
    db.session.commit()
    batch = ledger.batches(voting_campaign.id)[0]
    assert batch.cast_receipts == sorted(receipt_digest(vote.receipt_code) for vote in votes[:3])
    assert ledger.pending(voting_campaign.id) == 3
    assert sealing.seal_due(voting_campaign.id) is None  # 3 waiting, 3 to keep: nothing to seal yet
    # A waiting vote withdrawn: its cast may be sealed before its withdrawal, never after.
    voter = db.session.get(type(votes[5].voter), votes[5].voter_id)
    ledger.withdraw(voting_campaign, votes[5], voter)
    cast(voting_campaign, make_voter(), first)
    cast(voting_campaign, make_voter(), second)
    db.session.commit()
    assert sealing.seal_due(voting_campaign.id) is not None
    db.session.commit()
    assert ledger.pending(voting_campaign.id) == 3
    voting_campaign.voting_closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    last = sealing.seal_due(voting_campaign.id)
    db.session.commit()
    assert last.final and last.size == 3 and ledger.pending(voting_campaign.id) == 0
    assert ledger.verify(voting_campaign.id).ok
    assert ledger.published_tallies(voting_campaign.id) == ledger.tallies(voting_campaign.id)


def test_times_given_in_vietnam_time_are_stored_and_hashed_as_utc(voting_campaign, make_nominee, make_voter):
    """SQLite keeps a datetime's wall time and drops its offset: a vote or a seal given in Vietnam time must be
    turned into UTC first, or the batch would no longer match its hash once read back."""
    opens = datetime.now(VIETNAM_TZ) - timedelta(hours=1)
    cast(voting_campaign, make_voter(), make_nominee(), at=opens)
    sealing.seal(voting_campaign.id, final=False, at=opens + timedelta(minutes=30))
    db.session.commit()
    db.session.expire_all()
    report = ledger.verify(voting_campaign.id)
    assert report.ok, report.problems
    assert ledger.moment_text(ledger.batches(voting_campaign.id)[0].sealed_at) == ledger.moment_text(opens + timedelta(minutes=30))


def test_receipt_codes_use_only_the_read_aloud_alphabet_and_every_symbol_of_it():
    codes = [ledger.new_receipt_code() for _ in range(400)]
    symbols = "".join(code[3:].replace("-", "") for code in codes)
    assert all(len(code) == len("BC-XXXX-XXXX-XXXX") and code.startswith("BC-") for code in codes)
    # 4,800 draws over 32 symbols: a symbol never drawn would mean part of the alphabet (and of the
    # code's 60 bits) is lost; 0, O, 1 and I would be misread at the commune office.
    assert set(symbols) == set(ledger.RECEIPT_ALPHABET)
    assert len(set(codes)) == len(codes)
