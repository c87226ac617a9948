from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.awards.models import ThresholdBase
from dvkheo.campaigns.models import _enum
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db


class CouncilRole(str, enum.Enum):
    CHAIR = "chair"
    MEMBER = "member"

    @property
    def label(self) -> str:
        return "Chủ tịch Hội đồng" if self is CouncilRole.CHAIR else "Thành viên Hội đồng"


class CouncilMember(db.Model):
    """A user sitting on a campaign's council; members score and vote, the chair also presides."""

    __tablename__ = "council_members"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    council_role: so.Mapped[CouncilRole] = so.mapped_column(_enum(CouncilRole, 10), default=CouncilRole.MEMBER)
    # Whether automatic assignment gives this member dossiers to score.
    scores_nominations: so.Mapped[bool] = so.mapped_column(default=True)
    added_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    campaign: so.Mapped["Campaign"] = so.relationship()  # noqa: F821
    user: so.Mapped["User"] = so.relationship()  # noqa: F821

    __table_args__ = (sa.UniqueConstraint("campaign_id", "user_id", name="uq_council_members_campaign_user"),)


class BallotStatus(str, enum.Enum):
    PREPARING = "preparing"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            BallotStatus.PREPARING: "Đang chuẩn bị",
            BallotStatus.OPEN: "Đang bỏ phiếu",
            BallotStatus.CLOSED: "Đã kiểm phiếu",
        }[self]


class CouncilBallot(db.Model):
    """One council meeting's secret ballot ("Bỏ phiếu kín") on shortlisted nominations for one award form.

    The voting rule is copied from the award form when the ballot opens, so a later edit of
    the form never changes a counted result.
    """

    __tablename__ = "council_ballots"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    award_form_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("award_forms.id", ondelete="RESTRICT"))
    status: so.Mapped[BallotStatus] = so.mapped_column(_enum(BallotStatus, 12), default=BallotStatus.PREPARING)
    meeting_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    meeting_time: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    meeting_place: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    # Typed by the secretary ("16:30"): the minutes print these, never the moment the ballot was closed.
    meeting_end_time: so.Mapped[str] = so.mapped_column(sa.String(40), default="", server_default="")
    # None: the meeting ended on the day it started.
    meeting_end_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    quorum_numerator: so.Mapped[int] = so.mapped_column(default=2)
    quorum_denominator: so.Mapped[int] = so.mapped_column(default=3)
    threshold_numerator: so.Mapped[int] = so.mapped_column(default=1)
    threshold_denominator: so.Mapped[int] = so.mapped_column(default=2)
    threshold_inclusive: so.Mapped[bool] = so.mapped_column(default=False)
    threshold_base: so.Mapped[ThresholdBase] = so.mapped_column(_enum(ThresholdBase, 12), default=ThresholdBase.PRESENT)
    count_written_opinions: so.Mapped[bool] = so.mapped_column(default=False)
    # The paper tally ("kiểm phiếu giấy") covers this many ballot papers.
    paper_ballots: so.Mapped[int] = so.mapped_column(default=0)
    minutes_year: so.Mapped[int | None] = so.mapped_column()
    minutes_number: so.Mapped[int | None] = so.mapped_column()
    # The minutes' issuer and document system as they stood at the close (dvkheo.council.issuer.letterhead).
    letterhead: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    # The vote ledger's head at the close (dvkheo.voting.checkpoint.capture), printed on the minutes: {} when the
    # campaign had no public vote or no batch; None for a ballot closed before the minutes printed it (nothing is).
    ledger_head: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    opened_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    closed_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))

    campaign: so.Mapped["Campaign"] = so.relationship()  # noqa: F821
    award_form: so.Mapped["AwardForm"] = so.relationship()  # noqa: F821
    attendances: so.Mapped[list["BallotAttendance"]] = so.relationship(
        back_populates="ballot", cascade="all, delete-orphan", order_by="BallotAttendance.id"
    )
    items: so.Mapped[list["BallotItem"]] = so.relationship(
        back_populates="ballot", cascade="all, delete-orphan", order_by="BallotItem.position"
    )

    __table_args__ = (sa.CheckConstraint("paper_ballots >= 0", name="paper_ballots_non_negative"),)


class BallotAttendance(db.Model):
    """Whether a member attended and how they voted (electronically or on paper), never what they chose."""

    __tablename__ = "ballot_attendances"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ballot_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("council_ballots.id", ondelete="CASCADE"))
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    council_role: so.Mapped[CouncilRole] = so.mapped_column(_enum(CouncilRole, 10), default=CouncilRole.MEMBER)
    present: so.Mapped[bool] = so.mapped_column(default=True)
    # "electronic", "paper" or "" (not yet voted / absent)
    vote_mode: so.Mapped[str] = so.mapped_column(sa.String(12), default="")
    has_voted: so.Mapped[bool] = so.mapped_column(default=False)
    written_opinion: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    written_opinion_on: so.Mapped[date | None] = so.mapped_column(sa.Date)

    ballot: so.Mapped[CouncilBallot] = so.relationship(back_populates="attendances")
    member: so.Mapped["User"] = so.relationship()  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("ballot_id", "member_id", name="uq_ballot_attendances_ballot_member"),
        sa.CheckConstraint("vote_mode IN ('', 'electronic', 'paper')", name="vote_mode_known"),
    )


class BallotItem(db.Model):
    """One nomination on the ballot with its anonymous counts; nothing here names a voter."""

    __tablename__ = "ballot_items"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ballot_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("council_ballots.id", ondelete="CASCADE"))
    nomination_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("nominations.id", ondelete="RESTRICT"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    agree_electronic: so.Mapped[int] = so.mapped_column(default=0)
    disagree_electronic: so.Mapped[int] = so.mapped_column(default=0)
    agree_paper: so.Mapped[int] = so.mapped_column(default=0)
    disagree_paper: so.Mapped[int] = so.mapped_column(default=0)
    agree_written: so.Mapped[int] = so.mapped_column(default=0)
    disagree_written: so.Mapped[int] = so.mapped_column(default=0)
    passed: so.Mapped[bool | None] = so.mapped_column()

    ballot: so.Mapped[CouncilBallot] = so.relationship(back_populates="items")
    nomination: so.Mapped["Nomination"] = so.relationship()  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("ballot_id", "nomination_id", name="uq_ballot_items_ballot_nomination"),
        sa.CheckConstraint(
            "agree_electronic >= 0 AND disagree_electronic >= 0 AND agree_paper >= 0 AND disagree_paper >= 0"
            " AND agree_written >= 0 AND disagree_written >= 0",
            name="counts_non_negative",
        ),
    )
