"""Data subjects' requests: the public form, the secretary's queue (deadline, overdue), each step of the
handling through the transition table, erasure by email, access by role, and a fixed query count."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.audit import AuditEvent
from dvkheo.core.notifications import Notification
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.privacy import requests
from dvkheo.privacy.models import DataRequest, RequestKind, RequestStatus
from dvkheo.voting import ledger
from dvkheo.voting.identity import email_hash
from dvkheo.voting.models import Objection, VoteChannel, Voter
from tests.conftest import PASSWORD

EMAIL = "Nguoi.Yeu.Cau@Example.vn"
FORM = {"requester_name": "Nguyễn Văn Yêu Cầu", "requester_contact": EMAIL, "kind": "delete",
        "details": "Xin xóa thư điện tử của tôi.", "website": ""}


def post_request(client, campaign, **overrides):
    return client.post("/quyen-rieng-tu/yeu-cau", data={**FORM, "campaign_id": str(campaign.id), **overrides})


def only_request() -> DataRequest:
    return db.session.scalars(sa.select(DataRequest)).one()


def make_request(campaign, kind=RequestKind.DELETE, contact=EMAIL, **fields) -> DataRequest:
    item = requests.submit(campaign, kind, "Người Yêu Cầu", contact, "")
    for name, value in fields.items():
        setattr(item, name, value)
    db.session.commit()
    return item


@pytest.fixture
def secretary(make_user, voting_campaign):
    return make_user(Role.SECRETARY, voting_campaign.organising_unit)


def login(client, user):
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


# --- the public form --------------------------------------------------------------------------


def test_form_shows_notice_and_deadline(client, voting_campaign):
    html = client.get("/quyen-rieng-tu/yeu-cau").get_data(as_text=True)
    assert "Yêu cầu về dữ liệu cá nhân" in html and "15 ngày" in html
    assert "Thực hiện nghĩa vụ theo Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15" in html
    assert voting_campaign.title in html


def test_invalid_request_is_refused_and_keeps_what_was_typed(client, voting_campaign):
    response = post_request(client, voting_campaign, requester_contact="không phải liên hệ", kind="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Thư điện tử hoặc số điện thoại không hợp lệ" in html and "Vui lòng chọn điều bạn yêu cầu." in html
    assert 'value="Nguyễn Văn Yêu Cầu"' in html and "Xin xóa thư điện tử của tôi." in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DataRequest)) == 0


def test_correction_needs_details(client, voting_campaign):
    response = post_request(client, voting_campaign, kind="correct", details="")
    assert response.status_code == 422 and "ghi rõ thông tin nào chưa đúng" in response.get_data(as_text=True)


def test_request_is_recorded_with_deadline_audited_and_secretary_notified(client, voting_campaign, secretary):
    response = post_request(client, voting_campaign)
    assert response.status_code == 303
    item = only_request()
    assert (item.kind, item.status, item.requester_contact) == (RequestKind.DELETE, RequestStatus.RECEIVED, EMAIL)
    assert abs((item.due_at - item.created_at) - timedelta(days=15)) < timedelta(seconds=1)
    follow = client.get("/quyen-rieng-tu/yeu-cau").get_data(as_text=True)
    assert f"DL-{item.id:06d}" in follow and "chậm nhất ngày" in follow
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "data_request")).one()
    assert event.action == "create" and EMAIL not in str(event.details)
    note = db.session.scalars(sa.select(Notification).where(Notification.user_id == secretary.id)).one()
    assert f"DL-{item.id:06d}" in note.message and EMAIL not in note.message and "Nguyễn Văn" not in note.message


def test_honeypot_records_nothing(client, voting_campaign):
    assert post_request(client, voting_campaign, website="http://spam").status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DataRequest)) == 0


# --- the queue -------------------------------------------------------------------------------


def test_queue_highlights_overdue_requests(client, voting_campaign, secretary):
    late = make_request(voting_campaign, due_at=utcnow() - timedelta(days=1))
    on_time = make_request(voting_campaign, kind=RequestKind.ACCESS)
    login(client, secretary)
    html = client.get("/quan-ly/yeu-cau-du-lieu").get_data(as_text=True)
    assert f"DL-{late.id:06d}" in html and f"DL-{on_time.id:06d}" in html
    assert html.count('class="overdue"') == 1 and "Quá hạn" in html
    assert html.index(f"DL-{late.id:06d}") < html.index(f"DL-{on_time.id:06d}")  # soonest deadline first


ACCESS = {  # role, own committee? -> (queue, detail)
    (Role.SECRETARY, True): (200, 200),
    (Role.SECRETARY, False): (200, 404),
    (Role.CHAIR, True): (403, 404),
    (Role.ADMIN, False): (200, 200),
    (Role.REVIEWER, True): (403, 404),
    (Role.UNIT_SUBMITTER, True): (403, 404),
}


@pytest.mark.parametrize(("role", "own"), list(ACCESS))
def test_access_by_role(client, make_user, make_unit, voting_campaign, role, own):
    item = make_request(voting_campaign)
    unit = None if role is Role.ADMIN else (voting_campaign.organising_unit if own else make_unit(kind="province"))
    user = make_user(role, unit)
    login(client, user)
    queue_status, detail_status = ACCESS[(role, own)]
    queue = client.get("/quan-ly/yeu-cau-du-lieu")
    assert queue.status_code == queue_status
    if queue_status == 200:
        assert (f"DL-{item.id:06d}" in queue.get_data(as_text=True)) == (detail_status == 200)
    assert client.get(f"/quan-ly/yeu-cau-du-lieu/{item.id}").status_code == detail_status
    response = client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/start")
    assert response.status_code in ((303,) if detail_status == 200 else (404,))


def test_anonymous_is_sent_to_login(client, voting_campaign):
    item = make_request(voting_campaign)
    assert client.get(f"/quan-ly/yeu-cau-du-lieu/{item.id}").status_code == 302
    assert client.get("/quan-ly/yeu-cau-du-lieu").status_code == 302


def test_queue_query_count_does_not_grow(client, make_user, make_campaign, make_unit, voting_campaign, count_queries):
    admin = make_user(Role.ADMIN)
    login(client, admin)

    def measure() -> int:
        with count_queries() as counter:
            assert client.get("/quan-ly/yeu-cau-du-lieu").status_code == 200
        return counter.count

    for _ in range(3):
        make_request(voting_campaign)
    small = measure()
    for number in range(20):
        other = make_campaign(organising_unit=make_unit(kind="province"), title=f"Đợt khác {number}")
        make_request(other, kind=RequestKind.ACCESS)
    assert measure() == small


# --- the steps --------------------------------------------------------------------------------


def events(item) -> list[tuple]:
    return [(e.action, e.from_state, e.to_state) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "data_request", AuditEvent.entity_id == item.id)
        .order_by(AuditEvent.id))]


def test_start_then_answer(client, voting_campaign, secretary):
    item = make_request(voting_campaign, kind=RequestKind.ACCESS)
    login(client, secretary)
    page = client.get(f"/quan-ly/yeu-cau-du-lieu/{item.id}").get_data(as_text=True)
    assert "Xóa, ẩn danh dữ liệu" not in page  # no erasure for an access request
    assert client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/start").status_code == 303
    empty = client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/complete", data={"answer": "  "})
    assert empty.status_code == 422 and requests.ANSWER_REQUIRED in empty.get_data(as_text=True)
    assert client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/erase").status_code == 422
    done = client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/complete", data={"answer": "Đã gửi bản sao qua thư điện tử."})
    assert done.status_code == 303
    db.session.refresh(item)
    assert (item.status, item.answer, item.handled_by_id) == (RequestStatus.DONE, "Đã gửi bản sao qua thư điện tử.", secretary.id)
    assert events(item) == [("create", None, "received"), ("start", "received", "in_progress"), ("complete", "in_progress", "done")]
    again = client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/refuse", data={"answer": "Lý do"})
    assert again.status_code == 422 and "không thể" in again.get_data(as_text=True)


def test_refusal_needs_and_keeps_a_reason(client, voting_campaign, secretary):
    item = make_request(voting_campaign)
    login(client, secretary)
    assert client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/refuse", data={"answer": ""}).status_code == 422
    reason = "Dữ liệu cần giữ để giải quyết khiếu nại đang có (Điều 16 Luật 91/2025/QH15)."
    assert client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/refuse", data={"answer": reason}).status_code == 303
    db.session.refresh(item)
    assert item.status is RequestStatus.REFUSED
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "refuse")).one()
    assert event.reason == reason


def test_every_table_row_leads_somewhere_known():
    for (state, action), step in requests.TRANSITIONS.items():
        assert state in RequestStatus and step.target in RequestStatus and action in requests.RequestAction


@pytest.fixture
def voted(voting_campaign, make_nominee):
    """The requester voted by email and sent an objection with the same address; another person too."""
    nominee = make_nominee()
    mine = Voter(campaign=voting_campaign, identity_key=f"email:{email_hash(EMAIL)}")
    other = Voter(campaign=voting_campaign, identity_key=f"email:{email_hash('khac@example.vn')}")
    db.session.add_all([mine, other])
    db.session.add_all([
        Objection(campaign_id=voting_campaign.id, nomination_id=nominee.id, author_name="Tôi", author_contact=EMAIL.lower(),
                  content="Nội dung phản ánh của tôi."),
        Objection(campaign_id=voting_campaign.id, nomination_id=nominee.id, author_name="Người khác",
                  author_contact="0905 111 222", content="Nội dung phản ánh khác."),
    ])
    db.session.commit()
    for voter in (mine, other):
        ledger.cast(voting_campaign, voter, nominee, VoteChannel.ONLINE)
        db.session.commit()
    return {"mine": mine, "other": other, "nominee": nominee}


def test_erasure_waits_for_the_end_of_voting(client, voting_campaign, secretary, voted):
    item = make_request(voting_campaign)
    login(client, secretary)
    response = client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/erase")
    assert response.status_code == 422 and "đang trong thời gian bình chọn" in response.get_data(as_text=True)
    db.session.refresh(voted["mine"])
    assert voted["mine"].anonymised_at is None


def test_erasure_anonymises_the_requesters_records_and_keeps_the_count(client, voting_campaign, secretary, voted):
    before = ledger.verify(voting_campaign.id)
    voting_campaign.status = CampaignStatus.COUNCIL_DECISION
    db.session.commit()
    item = make_request(voting_campaign)
    login(client, secretary)
    page = client.get(f"/quan-ly/yeu-cau-du-lieu/{item.id}").get_data(as_text=True)
    assert "1 người bình chọn (theo thư điện tử), 1 phản ánh" in page
    assert client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/erase").status_code == 303
    db.session.expire_all()
    mine, other = db.session.get(Voter, voted["mine"].id), db.session.get(Voter, voted["other"].id)
    assert mine.identity_key == f"purged:{mine.id}" and mine.anonymised_at is not None
    assert other.identity_key.startswith("email:")
    names = dict(db.session.execute(sa.select(Objection.content, Objection.author_name)).tuples().all())
    assert names == {"Nội dung phản ánh của tôi.": "", "Nội dung phản ánh khác.": "Người khác"}
    after = ledger.verify(voting_campaign.id)
    assert after.ok and after.tallies == before.tallies
    db.session.refresh(item)
    assert item.status is RequestStatus.IN_PROGRESS and item.erased_at is not None
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "erase")).one()
    assert event.details == {"voters": 1, "objections": 1, "email_codes": 0} and event.actor_id == secretary.id
    assert client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/erase").status_code == 422  # only once
    assert client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/complete", data={"answer": "Đã xóa."}).status_code == 303


def test_answered_requests_lose_their_contact_after_three_years(runner, voting_campaign):
    old = make_request(voting_campaign, status=RequestStatus.DONE, answer="Đã xóa.",
                       answered_at=utcnow() - timedelta(days=3 * 365 + 1))
    recent = make_request(voting_campaign, status=RequestStatus.DONE, answer="Đã xóa.", answered_at=utcnow() - timedelta(days=30))
    waiting = make_request(voting_campaign, created_at=utcnow() - timedelta(days=4 * 365))
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0 and "của 1 yêu cầu" in result.output
    db.session.expire_all()
    assert (old.requester_name, old.requester_contact) == ("", "")
    assert recent.requester_contact == EMAIL and waiting.requester_contact == EMAIL


def test_public_form_is_rate_limited_per_address(client, app, voting_campaign):
    from dvkheo.extensions import limiter

    app.config["DATA_REQUEST_RATE_LIMIT"] = "2 per minute"
    try:
        assert [post_request(client, voting_campaign).status_code for _ in range(3)] == [303, 303, 429]
    finally:
        app.config["DATA_REQUEST_RATE_LIMIT"] = "1000 per minute"
        limiter.reset()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DataRequest)) == 2
