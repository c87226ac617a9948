"""A campaign that opens for nominations reaches every unit of its area (a background job: one notice a person).

A province's opening tells a few hundred officials; sending their emails one by one inside the secretary's
request would keep it waiting, so the view enqueues `announce_opening` once the opening is committed.
"""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.accounts.models import Role, User
from dvkheo.campaigns.models import Campaign, CampaignStatus
from dvkheo.core.notifications import Notification, notice_link, notify
from dvkheo.core.timeutil import format_date
from dvkheo.extensions import db
from dvkheo.units.models import Unit, subtree_condition


def opening_link(campaign: Campaign) -> str:
    """Where the notice leads: the choice of campaign to nominate in (the campaign named, so a notice is never sent twice)."""
    return notice_link("nominations.new", campaign=campaign.id)


def announce_opening(campaign_id: int) -> int:
    """Background job: tell the active unit officials inside the campaign's area that it takes nominations.

    Side effects: one notice (emailed when mail is configured) per official not yet told of this campaign
    (reopening after a return to draft tells nobody twice); commits. Returns how many were told.
    """
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status is not CampaignStatus.NOMINATIONS_OPEN:
        return 0
    link = opening_link(campaign)
    told = sa.select(Notification.user_id).where(Notification.link == link)
    officials = db.session.scalars(
        sa.select(User)
        .join(Unit, User.unit_id == Unit.id)
        .where(
            User.role == Role.UNIT_SUBMITTER, User.active.is_(True), Unit.active.is_(True),
            subtree_condition(campaign.organising_unit), User.id.not_in(told),
        )
        .order_by(User.id)
    ).all()
    deadline = f" Hạn nộp hồ sơ: {format_date(campaign.nominations_close_on)}." if campaign.nominations_close_on else ""
    for official in officials:
        notify(
            official,
            f"Đợt bình xét “{campaign.title}” đang nhận hồ sơ đề nghị của đơn vị.{deadline}",
            link,
            subject="Đợt bình xét “Dân vận khéo” đang nhận hồ sơ",
        )
    db.session.commit()
    return len(officials)
