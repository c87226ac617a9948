"""The vote ledger: casting and withdrawing votes so that the count stays exact under load, and
proving it afterwards.

Exactness comes from the database, never from a read-then-write in Python:
- the voter's row is updated conditionally (`channel` still free or the same, fewer than N live
  votes); an UPDATE that matches no row means the request must be refused, and concurrent
  requests of one voter queue on that row;
- a partial unique index allows one live vote per voter and nominee;
- the campaign's chain head is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite has one writer)
  so that events take consecutive numbers and each carries the hash of the one before.

Every function adds to the session and flushes; none commits: the request commits once, or rolls
back and nothing of the attempt remains.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa

from dvkheo.campaigns.models import Campaign
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.voting.models import GENESIS_HASH, Vote, VoteChain, VoteChannel, VoteCheckpoint, VoteEvent, Voter

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a commune office


def new_receipt_code() -> str:
    """A receipt code such as "BC-7KQ4-M9TZ-2H": 12 random symbols, about 60 bits."""
    symbols = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"BC-{symbols[:4]}-{symbols[4:8]}-{symbols[8:]}"


def event_hash(prev_hash: str, seq: int, kind: str, nomination_id: int, receipt_code: str, occurred_at: datetime) -> str:
    """The hash that ties an event to the one before it (fields joined in a fixed order)."""
    moment = _utc(occurred_at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    payload = "|".join([prev_hash, str(seq), kind, str(nomination_id), receipt_code, moment])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _utc(moment: datetime) -> datetime:
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


def _ensure_chain(campaign_id: int) -> None:
    """Create the campaign's chain head if missing; two first votes racing both succeed (ON CONFLICT DO NOTHING)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(VoteChain).values(campaign_id=campaign_id, seq=0, head_hash=GENESIS_HASH).on_conflict_do_nothing()
    )


def _append_event(campaign_id: int, kind: str, nomination_id: int, receipt_code: str, at: datetime) -> VoteEvent:
    locked = sa.select(VoteChain).where(VoteChain.campaign_id == campaign_id).with_for_update().execution_options(
        populate_existing=True
    )
    chain = db.session.scalar(locked)
    if chain is None:
        _ensure_chain(campaign_id)
        chain = db.session.scalar(locked)
    seq = chain.seq + 1
    digest = event_hash(chain.head_hash, seq, kind, nomination_id, receipt_code, at)
    event = VoteEvent(
        campaign_id=campaign_id, seq=seq, kind=kind, nomination_id=nomination_id, receipt_code=receipt_code,
        occurred_at=at, prev_hash=chain.head_hash, hash=digest,
    )
    chain.seq, chain.head_hash = seq, digest
    db.session.add(event)
    return event


def cast(
    campaign: Campaign, voter: Voter, nomination: Nomination, channel: VoteChannel, *, recorded_by=None,
    at: datetime | None = None,
) -> Vote:
    """Record `voter`'s vote for `nomination`.

    Side effects, in order: checks the window and that the nominee is on the list; claims a slot
    on the voter's row (same channel, fewer than `campaign.votes_per_voter` live votes) with one
    conditional UPDATE; inserts the vote (the partial unique index refuses a second live vote for
    the same nominee); appends a "cast" event to the campaign's chain. Raises `RuleRefused` with
    a Vietnamese message; the caller rolls back.
    """
    at = at or utcnow()
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
    _append_event(campaign.id, "cast", nomination.id, vote.receipt_code, at)
    db.session.flush()
    return vote


def withdraw(campaign: Campaign, vote: Vote, voter: Voter, *, at: datetime | None = None) -> Vote:
    """Withdraw a live vote before closing (when the campaign allows it); a withdrawal gets its own receipt.

    Side effects: marks the vote withdrawn only if it still is live (conditional UPDATE), frees the
    voter's slot, appends a "withdraw" event. Raises `RuleRefused`.
    """
    at = at or utcnow()
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
    _append_event(campaign.id, "withdraw", vote.nomination_id, receipt, at)
    db.session.flush()
    db.session.refresh(vote)
    return vote


# --- reading -----------------------------------------------------------------------------------


