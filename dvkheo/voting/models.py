"""Tables of the public stage. The rules that keep the count exact live in the database:
one live vote per voter and nominee (a partial unique index), one channel per voter and at most
N live votes (a conditional UPDATE of the voter's row). A vote touches only its voter's row and
its own; a sealer later publishes the votes in chained batches (`VoteBatch`, `voting.sealing`).

Nothing public ever joins `votes` to `voters`, and nothing published links a receipt to a nominee."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.campaigns.models import _enum
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db

GENESIS_HASH = "0" * 64


class VoteChannel(str, enum.Enum):
    ONLINE = "online"
    ASSISTED = "assisted"

    @property
    def label(self) -> str:
        return "Bình chọn trực tuyến" if self is VoteChannel.ONLINE else "Bình chọn có hỗ trợ tại địa phương"


class VoterListEntry(db.Model):
    """A person on a campaign's local voter list ("danh sách cử tri"); the identity number only as a keyed hash."""

    __tablename__ = "voter_list_entries"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    id_number_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    full_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    name_key: so.Mapped[str] = so.mapped_column(sa.String(200), index=True)
    birth_date: so.Mapped[date] = so.mapped_column(sa.Date)
    locality: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    unit_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("units.id", ondelete="SET NULL"), index=True)
    imported_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    unit: so.Mapped["Unit | None"] = so.relationship()  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "id_number_hash", name="uq_voter_list_entries_campaign_id_number"),
    )


class Voter(db.Model):
    """One verified person in one campaign, known only by a keyed identity ("email:<hmac>" or "list:<entry id>")."""

    __tablename__ = "voters"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    identity_key: so.Mapped[str] = so.mapped_column(sa.String(100))
    list_entry_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("voter_list_entries.id", ondelete="SET NULL"))
    # Set by the first vote; a person votes online or assisted, never both.
    channel: so.Mapped[VoteChannel | None] = so.mapped_column(_enum(VoteChannel, 10))
    active_votes: so.Mapped[int] = so.mapped_column(default=0)
    # Kept in the browser's session with the voter's id; "Thoát" bumps it, so that no copy of the
    # session cookie identifies this voter again.
    session_version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # Consent to processing the email address (Law 91/2025), with the version of the notice shown.
    consent_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    consent_notice: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    # Set when the identity was erased (retention purge or a deletion request); the votes stay.
    anonymised_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))

    list_entry: so.Mapped[VoterListEntry | None] = so.relationship()
    campaign: so.Mapped["Campaign"] = so.relationship()  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "identity_key", name="uq_voters_campaign_identity"),
        sa.CheckConstraint("active_votes >= 0", name="active_votes_non_negative"),
    )


class EmailCode(db.Model):
    """A one-time code sent to an address; stored hashed, short-lived, a few attempts."""

    __tablename__ = "email_codes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    email_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    used_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    # The consent ticked on the identify page, carried to the voter when the code is confirmed.
    consent_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    consent_notice: so.Mapped[str | None] = so.mapped_column(sa.String(20))

    __table_args__ = (sa.Index("ix_email_codes_campaign_email", "campaign_id", "email_hash"),)


class Vote(db.Model):
    """A voter's vote for one shortlisted nominee; withdrawal keeps the row (and its receipt)."""

    __tablename__ = "votes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    voter_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("voters.id", ondelete="CASCADE"))
    nomination_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("nominations.id", ondelete="RESTRICT"))
    channel: so.Mapped[VoteChannel] = so.mapped_column(_enum(VoteChannel, 10))
    receipt_code: so.Mapped[str] = so.mapped_column(sa.String(24), unique=True)
    cast_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    withdrawn_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    withdrawal_receipt: so.Mapped[str | None] = so.mapped_column(sa.String(24), unique=True)
    # The commune official who recorded an assisted vote.
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The sealed batch that published the cast, and the one that published the withdrawal; NULL
    # until the sealer claims the row (commit order, not `cast_at` order, decides the batch).
    cast_batch: so.Mapped[int | None] = so.mapped_column()
    withdrawal_batch: so.Mapped[int | None] = so.mapped_column()

    voter: so.Mapped[Voter] = so.relationship()
    nomination: so.Mapped["Nomination"] = so.relationship()  # noqa: F821

    __table_args__ = (
        # One live vote per voter and nominee, whatever the requests race to do.
        sa.Index(
            "uq_votes_live_voter_nomination", "voter_id", "nomination_id", unique=True,
            sqlite_where=sa.text("withdrawn_at IS NULL"), postgresql_where=sa.text("withdrawn_at IS NULL"),
        ),
        sa.Index("ix_votes_campaign_nomination", "campaign_id", "nomination_id"),
        # What the sealer looks for: casts and withdrawals not yet in a batch.
        sa.Index("ix_votes_unsealed_cast", "campaign_id", sqlite_where=sa.text("cast_batch IS NULL"),
                 postgresql_where=sa.text("cast_batch IS NULL")),
        sa.Index("ix_votes_unsealed_withdrawal", "campaign_id",
                 sqlite_where=sa.text("withdrawn_at IS NOT NULL AND withdrawal_batch IS NULL"),
                 postgresql_where=sa.text("withdrawn_at IS NOT NULL AND withdrawal_batch IS NULL")),
    )


