from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db


class ReferenceKind(str, enum.Enum):
    """The editable lists that rules refer to, seeded from domain.md."""

    FIELD = "field"
    COLLECTIVE_TYPE = "collective_type"
    INDIVIDUAL_CATEGORY = "individual_category"

    @property
    def label(self) -> str:
        return {
            ReferenceKind.FIELD: "Lĩnh vực",
            ReferenceKind.COLLECTIVE_TYPE: "Loại hình tập thể",
            ReferenceKind.INDIVIDUAL_CATEGORY: "Đối tượng cá nhân",
        }[self]


class NomineeKind(str, enum.Enum):
    COLLECTIVE = "collective"
    INDIVIDUAL = "individual"

    @property
    def label(self) -> str:
        return "Tập thể" if self is NomineeKind.COLLECTIVE else "Cá nhân"

    @property
    def model_label(self) -> str:
        return "Mô hình" if self is NomineeKind.COLLECTIVE else "Điển hình"


class VoterVerification(str, enum.Enum):
    """How a person proves who they are before voting online."""

    EMAIL_CODE = "email_code"
    VOTER_LIST = "voter_list"

    @property
    def label(self) -> str:
        return {
            VoterVerification.EMAIL_CODE: "Mã xác thực gửi qua thư điện tử",
            VoterVerification.VOTER_LIST: "Đối chiếu danh sách cử tri của địa phương",
        }[self]


class CampaignStatus(str, enum.Enum):
    DRAFT = "draft"
    NOMINATIONS_OPEN = "nominations_open"
    REVIEW = "review"
    PUBLIC_VOTING = "public_voting"
    COUNCIL_DECISION = "council_decision"
    AWARDED = "awarded"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return CAMPAIGN_STATUS_LABELS[self]