def tallies(campaign_id: int) -> dict[int, int]:
    """Live votes per nominee, from the ledger of events (what anyone can recompute)."""
    sign = sa.case((VoteEvent.kind == "cast", 1), else_=-1)
    rows = db.session.execute(
        sa.select(VoteEvent.nomination_id, sa.func.sum(sign)).where(VoteEvent.campaign_id == campaign_id).group_by(VoteEvent.nomination_id)
    )
    return {nomination_id: int(total) for nomination_id, total in rows}


def checkpoints(campaign_id: int) -> list[VoteCheckpoint]:
    """The heads saved by `flask votes checkpoint`, oldest first."""
    return list(db.session.scalars(
        sa.select(VoteCheckpoint).where(VoteCheckpoint.campaign_id == campaign_id)
        .order_by(VoteCheckpoint.recorded_at, VoteCheckpoint.id)
    ))


def chain_head(campaign_id: int) -> tuple[int, str]:
    chain = db.session.get(VoteChain, campaign_id)
    return (chain.seq, chain.head_hash) if chain else (0, GENESIS_HASH)


@dataclass
class ReceiptStatus:
    receipt_code: str
    kind: str
    nomination_id: int
    occurred_at: datetime
    seq: int
    withdrawn: bool = False


def find_receipt(campaign_id: int, code: str) -> ReceiptStatus | None:
    """What a receipt proves: its event in the chain, and for a cast whether it was withdrawn since."""
    code = (code or "").strip().upper()
    event = db.session.scalar(
        sa.select(VoteEvent).where(VoteEvent.campaign_id == campaign_id, VoteEvent.receipt_code == code)
    )
    if event is None:
        return None
    withdrawn = False
    if event.kind == "cast":
        withdrawn = db.session.scalar(
            sa.select(Vote.withdrawn_at.is_not(None)).where(Vote.receipt_code == code)
        ) or False
    return ReceiptStatus(code, event.kind, event.nomination_id, event.occurred_at, event.seq, withdrawn)


# --- verification ------------------------------------------------------------------------------


@dataclass
class VerificationReport:
    campaign_id: int
    events: int = 0
    head_hash: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)
    tallies: dict[int, int] = field(default_factory=dict)
    # Every hash the recomputed chain went through, by event number (for `anchor_problems`).
    hashes: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _moment_text(moment: datetime | None) -> str:
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else "—"


def verify(campaign_id: int) -> VerificationReport:
    """Recompute the chain and bind it to the votes and voters tables; report every failing record.

    The chain on its own:
    - an edited event no longer matches its hash;
    - a deleted event leaves a gap in the numbers and breaks the next event's link;
    - an inserted event breaks a link (or duplicates a number);
    - the chain's stored head must equal the last recomputed hash.
    The chain against the tables (`_bind_votes`, `_check_voters`):
    - every event has its vote row (by receipt code, kind, nominee, time) and every vote row its
      cast event (and its withdrawal event when withdrawn);
    - per voter: live votes <= N, one per nominee, `active_votes` equal to the live votes, one
      channel, assisted votes only where the campaign allows them and on a voter-list voter;
    - the tallies recomputed from events equal the live votes in the votes table.
    What it cannot see alone: a rewrite that recomputes every hash and the head and edits the
    tables to match, or the last events dropped with their rows. Those need a head saved outside
    the database (`anchor_problems`).
    """
    report = VerificationReport(campaign_id)
    events = db.session.scalars(
        sa.select(VoteEvent).where(VoteEvent.campaign_id == campaign_id).order_by(VoteEvent.seq, VoteEvent.id)
    ).all()
    previous_hash, expected_seq = GENESIS_HASH, 1
    counts: dict[int, int] = {}
    for event in events:
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                report.problems.append(f"Thiếu sự kiện số {expected_seq}–{event.seq - 1}: có bản ghi đã bị xóa.")
            else:
                report.problems.append(f"Sự kiện số {event.seq} bị trùng hoặc chèn thêm.")
        if event.prev_hash != previous_hash:
            report.problems.append(f"Sự kiện số {event.seq}: liên kết với sự kiện trước không khớp (bị xóa hoặc chèn).")
        recomputed = event_hash(event.prev_hash, event.seq, event.kind, event.nomination_id, event.receipt_code, event.occurred_at)
        if recomputed != event.hash:
            report.problems.append(f"Sự kiện số {event.seq}: nội dung không khớp mã băm (bản ghi đã bị sửa).")
        counts[event.nomination_id] = counts.get(event.nomination_id, 0) + (1 if event.kind == "cast" else -1)
        previous_hash = event.hash
        report.hashes.setdefault(event.seq, event.hash)
        expected_seq = max(expected_seq, event.seq) + 1
    report.events = len(events)
    report.head_hash = previous_hash
    stored_seq, stored_head = chain_head(campaign_id)
    if (events or stored_seq) and (stored_head != previous_hash or stored_seq != (events[-1].seq if events else 0)):
        report.problems.append("Đầu chuỗi đã lưu không khớp với chuỗi tính lại (có bản ghi cuối bị xóa hoặc chèn).")
    votes = db.session.scalars(sa.select(Vote).where(Vote.campaign_id == campaign_id).order_by(Vote.id)).all()
    live = {}
    for vote in votes:
        if vote.withdrawn_at is None:
            live[vote.nomination_id] = live.get(vote.nomination_id, 0) + 1
    for nomination_id in sorted(set(counts) | set(live)):
        from_events, from_votes = counts.get(nomination_id, 0), live.get(nomination_id, 0)
        if from_events != from_votes:
            report.problems.append(
                f"Hồ sơ số {nomination_id}: chuỗi sự kiện cho {from_events} phiếu, bảng phiếu có {from_votes} phiếu còn hiệu lực."
            )
    _bind_votes(report, events, votes)
    _check_voters(report, campaign_id, votes)
    report.tallies = {nomination_id: total for nomination_id, total in counts.items() if total}
    return report


