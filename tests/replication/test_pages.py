"""The pages: declaring from the model's page, the committee's confirmation, what each role may open by URL,
the public list on the model's page and its cost, uploads refused without losing what was typed, and a dossier
written from a replication carrying its lineage to the registry."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.replication.models import Replication, ReplicationState as S
from tests.conftest import PNG_BYTES
from tests.core.test_todo import card, count_of
from tests.registry.conftest import issue_award, model_of

FORM = {
    "started_on": "15/03/2026",
    "adaptation": "Giữ cách họp dân từng xóm; thay hiến đất bằng góp ngày công.",
    "scale": "3 thôn của xã",
    "people_reached": "1.240",
    "first_results": "Bê tông hóa 1,4 km đường thôn.",
}


def text(response) -> str:
    return response.get_data(as_text=True)


def test_unit_declares_from_the_model_page_and_the_committee_above_confirms(client, login, world):
    login(world.staff)
    page = text(client.get(f"/mo-hinh/{world.model.id}"))
    assert f'href="/nhan-rong/moi/{world.model.id}"' in page and "Nhân rộng mô hình này" in page

    response = client.post(f"/nhan-rong/moi/{world.model.id}", data={**FORM, "send": "1"})
    replication = db.session.scalars(sa.select(Replication)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/nhan-rong/{replication.id}")
    assert replication.status is S.SUBMITTED and replication.people_reached == 1240
    assert replication.unit_id == world.unit.id

    login(world.secretary)
    shown = text(client.get(f"/nhan-rong/{replication.id}"))
    assert "Xác nhận nhân rộng" in shown and "Trả lại để bổ sung" in shown
    response = client.post(f"/nhan-rong/{replication.id}/thao-tac", data={"action": "confirm"})
    assert response.status_code == 302
    db.session.refresh(replication)
    assert replication.status is S.CONFIRMED

    client.post("/logout")
    page = text(client.get(f"/mo-hinh/{world.model.id}"))
    assert "Đã được nhân rộng tại 1 đơn vị" in page
    assert f'href="/mo-hinh/{world.model.id}/nhan-rong/{replication.id}">Xã Bình Sơn</a>' in page
    assert "áp dụng từ 15/03/2026" in page
    assert "Đã được nhân rộng tại 1 đơn vị" in text(client.get("/mo-hinh"))

    public = client.get(f"/mo-hinh/{world.model.id}/nhan-rong/{replication.id}")
    assert public.status_code == 200
    assert "Bê tông hóa 1,4 km đường thôn." in text(public) and "Trần Văn Nhân" not in text(public)


def test_return_with_a_reason_shows_on_the_unit_home_then_resubmit(client, login, world):
    replication = world.declare()
    login(world.chair)
    client.post(f"/nhan-rong/{replication.id}/thao-tac", data={"action": "return", "reason": ""})
    db.session.refresh(replication)
    assert replication.status is S.SUBMITTED  # no reason, no return
    client.post(f"/nhan-rong/{replication.id}/thao-tac", data={"action": "return", "reason": "Bổ sung ảnh sau khi làm."})
    db.session.refresh(replication)
    assert replication.status is S.RETURNED

    login(world.staff)
    home = text(client.get("/"))
    assert count_of(home, "replications") == 1 and "Bổ sung theo yêu cầu rồi gửi lại" in card(home, "replications")
    assert "Bổ sung ảnh sau khi làm." in text(client.get(f"/nhan-rong/{replication.id}/sua"))
    response = client.post(f"/nhan-rong/{replication.id}/sua", data={**FORM, "first_results": "Đã làm 2 km.", "send": "1"})
    assert response.status_code == 302
    db.session.refresh(replication)
    assert replication.status is S.SUBMITTED and replication.first_results == "Đã làm 2 km."


def test_the_committee_above_sees_what_waits_on_its_home(client, login, world):
    world.declare()
    world.declare(send=False)  # a draft never reaches the committee
    login(world.secretary)
    home = text(client.get("/"))
    assert count_of(home, "replications") == 1 and "Xã Bình Sơn" in card(home, "replications")
    login(world.far_secretary)
    assert count_of(text(client.get("/")), "replications") == 0


@pytest.mark.parametrize(
    "who, draft, submitted",
    [
        ("staff", 200, 200),
        ("other_staff", 404, 404),
        ("model_staff", 404, 404),
        ("secretary", 404, 200),  # a draft is the unit's own business
        ("chair", 404, 200),
        ("far_secretary", 404, 404),
        ("reviewer", 404, 404),
    ],
)
def test_who_opens_a_declaration_by_its_address(client, login, world, who, draft, submitted):
    unsent = world.declare(send=False)
    sent = world.declare(send=False)
    from dvkheo.replication import workflow

    workflow.apply(sent, workflow.A.SUBMIT, world.staff)
    db.session.commit()
    login(getattr(world, who))
    assert client.get(f"/nhan-rong/{unsent.id}").status_code == draft
    assert client.get(f"/nhan-rong/{sent.id}").status_code == submitted
    # Editing and moving are the unit's and the committee's only; others learn nothing (404) or are refused.
    edit = client.get(f"/nhan-rong/{unsent.id}/sua").status_code
    assert edit == (200 if who == "staff" else 404)
    confirm = client.post(f"/nhan-rong/{sent.id}/thao-tac", data={"action": "confirm"}).status_code
    if who in ("secretary", "chair"):
        assert confirm == 302
    else:
        assert confirm in (403, 404)
    db.session.refresh(sent)
    assert sent.status is (S.CONFIRMED if who in ("secretary", "chair") else S.SUBMITTED)


def test_anonymous_is_sent_to_log_in_and_sees_no_unconfirmed_public_page(client, world):
    replication = world.declare()
    assert client.get(f"/nhan-rong/{replication.id}").status_code == 302
    assert client.post(f"/nhan-rong/{replication.id}/thao-tac", data={"action": "confirm"}).status_code in (302, 400)
    assert client.get(f"/mo-hinh/{world.model.id}/nhan-rong/{replication.id}").status_code == 404
    assert client.get(f"/mo-hinh/{world.model.id}/nhan-rong/2147483648").status_code == 404
    db.session.refresh(replication)
    assert replication.status is S.SUBMITTED


def test_a_second_declaration_of_the_same_model_continues_the_unfinished_one(client, login, world):
    draft = world.declare(send=False)
    login(world.staff)
    response = client.get(f"/nhan-rong/moi/{world.model.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/nhan-rong/{draft.id}/sua")


def test_own_model_has_no_button_and_is_refused(client, login, world):
    login(world.model_staff)
    assert "Nhân rộng mô hình này" not in text(client.get(f"/mo-hinh/{world.model.id}"))
    response = client.post(f"/nhan-rong/moi/{world.model.id}", data={**FORM, "send": "1"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Replication)) == 0
    login(world.secretary)
    assert client.get(f"/nhan-rong/moi/{world.model.id}").status_code == 403


def test_choosing_a_model_by_search_ignores_diacritics_and_hides_my_own(client, login, world):
    login(world.staff)
    page = text(client.get("/nhan-rong/moi?q=duong+giao+thong"))
    assert f'href="/nhan-rong/moi/{world.model.id}"' in page
    login(world.model_staff)
    assert f'href="/nhan-rong/moi/{world.model.id}"' not in text(client.get("/nhan-rong/moi?q=duong+giao+thong"))


def test_a_refused_upload_keeps_what_was_typed_and_the_good_file(client, login, world):
    login(world.staff)
    response = client.post(
        f"/nhan-rong/moi/{world.model.id}",
        data={**FORM, "save_draft": "1", "files": [(io.BytesIO(b"MZ not an image"), "anh.png"),
                                                  (io.BytesIO(PNG_BYTES), "Ảnh đường thôn.png")]},
        content_type="multipart/form-data",
    )
    page = text(response)
    assert response.status_code == 422
    assert "không phải tệp" in page and "anh.png" in page
    assert FORM["adaptation"] in page and 'value="3 thôn của xã"' in page
    assert "Ảnh đường thôn.png" in page and "sẽ được lưu cùng bản kê khai" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Replication)) == 0

    staged = re.search(r'name="staged_uploads" type="hidden" value="([^"]*)"', page).group(1)
    response = client.post(f"/nhan-rong/moi/{world.model.id}", data={**FORM, "save_draft": "1", "staged_uploads": staged})
    assert response.status_code == 302
    replication = db.session.scalars(sa.select(Replication)).one()
    assert [f.original_name for f in replication.files] == ["Ảnh đường thôn.png"]
    # Another unit cannot download it.
    login(world.other_staff)
    assert client.get(f"/nhan-rong/{replication.id}/tep/{replication.files[0].id}").status_code == 404


def test_the_public_page_shows_image_evidence_resized_only(client, login, world):
    login(world.staff)
    client.post(
        f"/nhan-rong/moi/{world.model.id}", data={**FORM, "send": "1", "files": [(io.BytesIO(PNG_BYTES), "Ảnh.png")]},
        content_type="multipart/form-data",
    )
    replication = db.session.scalars(sa.select(Replication)).one()
    from dvkheo.replication import workflow

    workflow.apply(replication, workflow.A.CONFIRM, world.secretary)
    db.session.commit()
    client.post("/logout")
    file_id = replication.files[0].id
    base = f"/mo-hinh/{world.model.id}/nhan-rong/{replication.id}"
    page = text(client.get(base))
    assert f"{base}/anh/{file_id}/small.jpg" in page and "/tep/" not in page
    assert client.get(f"{base}/anh/{file_id}/medium.jpg").mimetype == "image/jpeg"
    assert client.get(f"/nhan-rong/{replication.id}/tep/{file_id}").status_code == 302  # the original: log in first


def test_model_page_and_list_cost_the_same_with_2_or_12_replications(client, world, make_unit, make_user, count_queries):
    from dvkheo.accounts.models import Role

    province = world.result.campaign.organising_unit

    def add(count: int) -> None:
        for _ in range(count):
            unit = make_unit(parent=province)
            world.confirmed(staff=make_user(Role.UNIT_SUBMITTER, unit))

    def cost(path: str) -> int:
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    add(2)
    few_page, few_list = cost(f"/mo-hinh/{world.model.id}"), cost("/mo-hinh")
    add(10)
    assert cost(f"/mo-hinh/{world.model.id}") == few_page
    assert cost("/mo-hinh") == few_list
    page = text(client.get(f"/mo-hinh/{world.model.id}"))
    assert "Đã được nhân rộng tại 12 đơn vị" in page
    assert page.count(f'href="/mo-hinh/{world.model.id}/nhan-rong/') == 10 and "Và 2 đơn vị khác." in page


def test_a_dossier_from_a_replication_carries_its_source_to_the_registry(client, login, world, make_campaign,
                                                                         make_council_result):
    replication = world.confirmed()
    replication.people_reached = 1240
    db.session.commit()
    campaign = make_campaign(title="Bình xét mô hình “Dân vận khéo” năm sau")
    login(world.other_staff)
    assert client.get(f"/nhan-rong/{replication.id}/lap-ho-so").status_code == 404
    login(world.staff)
    page = text(client.get(f"/nhan-rong/{replication.id}"))
    assert "Lập hồ sơ đề nghị từ bản nhân rộng này" in page
    assert client.post(f"/nhan-rong/{replication.id}/lap-ho-so", data={"campaign_id": "2147483648"}).status_code == 200

    response = client.post(f"/nhan-rong/{replication.id}/lap-ho-so", data={"campaign_id": str(campaign.id)})
    nomination = db.session.scalars(sa.select(Nomination).where(Nomination.source_replication_id == replication.id)).one()
    assert response.headers["Location"].endswith(f"/nominations/{nomination.id}/edit")
    assert nomination.source_model_id == world.model.id and nomination.unit_id == world.unit.id
    assert nomination.started_on == replication.started_on and nomination.method == replication.adaptation
    assert "1.240 người được hưởng lợi, tham gia." in nomination.replication  # written as the unit would
    shown = text(client.get(f"/nominations/{nomination.id}"))
    assert f'Nhân rộng từ mô hình <a href="/mo-hinh/{world.model.id}">“{world.model.title}”</a>' in shown

    # Later, a dossier of that lineage is awarded: the new model's page says where it came from.
    later = make_council_result(passed=1)
    later.passed[0].source_model_id = world.model.id
    db.session.commit()
    issue_award(later)
    new_model = model_of(later.passed[0])
    assert new_model.source_model_id == world.model.id
    assert f'Nhân rộng từ mô hình <a href="/mo-hinh/{world.model.id}">' in text(client.get(f"/mo-hinh/{new_model.id}"))