CAMPAIGN_STATUS_LABELS = {
    CampaignStatus.DRAFT: "Đang chuẩn bị",
    CampaignStatus.NOMINATIONS_OPEN: "Đang nhận hồ sơ",
    CampaignStatus.REVIEW: "Sơ loại và chấm điểm",
    CampaignStatus.PUBLIC_VOTING: "Công khai lấy ý kiến, bình chọn",
    CampaignStatus.COUNCIL_DECISION: "Hội đồng xét chọn",
    CampaignStatus.AWARDED: "Đã khen thưởng và công bố",
    CampaignStatus.CLOSED: "Đã kết thúc",
}


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes that were stored as UTC."""
    from datetime import timezone

    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def _enum(enum_cls: type[enum.Enum], length: int = 30) -> sa.Enum:
    return sa.Enum(enum_cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class ReferenceItem(db.Model):
    __tablename__ = "reference_items"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[ReferenceKind] = so.mapped_column(_enum(ReferenceKind), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(60))
    name: so.Mapped[str] = so.mapped_column(sa.String(255))
    position: so.Mapped[int] = so.mapped_column(default=0)
    active: so.Mapped[bool] = so.mapped_column(default=True)

    __table_args__ = (sa.UniqueConstraint("kind", "code", name="uq_reference_items_kind_code"),)

    def __repr__(self) -> str:
        return f"<ReferenceItem {self.kind.value}:{self.code}>"


campaign_fields = sa.Table(
    "campaign_fields",
    db.metadata,
    sa.Column("campaign_id", sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("field_id", sa.ForeignKey("reference_items.id", ondelete="RESTRICT"), primary_key=True),
)


class Campaign(db.Model):
    """An "Đợt bình xét": organised by one unit, open to the subtree under it."""

    __tablename__ = "campaigns"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organising_unit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    year: so.Mapped[int] = so.mapped_column()
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    status: so.Mapped[CampaignStatus] = so.mapped_column(_enum(CampaignStatus), default=CampaignStatus.DRAFT)
    # Phase dates are calendar days in Asia/Ho_Chi_Minh, inclusive.
    nominations_open_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    nominations_close_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    review_close_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    public_voting_open_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    public_voting_close_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    decision_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    allow_collective: so.Mapped[bool] = so.mapped_column(default=True)
    allow_individual: so.Mapped[bool] = so.mapped_column(default=True)
    # The unit's own public review must show more than this percentage of votes cast in favour.
    public_review_threshold_percent: so.Mapped[int] = so.mapped_column(default=50)
    # Review and council settings ("Chấm điểm và Hội đồng")
    reviewers_per_nomination: so.Mapped[int] = so.mapped_column(default=2, server_default="2")
    # A reviewer sees colleagues' scores only once their own are final, so nobody anchors on others.
    blind_scoring: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    comments_required: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    # Reviewers' totals further apart than this many points flag the nomination for discussion.
    disagreement_threshold: so.Mapped[int] = so.mapped_column(default=15, server_default="15")
    use_normalised_score: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # Without a public stage the council votes right after the shortlist.
    has_public_stage: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    # Public voting ("Bình chọn") settings
    voter_verification: so.Mapped[VoterVerification] = so.mapped_column(
        _enum(VoterVerification, 20), default=VoterVerification.EMAIL_CODE, server_default=VoterVerification.EMAIL_CODE.value
    )
    assisted_voting: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    votes_per_voter: so.Mapped[int] = so.mapped_column(default=3, server_default="3")
    vote_withdrawal_allowed: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    # Exact opening and closing moments; when empty, the public voting dates (whole days in Vietnam) apply.
    voting_opens_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    voting_closes_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    live_tallies: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    publish_objection_answers: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    # Share of the public vote in the combined score the council sees (0: the vote is advisory only).
    public_vote_share_percent: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # Personal data (Law 91/2025/QH15): days kept after the results are published, then purged
    # by `flask privacy purge` (dvkheo/privacy/purge.py).
    voter_data_retention_days: so.Mapped[int] = so.mapped_column(default=90, server_default="90")
    objector_data_retention_days: so.Mapped[int] = so.mapped_column(default=180, server_default="180")
    results_published_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    voter_data_purged_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    objector_data_purged_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # The council as its minutes and scoring sheets name it (dvkheo.council.issuer); empty: a default derived
    # from the award form that issues, so campaigns made before these fields existed still print sensibly.
    council_name: so.Mapped[str] = so.mapped_column(sa.String(300), default="", server_default="")
    # The agency that set the council up, above "HỘI ĐỒNG XÉT CHỌN" in the header (never a place).
    council_parent_body: so.Mapped[str] = so.mapped_column(sa.String(255), default="", server_default="")
    council_code: so.Mapped[str] = so.mapped_column(sa.String(40), default="HĐXC", server_default="HĐXC")
    # None: the system of the award form being voted on (the council writes like the body that set it up).
    council_document_system_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("document_systems.id", ondelete="RESTRICT")
    )
    # "Nơi nhận" of the minutes, one recipient a line; empty: the council's members and the issuing body.
    council_recipients: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")

    organising_unit: so.Mapped["Unit"] = so.relationship()  # noqa: F821
    council_document_system: so.Mapped["DocumentSystem | None"] = so.relationship()  # noqa: F821
    allowed_fields: so.Mapped[list[ReferenceItem]] = so.relationship(
        secondary=campaign_fields, order_by=ReferenceItem.position
    )
    criteria: so.Mapped[list["Criterion"]] = so.relationship(
        back_populates="campaign", order_by="Criterion.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "public_review_threshold_percent >= 0 AND public_review_threshold_percent <= 100",
            name="threshold_percent_range",
        ),
        sa.CheckConstraint(
            "nominations_open_on IS NULL OR nominations_close_on IS NULL OR nominations_open_on <= nominations_close_on",
            name="nomination_window_order",
        ),
        sa.CheckConstraint(
            "reviewers_per_nomination >= 1 AND reviewers_per_nomination <= 15", name="reviewers_per_nomination_range"
        ),
        sa.CheckConstraint("disagreement_threshold >= 0", name="disagreement_threshold_non_negative"),
        sa.CheckConstraint("votes_per_voter >= 1 AND votes_per_voter <= 100", name="votes_per_voter_range"),
        sa.CheckConstraint(
            "public_vote_share_percent >= 0 AND public_vote_share_percent <= 100", name="public_vote_share_range"
        ),
        sa.CheckConstraint(
            "voter_data_retention_days >= 0 AND objector_data_retention_days >= 0", name="retention_days_non_negative"
        ),
    )

    @property
    def allowed_kinds(self) -> list[NomineeKind]:
        kinds = []
        if self.allow_collective:
            kinds.append(NomineeKind.COLLECTIVE)
        if self.allow_individual:
            kinds.append(NomineeKind.INDIVIDUAL)
        return kinds

    def accepts_nominations(self, on: date | None = None) -> bool:
        on = on or today_in_vietnam()
        if self.status is not CampaignStatus.NOMINATIONS_OPEN:
            return False
        if self.nominations_open_on and on < self.nominations_open_on:
            return False
        if self.nominations_close_on and on > self.nominations_close_on:
            return False
        return True

    @so.validates("voting_opens_at", "voting_closes_at")
    def _store_in_utc(self, key: str, moment: datetime | None) -> datetime | None:
        # SQLite keeps no zone: store every moment in UTC, as `_aware` reads it back.
        from datetime import timezone

        if moment is not None and moment.tzinfo is not None:
            return moment.astimezone(timezone.utc)
        return moment

    def voting_window(self) -> tuple[datetime | None, datetime | None]:
        """(opens, closes) as aware datetimes: the exact moments if set, else whole days in Vietnam."""
        from datetime import time

        from dvkheo.core.timeutil import VIETNAM_TZ

        opens, closes = self.voting_opens_at, self.voting_closes_at
        if opens is None and self.public_voting_open_on is not None:
            opens = datetime.combine(self.public_voting_open_on, time.min, VIETNAM_TZ)
        if closes is None and self.public_voting_close_on is not None:
            closes = datetime.combine(self.public_voting_close_on, time.max, VIETNAM_TZ)
        return _aware(opens), _aware(closes)

    def voting_open(self, at: datetime | None = None) -> bool:
        """Votes are taken while the campaign is in its public phase and inside the window (ends inclusive)."""
        if self.status is not CampaignStatus.PUBLIC_VOTING:
            return False
        at = at or utcnow()
        opens, closes = self.voting_window()
        return (opens is None or at >= opens) and (closes is None or at <= closes)

    @property
    def max_total_score(self) -> int:
        return sum(c.max_score for c in self.criteria)

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.title}>"


class Criterion(db.Model):
    """One line of a campaign's rubric ("Tiêu chí" with its maximum "Điểm")."""

    __tablename__ = "criteria"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    max_score: so.Mapped[int] = so.mapped_column()

    campaign: so.Mapped[Campaign] = so.relationship(back_populates="criteria")

    __table_args__ = (sa.CheckConstraint("max_score > 0", name="max_score_positive"),)
