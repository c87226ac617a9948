"""Scoring past its deadline: once a campaign's review closing day has passed with sheets unfinished, its
secretaries and each late reviewer are told, once per campaign and deadline (`flask review notify-late`, daily).

The notices' links carry the deadline (`?qua_han=2026-12-21`), which is how a second run, the next day,
knows who was already told: a moved deadline that passes again is news, the same one is not.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.campaigns.models import Campaign, CampaignStatus
from dvkheo.core.notifications import Notification, notice_link, notify
from dvkheo.core.timeutil import format_date, today_in_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.review.models import AssignmentStatus, ReviewAssignment


def _late_sheets(today: date) -> dict[int, dict[int, int]]:
    """{campaign id: {reviewer id: unfinished sheets}} of campaigns in review past their closing day (one query)."""
    rows = db.session.execute(
        sa.select(Nomination.campaign_id, ReviewAssignment.reviewer_id, sa.func.count())
        .join(Nomination, ReviewAssignment.nomination_id == Nomination.id)
        .join(Campaign, Nomination.campaign_id == Campaign.id)
        .where(
            Campaign.status == CampaignStatus.REVIEW, Campaign.review_close_on < today,
            ReviewAssignment.status == AssignmentStatus.ACTIVE, ReviewAssignment.finalised_at.is_(None),
            Nomination.status == NominationState.IN_REVIEW,
        )
        .group_by(Nomination.campaign_id, ReviewAssignment.reviewer_id)
    )
    late: dict[int, dict[int, int]] = defaultdict(dict)
    for campaign_id, reviewer_id, count in rows:
        late[campaign_id][reviewer_id] = count
    return late


def notify_late(today: date | None = None) -> int:
    """Tell the secretaries and the late reviewers of every campaign whose scoring is overdue; returns notices sent.

    Side effects: at most one notice per person, campaign and deadline (emailed when mail is configured); commits.
    """
    today = today or today_in_vietnam()
    sent = 0
    for campaign_id, reviewers in _late_sheets(today).items():
        campaign = db.session.get(Campaign, campaign_id)
        deadline = campaign.review_close_on
        progress = notice_link("review.progress", campaign_id=campaign.id, qua_han=deadline.isoformat())
        queue = notice_link("review.queue", qua_han=deadline.isoformat(), dot=campaign.id)
        told = set(db.session.scalars(sa.select(Notification.user_id).where(Notification.link.in_((progress, queue)))))
        total = sum(reviewers.values())
        for secretary in access.campaign_staff(campaign, Role.SECRETARY):
            if secretary.id not in told:
                notify(
                    secretary,
                    f"Đợt “{campaign.title}” đã quá hạn chấm điểm ({format_date(deadline)}): còn {total} phiếu chấm "
                    f"của {len(reviewers)} thành viên Hội đồng chưa hoàn tất.",
                    progress,
                    subject="Phiếu chấm điểm quá hạn",
                )
                sent += 1
        for reviewer in db.session.scalars(sa.select(User).where(User.id.in_(reviewers), User.active.is_(True))):
            if reviewer.id not in told:
                notify(
                    reviewer,
                    f"Đã quá hạn chấm điểm đợt “{campaign.title}” ({format_date(deadline)}): bạn còn "
                    f"{reviewers[reviewer.id]} hồ sơ chưa hoàn tất chấm điểm.",
                    queue,
                    subject="Nhắc nhở: quá hạn chấm điểm hồ sơ “Dân vận khéo”",
                )
                sent += 1
    db.session.commit()
    return sent