def _bind_votes(report: VerificationReport, events, votes) -> None:
    """Every event against its vote row, and every vote row against its events (by receipt code)."""
    by_receipt = {vote.receipt_code: vote for vote in votes}
    by_withdrawal = {vote.withdrawal_receipt: vote for vote in votes if vote.withdrawal_receipt}
    cast_seen: dict[int, int] = {}
    withdraw_seen: dict[int, int] = {}
    for event in events:
        label = f"Sự kiện số {event.seq} ({'bỏ phiếu' if event.kind == 'cast' else 'rút phiếu'}, mã {event.receipt_code})"
        if event.kind == "cast":
            vote, moment, seen = by_receipt.get(event.receipt_code), None, cast_seen
            if vote is not None:
                moment = vote.cast_at
        else:
            vote, moment, seen = by_withdrawal.get(event.receipt_code), None, withdraw_seen
            if vote is not None:
                moment = vote.withdrawn_at
                if vote.withdrawn_at is None:
                    report.problems.append(f"{label}: phiếu số {vote.id} trong bảng phiếu không ghi đã rút.")
        if vote is None:
            report.problems.append(f"{label}: không có phiếu tương ứng trong bảng phiếu.")
            continue
        if vote.id in seen:
            report.problems.append(f"{label}: phiếu số {vote.id} đã ứng với sự kiện số {seen[vote.id]}.")
        seen.setdefault(vote.id, event.seq)
        if vote.nomination_id != event.nomination_id:
            report.problems.append(
                f"{label}: chuỗi ghi hồ sơ số {event.nomination_id}, phiếu số {vote.id} trong bảng phiếu ghi hồ sơ số {vote.nomination_id}."
            )
        if moment is None or _moment_text(moment) != _moment_text(event.occurred_at):
            report.problems.append(
                f"{label}: thời điểm trong chuỗi {_moment_text(event.occurred_at)}, phiếu số {vote.id} ghi {_moment_text(moment)}."
            )
    for vote in votes:
        if vote.id not in cast_seen:
            report.problems.append(f"Phiếu số {vote.id} (mã {vote.receipt_code}): không có sự kiện bỏ phiếu trong chuỗi.")
        if vote.withdrawn_at is not None and vote.id not in withdraw_seen:
            report.problems.append(
                f"Phiếu số {vote.id} (mã {vote.receipt_code}): ghi đã rút nhưng không có sự kiện rút phiếu trong chuỗi."
            )


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
    """Heads saved outside the database (printed, published, copied): each must still be a hash the
    recomputed chain passes through, at the same event number when one was saved with it. A chain
    rewritten from an earlier event, or cut after the saved head, fails here even when it is
    internally consistent."""
    problems = []
    positions = {digest: seq for seq, digest in report.hashes.items()}
    for seq, digest in anchors:
        digest = (digest or "").strip().lower()
        where = f"sự kiện số {seq}, " if seq is not None else ""
        if digest == GENESIS_HASH:
            continue
        if digest not in positions:
            problems.append(
                f"Đầu chuỗi đã lưu trước đây ({where}mã băm {digest}) không còn trong chuỗi: "
                "chuỗi đã bị viết lại hoặc cắt bớt từ sau mốc đó."
            )
        elif seq is not None and positions[digest] != seq:
            problems.append(
                f"Đầu chuỗi đã lưu trước đây (mã băm {digest}) ghi sự kiện số {seq}, nay nằm ở sự kiện số {positions[digest]}."
            )
    return problems


