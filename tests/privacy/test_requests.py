"""Data subjects' requests: the public form, the owner's confirmation by emailed link (or the secretary's
identity check for a phone), the secretary's queue (deadline, overdue, huge page numbers), each step of the
handling through the transition table, erasure by email, access by role, and a fixed query count."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.audit import AuditEvent
from dvkheo.core.notifications import Notification, OutboxMessage
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
    environ = overrides.pop("environ_base", {})
    return client.post("/quyen-rieng-tu/yeu-cau", data={**FORM, "campaign_id": str(campaign.id), **overrides}, environ_base=environ)


def only_request() -> DataRequest:
    return db.session.scalars(sa.select(DataRequest)).one()


def make_request(campaign, kind=RequestKind.DELETE, contact=EMAIL, confirmed=True, **fields) -> DataRequest:
    """A request as filed on the public form; by default its owner has already opened the emailed link."""
    item = requests.submit(campaign, kind, "Người Yêu Cầu", contact, "")
    if confirmed and item.awaiting_confirmation:
        assert requests.confirm(item)
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


def mails_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == address).order_by(OutboxMessage.id)))


def confirm_path(address: str = EMAIL) -> str:
    """The path of the confirmation link in the last mail sent to `address` (checked to be absolute)."""
    link = re.search(r"(https?://\S+/quyen-rieng-tu/xac-nhan/\S+)", mails_to(address)[-1].body).group(1)
    return "/quyen-rieng-tu/xac-nhan/" + link.rsplit("/quyen-rieng-tu/xac-nhan/", 1)[1]


def click_confirm(client, path: str):
    page = client.get(path)
    assert page.status_code == 200 and "Xác nhận yêu cầu" in page.get_data(as_text=True)
    return client.post(path)


INVALID_LINK = "Đường dẫn xác nhận không đúng, đã hết hạn hoặc đã được sử dụng."
ASK_TO_CONFIRM = "yêu cầu CHƯA được xử lý. Vui lòng mở hộp thư điện tử bạn vừa nhập"


def test_email_request_waits_for_the_emailed_link_then_counts_from_confirmation(client, voting_campaign, secretary):
    response = post_request(client, voting_campaign)
    assert response.status_code == 303
    item = only_request()
    assert (item.kind, item.status, item.requester_contact) == (RequestKind.DELETE, RequestStatus.UNCONFIRMED, EMAIL)
    assert response.headers["Location"].endswith("/quyen-rieng-tu/yeu-cau/kiem-tra-thu")
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"DL-{item.id:06d}" in follow and ASK_TO_CONFIRM in follow and "trong vòng 48 giờ" in follow
    assert "Vui lòng mở thư điện tử để xác nhận yêu cầu" in follow
    # One mail to the typed address with an absolute one-time link; only the token's SHA-256 is stored.
    [mail] = mails_to(EMAIL)
    assert f"DL-{item.id:06d}" in mail.subject and "48 giờ" in mail.body and voting_campaign.title in mail.body
    assert FORM["requester_name"] not in mail.body and FORM["details"] not in mail.body  # nothing typed by a stranger
    path = confirm_path()
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 40 and token not in (item.confirm_token_hash or "")
    assert item.confirm_token_hash == requests.token_hash(token)
    assert abs((item.confirm_expires_at - item.created_at) - timedelta(hours=48)) < timedelta(seconds=1)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "data_request")).one()
    assert (event.action, event.to_state) == ("create", "unconfirmed") and EMAIL not in str(event.details)
    # The secretaries are told only about confirmed requests.
    assert db.session.scalars(sa.select(Notification).where(Notification.user_id == secretary.id)).all() == []

    # Opening the link shows what is confirmed and a button; the GET itself changes nothing (mail scanners fetch links).
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert "Xóa dữ liệu của tôi" in page.get_data(as_text=True) and voting_campaign.title in page.get_data(as_text=True)
    db.session.refresh(item)
    assert item.status is RequestStatus.UNCONFIRMED

    confirmed = client.post(path, follow_redirects=True)
    assert confirmed.status_code == 200 and f"Đã xác nhận yêu cầu số DL-{item.id:06d}" in confirmed.get_data(as_text=True)
    db.session.refresh(item)
    assert item.status is RequestStatus.RECEIVED and item.confirmed_at is not None and item.confirm_token_hash is None
    assert abs((item.due_at - item.confirmed_at) - timedelta(days=15)) < timedelta(seconds=1)
    actions = [(e.action, e.from_state, e.to_state, e.actor_id) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "data_request").order_by(AuditEvent.id))]
    assert actions == [("create", None, "unconfirmed", None), ("confirm", "unconfirmed", "received", None)]
    note = db.session.scalars(sa.select(Notification).where(Notification.user_id == secretary.id)).one()
    assert f"DL-{item.id:06d}" in note.message and EMAIL not in note.message and "Nguyễn Văn" not in note.message

    # Single use: the same link, opened or posted again, is a Vietnamese 404.
    for again in (client.get(path), client.post(path)):
        assert again.status_code == 404 and INVALID_LINK in again.get_data(as_text=True)
    assert len(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "confirm")).all()) == 1


def test_wrong_link_is_a_vietnamese_404(client, voting_campaign):
    post_request(client, voting_campaign)
    path = confirm_path()
    for wrong in (path[:-1] + ("A" if path[-1] != "A" else "B"), "/quyen-rieng-tu/xac-nhan/khong-dung", "/quyen-rieng-tu/xac-nhan/" + "x" * 300):
        response = client.get(wrong)
        assert response.status_code == 404 and INVALID_LINK in response.get_data(as_text=True)
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert client.post(wrong).status_code == 404
    assert only_request().status is RequestStatus.UNCONFIRMED


def test_expired_link_is_refused_shown_expired_and_purged(client, runner, voting_campaign, secretary):
    post_request(client, voting_campaign)
    path = confirm_path()
    item = only_request()
    item_id = item.id
    item.confirm_expires_at = utcnow() - timedelta(minutes=1)
    keep = make_request(voting_campaign, kind=RequestKind.ACCESS)  # confirmed: stays
    fresh = make_request(voting_campaign, contact="khac@example.vn", confirmed=False)  # link still valid: stays
    db.session.commit()
    response = client.post(path)
    assert response.status_code == 404 and INVALID_LINK in response.get_data(as_text=True)
    login(client, secretary)
    queue = client.get("/quan-ly/yeu-cau-du-lieu").get_data(as_text=True)
    assert "Hết hạn xác nhận" in queue and "Chờ người yêu cầu xác nhận" in queue
    detail = client.get(f"/quan-ly/yeu-cau-du-lieu/{item_id}").get_data(as_text=True)
    assert requests.EXPIRED_MESSAGE in detail
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0 and "Đã xóa 1 yêu cầu về dữ liệu cá nhân không được xác nhận" in result.output
    remaining = set(db.session.scalars(sa.select(DataRequest.id)))
    assert remaining == {keep.id, fresh.id}
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "expire")).one()
    assert event.entity_id == item_id and EMAIL not in str(event.details)


def test_honeypot_records_nothing(client, voting_campaign):
    response = post_request(client, voting_campaign, website="http://spam")
    assert response.status_code == 303 and response.headers["Location"].endswith("/quyen-rieng-tu/yeu-cau/kiem-tra-thu")
    assert ASK_TO_CONFIRM in client.get(response.headers["Location"]).get_data(as_text=True)  # the same answer as a person's
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DataRequest)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


# --- the queue -------------------------------------------------------------------------------


def test_queue_highlights_overdue_requests(client, voting_campaign, secretary):
    late = make_request(voting_campaign, due_at=utcnow() - timedelta(days=1))
    on_time = make_request(voting_campaign, kind=RequestKind.ACCESS)
    login(client, secretary)
    html = client.get("/quan-ly/yeu-cau-du-lieu").get_data(as_text=True)
    assert f"DL-{late.id:06d}" in html and f"DL-{on_time.id:06d}" in html
    assert html.count('class="overdue"') == 1 and "Quá hạn" in html
    assert html.index(f"DL-{late.id:06d}") < html.index(f"DL-{on_time.id:06d}")  # soonest deadline first


def test_huge_page_number_shows_the_last_page(client, app, make_user, voting_campaign):
    admin = make_user(Role.ADMIN)
    for _ in range(3):
        make_request(voting_campaign)
    last = make_request(voting_campaign, kind=RequestKind.ACCESS, due_at=utcnow() + timedelta(days=60))
    login(client, admin)
    size = app.config["LIST_PAGE_SIZE"]
    app.config["LIST_PAGE_SIZE"] = 2
    try:
        for page in ("99999999999999999999", "3", "9223372036854775808"):
            response = client.get(f"/quan-ly/yeu-cau-du-lieu?page={page}")
            assert response.status_code == 200 and f"DL-{last.id:06d}" in response.get_data(as_text=True)
        huge = client.get("/quan-ly/yeu-cau-du-lieu?status=received&page=99999999999999999999")
        assert huge.status_code == 200 and f"DL-{last.id:06d}" in huge.get_data(as_text=True)
    finally:
        app.config["LIST_PAGE_SIZE"] = size


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
    assert events(item) == [("create", None, "unconfirmed"), ("confirm", "unconfirmed", "received"),
                            ("start", "received", "in_progress"), ("complete", "in_progress", "done")]
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


def test_erase_button_is_hidden_while_voting_is_open_and_the_post_refused(client, voting_campaign, secretary, voted):
    item = make_request(voting_campaign)
    login(client, secretary)
    page = client.get(f"/quan-ly/yeu-cau-du-lieu/{item.id}").get_data(as_text=True)
    assert not offers(page, item, "erase")  # no button that would only be refused
    assert offers(page, item, "complete")
    assert "đang trong thời gian bình chọn" in page and "Vui lòng xóa sau khi kết thúc bình chọn" in page
    response = client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/erase")
    assert response.status_code == 422 and "đang trong thời gian bình chọn" in response.get_data(as_text=True)
    db.session.refresh(voted["mine"])
    assert voted["mine"].anonymised_at is None


def offers(page: str, item, action: str) -> bool:
    """Whether the page has the button (form or formaction) that posts `action` on the request."""
    return f'action="/quan-ly/yeu-cau-du-lieu/{item.id}/{action}"' in page


def close_voting(campaign) -> None:
    campaign.status = CampaignStatus.COUNCIL_DECISION
    db.session.commit()


def test_filing_for_someone_elses_address_erases_nothing_without_the_link(client, voting_campaign, secretary, voted):
    """Anyone can type a voter's address; until its owner opens the emailed link the secretary cannot act on it."""
    close_voting(voting_campaign)
    before = ledger.verify(voting_campaign.id)
    assert post_request(client, voting_campaign, requester_name="Kẻ Mạo Danh").status_code == 303
    item = only_request()
    login(client, secretary)
    queue = client.get("/quan-ly/yeu-cau-du-lieu").get_data(as_text=True)
    assert f"DL-{item.id:06d}" in queue and "Chờ người yêu cầu xác nhận" in queue and "Tính từ khi xác nhận" in queue
    page = client.get(f"/quan-ly/yeu-cau-du-lieu/{item.id}").get_data(as_text=True)
    assert "Chờ người yêu cầu xác nhận" in page and requests.UNCONFIRMED_MESSAGE in page
    for action in ("erase", "complete", "start", "refuse"):
        assert not offers(page, item, action)
    assert "1 người bình chọn" not in page and "Chỉ tra cứu sau khi người yêu cầu xác nhận" in page
    # Forged POSTs (the buttons are absent) are refused and change nothing.
    for action, data in (("erase", {}), ("complete", {"answer": "Đã xóa."}), ("start", {}), ("refuse", {"answer": "Không"})):
        response = client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/{action}", data=data)
        assert response.status_code == 422 and "Chờ người yêu cầu xác nhận" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Voter, voted["mine"].id).identity_key == f"email:{email_hash(EMAIL)}"
    assert db.session.scalars(sa.select(Objection.author_name).order_by(Objection.id)).all() == ["Tôi", "Người khác"]
    assert (item.status, item.erased_at) == (RequestStatus.UNCONFIRMED, None)
    assert [e.action for e in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "data_request"))] == ["create"]
    assert ledger.verify(voting_campaign.id).tallies == before.tallies


