"""The administrator's reference lists: add, rename, reorder, deactivate and reactivate."""
from __future__ import annotations

import re

import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import NomineeKind, ReferenceItem, ReferenceKind
from dvkheo.core import audit
from dvkheo.extensions import db
from dvkheo.nominations.forms import build_form
from dvkheo.nominations.operations import reference_lists


def _items(kind: ReferenceKind) -> list[ReferenceItem]:
    return list(db.session.scalars(sa.select(ReferenceItem).where(ReferenceItem.kind == kind).order_by(ReferenceItem.position)))


def _item(code: str) -> ReferenceItem:
    return db.session.scalars(sa.select(ReferenceItem).where(ReferenceItem.code == code)).one()


def test_page_shows_the_three_lists(client, login_as, reference_lists_seeded):
    login_as(Role.ADMIN)
    html = client.get("/campaigns/reference-lists").get_data(as_text=True)
    for title in ("Lĩnh vực", "Loại hình tập thể", "Đối tượng cá nhân"):
        assert f">{title}</h2>" in html
    assert 'value="Bảo hiểm y tế toàn dân"' in html
    assert "Ngừng sử dụng" in html


def test_add_item_at_end_or_at_a_position(client, login_as, reference_lists_seeded):
    admin = login_as(Role.ADMIN)
    response = client.post("/campaigns/reference-lists/field/add", data={"new-field-name": "  Phòng, chống thiên tai  "})
    assert response.status_code == 302 and response.headers["Location"].endswith("#list-field")
    fields = _items(ReferenceKind.FIELD)
    added = fields[-1]
    assert (added.name, added.code, added.position, added.active) == ("Phòng, chống thiên tai", "phong_chong_thien_tai", 10, True)
    (event,) = audit.history("reference_item", added.id)
    assert (event.action, event.actor_id) == ("create", admin.id)

    client.post("/campaigns/reference-lists/individual_category/add", data={"new-individual_category-name": "Người có uy tín", "new-individual_category-position": "1"})
    categories = _items(ReferenceKind.INDIVIDUAL_CATEGORY)
    assert categories[0].name == "Người có uy tín"
    assert [c.position for c in categories] == list(range(1, len(categories) + 1))


def test_add_refuses_blank_and_duplicate_names(client, login_as, reference_lists_seeded):
    login_as(Role.ADMIN)
    response = client.post("/campaigns/reference-lists/field/add", data={"new-field-name": "   "})
    assert response.status_code == 422
    assert "Vui lòng nhập tên." in response.get_data(as_text=True)

    # Same words without diacritics and in another case still count as the same item.
    response = client.post("/campaigns/reference-lists/field/add", data={"new-field-name": "bao ve moi truong"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Danh mục lĩnh vực đã có mục “Bảo vệ môi trường”." in html
    assert 'value="bao ve moi truong"' in html
    assert len(_items(ReferenceKind.FIELD)) == 9


def test_rename_and_move(client, login_as, reference_lists_seeded):
    login_as(Role.ADMIN)
    item = _item("poverty_reduction")  # position 8
    response = client.post(
        f"/campaigns/reference-lists/items/{item.id}",
        data={f"item-{item.id}-name": "Giảm nghèo đa chiều, bền vững", f"item-{item.id}-position": "2"},
    )
    assert response.status_code == 302
    fields = _items(ReferenceKind.FIELD)
    assert fields[1].id == item.id and fields[1].name == "Giảm nghèo đa chiều, bền vững"
    assert [f.position for f in fields] == list(range(1, 10))
    assert fields[0].code == "political_system" and fields[2].code == "economy_society"
    event = audit.history("reference_item", item.id)[-1]
    assert event.details["name"] == ["Giảm nghèo bền vững", "Giảm nghèo đa chiều, bền vững"]
    assert event.details["position"] == [8, 2]


def test_rename_error_keeps_typed_value_in_its_row(client, login_as, reference_lists_seeded):
    login_as(Role.ADMIN)
    item = _item("food_safety")
    response = client.post(
        f"/campaigns/reference-lists/items/{item.id}",
        data={f"item-{item.id}-name": "Bảo vệ môi trường", f"item-{item.id}-position": "abc"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vui lòng nhập một số nguyên" in html
    assert f'id="item-{item.id}-position"' in html and 'value="abc"' in html
    db.session.expire_all()
    assert item.name == "Vệ sinh an toàn thực phẩm"


def test_deactivation_hides_item_from_new_nominations_but_keeps_old_ones(
    client, login_as, make_campaign, make_nomination
):
    campaign = make_campaign()
    nomination = make_nomination(campaign=campaign)
    collective_type = nomination.collective_type
    field = nomination.field
    login_as(Role.ADMIN)

    for item in (collective_type, field):
        response = client.post(f"/campaigns/reference-lists/items/{item.id}/deactivate")
        assert response.status_code == 302
    db.session.expire_all()
    active = reference_lists(active_only=True)
    assert collective_type not in active["collective_type"]
    assert field not in active["field"]
    assert collective_type in reference_lists(active_only=False)["collective_type"]

    form = build_form(campaign, NomineeKind.COLLECTIVE, active, formdata=None)
    assert collective_type.id not in [value for value, _ in form.collective_type_id.choices]
    assert field.id not in [value for value, _ in form.field_id.choices]

    # Nothing is deleted: the existing dossier still points at both items.
    db.session.refresh(nomination)
    assert nomination.collective_type_id == collective_type.id and nomination.field_id == field.id
    assert [e.action for e in audit.history("reference_item", field.id)] == ["deactivate"]

    html = client.get("/campaigns/reference-lists").get_data(as_text=True)
    assert "Sử dụng lại" in html
    client.post(f"/campaigns/reference-lists/items/{field.id}/reactivate")
    db.session.expire_all()
    assert field in reference_lists(active_only=True)["field"]
    assert [e.action for e in audit.history("reference_item", field.id)] == ["deactivate", "reactivate"]


def test_unknown_list_or_item_is_404(client, login_as, reference_lists_seeded):
    login_as(Role.ADMIN)
    assert client.post("/campaigns/reference-lists/units/add", data={"new-units-name": "X"}).status_code == 404
    assert client.post("/campaigns/reference-lists/items/99999/deactivate").status_code == 404


def test_rendered_forms_carry_working_csrf_tokens(app, client, login_as, reference_lists_seeded, monkeypatch):
    login_as(Role.ADMIN)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    item = _item("food_safety")
    html = client.get("/campaigns/reference-lists").get_data(as_text=True)
    row_token = re.search(rf'name="item-{item.id}-csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        f"/campaigns/reference-lists/items/{item.id}",
        data={f"item-{item.id}-csrf_token": row_token, f"item-{item.id}-name": "An toàn thực phẩm", f"item-{item.id}-position": "5"},
    )
    assert response.status_code == 302
    toggle_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert client.post(f"/campaigns/reference-lists/items/{item.id}/deactivate", data={"csrf_token": toggle_token}).status_code == 302
    db.session.expire_all()
    assert (item.name, item.active) == ("An toàn thực phẩm", False)
