"""POST /api/v1/staff/nominations: the page's form, rules, messages and audit, through a token."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus, ReferenceKind
from dvkheo.core.audit import AuditEvent
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from tests.conftest import reference_item


@pytest.fixture
def commune(make_unit, province):
    return make_unit("Xã Tịnh Khê", parent=province)


@pytest.fixture
def staff(make_user, commune):
    return make_user(Role.UNIT_SUBMITTER, commune)


def test_created_draft_is_the_pages_draft(client, api, auth, staff, issue_token, make_campaign, commune):
    campaign = make_campaign()
    field = campaign.allowed_fields[0]
    collective_type = reference_item(ReferenceKind.COLLECTIVE_TYPE)
    secret = issue_token(staff)
    response = api.post("/nominations", secret, json={
        "campaign_id": campaign.id, "kind": "collective",
        "title": "Dân vận khéo trong hiến đất làm đường", "nominee_name": "Ban Công tác Mặt trận thôn Phú Lộc",
        "field_id": field.id, "collective_type_id": collective_type.id,
        "started_on": "15/03/2024", "review_held_on": "2026-09-20",
        "households_count": 214, "money_contributed_vnd": "1.250.000.000",
        "method": "Họp dân từng xóm.", "review_attendees": 60, "review_votes_cast": 58, "review_votes_for": 55,
    })
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/staff/nominations/{body['id']}"
    assert (body["status"], body["status_label"], body["unit"]["name"]) == ("draft", "Bản nháp", "Xã Tịnh Khê")
    assert (body["started_on"], body["review_held_on"]) == ("2024-03-15", "2026-09-20")
    assert (body["money_contributed_vnd"], body["field"], body["editable"]) == (1_250_000_000, {"id": field.id, "name": field.name}, True)
    assert body["locality"] == "Xã Tịnh Khê"  # the page's form starts with the unit's name too

    n = db.session.get(Nomination, body["id"])
    assert (n.unit_id, n.created_by_id, n.status, n.started_on) == (commune.id, staff.id, NominationState.DRAFT, date(2024, 3, 15))
    assert n.search_text and n.model_key  # derived as the page derives them

    # Audited as the page's create, plus the token that did it.
    actions = [(e.entity_type, e.action, e.actor_id) for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert ("nomination", "create", staff.id) in actions and ("nomination", "update", staff.id) in actions
    token_event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "create_nomination"))
    assert token_event.details["nomination_id"] == n.id

    # The unit's list page shows it, and the page editor opens it with what was sent.
    auth.login(staff)
    assert "Dân vận khéo trong hiến đất làm đường" in client.get("/nominations/").get_data(as_text=True)
    editor = client.get(f"/nominations/{n.id}/edit")
    assert editor.status_code == 200
    page = editor.get_data(as_text=True)
    assert 'value="15/03/2024"' in page and 'value="1.250.000.000"' in page


def test_the_forms_own_messages_come_back_per_field(api, staff, issue_token, make_campaign):
    campaign = make_campaign()
    secret = issue_token(staff)
    response = api.post("/nominations", secret, json={
        "campaign_id": campaign.id, "kind": "collective",
        "title": "x" * 301, "started_on": "31/02/2024", "households_count": "nhiều",
        "review_attendees": 10, "review_votes_cast": 12, "review_votes_for": 13, "unit_id": 7,
    })
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid" and body["message"].startswith("Hồ sơ chưa được lưu")
    errors = body["errors"]
    assert errors["title"] == ["Nội dung quá dài (tối đa 300 ký tự)."]
    assert errors["started_on"] == ["Ngày không hợp lệ; vui lòng nhập theo dạng ngày/tháng/năm, ví dụ 05/10/2026."]
    assert errors["review_votes_for"] == ["Số phiếu đồng ý không thể lớn hơn số phiếu biểu quyết."]
    assert errors["review_votes_cast"] == ["Số phiếu biểu quyết không thể lớn hơn số người dự họp."]
    assert "households_count" in errors
    assert errors["unit_id"] == ["Trường này không có trong hồ sơ đề nghị (tệp minh chứng tải lên ở trang sửa hồ sơ)."]
    assert db.session.query(Nomination).count() == 0


@pytest.mark.parametrize("body, field, message", [
    ({"campaign_id": None, "kind": "collective"}, "campaign_id", "Vui lòng chọn đợt bình xét (số hiệu đợt, một số nguyên dương)."),
    ({"campaign_id": "1", "kind": "collective"}, "campaign_id", "Vui lòng chọn đợt bình xét (số hiệu đợt, một số nguyên dương)."),
    ({"campaign_id": 2**31, "kind": "collective"}, "campaign_id", "Vui lòng chọn đợt bình xét (số hiệu đợt, một số nguyên dương)."),
    ({"campaign_id": 999999, "kind": "collective"}, "campaign_id", "Đợt bình xét này hiện không nhận hồ sơ từ đơn vị của bạn."),
    ({"kind": "group"}, "kind", "Loại hồ sơ phải là “collective” (tập thể) hoặc “individual” (cá nhân)."),
    ({"kind": "collective", "title": ["a"]}, "title", "Giá trị phải là chuỗi, số nguyên hoặc null."),
    ({"kind": "collective", "field_id": 2**31 - 1}, "field_id", "Không có trong danh mục của đợt bình xét này (xem GET /api/v1/staff/campaigns)."),
    ({"kind": "collective", "status": "submitted"}, "status", "Trường này không có trong hồ sơ đề nghị (tệp minh chứng tải lên ở trang sửa hồ sơ)."),
])
def test_malformed_bodies_are_refused_by_field(api, staff, issue_token, make_campaign, body, field, message):
    campaign = make_campaign()
    body = {"campaign_id": campaign.id, **body}
    response = api.post("/nominations", issue_token(staff), json=body)
    assert response.status_code == 422
    assert response.get_json()["errors"][field] == [message]
    assert db.session.query(Nomination).count() == 0


def test_not_json_is_a_bad_request(api, staff, issue_token):
    response = api.client.post("/api/v1/staff/nominations", data="campaign_id=1",
                               headers={"Authorization": f"Bearer {issue_token(staff)}", "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_deeply_nested_json_is_a_bad_request_not_a_500(api, staff, issue_token, depth):
    # Python's JSON parser gives up past ~1,000 levels with a RecursionError, which is not a ValueError.
    response = api.client.post("/api/v1/staff/nominations", data='{"a":' * depth + "1" + "}" * depth,
                               headers={"Authorization": f"Bearer {issue_token(staff)}", "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"
    assert db.session.query(Nomination).count() == 0


def test_refused_where_the_page_refuses(client, api, auth, staff, issue_token, make_campaign):
    closed = make_campaign(status=CampaignStatus.REVIEW)
    late = make_campaign(nominations_close_on=today_in_vietnam() - timedelta(days=1))
    no_individuals = make_campaign(allow_individual=False)
    secret = issue_token(staff)
    auth.login(staff)
    for campaign in (closed, late):
        page = client.post(f"/nominations/new/{campaign.id}/collective", data={"title": "x", "save_draft": "1"})
        assert page.status_code == 302 and page.headers["Location"].endswith("/nominations/new")
        answer = api.post("/nominations", secret, json={"campaign_id": campaign.id, "kind": "collective"})
        assert answer.status_code == 422
        assert answer.get_json()["errors"]["campaign_id"] == ["Đợt bình xét này hiện không nhận hồ sơ từ đơn vị của bạn."]
    answer = api.post("/nominations", secret, json={"campaign_id": no_individuals.id, "kind": "individual"})
    assert answer.get_json()["errors"]["kind"] == ["Đợt bình xét này không nhận hồ sơ cá nhân."]
    assert db.session.query(Nomination).count() == 0


def test_individual_draft_records_the_nominees_consent(api, staff, issue_token, make_campaign):
    campaign = make_campaign()
    response = api.post("/nominations", issue_token(staff), json={
        "campaign_id": campaign.id, "kind": "individual", "nominee_name": "Trần Thị Hạnh",
        "nominee_birth_year": 1985, "nominee_consent": True,
    })
    assert response.status_code == 201
    body = response.get_json()
    assert (body["nominee_consent"], body["nominee_birth_year"]) == (True, 1985)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "nominee_consent")) is not None


def test_read_scope_cannot_create(api, staff, issue_token, make_campaign):
    campaign = make_campaign()
    response = api.post("/nominations", issue_token(staff, scopes={"read"}), json={"campaign_id": campaign.id, "kind": "collective"})
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"
    assert 'error="insufficient_scope", scope="draft"' in response.headers["WWW-Authenticate"]
    assert db.session.query(Nomination).count() == 0


def test_open_campaigns_are_those_of_the_new_dossier_page(client, api, auth, staff, issue_token, make_campaign, make_unit):
    open_here = make_campaign(title="Đợt của tỉnh")
    make_campaign(title="Đợt đã đóng", status=CampaignStatus.REVIEW)
    make_campaign(title="Đợt của tỉnh khác", organising_unit=make_unit("Tỉnh Gia Lai", kind="province"))
    body = api.get("/campaigns", issue_token(staff)).get_json()
    assert [c["title"] for c in body["items"]] == ["Đợt của tỉnh"]
    assert body["items"][0]["fields"] == [{"id": f.id, "name": f.name} for f in open_here.allowed_fields if f.active]
    assert body["collective_types"] and body["individual_categories"]
    auth.login(staff)
    page = client.get("/nominations/new").get_data(as_text=True)
    assert "Đợt của tỉnh" in page and "Đợt đã đóng" not in page and "Đợt của tỉnh khác" not in page


def test_open_campaigns_is_empty_for_the_committee(api, make_user, issue_token, make_campaign, province):
    make_campaign()
    body = api.get("/campaigns", issue_token(make_user(Role.SECRETARY, province))).get_json()
    assert body["items"] == []