# What the sealer has not published yet (the partial indexes ix_votes_unsealed_* serve exactly these).
CAST_WAITING = Vote.cast_batch.is_(None)
WITHDRAWAL_WAITING = sa.and_(Vote.withdrawn_at.is_not(None), Vote.withdrawal_batch.is_(None))


class VoteBatch(db.Model):
    """A sealed, published batch of votes and withdrawals ("lô phiếu"), chained to the one before.

    Holds only what is published: the sorted receipt digests of its casts and of its withdrawals
    and the per-nominee counts, two lists that never link a receipt to a nominee, plus a
    commitment to its private entries (bound to the `votes` rows by `ledger.verify`). Hashes are
    defined in `dvkheo.voting.ledger_verifier`, the file anyone can download to check them."""

    __tablename__ = "vote_batches"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    seq: so.Mapped[int] = so.mapped_column()
    sealed_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    # Sealed once voting had closed: the last batches, which may hold fewer than the minimum.
    final: so.Mapped[bool] = so.mapped_column(default=False)
    cast_receipts: so.Mapped[list] = so.mapped_column(sa.JSON)
    withdrawal_receipts: so.Mapped[list] = so.mapped_column(sa.JSON)
    counts: so.Mapped[dict] = so.mapped_column(sa.JSON)
    cast_count: so.Mapped[int] = so.mapped_column()
    withdrawal_count: so.Mapped[int] = so.mapped_column()
    cast_digest: so.Mapped[str] = so.mapped_column(sa.String(64))
    withdrawal_digest: so.Mapped[str] = so.mapped_column(sa.String(64))
    counts_digest: so.Mapped[str] = so.mapped_column(sa.String(64))
    # Mixed into counts_digest, published with the counts (see ledger_verifier.counts_digest).
    counts_salt: so.Mapped[str] = so.mapped_column(sa.String(64), default="", server_default="")
    entries_commitment: so.Mapped[str] = so.mapped_column(sa.String(64))
    prev_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    hash: so.Mapped[str] = so.mapped_column(sa.String(64))

    __table_args__ = (sa.UniqueConstraint("campaign_id", "seq", name="uq_vote_batches_campaign_seq"),)

    @property
    def size(self) -> int:
        return self.cast_count + self.withdrawal_count


class VoteChain(db.Model):
    """The head of a campaign's batch chain. Only the sealer locks this row, never a vote."""

    __tablename__ = "vote_chains"

    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    seq: so.Mapped[int] = so.mapped_column(default=0)
    head_hash: so.Mapped[str] = so.mapped_column(sa.String(64), default=GENESIS_HASH)


class ObjectionStatus(str, enum.Enum):
    OPEN = "open"
    VERIFYING = "verifying"
    ANSWERED = "answered"

    @property
    def label(self) -> str:
        return {
            ObjectionStatus.OPEN: "Mới tiếp nhận",
            ObjectionStatus.VERIFYING: "Đang xác minh",
            ObjectionStatus.ANSWERED: "Đã trả lời",
        }[self]


class Objection(db.Model):
    """A "phản ánh, góp ý" about a published nominee, from an identified person."""

    __tablename__ = "objections"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    nomination_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("nominations.id", ondelete="CASCADE"), index=True)
    author_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    author_contact: so.Mapped[str] = so.mapped_column(sa.String(200))
    content: so.Mapped[str] = so.mapped_column(sa.Text)
    status: so.Mapped[ObjectionStatus] = so.mapped_column(_enum(ObjectionStatus, 12), default=ObjectionStatus.OPEN)
    answer: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    upheld: so.Mapped[bool | None] = so.mapped_column()
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    answered_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    handled_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Consent to processing the name and contact (Law 91/2025), with the version of the notice shown.
    consent_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    consent_notice: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    # Set when the name and contact were erased (retention purge or a deletion request).
    anonymised_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))

    nomination: so.Mapped["Nomination"] = so.relationship()  # noqa: F821
    handled_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821