def test_confirmed_erasure_anonymises_the_requesters_records_and_keeps_the_count(client, runner, voting_campaign, secretary, voted):
    before = ledger.verify(voting_campaign.id)
    close_voting(voting_campaign)
    assert post_request(client, voting_campaign).status_code == 303
    item = only_request()
    assert click_confirm(client, confirm_path()).status_code == 303  # the owner opened the link in their mailbox
    login(client, secretary)
    page = client.get(f"/quan-ly/yeu-cau-du-lieu/{item.id}").get_data(as_text=True)
    assert "1 người bình chọn (theo thư điện tử), 1 phản ánh" in page
    assert offers(page, item, "erase") and "Chủ thư điện tử đã xác nhận qua đường dẫn" in page
    # Erasing cannot be undone: the first post only asks, saying so, and erases nothing.
    asked = client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/erase")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f"Xóa, ẩn danh dữ liệu theo yêu cầu DL-{item.id:06d}?" in html
    assert "Không thể hoàn tác." in html and "bị xóa và không khôi phục được" in html
    assert "Bản ghi khớp: 1 người bình chọn, 1 phản ánh" in html and 'name="confirmed" value="1"' in html
    db.session.expire_all()
    assert db.session.get(Voter, voted["mine"].id).identity_key == f"email:{email_hash(EMAIL)}"
    assert client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/erase", data={"confirmed": "1"}).status_code == 303
    db.session.expire_all()
    mine, other = db.session.get(Voter, voted["mine"].id), db.session.get(Voter, voted["other"].id)
    assert mine.identity_key == f"purged:{mine.id}" and mine.anonymised_at is not None
    assert other.identity_key.startswith("email:")
    names = dict(db.session.execute(sa.select(Objection.content, Objection.author_name)).tuples().all())
    assert names == {"Nội dung phản ánh của tôi.": "", "Nội dung phản ánh khác.": "Người khác"}
    after = ledger.verify(voting_campaign.id)
    assert after.ok and after.tallies == before.tallies
    verified = runner.invoke(args=["votes", "verify", str(voting_campaign.id)])
    assert verified.exit_code == 0 and "sổ cái nguyên vẹn" in verified.output
    db.session.refresh(item)
    assert item.status is RequestStatus.IN_PROGRESS and item.erased_at is not None
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "erase")).one()
    assert event.details == {"voters": 1, "objections": 1, "email_codes": 0} and event.actor_id == secretary.id
    assert not offers(client.get(f"/quan-ly/yeu-cau-du-lieu/{item.id}").get_data(as_text=True), item, "erase")
    assert client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/erase").status_code == 422  # only once
    assert client.post(f"/quan-ly/yeu-cau-du-lieu/{item.id}/complete", data={"answer": "Đã xóa."}).status_code == 303


