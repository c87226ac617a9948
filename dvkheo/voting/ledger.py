"""The vote ledger: casting and withdrawing votes so that the count stays exact under load, and
proving it afterwards.

Exactness comes from the database, never from a read-then-write in Python:
- the voter's row is updated conditionally (`channel` still free or the same, fewer than N live
  votes); an UPDATE that matches no row means the request must be refused, and concurrent
  requests of one voter queue on that row;
- a partial unique index allows one live vote per voter and nominee.
A vote touches its voter's row and its own row, nothing campaign-wide: votes of different people
never wait for each other. Publication is the sealer's work (`voting.sealing`): it claims the
rows not yet in a batch and publishes them as a hash-chained batch (`VoteBatch`).

Every function adds to the session and flushes; none commits: the request commits once, or rolls
back and nothing of the attempt remains.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg

from dvkheo.campaigns.models import Campaign
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.voting import ledger_verifier
from dvkheo.voting.ledger_verifier import (
    batch_hash, counts_digest, entries_commitment, entry_line, list_digest, receipt_digest,
)
from dvkheo.voting.models import CAST_WAITING, GENESIS_HASH, WITHDRAWAL_WAITING, Vote, VoteBatch, VoteChain, VoteChannel, Voter

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a commune office


def new_receipt_code() -> str:
    """A receipt code such as "BC-7KQ4-M9TZ-2HWX": 12 random symbols, about 60 bits."""
    # One 64-bit draw cut into twelve 5-bit symbols (the alphabet has exactly 32): a tenth of the
    # cost of twelve `secrets.choice` calls on the busiest route, with the same uniform spread.
    bits = int.from_bytes(secrets.token_bytes(8), "big")
    symbols = "".join(RECEIPT_ALPHABET[(bits >> (5 * i)) & 31] for i in range(12))
    return f"BC-{symbols[:4]}-{symbols[4:8]}-{symbols[8:]}"


def moment_text(moment: datetime) -> str:
    """A time as it is hashed and published: UTC, microseconds, "Z"."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # SQLite returns naive datetimes that were stored as UTC
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


# --- casting and withdrawing ------------------------------------------------------------------


def _refuse(rule: str, message: str):
    raise RuleRefused([Problem(rule, message)])


def check_open(campaign: Campaign, at: datetime) -> None:
    if not campaign.voting_open(at):
        from dvkheo.core.timeutil import as_vietnam

        opens, closes = campaign.voting_window()
        if opens and at < opens:
            _refuse("window", f"Chưa đến thời gian bình chọn (bắt đầu lúc {as_vietnam(opens):%H:%M ngày %d/%m/%Y}).")
        if closes and at > closes:
            _refuse("window", f"Đã hết thời gian bình chọn (kết thúc lúc {as_vietnam(closes):%H:%M ngày %d/%m/%Y}).")
        _refuse("window", "Đợt bình xét hiện không trong giai đoạn bình chọn.")


DUPLICATE_MESSAGE = "Bạn đã bình chọn cho mô hình, điển hình này rồi."


def _limit_message(campaign: Campaign) -> str:
    return f"Mỗi người được bình chọn tối đa {campaign.votes_per_voter} mô hình, điển hình; đã đủ số phiếu."


def _refuse_voter_slot(campaign: Campaign, voter: Voter, channel: VoteChannel) -> None:
    """Why the voter may not take another vote on `channel` (the other channel, or no slot left); returns if they may."""
    if voter.channel is not None and voter.channel is not channel:
        if voter.channel is VoteChannel.ASSISTED:
            _refuse("channel", "Người này đã bình chọn có hỗ trợ tại địa phương; mỗi người chỉ bình chọn theo một cách.")
        _refuse("channel", "Người này đã bình chọn trực tuyến; mỗi người chỉ bình chọn theo một cách.")
    if voter.active_votes >= campaign.votes_per_voter:
        _refuse("limit", _limit_message(campaign))


def _check_nominee(campaign: Campaign, nomination: Nomination) -> None:
    if nomination.campaign_id != campaign.id or nomination.status is not NominationState.SHORTLISTED:
        _refuse("nominee", "Mô hình, điển hình này không có trong danh sách bình chọn.")


