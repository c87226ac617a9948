"""Objections ("Phản ánh, góp ý"): the public form during the public phase, the secretary's handling
with its audit trail and optional hold, published answers, and who may see what."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.audit import AuditEvent
from dvkheo.core.notifications import Notification, OutboxMessage
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.council.models import CouncilMember
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState as S
from dvkheo.review.models import HoldCategory, NominationHold
from dvkheo.voting.models import Objection, ObjectionStatus
from tests.conftest import PASSWORD

CONTACT = "0905 123 456"
VALID = {"author_name": "Lê Thị Phản Ánh", "author_contact": CONTACT, "content": "Con đường chưa hoàn thành như báo cáo nêu.", "consent": "y"}


def send(client, nominee, **overrides):
    data = {f"pa-{key}": value for key, value in {**VALID, **overrides}.items()}
    return client.post(f"/binh-chon/ho-so/{nominee.id}/phan-anh", data=data)


def objections_in_db() -> list[Objection]:
    return list(db.session.scalars(sa.select(Objection).order_by(Objection.id)))


def events(entity_type: str, entity_id: int) -> list[tuple]:
    rows = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.from_state, AuditEvent.to_state, AuditEvent.actor_id, AuditEvent.details)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id)
    )
    return [tuple(row) for row in rows]


@pytest.fixture
def secretary(make_user, voting_campaign):
    return make_user(Role.SECRETARY, voting_campaign.organising_unit, full_name="Nguyễn Thị Thư Ký")


@pytest.fixture
def make_objection(make_nominee):
    def create(nominee=None, status=ObjectionStatus.OPEN, **fields) -> Objection:
        nominee = nominee or make_nominee()
        objection = Objection(
            campaign_id=nominee.campaign_id, nomination_id=nominee.id, author_name=fields.pop("author_name", "Trần Văn Góp Ý"),
            author_contact=fields.pop("author_contact", "gop-y@example.vn"), content=fields.pop("content", "Nội dung phản ánh cần xác minh."),
            status=status, **fields,
        )
        db.session.add(objection)
        db.session.commit()
        return objection

    return create


# --- the public form ---------------------------------------------------------------------------


def test_objection_is_kept_acknowledged_with_a_number_and_audited(client, make_nominee, secretary):
    nominee = make_nominee("Mô hình được phản ánh")
    response = send(client, nominee)
    assert response.status_code == 302
    assert f"/binh-chon/ho-so/{nominee.id}/phan-anh/da-gui/" in response.headers["Location"]
    (objection,) = objections_in_db()
    assert (objection.author_name, objection.author_contact, objection.status) == ("Lê Thị Phản Ánh", CONTACT, ObjectionStatus.OPEN)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<p class="receipt-number nowrap" id="so-tiep-nhan">PA-{objection.id:06d}</p>' in page
    assert events("objection", objection.id) == [
        ("create", None, "open", None, {"campaign_id": nominee.campaign_id, "nomination_id": nominee.id})
    ]
    # The secretary hears of it, without the sender's name or contact.
    (notice,) = db.session.scalars(sa.select(Notification).where(Notification.user_id == secretary.id)).all()
    assert f"PA-{objection.id:06d}" in notice.message and "Mô hình được phản ánh" in notice.message
    for text in [notice.message] + [m.body for m in db.session.scalars(sa.select(OutboxMessage))]:
        assert CONTACT not in text and "Lê Thị Phản Ánh" not in text


def test_after_sending_the_confirmation_page_shows_the_number_first_with_print_and_copy(client, make_nominee):
    nominee = make_nominee("Mô hình được phản ánh")
    page = client.get(send(client, nominee).headers["Location"])
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    html = page.get_data(as_text=True)
    (objection,) = objections_in_db()
    number = f"PA-{objection.id:06d}"
    main = html[html.index('<main'):]
    # The number comes before any form, list or other content of the page, and is the form no more.
    assert main.index("Cảm ơn bạn đã gửi phản ánh, góp ý") < main.index(number) < main.index("Ngày gửi")
    assert "<form" not in main and 'name="pa-content"' not in html
    assert f"Ngày gửi: {today_in_vietnam():%d/%m/%Y}" in html and "Mô hình được phản ánh" in html
    assert "bạn không cần gửi lại" in html
    # The buttons are shown by a static script (strict CSP: no inline script) and print with their own stylesheet.
    assert '<button type="button" class="button no-print" data-copy="so-tiep-nhan"' in html
    assert '<button type="button" class="button no-print" data-print hidden>In giấy xác nhận</button>' in html
    assert "/static/js/print_copy.js" in html and "/static/css/print.css" in html
    assert "<script>" not in html and "onclick" not in html


def test_buttons_hidden_until_a_script_shows_them_stay_hidden_whatever_their_class(client):
    """Without JavaScript the print and copy buttons do nothing: `.button { display: inline-block }` must not show them."""
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert "[hidden] { display: none !important; }" in css


def test_reloading_the_confirmation_never_sends_again(client, make_nominee):
    nominee = make_nominee()
    location = send(client, nominee).headers["Location"]
    for _ in range(3):
        assert client.get(location).status_code == 200
    assert len(objections_in_db()) == 1


def test_the_confirmation_of_someone_else_cannot_be_reached_by_changing_a_number(client, make_nominee):
    from dvkheo.voting import objections as ops

    nominee, other = make_nominee(), make_nominee("Mô hình khác")
    location = send(client, nominee).headers["Location"]
    (objection,) = objections_in_db()
    token = location.rsplit("/", 1)[1]
    # Another nominee's address with this token, a tampered token, or a guessed one: all 404, nothing shown.
    assert client.get(f"/binh-chon/ho-so/{other.id}/phan-anh/da-gui/{token}").status_code == 404
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert client.get(f"/binh-chon/ho-so/{nominee.id}/phan-anh/da-gui/{tampered}").status_code == 404
    assert client.get(f"/binh-chon/ho-so/{nominee.id}/phan-anh/da-gui/{objection.id}").status_code == 404
    assert client.get(f"/binh-chon/ho-so/{nominee.id}/phan-anh/da-gui/PA-{objection.id:06d}").status_code == 404
    # A token signed with another key (a forger's) is refused too.
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("not-the-key", salt=ops.RECEIPT_SALT).dumps({"r": "PA-000001", "n": nominee.id, "d": "2026-12-06"})
    assert client.get(f"/binh-chon/ho-so/{nominee.id}/phan-anh/da-gui/{forged}").status_code == 404


def test_the_confirmation_link_expires_after_a_month(app, client, make_nominee, monkeypatch):
    from dvkheo.voting import objections as ops

    nominee = make_nominee()
    location = send(client, nominee).headers["Location"]
    token = location.rsplit("/", 1)[1]
    with app.test_request_context():
        assert ops.read_receipt(token, nominee.id) is not None
        monkeypatch.setattr(ops, "RECEIPT_MAX_AGE", -1)
        assert ops.read_receipt(token, nominee.id) is None
    assert client.get(location).status_code == 404


def test_objection_numbers_never_break_across_lines(client, auth, make_nominee, make_objection, secretary, voting_campaign):
    nominee = make_nominee()
    objection = make_objection(nominee)
    auth.login(secretary)
    listing = client.get(f"/binh-chon/quan-ly/dot/{voting_campaign.id}/phan-anh").get_data(as_text=True)
    assert f'class="nowrap">PA-{objection.id:06d}</a>' in listing
    detail = client.get(f"/binh-chon/quan-ly/phan-anh/{objection.id}").get_data(as_text=True)
    assert f'<span class="nowrap">PA-{objection.id:06d}</span>' in detail


def test_objection_requires_name_contact_and_content_and_keeps_what_was_typed(client, make_nominee):
    nominee = make_nominee()
    response = send(client, nominee, author_name="", author_contact="", content="Nội dung đã gõ nhưng thiếu tên")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Vui lòng nhập họ và tên người gửi." in page
    assert "Vui lòng nhập số điện thoại hoặc địa chỉ thư điện tử để liên hệ khi cần xác minh." in page
    assert "Nội dung đã gõ nhưng thiếu tên" in page
    response = send(client, nominee, author_contact="gọi tôi", content="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Số điện thoại hoặc thư điện tử không hợp lệ" in page and 'value="gọi tôi"' in page
    assert "Vui lòng nhập nội dung phản ánh, góp ý." in page and 'value="Lê Thị Phản Ánh"' in page
    response = send(client, nominee, author_name="A" * 201, content="x" * 5001)
    page = response.get_data(as_text=True)
    assert "Nội dung quá dài (tối đa 200 ký tự)." in page and "Nội dung quá dài (tối đa 5000 ký tự)." in page
    assert objections_in_db() == []


@pytest.mark.parametrize("contact", ["0905123456", "+84 905 123 456", "0905.123.456", "nguoi.dan@example.vn"])
def test_objection_accepts_a_phone_or_an_email(client, make_nominee, contact):
    assert send(client, make_nominee(), author_contact=contact).status_code == 302
    assert [o.author_contact for o in objections_in_db()] == [contact]


def test_objection_with_the_honeypot_filled_is_silently_dropped(client, make_nominee):
    nominee = make_nominee()
    response = send(client, nominee, website="http://spam.example")
    assert response.status_code == 302 and "/phan-anh/da-gui/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Cảm ơn bạn đã gửi phản ánh, góp ý" in page and 'id="so-tiep-nhan">PA-' in page
    assert objections_in_db() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.entity_type == "objection")) == 0


def test_honeypot_is_hidden_from_people(client, make_nominee):
    page = client.get(f"/binh-chon/ho-so/{make_nominee().id}").get_data(as_text=True)
    assert '<div hidden><label for="pa-website">' in page and 'tabindex="-1"' in page


def test_objection_outside_the_public_period_is_refused(client, make_campaign, make_nominee):
    campaign = make_campaign(status=CampaignStatus.COUNCIL_DECISION)
    nominee = make_nominee(campaign=campaign, status=S.PASSED_COUNCIL)
    page = client.get(f"/binh-chon/ho-so/{nominee.id}").get_data(as_text=True)
    assert "Thời gian công khai lấy ý kiến đã kết thúc." in page and "Gửi phản ánh, góp ý" not in page
    response = send(client, nominee)
    assert response.status_code == 302
    assert "Đã hết thời gian công khai lấy ý kiến" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert objections_in_db() == []


def test_objection_about_a_nominee_not_published_is_404(client, make_nominee):
    hidden = make_nominee(status=S.SCORED)
    assert send(client, hidden).status_code == 404
    assert objections_in_db() == []


# --- handling ------------------------------------------------------------------------------------


def test_secretary_verifies_then_answers_with_audit_events(client, auth, secretary, make_objection):
    objection = make_objection()
    auth.login(secretary)
    page = client.get(f"/binh-chon/quan-ly/phan-anh/{objection.id}").get_data(as_text=True)
    assert "gop-y@example.vn" in page and "Chuyển sang xác minh" in page
    assert client.post(f"/binh-chon/quan-ly/phan-anh/{objection.id}/xac-minh").status_code == 302
    db.session.refresh(objection)
    assert objection.status is ObjectionStatus.VERIFYING
    response = client.post(
        f"/binh-chon/quan-ly/phan-anh/{objection.id}/tra-loi",
        data={"answer": "Đã kiểm tra thực địa: con đường đã hoàn thành đúng như báo cáo.", "upheld": "no"},
    )
    assert response.status_code == 302
    db.session.refresh(objection)
    assert (objection.status, objection.upheld, objection.handled_by_id) == (ObjectionStatus.ANSWERED, False, secretary.id)
    assert objection.answered_at is not None
    assert events("objection", objection.id) == [
        ("verify", "open", "verifying", secretary.id, None),
        ("answer", "verifying", "answered", secretary.id, {"upheld": False, "hold": False}),
    ]
    assert objection.nomination.status is S.SHORTLISTED
    page = client.get(f"/binh-chon/quan-ly/phan-anh/{objection.id}").get_data(as_text=True)
    assert "Phản ánh không đúng (không được chấp nhận)" in page and "Lưu câu trả lời" not in page
    # An answered objection stays answered.
    again = client.post(f"/binh-chon/quan-ly/phan-anh/{objection.id}/tra-loi", data={"answer": "Sửa lại", "upheld": "yes"})
    assert again.status_code == 422 and "Phản ánh, góp ý này đã được trả lời." in again.get_data(as_text=True)


def test_answer_requires_text_and_verdict_and_keeps_what_was_typed(client, auth, secretary, make_objection):
    objection = make_objection()
    auth.login(secretary)
    response = client.post(f"/binh-chon/quan-ly/phan-anh/{objection.id}/tra-loi", data={"answer": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vui lòng nhập nội dung trả lời." in page
    assert "Vui lòng cho biết phản ánh có đúng (được chấp nhận) hay không." in page
    response = client.post(
        f"/binh-chon/quan-ly/phan-anh/{objection.id}/tra-loi",
        data={"answer": "Câu trả lời đã gõ", "upheld": "no", "hold": "y", "hold_release_on": "01/01/2099"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Chỉ tạm dừng xét hồ sơ khi phản ánh được xác minh là đúng." in page
    assert "Câu trả lời đã gõ" in page and 'value="01/01/2099"' in page
    db.session.refresh(objection)
    assert objection.status is ObjectionStatus.OPEN


def test_upheld_objection_with_a_hold_puts_the_nomination_on_hold_and_out_of_the_gallery(
    client, auth, secretary, make_nominee, make_objection, voting_campaign
):
    nominee = make_nominee("Mô hình bị tạm dừng xét")
    make_nominee("Mô hình vẫn công khai")
    objection = make_objection(nominee)
    auth.login(secretary)
    release_on = today_in_vietnam() + timedelta(days=30)
    response = client.post(
        f"/binh-chon/quan-ly/phan-anh/{objection.id}/tra-loi",
        data={"answer": "Phản ánh đúng: một số hộ chưa đồng thuận hiến đất.", "upheld": "yes", "hold": "y",
              "hold_release_on": release_on.strftime("%d/%m/%Y")},
    )
    assert response.status_code == 302
    db.session.refresh(nominee)
    assert nominee.status is S.ON_HOLD and nominee.status_before_hold is S.SHORTLISTED
    hold = db.session.scalar(sa.select(NominationHold).where(NominationHold.nomination_id == nominee.id))
    assert (hold.category, hold.release_on, hold.placed_by_id) == (HoldCategory.COMPLAINT, release_on, secretary.id)
    assert f"PA-{objection.id:06d}" in hold.reason
    assert events("objection", objection.id)[-1][4] == {"upheld": True, "hold": True}
    assert [e[0] for e in events("nomination", nominee.id)] == ["hold"]
    auth.logout()
    gallery = client.get(f"/binh-chon/dot/{voting_campaign.id}").get_data(as_text=True)
    assert "Mô hình vẫn công khai" in gallery and "Mô hình bị tạm dừng xét" not in gallery
    assert client.get(f"/binh-chon/ho-so/{nominee.id}").status_code == 404


def test_hold_without_a_release_date_saves_nothing(client, auth, secretary, make_objection):
    objection = make_objection()
    auth.login(secretary)
    response = client.post(
        f"/binh-chon/quan-ly/phan-anh/{objection.id}/tra-loi",
        data={"answer": "Phản ánh đúng.", "upheld": "yes", "hold": "y", "hold_release_on": ""},
    )
    assert response.status_code == 422
    assert "Vui lòng nhập ngày dự kiến xem xét gỡ tạm dừng xét." in response.get_data(as_text=True)
    db.session.refresh(objection)
    assert objection.status is ObjectionStatus.OPEN and objection.nomination.status is S.SHORTLISTED
    response = client.post(
        f"/binh-chon/quan-ly/phan-anh/{objection.id}/tra-loi",
        data={"answer": "Phản ánh đúng.", "upheld": "yes", "hold": "y", "hold_release_on": "01/01/2020"},
    )
    assert response.status_code == 422 and "đã qua" in response.get_data(as_text=True)
    db.session.refresh(objection)
    assert objection.status is ObjectionStatus.OPEN and events("objection", objection.id) == []


def test_handling_is_closed_after_the_council_phase(client, auth, make_campaign, make_nominee, make_objection, make_user):
    campaign = make_campaign(status=CampaignStatus.AWARDED)
    secretary = make_user(Role.SECRETARY, campaign.organising_unit)
    objection = make_objection(make_nominee(campaign=campaign, status=S.PASSED_COUNCIL))
    auth.login(secretary)
    assert "Lưu câu trả lời" not in client.get(f"/binh-chon/quan-ly/phan-anh/{objection.id}").get_data(as_text=True)
    response = client.post(f"/binh-chon/quan-ly/phan-anh/{objection.id}/tra-loi", data={"answer": "Trả lời muộn", "upheld": "no"})
    assert response.status_code == 422 and "chỉ xử lý phản ánh, góp ý trong giai đoạn" in response.get_data(as_text=True)


# --- published answers ---------------------------------------------------------------------------


@pytest.mark.parametrize("publish", [True, False])
def test_answers_are_published_only_when_the_campaign_says_so(client, voting_campaign, make_nominee, make_objection, publish):
    voting_campaign.publish_objection_answers = publish
    nominee = make_nominee()
    from dvkheo.core.timeutil import utcnow

    make_objection(nominee, status=ObjectionStatus.ANSWERED, answer="Câu trả lời công khai của Cơ quan tổ chức.",
                   upheld=False, answered_at=utcnow(), author_name="Người Gửi Bí Mật", author_contact="bi-mat@example.vn")
    make_objection(nominee, content="Phản ánh còn đang xác minh", status=ObjectionStatus.VERIFYING)
    page = client.get(f"/binh-chon/ho-so/{nominee.id}").get_data(as_text=True)
    assert ("Câu trả lời công khai của Cơ quan tổ chức." in page) is publish
    assert ("Phản ánh không đúng" in page) is publish
    for secret in ("Người Gửi Bí Mật", "bi-mat@example.vn", "Phản ánh còn đang xác minh", "Nội dung phản ánh cần xác minh."):
        assert secret not in page
    gallery = client.get(f"/binh-chon/dot/{voting_campaign.id}").get_data(as_text=True)
    assert "bi-mat@example.vn" not in gallery and "Người Gửi Bí Mật" not in gallery


# --- the committee's list --------------------------------------------------------------------------


def test_list_filters_by_status_and_nominee_with_counts(client, auth, secretary, make_nominee, make_objection, voting_campaign):
    first, second = make_nominee("Mô hình thứ nhất"), make_nominee("Mô hình thứ hai")
    make_objection(first, content="Phản ánh A mới")
    make_objection(first, content="Phản ánh B đang xác minh", status=ObjectionStatus.VERIFYING)
    make_objection(second, content="Phản ánh C về mô hình hai")
    auth.login(secretary)
    base = f"/binh-chon/quan-ly/dot/{voting_campaign.id}/phan-anh"
    page = client.get(base).get_data(as_text=True)
    assert "Tất cả: 3" in page and "Mới tiếp nhận: 2" in page and "Đang xác minh: 1" in page and "Đã trả lời: 0" in page
    assert all(text in page for text in ("Phản ánh A", "Phản ánh B", "Phản ánh C", "gop-y@example.vn"))
    assert "Phản ánh, góp ý</a>" in page  # the committee menu links the list
    page = client.get(f"{base}?status=open").get_data(as_text=True)
    assert "Phản ánh A" in page and "Phản ánh C" in page and "Phản ánh B" not in page
    page = client.get(f"{base}?nominee={second.id}").get_data(as_text=True)
    assert "Phản ánh C" in page and "Phản ánh A" not in page
    page = client.get(f"{base}?status=answered").get_data(as_text=True)
    assert "Không có phản ánh, góp ý nào khớp với điều kiện lọc." in page


def test_list_query_count_does_not_grow_with_objections(client, auth, secretary, make_nominee, make_objection, voting_campaign, count_queries):
    def measure() -> int:
        with count_queries() as counter:
            assert client.get(f"/binh-chon/quan-ly/dot/{voting_campaign.id}/phan-anh").status_code == 200
        return counter.count

    auth.login(secretary)
    for _ in range(3):
        make_objection(make_nominee())
    small = measure()
    for _ in range(20):
        make_objection(make_nominee(), status=ObjectionStatus.VERIFYING)
    assert measure() == small


# --- who may see and handle ----------------------------------------------------------------------

ACCESS_TABLE = {  # role: (list and page, answer)
    Role.SECRETARY: (200, 302),
    Role.CHAIR: (200, 403),
    Role.ADMIN: (200, 403),
    Role.REVIEWER: (404, 404),
    Role.UNIT_SUBMITTER: (404, 404),
    Role.CITIZEN: (404, 404),
}


@pytest.mark.parametrize("role", list(ACCESS_TABLE), ids=lambda r: r.value)
def test_staff_pages_role_table(client, make_user, make_unit, make_objection, voting_campaign, role):
    objection = make_objection()
    unit = {
        Role.SECRETARY: voting_campaign.organising_unit, Role.CHAIR: voting_campaign.organising_unit,
        Role.UNIT_SUBMITTER: objection.nomination.unit,
        Role.REVIEWER: make_unit("Cơ quan thành viên", parent=voting_campaign.organising_unit, kind="agency"),
    }.get(role)
    user = make_user(role, unit)
    if role is Role.REVIEWER:
        db.session.add(CouncilMember(campaign=voting_campaign, user=user))
        db.session.commit()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    view, answer = ACCESS_TABLE[role]
    assert client.get(f"/binh-chon/quan-ly/dot/{voting_campaign.id}/phan-anh").status_code == view
    page = client.get(f"/binh-chon/quan-ly/phan-anh/{objection.id}")
    assert page.status_code == view
    if view == 200:
        assert "gop-y@example.vn" in page.get_data(as_text=True)
        assert ("Lưu câu trả lời" in page.get_data(as_text=True)) is (role is Role.SECRETARY)
    response = client.post(f"/binh-chon/quan-ly/phan-anh/{objection.id}/tra-loi", data={"answer": "Trả lời", "upheld": "no"})
    assert response.status_code == answer
    assert client.post(f"/binh-chon/quan-ly/phan-anh/{objection.id}/xac-minh").status_code == answer
    db.session.refresh(objection)
    assert (objection.status is ObjectionStatus.ANSWERED) is (role is Role.SECRETARY)


def test_staff_pages_send_anonymous_to_login(client, make_objection, voting_campaign):
    objection = make_objection()
    for url in (f"/binh-chon/quan-ly/dot/{voting_campaign.id}/phan-anh", f"/binh-chon/quan-ly/phan-anh/{objection.id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post(f"/binh-chon/quan-ly/phan-anh/{objection.id}/tra-loi", data={"answer": "x", "upheld": "no"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_committee_gets_404(client, login_as, make_unit, make_objection, voting_campaign):
    objection = make_objection()
    login_as(Role.SECRETARY, make_unit("Tỉnh Gia Lai", kind="province"))
    assert client.get(f"/binh-chon/quan-ly/dot/{voting_campaign.id}/phan-anh").status_code == 404
    assert client.get(f"/binh-chon/quan-ly/phan-anh/{objection.id}").status_code == 404
    assert client.post(f"/binh-chon/quan-ly/phan-anh/{objection.id}/xac-minh").status_code == 404


def test_objections_are_rate_limited_per_address(client, app, make_nominee):
    from dvkheo.extensions import limiter

    nominee = make_nominee()
    app.config["OBJECTION_RATE_LIMIT"] = "2 per minute"
    try:
        assert [send(client, nominee).status_code for _ in range(3)] == [302, 302, 429]
    finally:
        app.config["OBJECTION_RATE_LIMIT"] = "1000 per minute"
        limiter.reset()
    assert len(objections_in_db()) == 2
