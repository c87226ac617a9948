"""The request's pages: the whole conversation through HTTP, who may open what, uploads, the list and its filters."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from dvkheo.core.audit import AuditEvent
from dvkheo.extensions import db
from dvkheo.followup.models import FollowUp, FollowUpState as S
from dvkheo.registry.models import ModelStatus
from tests.conftest import PDF_BYTES

from .conftest import add_followup, login

ANSWER_FORM = {
    "a-reported_status": "scaled_up", "a-people_reached": "1.200", "a-money_vnd": "350.000.000",
    "a-working_days": "640", "a-other_results": "Làm mới 3 km đường bê tông liên thôn.",
    "a-internal_note": "Số liệu lấy theo sổ sách của Ban công tác Mặt trận thôn.",
}


def only_followup() -> FollowUp:
    return db.session.scalars(sa.select(FollowUp)).one()


def test_the_whole_conversation(client, world):
    login(client, world.secretary)
    page = client.get(f"/mo-hinh/{world.model.id}").get_data(as_text=True)
    assert "Yêu cầu đơn vị báo cáo theo dõi" in page
    response = client.post(f"/mo-hinh/{world.model.id}/theo-doi", data={"ask-due_on": ""})
    assert only_followup_count() == 0 and response.status_code == 422  # no deadline: told, nothing made
    assert "Vui lòng nhập hạn trả lời." in response.get_data(as_text=True)
    response = client.post(f"/mo-hinh/{world.model.id}/theo-doi", data={"ask-due_on": "31/12/2099"})
    assert only_followup_count() == 0 and response.status_code == 422  # beyond a year: refused
    refused = response.get_data(as_text=True)
    assert 'value="31/12/2099"' in refused and world.model.title in refused  # the model's page, with what was typed
    default_due = re.search(r'name="ask-due_on"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(f"/mo-hinh/{world.model.id}/theo-doi", data={"ask-due_on": default_due})
    followup = only_followup()
    assert response.headers["Location"].endswith(f"/theo-doi/{followup.id}")
    assert followup.due_on.strftime("%d/%m/%Y") == default_due

    login(client, world.unit_staff)
    home = client.get("/").get_data(as_text=True)
    assert "Báo cáo theo dõi mô hình cần gửi" in home and world.model.title in home
    client.post(f"/theo-doi/{followup.id}", data=ANSWER_FORM | {"action": "save"})
    assert only_followup().state is S.DRAFT
    client.post(f"/theo-doi/{followup.id}", data=ANSWER_FORM | {"action": "send"})
    assert only_followup().state is S.SUBMITTED

    login(client, world.chair)
    assert "Báo cáo theo dõi chờ xem xét" in client.get("/").get_data(as_text=True)
    review = client.get(f"/theo-doi/{followup.id}").get_data(as_text=True)
    assert "1.200" in review and "Số liệu lấy theo sổ sách" in review  # the committee reads the internal note
    client.post(f"/theo-doi/{followup.id}", data={"action": "return", "r-reason": "Thiếu biên bản nghiệm thu."})
    assert only_followup().state is S.RETURNED

    login(client, world.unit_staff)
    assert "Thiếu biên bản nghiệm thu." in client.get(f"/theo-doi/{followup.id}").get_data(as_text=True)
    client.post(f"/theo-doi/{followup.id}", data=ANSWER_FORM | {"a-working_days": "700", "action": "send"})

    login(client, world.secretary)
    response = client.post(f"/theo-doi/{followup.id}", data={"action": "accept"})
    assert response.status_code == 302
    followup = only_followup()
    assert (followup.state, followup.working_days, followup.model.status) == (S.ACCEPTED, 700, ModelStatus.SCALED_UP)
    moves = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.entity_type == "followup").order_by(AuditEvent.id)).all()
    assert moves == ["open", "save", "send", "return", "send", "accept"]


def only_followup_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(FollowUp.id)))


@pytest.mark.parametrize("role,status", [
    ("unit_staff", 200), ("secretary", 200), ("chair", 200), ("admin", 200),
    ("other_unit_staff", 404), ("other_secretary", 404), ("commune_secretary_elsewhere", 404), ("reviewer", 404),
])
def test_who_may_open_a_request_and_its_evidence(client, world, app, role, status):
    followup = add_followup(world.model, world.province, state=S.SUBMITTED, reported_status=ModelStatus.MAINTAINED)
    login(client, world.unit_staff)
    # The evidence is attached through a correction after a return: simplest through the page itself.
    followup.state = S.RETURNED
    db.session.commit()
    client.post(f"/theo-doi/{followup.id}", data=ANSWER_FORM | {"action": "save", "a-evidence": (io.BytesIO(PDF_BYTES), "Biên bản.pdf")},
                content_type="multipart/form-data")
    file_id = only_followup().files[0].id
    login(client, world.by_role(role))
    assert client.get(f"/theo-doi/{followup.id}").status_code == status
    assert client.get(f"/theo-doi/{followup.id}/tep/{file_id}").status_code == status
    # Nobody else may move it either, even by posting straight to the address.
    if status == 404:
        assert client.post(f"/theo-doi/{followup.id}", data={"action": "accept"}).status_code == 404
        assert client.post(f"/mo-hinh/{world.model.id}/theo-doi", data={"ask-due_on": "01/01/2027"}).status_code == 404


def test_visitor_is_sent_to_login_and_numbers_out_of_range_are_not_found(client, world):
    followup = add_followup(world.model, world.province)
    assert client.get(f"/theo-doi/{followup.id}").status_code == 302
    login(client, world.secretary)
    assert client.get("/theo-doi/99999999999").status_code == 404
    assert client.get(f"/theo-doi/{followup.id}/tep/99999999999").status_code == 404
    assert client.get("/theo-doi?page=abc").status_code == 200


def test_a_refused_upload_keeps_what_was_typed(client, world):
    followup = add_followup(world.model, world.province)
    login(client, world.unit_staff)
    response = client.post(
        f"/theo-doi/{followup.id}",
        data=ANSWER_FORM | {"action": "send", "a-evidence": (io.BytesIO(b"MZ\x90\x00 not a document"), "baocao.pdf")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "không phải tệp" in page and "baocao.pdf" in page
    assert 'value="1.200"' in page and "Làm mới 3 km đường bê tông liên thôn." in page
    assert re.search(r'<option selected value="scaled_up">|<option value="scaled_up" selected>', page)
    assert only_followup().state is S.REQUESTED and only_followup().files == []


def test_a_good_file_survives_a_refused_figure(client, world):
    followup = add_followup(world.model, world.province)
    login(client, world.unit_staff)
    response = client.post(
        f"/theo-doi/{followup.id}",
        data=ANSWER_FORM | {"action": "send", "a-money_vnd": "-5", "a-evidence": (io.BytesIO(PDF_BYTES), "Biên bản.pdf")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "không được nhỏ hơn 0" in page and "Biên bản.pdf" in page
    token = re.search(r'name="a-staged_uploads" type="hidden" value="([^"]+)"', page).group(1)
    client.post(f"/theo-doi/{followup.id}", data=ANSWER_FORM | {"action": "send", "a-staged_uploads": token})
    followup = only_followup()
    assert followup.state is S.SUBMITTED and [f.original_name for f in followup.files] == ["Biên bản.pdf"]


@pytest.mark.parametrize("field,value,message", [
    ("a-money_vnd", "-1", "không được nhỏ hơn 0"), ("a-money_vnd", "2.000.000.000.000", "không được lớn hơn"),
    ("a-money_vnd", "abc", "số nguyên"), ("a-people_reached", "99999999999", "không được lớn hơn"),
    ("a-reported_status", "closed", "Tình trạng không hợp lệ"),
])
def test_figures_are_range_checked(client, world, field, value, message):
    followup = add_followup(world.model, world.province)
    login(client, world.unit_staff)
    response = client.post(f"/theo-doi/{followup.id}", data=ANSWER_FORM | {"action": "save", field: value})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert only_followup().state is S.REQUESTED


def test_committee_moves_the_deadline_and_cancels(client, world):
    followup = add_followup(world.model, world.province)
    login(client, world.secretary)
    client.post(f"/theo-doi/{followup.id}", data={"action": "reschedule", "d-due_on": "abc"})
    assert only_followup().due_on == followup.due_on
    new_due = followup.due_on.replace(day=1)
    client.post(f"/theo-doi/{followup.id}", data={"action": "reschedule", "d-due_on": new_due.strftime("%d/%m/%Y")})
    client.post(f"/theo-doi/{followup.id}", data={"action": "cancel"})
    assert only_followup().state is S.CANCELLED
    assert client.post(f"/theo-doi/{followup.id}", data={"action": "nonsense"}).status_code == 400


def test_list_filters_and_overdue_highlight(client, world, make_model):
    late = add_followup(world.model, world.province, due_in_days=-3)
    other = make_model(world.other_commune, title="Mô hình xã khác")
    add_followup(other, world.province, state=S.SUBMITTED, reported_status=ModelStatus.MAINTAINED)
    login(client, world.secretary)
    page = client.get("/theo-doi").get_data(as_text=True)
    assert world.model.title in page and "Mô hình xã khác" in page and 'class="overdue"' in page
    overdue = client.get("/theo-doi?qua-han=1").get_data(as_text=True)
    assert world.model.title in overdue and "Mô hình xã khác" not in overdue
    waiting = client.get("/theo-doi?trang-thai=submitted").get_data(as_text=True)
    assert world.model.title not in waiting and "Mô hình xã khác" in waiting
    login(client, world.other_unit_staff)
    mine = client.get("/theo-doi").get_data(as_text=True)
    assert "Mô hình xã khác" in mine and world.model.title not in mine
    login(client, world.unit_staff)
    home = client.get("/").get_data(as_text=True)
    assert f"/theo-doi/{late.id}" in home and "quá hạn 3 ngày" in home
    login(client, world.reviewer)
    assert client.get("/theo-doi").status_code == 403


def test_list_costs_the_same_for_2_and_12_requests(client, world, make_model, count_queries):
    def cost() -> int:
        with count_queries() as counter:
            assert client.get("/theo-doi").status_code == 200
        return counter.count

    for _ in range(2):
        add_followup(make_model(world.commune), world.province)
    login(client, world.secretary)
    few = cost()
    for _ in range(10):
        add_followup(make_model(world.other_commune), world.province, due_in_days=-1)
    assert cost() == few


def test_the_committee_cannot_answer_for_the_unit_nor_the_unit_accept(client, world):
    followup = add_followup(world.model, world.province)
    login(client, world.secretary)
    response = client.post(f"/theo-doi/{followup.id}", data=ANSWER_FORM | {
        "action": "send", "a-evidence": (io.BytesIO(PDF_BYTES), "Biên bản.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "không có quyền" in response.get_data(as_text=True)
    assert "Biên bản.pdf" not in response.get_data(as_text=True)  # not even staged
    assert only_followup().state is S.REQUESTED and only_followup().files == []
    submitted = add_followup(world.model, world.province, state=S.SUBMITTED, reported_status=ModelStatus.PAUSED)
    login(client, world.unit_staff)
    assert client.post(f"/theo-doi/{submitted.id}", data={"action": "accept"}).status_code == 422
    assert world.model.status is ModelStatus.MAINTAINED
