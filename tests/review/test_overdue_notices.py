"""Scoring past its deadline reaches the secretary and each late reviewer once (`flask review notify-late`, daily)."""
from __future__ import annotations

from datetime import timedelta

from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review.models import ReviewAssignment
from tests.mail_outbox import PUBLIC_BASE_URL, notices_of, outbox  # noqa: F401


def test_late_scoring_is_told_once_per_deadline(runner, secretary, make_member, make_dossier, review_campaign, outbox):
    deadline = today_in_vietnam() - timedelta(days=1)
    review_campaign.review_close_on = deadline
    late, finished = make_member(full_name="Người Chấm Trễ"), make_member(full_name="Người Xong Việc")
    for _ in range(2):
        dossier = make_dossier(NominationState.IN_REVIEW)
        db.session.add(ReviewAssignment(nomination=dossier, reviewer=late))
        db.session.add(ReviewAssignment(nomination=dossier, reviewer=finished, finalised_at=utcnow()))
    db.session.commit()

    result = runner.invoke(args=["review", "notify-late"])

    assert "Đã gửi 2 thông báo phiếu chấm quá hạn." in result.output
    [to_secretary] = notices_of(secretary)
    assert to_secretary.message == (
        f"Đợt “{review_campaign.title}” đã quá hạn chấm điểm ({deadline.strftime('%d/%m/%Y')}): còn 2 phiếu chấm "
        "của 1 thành viên Hội đồng chưa hoàn tất."
    )
    assert to_secretary.link.startswith(f"/review/campaigns/{review_campaign.id}/progress?")
    [mail] = outbox(secretary)
    assert f"{PUBLIC_BASE_URL}/review/campaigns/{review_campaign.id}/progress?" in mail.body
    [to_reviewer] = notices_of(late)
    assert "bạn còn 2 hồ sơ chưa hoàn tất chấm điểm" in to_reviewer.message and to_reviewer.link.startswith("/review/queue?")
    assert notices_of(finished) == []

    again = runner.invoke(args=["review", "notify-late"])

    assert "Không có phiếu chấm quá hạn nào cần báo thêm." in again.output
    assert len(notices_of(secretary)) == 1 and len(notices_of(late)) == 1


def test_nothing_is_told_before_the_deadline_passes(runner, secretary, make_member, make_dossier, review_campaign):
    review_campaign.review_close_on = today_in_vietnam()
    reviewer = make_member()
    db.session.add(ReviewAssignment(nomination=make_dossier(NominationState.IN_REVIEW), reviewer=reviewer))
    db.session.commit()

    runner.invoke(args=["review", "notify-late"])

    assert notices_of(secretary) == [] and notices_of(reviewer) == []
