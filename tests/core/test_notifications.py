"""Reminders from the progress page and the user's notifications page."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.core.audit import AuditEvent
from dvkheo.core.notifications import Notification, notify
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review import assignment as ops
from tests.conftest import PASSWORD
from tests.review import conftest as review_fixtures
from tests.review.conftest import give_scores

# The committee's fixtures, shared from tests/review (pytest finds fixtures bound in the module).
review_campaign = review_fixtures.review_campaign
secretary = review_fixtures.secretary
make_member = review_fixtures.make_member
make_commune = review_fixtures.make_commune
make_dossier = review_fixtures.make_dossier


def switch_to(client, user):
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def setup_progress(secretary, make_member, make_dossier):
    """Three members: one finished, one half-way, one not started."""
    done, halfway, idle = (make_member(full_name=name) for name in ("Người Xong Việc", "Người Làm Dở", "Người Chưa Làm"))
    first = make_dossier(NominationState.SCORED)
    give_scores(first, done, [20, 20, 20, 10, 8])
    second = make_dossier(NominationState.ACCEPTED)
    ops.assign(second, halfway, secretary)
    ops.assign(second, idle, secretary)
    db.session.commit()
    return done, halfway, idle


def reminded() -> list[int]:
    """Who got a reminder (the assignments of `setup_progress` sent their own notices before)."""
    return db.session.scalars(
        sa.select(Notification.user_id).where(Notification.message.startswith("Nhắc nhở")).order_by(Notification.id)
    ).all()


def test_remind_all_notifies_only_unfinished_reviewers(client, auth, secretary, make_member, make_dossier, review_campaign):
    done, halfway, idle = setup_progress(secretary, make_member, make_dossier)
    auth.login(secretary)

    page = client.post(f"/review/campaigns/{review_campaign.id}/progress/remind", follow_redirects=True).get_data(as_text=True)

    assert "Đã gửi nhắc nhở tới 2 thành viên chưa hoàn thành chấm điểm." in page
    assert sorted(reminded()) == sorted([halfway.id, idle.id])
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "remind"))
    assert (event.entity_type, event.entity_id, event.actor_id) == ("campaign", review_campaign.id, secretary.id)
    assert sorted(event.details["reviewer_ids"]) == sorted([halfway.id, idle.id])


def test_remind_one_reviewer(client, auth, secretary, make_member, make_dossier, review_campaign):
    done, halfway, idle = setup_progress(secretary, make_member, make_dossier)
    auth.login(secretary)

    client.post(f"/review/campaigns/{review_campaign.id}/progress/remind", data={"reviewer_id": idle.id})
    client.post(f"/review/campaigns/{review_campaign.id}/progress/remind", data={"reviewer_id": done.id})

    assert reminded() == [idle.id]


def test_progress_page_counts_per_reviewer(client, auth, secretary, make_member, make_dossier, review_campaign):
    setup_progress(secretary, make_member, make_dossier)
    auth.login(secretary)

    page = client.get(f"/review/campaigns/{review_campaign.id}/progress").get_data(as_text=True)

    assert "Đã hoàn tất 1/3 phiếu chấm (33%)" in page
    assert "Người Xong Việc" in page and "Nhắc tất cả thành viên chưa hoàn thành" in page
    assert page.count(">Nhắc nhở</button>") == 2


def test_chair_sees_progress_but_cannot_remind(client, login_as, secretary, make_member, make_dossier, review_campaign):
    from dvkheo.accounts.models import Role

    setup_progress(secretary, make_member, make_dossier)
    login_as(Role.CHAIR, review_campaign.organising_unit)

    page = client.get(f"/review/campaigns/{review_campaign.id}/progress")
    assert page.status_code == 200 and "Nhắc tất cả" not in page.get_data(as_text=True)
    assert client.post(f"/review/campaigns/{review_campaign.id}/progress/remind").status_code == 403
    assert reminded() == []


def test_notifications_page_shows_reminders_newest_first_and_marks_read(client, auth, secretary, make_member, make_dossier, review_campaign):
    done, halfway, idle = setup_progress(secretary, make_member, make_dossier)
    notify(idle, "Thông báo cũ hơn", "/review/queue")
    db.session.commit()
    auth.login(secretary)
    client.post(f"/review/campaigns/{review_campaign.id}/progress/remind")
    switch_to(client, idle)

    page = client.get("/notifications").get_data(as_text=True)
    # The assignment's own notice, the older one, the reminder.
    assert "Bạn có 3 thông báo chưa đọc." in page
    assert page.index("Nhắc nhở: bạn còn 1 hồ sơ chưa hoàn tất chấm điểm") < page.index("Thông báo cũ hơn")
    assert page.index("Thông báo cũ hơn") < page.index("Bạn được phân công chấm điểm")
    assert page.count('class="unread"') == 3

    page = client.post("/notifications/read", follow_redirects=True).get_data(as_text=True)
    assert "Đã đánh dấu 3 thông báo là đã đọc." in page and 'class="unread"' not in page
    unread = db.session.scalars(sa.select(Notification.user_id).where(Notification.read_at.is_(None))).all()
    assert set(unread) == {halfway.id}  # only the user's own notices


def test_opening_a_notification_marks_it_read_and_goes_to_its_target(client, auth, make_member, make_user):
    reviewer, other = make_member(), make_member()
    mine = notify(reviewer, "Bạn được phân công chấm điểm", "/review/queue")
    theirs = notify(other, "Không phải của bạn", "/review/queue")
    db.session.commit()
    auth.login(reviewer)
    page = client.get("/notifications").get_data(as_text=True)
    assert f'<form method="post" action="/notifications/{mine.id}/open"' in page

    assert client.get(f"/notifications/{mine.id}/open").status_code == 405  # a GET (a prefetched link) changes nothing
    db.session.refresh(mine)
    assert mine.read_at is None
    response = client.post(f"/notifications/{mine.id}/open")
    assert response.status_code == 302 and response.headers["Location"].endswith("/review/queue")
    db.session.refresh(mine)
    assert mine.read_at is not None

    assert client.post(f"/notifications/{theirs.id}/open").status_code == 404
    assert "Không phải của bạn" not in client.get("/notifications").get_data(as_text=True)


def test_notifications_page_requires_login(client):
    response = client.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
