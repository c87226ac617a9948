"""The public summary: the owning unit writes and submits it, the awarding committee approves or returns it;
only approved text is ever public."""
from __future__ import annotations

import pytest

from dvkheo.accounts.models import Role
from dvkheo.core.audit import history
from dvkheo.extensions import db
from dvkheo.registry import workflow
from dvkheo.registry.models import SummaryState

from .conftest import model_of

FIRST = "Ban Công tác Mặt trận vận động 214 hộ hiến đất mở rộng 3,2 km đường thôn."
SECOND = "Bản viết lại chưa được duyệt, không được công khai."


@pytest.fixture
def model(recognised):
    result, _ = recognised
    return result, model_of(result.passed[1])


def post(client, model, action: str, **data):
    fields = {"action": action}
    if action in ("edit", "submit"):  # "Gửi duyệt" is a button of the draft's form: it sends the text on screen
        fields["s-text"] = data["text"] if "text" in data else model.summary_draft
    if action == "return":
        fields["r-reason"] = data.get("reason", "")
    return client.post(f"/mo-hinh/{model.id}/tom-tat", data=fields)


def public_page(client, model) -> str:
    return client.get(f"/mo-hinh/{model.id}").get_data(as_text=True)


def test_only_the_approved_text_is_public(client, auth, login_as, model):
    result, model = model
    login_as(Role.UNIT_SUBMITTER, model.unit)
    assert post(client, model, "edit", text=FIRST).status_code == 302
    assert post(client, model, "submit").status_code == 302
    assert model.summary_state is SummaryState.SUBMITTED
    assert FIRST not in public_page(client, model)
    # The unit cannot approve its own text.
    assert post(client, model, "approve").status_code == 422
    auth.logout()

    auth.login(result.chair)
    waiting = client.get("/mo-hinh/tom-tat").get_data(as_text=True)
    assert model.title in waiting and "Chờ duyệt" in waiting
    assert post(client, model, "approve").status_code == 302
    auth.logout()
    db.session.refresh(model)
    assert (model.summary_state, model.public_summary) == (SummaryState.APPROVED, FIRST)
    assert FIRST in public_page(client, model)
    found = client.get("/mo-hinh?q=hien+dat").get_data(as_text=True)  # the approved text is searched
    assert model.title in found and result.passed[0].title not in found

    # A new draft never replaces the public text until approved; a returned one never shows.
    login_as(Role.UNIT_SUBMITTER, model.unit)
    post(client, model, "edit", text=SECOND)
    post(client, model, "submit")
    auth.logout()
    auth.login(result.secretary)
    assert post(client, model, "return").status_code == 422  # a reason is required
    assert post(client, model, "return", reason="Cần nêu rõ kết quả bằng số liệu.").status_code == 302
    db.session.refresh(model)
    assert model.summary_state is SummaryState.RETURNED and model.public_summary == FIRST
    page = public_page(client, model)
    assert FIRST in page and SECOND not in page

    actions = [(e.action, e.from_state, e.to_state) for e in history("registered_model", model.id) if e.action.startswith("summary_")]
    assert actions == [
        ("summary_edit", "none", "draft"), ("summary_submit", "draft", "submitted"),
        ("summary_approve", "submitted", "approved"), ("summary_edit", "approved", "draft"),
        ("summary_submit", "draft", "submitted"), ("summary_return", "submitted", "returned"),
    ]
    assert history("registered_model", model.id)[-1].reason == "Cần nêu rõ kết quả bằng số liệu."


def test_who_may_write_and_who_may_approve(client, auth, login_as, make_unit, make_user, model):
    result, model = model
    other_unit = make_unit("Xã Khác")

    assert client.get(f"/mo-hinh/{model.id}/tom-tat").status_code == 302  # to the login page
    for role, unit in [
        (Role.UNIT_SUBMITTER, other_unit),  # another unit, by URL
        (Role.SECRETARY, other_unit),  # a committee that did not award it
        (Role.CHAIR, other_unit),
        (Role.REVIEWER, result.campaign.organising_unit),
    ]:
        login_as(role, unit)
        assert client.get(f"/mo-hinh/{model.id}/tom-tat").status_code == 404, role
        assert post(client, model, "edit", text=FIRST).status_code == 404, role
        auth.logout()
    assert model.summary_draft == ""

    owner = make_user(Role.UNIT_SUBMITTER, model.unit)
    assert workflow.available_actions(model, owner) == [workflow.A.EDIT]
    assert workflow.available_actions(model, result.chair) == []
    model.summary_draft, model.summary_state = FIRST, SummaryState.SUBMITTED
    assert workflow.available_actions(model, owner) == []
    assert workflow.available_actions(model, result.chair) == [workflow.A.APPROVE, workflow.A.RETURN]
    assert workflow.available_actions(model, result.secretary) == [workflow.A.APPROVE, workflow.A.RETURN]
    db.session.rollback()

    auth.login(owner)
    page = client.get(f"/mo-hinh/{model.id}/tom-tat")
    assert page.status_code == 200 and "Lưu bản nháp" in page.get_data(as_text=True)
    assert post(client, model, "edit", text="").status_code == 422


