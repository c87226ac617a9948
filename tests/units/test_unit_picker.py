"""Picking a unit by searching the tree: a unit's parent and an account's unit, by code in any case
or by name with or without diacritics; several matches are listed to choose from (no JavaScript
needed); the JSON list read while typing."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role, User
from dvkheo.extensions import db
from dvkheo.units.models import Unit
from tests.conftest import PASSWORD


def unit_named(code: str) -> Unit:
    db.session.expire_all()
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


@pytest.fixture
def tree(make_unit):
    """Tỉnh Quảng Ngãi > Xã Tịnh Khê, Xã Tịnh Kỳ, Phường Trương Quang Trọng; and Tỉnh Gia Lai."""
    province = make_unit("Tỉnh Quảng Ngãi", kind="province", code="VN-P51")
    khe = make_unit("Xã Tịnh Khê", parent=province, kind="commune", code="VN-W21211")
    ky = make_unit("Xã Tịnh Kỳ", parent=province, kind="commune", code="VN-W21212")
    ward = make_unit("Phường Trương Quang Trọng", parent=province, kind="ward", code="VN-W21001")
    other = make_unit("Tỉnh Gia Lai", kind="province", code="VN-P52")
    db.session.commit()
    return province, khe, ky, ward, other


def new_unit(**overrides) -> dict:
    values = {"code": "HND-TK", "name": "Hội Nông dân xã Tịnh Khê", "kind": "mass_organisation", "parent_code": "", "active": "y"}
    values.update(overrides)
    return values


@pytest.mark.parametrize("typed", ["vn-w21211", "VN-W21211", "Vn-W21211 ", "tinh khe", "Tịnh Khê", "TỊNH KHÊ", "xa tinh khe"])
def test_parent_is_found_by_code_in_any_case_or_by_name_without_diacritics(admin, client, tree, typed):
    response = client.post("/admin/units/new", data=new_unit(parent_code=typed))

    assert response.status_code == 302
    assert unit_named("HND-TK").parent.code == "VN-W21211"


def test_several_matches_are_listed_to_choose_from_and_the_choice_is_saved(admin, client, tree):
    response = client.post("/admin/units/new", data=new_unit(parent_code="tinh k"))

    page = response.get_data(as_text=True)
    assert unit_named("HND-TK") is None
    assert "Có 2 đơn vị cấp trên khớp “tinh k”; vui lòng chọn một đơn vị cấp trên trong danh sách bên dưới." in page
    assert 'name="parent_code_pick" value="VN-W21211"' in page and 'name="parent_code_pick" value="VN-W21212"' in page
    assert "Tỉnh Quảng Ngãi › Xã Tịnh Kỳ" in page  # where each match sits
    assert 'value="VN-P52"' not in page

    response = client.post("/admin/units/new", data=new_unit(parent_code="tinh k", parent_code_pick="VN-W21212"))
    assert response.status_code == 302
    assert unit_named("HND-TK").parent.code == "VN-W21212"


def test_find_button_lists_matches_and_saves_nothing(admin, client, tree):
    province, khe, *_ = tree
    response = client.post(f"/admin/units/{khe.id}/edit", data={
        "code": "VN-W21211", "name": "Xã Tịnh Khê", "kind": "commune", "parent_code": "quang", "parent_code_find": "1", "active": "y",
    })

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Chọn một đơn vị khớp “quang”" in page
    assert 'value="VN-P51"' in page and 'value="VN-W21001"' in page and 'value="VN-P52"' not in page
    assert "Chưa lưu được đơn vị" not in page
    assert unit_named("VN-W21211").parent_id == province.id

    page = client.post(f"/admin/units/{khe.id}/edit", data={
        "code": "VN-W21211", "name": "Xã Tịnh Khê", "kind": "commune", "parent_code": "khong co", "parent_code_find": "1", "active": "y",
    }).get_data(as_text=True)
    assert "Không tìm thấy đơn vị nào có mã hoặc tên “khong co”." in page


def test_find_button_with_a_single_match_picks_it_and_says_nothing_about_not_finding(admin, client, tree):
    page = client.post("/admin/units/new", data=new_unit(parent_code="tinh khe", parent_code_find="1")).get_data(as_text=True)
    assert "Đang chọn: <strong>Xã Tịnh Khê</strong> (VN-W21211)" in page
    assert "Không tìm thấy" not in page


def test_edit_page_names_the_current_parent(admin, client, tree):
    _, khe, *_ = tree
    page = client.get(f"/admin/units/{khe.id}/edit").get_data(as_text=True)
    assert 'value="VN-P51"' in page and "Đang chọn: <strong>Tỉnh Quảng Ngãi</strong> (VN-P51)" in page


def test_account_unit_is_found_by_name_without_diacritics(admin, client, tree):
    response = client.post("/admin/users/new", data={
        "full_name": "Trần Thị Hạnh", "email": "hanh@example.vn", "role": Role.UNIT_SUBMITTER.value,
        "unit_code": "truong quang trong", "active": "y", "password": "mat-khau-rat-dai-2026", "confirm_password": "mat-khau-rat-dai-2026",
    })

    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "hanh@example.vn"))
    assert user.unit.code == "VN-W21001"


def test_account_unit_with_several_matches_is_chosen_from_a_list(admin, client, tree):
    data = {
        "full_name": "Trần Thị Hạnh", "email": "hanh@example.vn", "role": Role.UNIT_SUBMITTER.value,
        "unit_code": "tinh", "active": "y", "password": "mat-khau-rat-dai-2026", "confirm_password": "mat-khau-rat-dai-2026",
    }
    page = client.post("/admin/users/new", data=data).get_data(as_text=True)
    assert "Có 4 đơn vị khớp “tinh”; vui lòng chọn một đơn vị trong danh sách bên dưới." in page
    assert db.session.scalar(sa.select(User).where(User.email == "hanh@example.vn")) is None

    response = client.post("/admin/users/new", data={**data, "unit_code_pick": "VN-W21211"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(User).where(User.email == "hanh@example.vn")).unit.code == "VN-W21211"


def test_picker_json_lists_matches_with_their_place_in_few_queries(admin, client, tree, make_unit, count_queries):
    province = tree[0]
    for number in range(25):
        make_unit(f"Thôn Tịnh Sơn {number}", parent=province, kind="village", code=f"TS-{number}")
    db.session.commit()

    data = client.get("/admin/units/picker", query_string={"q": "tinh khe"}).get_json()
    assert data == {"matches": [{"code": "VN-W21211", "name": "Xã Tịnh Khê", "path": "Tỉnh Quảng Ngãi › Xã Tịnh Khê", "active": True}], "more": False}

    with count_queries() as counted:
        data = client.get("/admin/units/picker", query_string={"q": "Tinh Son"}).get_json()
    assert len(data["matches"]) == 20 and data["more"] is True
    few = counted.count
    with count_queries() as counted:
        client.get("/admin/units/picker", query_string={"q": "Tịnh Sơn 1"})
    assert counted.count == few


def test_picker_json_is_for_administrators_only(client, tree, make_user):
    secretary = make_user(Role.SECRETARY, tree[0])
    db.session.commit()
    client.post("/login", data={"email": secretary.email, "password": PASSWORD})
    assert client.get("/admin/units/picker", query_string={"q": "tinh"}).status_code in (403, 404)