ASSISTED_NEEDS_LIST = (
    "Đợt bình xét này xác thực người bình chọn trực tuyến bằng thư điện tử, nên không đối chiếu được người "
    "bình chọn có hỗ trợ với người đã bình chọn trực tuyến: không ghi nhận bình chọn có hỗ trợ. Bình chọn có hỗ trợ "
    "chỉ dùng được khi đợt bình xét xác thực người bình chọn bằng danh sách cử tri."
)


def check_assisted_allowed(campaign: Campaign, voter: Voter) -> None:
    """One person, one channel: an assisted vote only where online voters are matched on the same
    voter list ("list:<entry id>" both ways), so the voter's row holds both channels' votes.
    In an email-code campaign an online voter is "email:<hash>", a different row: refused."""
    from dvkheo.campaigns.models import VoterVerification

    if not campaign.assisted_voting:
        _refuse("channel", "Đợt bình xét này không tổ chức bình chọn có hỗ trợ tại địa phương.")
    if campaign.voter_verification is not VoterVerification.VOTER_LIST:
        _refuse("channel", ASSISTED_NEEDS_LIST)
    if not (voter.identity_key or "").startswith("list:"):
        _refuse("channel", "Người này không được đối chiếu trên danh sách cử tri của đợt bình xét.")


def cast(
    campaign: Campaign, voter: Voter, nomination: Nomination, channel: VoteChannel, *, recorded_by=None,
    at: datetime | None = None,
) -> Vote:
    """Record `voter`'s vote for `nomination`.

    Side effects, in order: checks the window and that the nominee is on the list; claims a slot
    on the voter's row (same channel, fewer than `campaign.votes_per_voter` live votes) with one
    conditional UPDATE; inserts the vote (the partial unique index refuses a second live vote for
    the same nominee). The sealer publishes it later in a batch. Raises `RuleRefused` with a
    Vietnamese message; the caller rolls back.
    """
    at = as_utc(at) if at else utcnow()  # stored as UTC: SQLite keeps the wall time, not the offset
    check_open(campaign, at)
    _check_nominee(campaign, nomination)
    if channel is VoteChannel.ASSISTED:
        check_assisted_allowed(campaign, voter)
    claimed = db.session.execute(
        sa.update(Voter)
        .where(
            Voter.id == voter.id,
            Voter.campaign_id == campaign.id,
            sa.or_(Voter.channel.is_(None), Voter.channel == channel),
            Voter.active_votes < campaign.votes_per_voter,
        )
        .values(channel=channel, active_votes=Voter.active_votes + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(voter)
        _refuse_voter_slot(campaign, voter, channel)
        _refuse("limit", _limit_message(campaign))  # the row changed between the UPDATE and the refresh
    vote = Vote(
        campaign_id=campaign.id, voter_id=voter.id, nomination_id=nomination.id, channel=channel,
        receipt_code=new_receipt_code(), cast_at=at, recorded_by_id=getattr(recorded_by, "id", None),
    )
    try:
        with db.session.begin_nested():
            db.session.add(vote)
    except sa.exc.IntegrityError:
        _refuse("duplicate", DUPLICATE_MESSAGE)
    db.session.flush()
    return vote


def withdraw(campaign: Campaign, vote: Vote, voter: Voter, *, at: datetime | None = None) -> Vote:
    """Withdraw a live vote before closing (when the campaign allows it); a withdrawal gets its own receipt.

    Side effects: marks the vote withdrawn only if it still is live (conditional UPDATE), frees the
    voter's slot; the sealer publishes the withdrawal in a later batch. Raises `RuleRefused`.
    """
    at = as_utc(at) if at else utcnow()  # stored as UTC: SQLite keeps the wall time, not the offset
    if not campaign.vote_withdrawal_allowed:
        _refuse("withdrawal", "Đợt bình xét này không cho phép rút lại phiếu bình chọn.")
    check_open(campaign, at)
    if vote.voter_id != voter.id or vote.campaign_id != campaign.id:
        _refuse("permission", "Phiếu bình chọn này không phải của bạn.")
    receipt = new_receipt_code()
    changed = db.session.execute(
        sa.update(Vote)
        .where(Vote.id == vote.id, Vote.withdrawn_at.is_(None))
        .values(withdrawn_at=at, withdrawal_receipt=receipt)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        _refuse("withdrawn", "Phiếu bình chọn này đã được rút lại trước đó.")
    db.session.execute(
        sa.update(Voter).where(Voter.id == voter.id).values(active_votes=Voter.active_votes - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.refresh(vote)
    return vote


# --- reading -----------------------------------------------------------------------------------


def tallies(campaign_id: int) -> dict[int, int]:
    """Live votes per nominee, sealed or not (the votes table; one query)."""
    rows = db.session.execute(
        sa.select(Vote.nomination_id, sa.func.count()).where(Vote.campaign_id == campaign_id, Vote.withdrawn_at.is_(None))
        .group_by(Vote.nomination_id)
    )
    return {nomination_id: int(total) for nomination_id, total in rows}


def published_tallies(campaign_id: int) -> dict[int, int]:
    """Live votes per nominee as the sealed batches publish them (what anyone recomputes from the ledger file)."""
    totals: dict[int, int] = {}
    for counts in db.session.scalars(sa.select(VoteBatch.counts).where(VoteBatch.campaign_id == campaign_id)):
        for key, delta in counts.items():
            totals[int(key)] = totals.get(int(key), 0) + int(delta)
    return {key: value for key, value in totals.items() if value}


def batches(campaign_id: int) -> list[VoteBatch]:
    """The campaign's sealed batches, oldest first."""
    return list(db.session.scalars(sa.select(VoteBatch).where(VoteBatch.campaign_id == campaign_id).order_by(VoteBatch.seq)))


def chain_head(campaign_id: int) -> tuple[int, str]:
    """(number, hash) of the last sealed batch; (0, 64 zeros) before the first."""
    chain = db.session.get(VoteChain, campaign_id)
    return (chain.seq, chain.head_hash) if chain else (0, GENESIS_HASH)


def pending(campaign_id: int) -> int:
    """Casts and withdrawals recorded but not yet sealed in a batch (one query)."""
    casts = sa.select(sa.func.count()).select_from(Vote).where(Vote.campaign_id == campaign_id, CAST_WAITING)
    withdrawals = sa.select(sa.func.count()).select_from(Vote).where(
        Vote.campaign_id == campaign_id, WITHDRAWAL_WAITING
    )
    return int(db.session.scalar(sa.select(casts.scalar_subquery() + withdrawals.scalar_subquery())) or 0)


@dataclass
class ReceiptStatus:
    receipt_code: str
    kind: str  # "cast" or "withdraw"
    batch: int | None  # None: recorded, not yet sealed
    withdrawn: bool = False


def find_receipt(campaign_id: int, code: str) -> ReceiptStatus | None:
    """What a receipt proves: recorded (in which batch, or not yet sealed), and for a vote whether it was withdrawn."""
    code = ledger_verifier.normalise_receipt(code)
    if not code:
        return None
    vote = db.session.scalar(
        sa.select(Vote).where(Vote.campaign_id == campaign_id, sa.or_(Vote.receipt_code == code, Vote.withdrawal_receipt == code))
    )
    if vote is None:
        return None
    if vote.receipt_code == code:
        return ReceiptStatus(code, "cast", vote.cast_batch, vote.withdrawn_at is not None)
    return ReceiptStatus(code, "withdraw", vote.withdrawal_batch)


# --- verification ------------------------------------------------------------------------------


@dataclass
class VerificationReport:
    campaign_id: int
    batches: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    pending: int = 0
    problems: list[str] = field(default_factory=list)
    tallies: dict[int, int] = field(default_factory=dict)
    # Every hash the recomputed chain went through, by batch number (for `anchor_problems`).
    hashes: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _batch_entries(votes: list[Vote], seq: int) -> tuple[list[str], list[str], dict[int, int], list[str]]:
    """The published lists, counts and private entry lines of batch `seq`, from the vote rows."""
    casts, withdrawals, counts, lines = [], [], {}, []
    for vote in votes:
        if vote.cast_batch == seq:
            digest = receipt_digest(vote.receipt_code)
            casts.append(digest)
            counts[vote.nomination_id] = counts.get(vote.nomination_id, 0) + 1
            lines.append(entry_line("cast", digest, vote.nomination_id, moment_text(vote.cast_at)))
        if vote.withdrawal_batch == seq and vote.withdrawal_receipt and vote.withdrawn_at is not None:
            digest = receipt_digest(vote.withdrawal_receipt)
            withdrawals.append(digest)
            counts[vote.nomination_id] = counts.get(vote.nomination_id, 0) - 1
            lines.append(entry_line("withdraw", digest, vote.nomination_id, moment_text(vote.withdrawn_at)))
    return sorted(casts), sorted(withdrawals), {key: value for key, value in counts.items() if value}, lines


def verify(campaign_id: int) -> VerificationReport:
    """Recompute the batch chain and bind it to the votes and voters tables; report every failing record.

    The chain on its own: each batch's lists match their digests, its hash matches its content, it
    links to the batch before, numbers run without gaps, and the stored head is the last hash.
    The chain against the tables: the rows each batch claims give exactly its published receipt
    digests, its counts and its entries commitment (which binds the nominee, kind and time of
    every receipt without publishing them); every row names an existing batch; per voter: live
    votes <= N, one per nominee, `active_votes` equal to the live votes, one channel, assisted
    votes only where allowed.
    What it cannot see alone: the whole chain rewritten with the tables to match, or the last
    batches dropped with their rows. A head saved outside the database exposes those
    (`anchor_problems`: the minutes, the decision's annex, a saved ledger file).
    """
    report = VerificationReport(campaign_id)
    sealed = batches(campaign_id)
    votes = db.session.scalars(sa.select(Vote).where(Vote.campaign_id == campaign_id).order_by(Vote.id)).all()
    by_cast: dict[int, list[Vote]] = {}
    by_withdrawal: dict[int, list[Vote]] = {}
    for vote in votes:
        by_cast.setdefault(vote.cast_batch, []).append(vote)
        if vote.withdrawal_batch is not None:
            by_withdrawal.setdefault(vote.withdrawal_batch, []).append(vote)
    previous, expected = GENESIS_HASH, 1
    for batch in sealed:
        label = f"Lô số {batch.seq}"
        if batch.seq != expected:
            if batch.seq > expected:
                missing = f"lô số {expected}" if batch.seq - 1 == expected else f"các lô số {expected}–{batch.seq - 1}"
                report.problems.append(f"Thiếu {missing}: có lô đã bị xóa.")
            else:
                report.problems.append(f"{label} bị trùng hoặc chèn thêm.")
        if batch.prev_hash != previous:
            report.problems.append(f"{label}: không nối với lô trước (lô trước bị xóa, chèn hoặc sửa).")
        problems = _check_batch_content(batch, label)
        members = {vote.id: vote for vote in by_cast.get(batch.seq, []) + by_withdrawal.get(batch.seq, [])}
        casts, withdrawals, counts, lines = _batch_entries(list(members.values()), batch.seq)
        if casts != sorted(batch.cast_receipts):
            missing = set(batch.cast_receipts) - set(casts)
            extra = set(casts) - set(batch.cast_receipts)
            problems.append(
                f"{label}: biên nhận bỏ phiếu đã công bố khác bảng phiếu ({len(missing)} biên nhận không có phiếu tương ứng, "
                f"{len(extra)} phiếu không có trong lô)."
            )
            problems += [
                f"Phiếu số {vote.id} (mã {vote.receipt_code}): ghi thuộc {label} nhưng biên nhận không có trong lô."
                for vote in by_cast.get(batch.seq, []) if receipt_digest(vote.receipt_code) in extra
            ]
        if withdrawals != sorted(batch.withdrawal_receipts):
            problems.append(f"{label}: biên nhận rút phiếu đã công bố khác bảng phiếu.")
            problems += [
                f"Phiếu số {vote.id} (mã rút {vote.withdrawal_receipt}): ghi rút trong {label} nhưng biên nhận không có trong lô."
                for vote in by_withdrawal.get(batch.seq, [])
                if not vote.withdrawal_receipt or receipt_digest(vote.withdrawal_receipt) not in set(batch.withdrawal_receipts)
            ]
        published = {int(key): int(value) for key, value in batch.counts.items()}
        if counts != published:
            for nomination_id in sorted(set(counts) | set(published)):
                if counts.get(nomination_id, 0) != published.get(nomination_id, 0):
                    problems.append(
                        f"{label}: hồ sơ số {nomination_id} được công bố {published.get(nomination_id, 0)} phiếu, "
                        f"bảng phiếu có {counts.get(nomination_id, 0)}."
                    )
        if entries_commitment(lines) != batch.entries_commitment:
            problems.append(
                f"{label}: hồ sơ, loại hoặc thời điểm của các phiếu trong bảng phiếu khác với lúc niêm phong "
                "(bảng phiếu đã bị sửa)."
            )
        report.problems += problems
        report.hashes[batch.seq] = batch.hash
        previous = batch.hash
        expected = max(expected, batch.seq) + 1
    report.batches = len(sealed)
    report.head_seq = sealed[-1].seq if sealed else 0
    report.head_hash = previous
    stored_seq, stored_head = chain_head(campaign_id)
    if (stored_seq, stored_head) != (report.head_seq, report.head_hash):
        report.problems.append(
            f"Đầu chuỗi đã lưu (lô số {stored_seq}) không khớp với chuỗi tính lại (lô số {report.head_seq}): "
            "có lô cuối bị xóa hoặc chèn."
        )
    known = set(report.hashes)
    for vote in votes:
        if vote.cast_batch is not None and vote.cast_batch not in known:
            report.problems.append(f"Phiếu số {vote.id} (mã {vote.receipt_code}): ghi thuộc lô số {vote.cast_batch}, lô này không có.")
        if vote.withdrawal_batch is not None and vote.withdrawal_batch not in known:
            report.problems.append(f"Phiếu số {vote.id}: ghi rút trong lô số {vote.withdrawal_batch}, lô này không có.")
        if vote.withdrawal_batch is not None and vote.withdrawn_at is None:
            report.problems.append(f"Phiếu số {vote.id}: ghi rút trong lô số {vote.withdrawal_batch} nhưng không ghi đã rút.")
        if vote.withdrawn_at is not None and not vote.withdrawal_receipt:
            report.problems.append(f"Phiếu số {vote.id}: ghi đã rút nhưng không có biên nhận rút phiếu.")
        if vote.cast_batch is not None and vote.withdrawal_batch is not None and vote.withdrawal_batch < vote.cast_batch:
            report.problems.append(f"Phiếu số {vote.id}: được rút trong lô số {vote.withdrawal_batch}, trước lô bỏ phiếu số {vote.cast_batch}.")
        if vote.cast_batch is None:
            report.pending += 1
        if vote.withdrawn_at is not None and vote.withdrawal_batch is None:
            report.pending += 1
    _check_voters(report, campaign_id, votes)
    report.tallies = tallies(campaign_id)
    return report


def _check_batch_content(batch: VoteBatch, label: str) -> list[str]:
    """A batch against its own digests and hash, exactly as the downloadable verifier checks it."""
    problems = []
    cast_digest, withdrawal_digest = list_digest(batch.cast_receipts), list_digest(batch.withdrawal_receipts)
    if cast_digest != batch.cast_digest or withdrawal_digest != batch.withdrawal_digest:
        problems.append(f"{label}: danh sách biên nhận không khớp mã băm của nó (đã bị sửa).")
    # The ledger page shows these two numbers; no hash covers them, so they must match the lists.
    shown, listed = (batch.cast_count, batch.withdrawal_count), (len(batch.cast_receipts), len(batch.withdrawal_receipts))
    if shown != listed:
        problems.append(
            f"{label}: số phiếu, lượt rút phiếu ghi trên lô ({shown[0]}, {shown[1]}) khác số biên nhận đã công bố "
            f"({listed[0]}, {listed[1]})."
        )
    if counts_digest(batch.counts, batch.counts_salt) != batch.counts_digest:
        problems.append(f"{label}: số phiếu theo hồ sơ không khớp mã băm của nó (đã bị sửa).")
    recomputed = batch_hash(
        batch.campaign_id, batch.seq, batch.prev_hash, moment_text(batch.sealed_at), batch.final,
        cast_digest, withdrawal_digest, batch.counts_digest, batch.entries_commitment,
    )
    if recomputed != batch.hash:
        problems.append(f"{label}: nội dung không khớp mã băm của lô (lô đã bị sửa).")
    return problems


def _check_voters(report: VerificationReport, campaign_id: int, votes) -> None:
    """Per voter: the limit, one live vote per nominee, `active_votes`, the channel rule."""
    from dvkheo.campaigns.models import VoterVerification

    campaign = db.session.get(Campaign, campaign_id)
    limit = campaign.votes_per_voter if campaign else None
    voters = {voter.id: voter for voter in db.session.scalars(sa.select(Voter).where(Voter.campaign_id == campaign_id))}
    by_voter: dict[int, list[Vote]] = {}
    for vote in votes:
        by_voter.setdefault(vote.voter_id, []).append(vote)
    for voter_id in sorted(set(voters) | set(by_voter)):
        voter, own = voters.get(voter_id), by_voter.get(voter_id, [])
        name = f"Người bình chọn số {voter_id}"
        if voter is None:
            report.problems.append(f"{name}: có {len(own)} phiếu trong đợt nhưng không thuộc đợt bình xét này.")
            continue
        alive = [vote for vote in own if vote.withdrawn_at is None]
        if limit is not None and len(alive) > limit:
            report.problems.append(f"{name}: {len(alive)} phiếu còn hiệu lực, vượt giới hạn {limit} phiếu mỗi người.")
        nominees: dict[int, int] = {}
        for vote in alive:
            nominees[vote.nomination_id] = nominees.get(vote.nomination_id, 0) + 1
        for nomination_id, number in sorted(nominees.items()):
            if number > 1:
                report.problems.append(f"{name}: {number} phiếu còn hiệu lực cho cùng hồ sơ số {nomination_id}.")
        if voter.active_votes != len(alive):
            report.problems.append(
                f"{name}: số phiếu đang dùng ghi {voter.active_votes}, bảng phiếu có {len(alive)} phiếu còn hiệu lực."
            )
        channels = {vote.channel for vote in own}
        if own and (len(channels) > 1 or voter.channel not in channels):
            shown = ", ".join(sorted(channel.value for channel in channels))
            report.problems.append(
                f"{name}: vi phạm quy tắc một cách bình chọn (kênh ghi trên người bình chọn: "
                f"{voter.channel.value if voter.channel else 'chưa có'}; kênh của các phiếu: {shown})."
            )
        if VoteChannel.ASSISTED in channels:
            if campaign is not None and not campaign.assisted_voting:
                report.problems.append(f"{name}: có phiếu bình chọn có hỗ trợ trong đợt không tổ chức hình thức này.")
            elif campaign is not None and campaign.voter_verification is not VoterVerification.VOTER_LIST:
                report.problems.append(
                    f"{name}: có phiếu bình chọn có hỗ trợ trong đợt xác thực bằng thư điện tử "
                    "(không đối chiếu được với người bình chọn trực tuyến)."
                )
            # A voter erased by the retention purge or a deletion request is "purged:<id>": it was on the list.
            if not (voter.identity_key or "").startswith("list:") and voter.anonymised_at is None:
                report.problems.append(f"{name}: có phiếu bình chọn có hỗ trợ nhưng không phải người trong danh sách cử tri.")


def anchor_problems(report: VerificationReport, anchors: list[tuple[int | None, str]]) -> list[str]:
    """Heads saved outside the database (printed on the minutes, saved from the ledger page): each
    must still be a batch hash of the recomputed chain, at the same number when one was saved."""
    return ledger_verifier.anchor_problems(report.hashes, [(seq, (digest or "").strip().lower()) for seq, digest in anchors])


# --- the online hot path -------------------------------------------------------------------------

# On PostgreSQL one statement does the whole cast: checks the campaign is taking votes now (the same
# window as `Campaign.voting_open`), that the nominee is on its list, claims the voter's slot,
# and inserts the vote. One round trip instead of a dozen, and no campaign-wide row, keep a vote
# close to the cost of a bare insert; the sealer publishes it later.
# It changes everything or nothing by itself, so it may run in autocommit: the slot is claimed only
# when the voter has no live vote for the nominee yet, and a concurrent second vote for the same
# nominee, which that check cannot see, fails on the partial unique index and undoes the claim with it.
_CAST_STATEMENT = sa.text(
    """
    WITH campaign AS (
        SELECT id, votes_per_voter FROM campaigns
        WHERE id = :campaign_id AND status = 'public_voting' AND has_public_stage
          AND :at >= COALESCE(voting_opens_at,
                              public_voting_open_on::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh',
                              '-infinity'::timestamptz)
          AND :at <= COALESCE(voting_closes_at,
                              (public_voting_close_on + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh' - interval '1 microsecond',
                              'infinity'::timestamptz)
    ), nominee AS (
        SELECT nominations.id, nominations.title FROM nominations JOIN campaign ON nominations.campaign_id = campaign.id
        WHERE nominations.id = :nomination_id AND nominations.status = 'shortlisted'
    ), claim AS (
        UPDATE voters SET channel = :channel, active_votes = active_votes + 1
        WHERE id = :voter_id AND campaign_id = :campaign_id
          AND (CAST(:session_version AS integer) IS NULL OR session_version = :session_version)
          AND (channel IS NULL OR channel = :channel)
          AND active_votes < (SELECT votes_per_voter FROM campaign)
          AND EXISTS (SELECT 1 FROM nominee)
          AND NOT EXISTS (SELECT 1 FROM votes WHERE votes.voter_id = :voter_id
                          AND votes.nomination_id = :nomination_id AND votes.withdrawn_at IS NULL)
        RETURNING id
    ), vote AS (
        INSERT INTO votes (campaign_id, voter_id, nomination_id, channel, receipt_code, cast_at)
        SELECT :campaign_id, claim.id, :nomination_id, :channel, :receipt, :at FROM claim
        RETURNING id
    )
    SELECT nominee.title, vote.id FROM nominee, vote
    """
)


def cast_online(
    campaign_id: int, voter_id: int, nomination_id: int, *, session_version: int | None = None, at: datetime | None = None
) -> tuple[str, str]:
    """An identified voter's own vote: (receipt code, nominee title). Same rules and messages as `cast`.

    `session_version` is the one the browser's session holds (see `voting.session`): a voter whose
    version has moved on ("Thoát") is refused as not identified (rule "voter"). None skips the check
    (callers that are not a browser session: tests, benches).

    On PostgreSQL it is one statement (see `_CAST_STATEMENT`); when it inserts nothing, the session is
    rolled back and the reason looked up and raised as `RuleRefused` (rule "campaign" when the
    campaign is not public at all). Elsewhere (SQLite) it loads the rows and calls `cast`.
    """
    at = as_utc(at) if at else utcnow()  # stored as UTC: SQLite keeps the wall time, not the offset
    if db.session.get_bind().dialect.name != "postgresql":
        campaign, voter, nomination = _load_for_vote(campaign_id, voter_id, nomination_id, session_version)
        check_open(campaign, at)
        vote = cast(campaign, voter, nomination, VoteChannel.ONLINE, at=at)
        return vote.receipt_code, nomination.title
    receipt = new_receipt_code()
    params = {
        "campaign_id": campaign_id, "voter_id": voter_id, "nomination_id": nomination_id,
        "session_version": session_version, "channel": VoteChannel.ONLINE.value, "receipt": receipt, "at": at,
    }
    # The statement is a transaction of its own, run in autocommit (see `_cast_autocommit`). Inside a
    # transaction someone already opened (a signed-in staff member's page, a test), it joins it.
    if db.session().in_transaction():
        try:
            row = db.session.execute(_CAST_STATEMENT, params).first()
        except sa.exc.IntegrityError:
            row = None  # the same nominee's vote committed meanwhile by a parallel request: nothing was written
    else:
        row = _cast_autocommit(params)
    if row is not None:
        return receipt, row[0]
    db.session.rollback()
    campaign, voter, nomination = _load_for_vote(campaign_id, voter_id, nomination_id, session_version)
    check_open(campaign, at)
    _explain_refusal(campaign, voter, nomination, VoteChannel.ONLINE)
    # Nothing wrong left to name: the voter's row changed between the statement and the look-up.
    _refuse("retry", "Hệ thống đang bận, phiếu chưa được ghi nhận. Vui lòng bình chọn lại.")


# The statement as psycopg takes it (named parameters), compiled once.
_CAST_SQL = str(_CAST_STATEMENT.compile(dialect=postgresql_psycopg.dialect()))


def _cast_autocommit(params: dict):
    """Run the cast statement on a pooled connection in autocommit, straight through the driver:
    the statement needs no BEGIN and no COMMIT round trip, and skipping SQLAlchemy's session,
    connection and result layers saved about a tenth of the vote route's Python (bench/votes.py).
    The pool still pings the connection on checkout and resets it on return. Returns the row, or
    None when the same nominee's vote was committed meanwhile by a parallel request (nothing was
    written); any other database error is raised as SQLAlchemy's, as the session would have."""
    import psycopg

    try:
        pooled = db.engine.raw_connection()
    except psycopg.Error as error:  # the server is down or restarting: the app answers 503 for SQLAlchemy's error
        raise sa.exc.DBAPIError.instance(None, None, error, psycopg.Error, connection_invalidated=True) from error
    try:
        connection = pooled.driver_connection
        connection.autocommit = True
        try:
            return connection.execute(_CAST_SQL, params).fetchone()
        except psycopg.IntegrityError:
            return None
        except psycopg.Error as error:
            if connection.broken:
                pooled.invalidate(error)  # the pool must not hand this connection out again
            raise sa.exc.DBAPIError.instance(_CAST_SQL, params, error, psycopg.Error) from error
        finally:
            # Only an idle connection can leave autocommit; one interrupted mid-statement (a worker
            # timeout) is left to the pool's reset, which discards it, and the original error stands.
            if connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                connection.autocommit = False
    finally:
        pooled.close()


def _load_for_vote(
    campaign_id: int, voter_id: int, nomination_id: int, session_version: int | None = None
) -> tuple[Campaign, Voter, Nomination]:
    from dvkheo import access

    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not access.is_public(campaign):
        _refuse("campaign", "Không tìm thấy đợt bình chọn.")
    voter = db.session.get(Voter, voter_id)
    if voter is None or voter.campaign_id != campaign.id or (
        session_version is not None and voter.session_version != session_version
    ):
        _refuse("voter", "Chưa xác thực người bình chọn cho đợt bình xét này.")
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None or nomination.campaign_id != campaign.id:
        _refuse("unknown_nominee", "Mô hình, điển hình này không có trong danh sách bình chọn.")
    return campaign, voter, nomination


def _explain_refusal(campaign: Campaign, voter: Voter, nomination: Nomination, channel: VoteChannel) -> None:
    """Why a cast inserted nothing, in the words `cast` uses (returns when nothing is wrong with the vote)."""
    _check_nominee(campaign, nomination)
    _refuse_voter_slot(campaign, voter, channel)
    live = db.session.scalar(
        sa.select(sa.func.count()).select_from(Vote)
        .where(Vote.voter_id == voter.id, Vote.nomination_id == nomination.id, Vote.withdrawn_at.is_(None))
    )
    if live:
        _refuse("duplicate", DUPLICATE_MESSAGE)
