from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.campaigns.models import _enum
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db


class ThresholdBase(str, enum.Enum):
    """What the council's pass threshold is a share of."""

    PRESENT = "present"
    MEMBERSHIP = "membership"

    @property
    def label(self) -> str:
        return {
            ThresholdBase.PRESENT: "Số thành viên có mặt biểu quyết",
            ThresholdBase.MEMBERSHIP: "Tổng số thành viên Hội đồng",
        }[self]


class AwardForm(db.Model):
    """A form of commendation a campaign offers ("Giấy khen", "Bằng khen") and the council vote it needs.

    Fractions are stored as numerator/denominator so that "2/3" is exact: 4 of 6 members is a quorum.
    """

    __tablename__ = "award_forms"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    position: so.Mapped[int] = so.mapped_column(default=0)
    quorum_numerator: so.Mapped[int] = so.mapped_column(default=2)
    quorum_denominator: so.Mapped[int] = so.mapped_column(default=3)
    threshold_numerator: so.Mapped[int] = so.mapped_column(default=1)
    threshold_denominator: so.Mapped[int] = so.mapped_column(default=2)
    # False: more than the fraction ("quá bán"); True: at least the fraction ("từ 90% trở lên").
    threshold_inclusive: so.Mapped[bool] = so.mapped_column(default=False)
    threshold_base: so.Mapped[ThresholdBase] = so.mapped_column(_enum(ThresholdBase, 12), default=ThresholdBase.PRESENT)
    # Absent members' written opinions ("ý kiến bằng văn bản") count as votes when this is set.
    count_written_opinions: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    campaign: so.Mapped["Campaign"] = so.relationship()  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "name", name="uq_award_forms_campaign_name"),
        sa.CheckConstraint(
            "quorum_numerator >= 0 AND quorum_denominator > 0 AND quorum_numerator <= quorum_denominator",
            name="quorum_fraction",
        ),
        sa.CheckConstraint(
            "threshold_numerator >= 0 AND threshold_denominator > 0 AND threshold_numerator <= threshold_denominator",
            name="threshold_fraction",
        ),
    )