# --- the online hot path -------------------------------------------------------------------------

# On PostgreSQL one statement does the whole cast: checks the campaign is taking votes now (the same
# window as `Campaign.voting_open`), that the nominee is on its list, claims the voter's slot,
# inserts the vote (the partial unique index turns a second live vote into "nothing inserted"),
# locks and advances the chain head and inserts the event with the hash `event_hash` computes.
# One round trip instead of a dozen keeps a vote close to the cost of a bare insert.
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
        RETURNING id
    ), vote AS (
        INSERT INTO votes (campaign_id, voter_id, nomination_id, channel, receipt_code, cast_at)
        SELECT :campaign_id, claim.id, :nomination_id, :channel, :receipt, :at FROM claim
        ON CONFLICT (voter_id, nomination_id) WHERE withdrawn_at IS NULL DO NOTHING
        RETURNING id
    ), head AS (
        SELECT seq, head_hash FROM vote_chains
        WHERE campaign_id = :campaign_id AND EXISTS (SELECT 1 FROM vote)
        FOR UPDATE
    ), advanced AS (
        UPDATE vote_chains AS chain
        SET seq = head.seq + 1,
            head_hash = encode(sha256(convert_to(
                head.head_hash || '|' || (head.seq + 1)::text || '|cast|' || CAST(:nomination_text AS text)
                || '|' || CAST(:receipt AS text) || '|' || CAST(:at_text AS text), 'UTF8')), 'hex')
        FROM head
        WHERE chain.campaign_id = :campaign_id
        RETURNING chain.seq, chain.head_hash, head.head_hash AS prev_hash
    ), event AS (
        INSERT INTO vote_events (campaign_id, seq, kind, nomination_id, receipt_code, occurred_at, prev_hash, hash)
        SELECT :campaign_id, advanced.seq, 'cast', :nomination_id, :receipt, :at, advanced.prev_hash, advanced.head_hash
        FROM advanced
        RETURNING seq
    )
    SELECT nominee.title, event.seq FROM nominee, event
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
    campaign is not public at all). The first votes of a campaign, which find no chain head yet,
    create it and run the statement again. Elsewhere (SQLite) it loads the rows and calls `cast`.
    """
    at = at or utcnow()
    if db.session.get_bind().dialect.name != "postgresql":
        campaign, voter, nomination = _load_for_vote(campaign_id, voter_id, nomination_id, session_version)
        check_open(campaign, at)
        vote = cast(campaign, voter, nomination, VoteChannel.ONLINE, at=at)
        return vote.receipt_code, nomination.title
    for _attempt in range(3):
        receipt = new_receipt_code()
        row = db.session.execute(
            _CAST_STATEMENT,
            {
                "campaign_id": campaign_id, "voter_id": voter_id, "nomination_id": nomination_id,
                "session_version": session_version,
                "nomination_text": str(nomination_id), "channel": VoteChannel.ONLINE.value,
                "receipt": receipt, "at": at, "at_text": _utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            },
        ).first()
        if row is not None:
            return receipt, row.title
        db.session.rollback()
        campaign, voter, nomination = _load_for_vote(campaign_id, voter_id, nomination_id, session_version)
        check_open(campaign, at)
        _explain_refusal(campaign, voter, nomination, VoteChannel.ONLINE)
        # Nothing wrong with the vote: the chain head did not exist yet when the statement began
        # (the campaign's first votes). Create it if still missing and try again.
        _ensure_chain(campaign_id)
    _refuse("retry", "Hệ thống đang bận, phiếu chưa được ghi nhận. Vui lòng bình chọn lại.")


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