def test_phone_request_waits_for_the_secretarys_identity_check(client, voting_campaign, secretary, voted):
    close_voting(voting_campaign)
    assert post_request(client, voting_campaign, requester_contact="0905 111 222").status_code == 303
    follow = client.get("/quyen-rieng-tu/yeu-cau").get_data(as_text=True)
    assert "chậm nhất ngày" in follow and "xác minh danh tính" in follow
    item = only_request()
    assert item.status is RequestStatus.RECEIVED and mails_to("0905 111 222") == []
    assert abs((item.due_at - item.created_at) - timedelta(days=15)) < timedelta(seconds=1)  # counts from receipt
    login(client, secretary)
    path = f"/quan-ly/yeu-cau-du-lieu/{item.id}"
    page = client.get(path).get_data(as_text=True)
    assert "Đã xác minh danh tính người yêu cầu (giấy tờ, gọi điện…)" in page and requests.IDENTITY_MESSAGE in page
    assert not offers(page, item, "erase") and not offers(page, item, "complete")
    assert offers(page, item, "start") and offers(page, item, "refuse")  # harmless steps stay possible
    forged = client.post(f"{path}/erase")
    assert forged.status_code == 422 and "Chưa xác minh người yêu cầu" in forged.get_data(as_text=True)
    assert client.post(f"{path}/complete", data={"answer": "Đây là dữ liệu của bạn."}).status_code == 422
    unticked = client.post(f"{path}/xac-minh", data={"note": "Đã gọi lại."})
    assert unticked.status_code == 422 and "Vui lòng đánh dấu khi đã xác minh" in unticked.get_data(as_text=True)
    no_note = client.post(f"{path}/xac-minh", data={"verified": "y", "note": " "})
    assert no_note.status_code == 422 and "Vui lòng ghi cách đã xác minh" in no_note.get_data(as_text=True)
    db.session.refresh(item)
    assert item.identity_verified_at is None
    note = "Gọi lại số 0905 111 222 lúc 9 giờ, người nghe xác nhận đã gửi yêu cầu."
    assert client.post(f"{path}/xac-minh", data={"verified": "y", "note": note}).status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert offers(page, item, "erase") and offers(page, item, "complete") and note in page
    assert "Ghi nhận đã xác minh" not in page
    assert client.post(f"{path}/erase", data={"confirmed": "1"}).status_code == 303
    db.session.expire_all()
    names = dict(db.session.execute(sa.select(Objection.content, Objection.author_name)).tuples().all())
    assert names == {"Nội dung phản ánh của tôi.": "Tôi", "Nội dung phản ánh khác.": ""}
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "verify_identity")).one()
    assert (event.actor_id, event.reason) == (secretary.id, note)
    assert client.post(f"{path}/xac-minh", data={"verified": "y", "note": note}).status_code == 422  # once


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