def test_waiting_summaries_are_on_the_committee_todo_page(client, auth, make_user, model):
    result, model = model
    owner = make_user(Role.UNIT_SUBMITTER, model.unit)
    workflow.apply(model, workflow.A.EDIT, owner, text=FIRST)
    workflow.apply(model, workflow.A.SUBMIT, owner)
    db.session.commit()

    auth.login(result.chair)
    page = client.get("/").get_data(as_text=True)
    assert "Tóm tắt mô hình chờ duyệt" in page and f"/mo-hinh/{model.id}/tom-tat" in page
    assert client.get("/mo-hinh?q=hien+dat").get_data(as_text=True).count(model.title) == 0  # not public yet


def test_the_committee_reads_a_draft_only_once_the_unit_sends_it(client, auth, login_as, model):
    result, model = model
    login_as(Role.UNIT_SUBMITTER, model.unit)
    post(client, model, "edit", text=SECOND)
    auth.logout()
    auth.login(result.chair)
    url = f"/mo-hinh/{model.id}/tom-tat"
    assert SECOND not in client.get(url).get_data(as_text=True)  # still being written
    auth.logout()
    login_as(Role.UNIT_SUBMITTER, model.unit)
    post(client, model, "submit")
    auth.logout()
    auth.login(result.chair)
    assert SECOND in client.get(url).get_data(as_text=True)


def test_sending_saves_what_was_typed_and_a_refusal_keeps_it(client, auth, login_as, model):
    result, model = model
    login_as(Role.UNIT_SUBMITTER, model.unit)
    url = f"/mo-hinh/{model.id}/tom-tat"
    assert "Gửi duyệt" in client.get(url).get_data(as_text=True)  # offered before anything is saved

    # Typed, never saved, sent at once: saved and submitted in one go.
    assert post(client, model, "submit", text=FIRST).status_code == 302
    db.session.refresh(model)
    assert (model.summary_state, model.summary_draft) == (SummaryState.SUBMITTED, FIRST)
    assert [e.action for e in history("registered_model", model.id)][-2:] == ["summary_edit", "summary_submit"]

    # Back for a rewrite: a text too long is refused, and what was typed is still on the screen; nothing changed.
    model.summary_state = SummaryState.RETURNED
    db.session.commit()
    too_long = "Nội dung dài " + "x" * workflow.MAX_SUMMARY
    refused = post(client, model, "submit", text=too_long)
    assert refused.status_code == 422 and too_long in refused.get_data(as_text=True)
    refused = post(client, model, "submit", text="   ")
    assert refused.status_code == 422 and "Vui lòng nhập nội dung tóm tắt." in refused.get_data(as_text=True)
    db.session.refresh(model)
    assert (model.summary_state, model.summary_draft) == (SummaryState.RETURNED, FIRST)

    # Edited after a return and sent: the committee reads the new text.
    assert post(client, model, "submit", text=SECOND).status_code == 302
    auth.logout()
    auth.login(result.chair)
    assert SECOND in client.get(url).get_data(as_text=True)


def test_committee_staff_reach_the_waiting_summaries_from_the_menu(client, auth, login_as, model):
    result, model = model
    auth.login(result.secretary)
    assert 'href="/mo-hinh/tom-tat"' in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(result.chair)
    assert 'href="/mo-hinh/tom-tat"' in client.get("/").get_data(as_text=True)
    auth.logout()
    login_as(Role.REVIEWER, result.campaign.organising_unit)
    assert 'href="/mo-hinh/tom-tat"' not in client.get("/").get_data(as_text=True)