def test_the_per_mailbox_limit_sees_through_dressed_up_addresses(client, app, voting_campaign):
    """Case, quotes, a trailing dot or a +tag still reach the same mailbox: they share its limit."""
    from dvkheo.extensions import limiter

    local, domain = EMAIL.split("@")
    variants = [EMAIL, f"{local.upper()}@{domain}.", f'"{local}"@{domain}', f"{local}+2@{domain}"]
    app.config["DATA_REQUEST_RATE_LIMIT"] = "2 per minute"
    try:
        statuses = [post_request(client, voting_campaign, requester_contact=address,
                                 environ_base={"REMOTE_ADDR": f"198.51.100.{number}"}).status_code
                    for number, address in enumerate(variants, 1)]
    finally:
        app.config["DATA_REQUEST_RATE_LIMIT"] = "1000 per minute"
        limiter.reset()
    assert statuses[:2] == [303, 303] and all(status in (422, 429) for status in statuses[2:])


def test_the_confirmation_token_is_masked_in_the_access_log(client, voting_campaign):
    from dvkheo.core.access_log import redact

    post_request(client, voting_campaign)
    path = confirm_path()
    token = path.rsplit("/", 1)[1]
    line = redact(f"GET {path} HTTP/1.1")
    assert token not in line and line == "GET /quyen-rieng-tu/xac-nhan/*** HTTP/1.1"
