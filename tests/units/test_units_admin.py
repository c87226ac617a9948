"""Unit administration pages: browse, search, create, edit, move."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.core.audit import AuditEvent
from dvkheo.extensions import db
from dvkheo.units.models import Unit


def unit_named(code: str) -> Unit:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def page_text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def tree(make_unit):
    """Tỉnh Quảng Ngãi > Phường Cẩm Thành > Tổ dân phố 1, and a separate Tỉnh Gia Lai."""
    province = make_unit("Tỉnh Quảng Ngãi", kind="province", code="VN-P51")
    ward = make_unit("Phường Cẩm Thành", parent=province, kind="ward", code="VN-W21025")
    group = make_unit("Tổ dân phố 1", parent=ward, kind="village", code="TDP-1")
    other = make_unit("Tỉnh Gia Lai", kind="province", code="VN-P52")
    return province, ward, group, other


def test_unit_index_top_level_lists_roots_with_child_counts(admin, client, tree):
    text = page_text(client.get("/admin/units/"))
    assert "Tỉnh Quảng Ngãi" in text and "Tỉnh Gia Lai" in text
    assert "Phường Cẩm Thành" not in text  # one level at a time
    assert "1 đơn vị" in text  # Quảng Ngãi has one unit below it


def test_unit_index_browsing_a_unit_shows_its_children_and_breadcrumb(admin, client, tree):
    province, ward, group, _ = tree
    text = page_text(client.get(f"/admin/units/?parent={ward.id}"))
    assert "Tổ dân phố 1" in text
    assert "Tất cả đơn vị" in text and "Tỉnh Quảng Ngãi" in text  # the way back up


@pytest.mark.parametrize("typed", ["quang ngai", "QUẢNG NGÃI", "Quang Ngãi", "vn-p51"])
def test_unit_search_ignores_diacritics_and_case(admin, client, tree, typed):
    text = page_text(client.get("/admin/units/", query_string={"q": typed}))
    assert "Tỉnh Quảng Ngãi" in text
    assert "Tỉnh Gia Lai" not in text


def test_unit_search_plain_d_finds_d_with_stroke(admin, client, make_unit):
    make_unit("Xã Đức Phổ", code="X1")
    make_unit("Xã Tịnh Khê", code="X2")
    text = page_text(client.get("/admin/units/", query_string={"q": "duc pho"}))
    assert "Xã Đức Phổ" in text and "Xã Tịnh Khê" not in text


def test_unit_search_shows_where_each_result_belongs(admin, client, tree):
    text = page_text(client.get("/admin/units/", query_string={"q": "to dan pho"}))
    assert "Tổ dân phố 1" in text
    assert "Tỉnh Quảng Ngãi › Phường Cẩm Thành" in text


def test_unit_search_inside_a_unit_stays_in_its_subtree(admin, client, tree, make_unit):
    province, *_ = tree
    make_unit("Phường Cẩm Thành Khác", kind="ward", code="ELSEWHERE")  # same words, other branch
    text = page_text(client.get("/admin/units/", query_string={"q": "cam thanh", "parent": province.id}))
    assert "VN-W21025" in text and "ELSEWHERE" not in text


def test_unit_index_paginates(admin, client, make_unit, app):
    for number in range(app.config["LIST_PAGE_SIZE"] + 3):
        make_unit(f"Đơn vị {number:02d}", code=f"P{number:02d}")
    first = page_text(client.get("/admin/units/"))
    second = page_text(client.get("/admin/units/?page=2"))
    assert "Trang 1/2" in first and "P00" in first and "P27" not in first
    assert "P27" in second


def test_unit_index_query_count_does_not_grow_with_rows(admin, client, make_unit, count_queries):
    parent = make_unit("Tỉnh Thử", kind="province", code="ROOT")
    for number in range(3):
        make_unit(parent=parent, code=f"A{number}")
    with count_queries() as few:
        client.get("/admin/units/?q=thu")
    for number in range(3, 20):
        make_unit(parent=parent, code=f"A{number}")
    with count_queries() as many:
        client.get("/admin/units/?q=thu")
    assert many.count == few.count


def test_unit_create_under_parent_sets_path_depth_and_audit(admin, client, tree):
    province, *_ = tree
    response = client.post("/admin/units/new", data={
        "code": "BDV-QN", "name": "Ban Dân vận Tỉnh ủy Quảng Ngãi", "kind": "agency", "parent_code": "VN-P51", "active": "y",
    }, follow_redirects=True)
    assert "Đã thêm đơn vị “Ban Dân vận Tỉnh ủy Quảng Ngãi”." in page_text(response)
    unit = unit_named("BDV-QN")
    assert unit.path == f"{province.path}{unit.id}/" and unit.depth == 1
    assert unit.search_text == " bdv qn ban dan van tinh uy quang ngai dân vận tỉnh ủy quảng ngãi "
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity_type == "unit", AuditEvent.entity_id == unit.id))
    assert event.action == "create" and event.actor_id == admin.id


def test_unit_create_with_unknown_parent_shows_error_and_keeps_typed_values(admin, client, tree):
    response = client.post("/admin/units/new", data={
        "code": "MOI-1", "name": "Hội Nông dân xã", "kind": "mass_organisation", "parent_code": "KHONG-CO",
    })
    text = page_text(response)
    assert response.status_code == 200
    assert "Không tìm thấy đơn vị cấp trên có mã hoặc tên “KHONG-CO”." in text
    assert 'value="Hội Nông dân xã"' in text and 'value="KHONG-CO"' in text
    assert unit_named("MOI-1") is None


def test_unit_create_with_taken_code_is_refused(admin, client, tree):
    response = client.post("/admin/units/new", data={"code": "VN-P51", "name": "Trùng mã", "kind": "agency"})
    assert "Mã “VN-P51” đã được dùng cho đơn vị “Tỉnh Quảng Ngãi”." in page_text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 4


def test_unit_edit_renames_and_refreshes_search(admin, client, tree):
    _, ward, *_ = tree
    response = client.post(f"/admin/units/{ward.id}/edit", data={
        "code": "VN-W21025", "name": "Phường Nghĩa Lộ", "kind": "ward", "parent_code": "VN-P51", "active": "y",
    }, follow_redirects=True)
    text = page_text(response)
    assert "Đã lưu đơn vị “Phường Nghĩa Lộ”." in text
    assert "Tên: Phường Cẩm Thành → Phường Nghĩa Lộ" in text  # the change history on the page
    assert "nghia lo" in unit_named("VN-W21025").search_text


def test_unit_move_updates_descendants_paths(admin, client, tree):
    province, ward, group, other = tree
    response = client.post(f"/admin/units/{ward.id}/edit", data={
        "code": "VN-W21025", "name": "Phường Cẩm Thành", "kind": "ward", "parent_code": "VN-P52", "active": "y",
    }, follow_redirects=True)
    assert "cùng 1 đơn vị trực thuộc" in page_text(response)
    db.session.expire_all()
    ward, group = unit_named("VN-W21025"), unit_named("TDP-1")
    assert ward.path == f"/{other.id}/{ward.id}/" and ward.depth == 1
    assert group.path == f"/{other.id}/{ward.id}/{group.id}/" and group.depth == 2
    assert group.is_within(other) and not group.is_within(province)


def test_unit_move_to_top_level_shortens_descendants_paths(admin, client, tree):
    _, ward, group, _ = tree
    client.post(f"/admin/units/{ward.id}/edit", data={
        "code": "VN-W21025", "name": "Phường Cẩm Thành", "kind": "ward", "parent_code": "", "active": "y",
    })
    db.session.expire_all()
    assert unit_named("VN-W21025").path == f"/{ward.id}/" and unit_named("VN-W21025").depth == 0
    assert unit_named("TDP-1").path == f"/{ward.id}/{group.id}/" and unit_named("TDP-1").depth == 1


def test_unit_move_under_own_descendant_is_refused(admin, client, tree):
    province, ward, group, _ = tree
    response = client.post(f"/admin/units/{province.id}/edit", data={
        "code": "VN-P51", "name": "Tỉnh Quảng Ngãi", "kind": "province", "parent_code": "TDP-1", "active": "y",
    })
    text = page_text(response)
    assert "Không thể chuyển “Tỉnh Quảng Ngãi” vào dưới “Tổ dân phố 1”" in text
    assert 'value="TDP-1"' in text  # what the user typed stays in the form
    db.session.expire_all()
    assert unit_named("VN-P51").path == f"/{province.id}/"
    assert unit_named("TDP-1").path == f"/{province.id}/{ward.id}/{group.id}/"


def test_unit_cannot_be_its_own_parent(admin, client, tree):
    province, *_ = tree
    response = client.post(f"/admin/units/{province.id}/edit", data={
        "code": "VN-P51", "name": "Tỉnh Quảng Ngãi", "kind": "province", "parent_code": "VN-P51", "active": "y",
    })
    assert "Một đơn vị không thể là cấp trên của chính nó." in page_text(response)


def test_unit_edit_unknown_id_is_404(admin, client):
    assert client.get("/admin/units/999/edit").status_code == 404


def test_admin_sets_a_units_document_system_and_it_is_audited(admin, client, tree):
    """A Party committee unit is set to the Party's system; units below it inherit it, others stay State."""
    from dvkheo.documents.letterhead import unit_format
    from dvkheo.documents.models import ensure_builtin_systems, system_by_code

    ensure_builtin_systems()
    db.session.commit()
    province, ward, group, other = tree
    page = client.get(f"/admin/units/{ward.id}/edit").get_data(as_text=True)
    assert "Theo đơn vị cấp trên (hiện nay: Văn bản hành chính nhà nước" in page
    party = system_by_code("party")
    response = client.post(f"/admin/units/{ward.id}/edit", data={
        "code": "VN-W21025", "name": "Phường Cẩm Thành", "kind": "ward", "parent_code": "VN-P51", "active": "y",
        "document_system_id": str(party.id),
    }, follow_redirects=True)
    text = page_text(response)
    assert "Thể thức văn bản: theo đơn vị cấp trên → văn bản của Đảng" in text
    db.session.expire_all()
    assert unit_format(unit_named("VN-W21025")).code == "party"
    assert unit_format(unit_named("TDP-1")).code == "party"  # below it, nothing chosen: inherits
    assert unit_format(unit_named("VN-P51")).code == "state"
    response = client.post(f"/admin/units/{ward.id}/edit", data={
        "code": "VN-W21025", "name": "Phường Cẩm Thành", "kind": "ward", "parent_code": "VN-P51", "active": "y",
        "document_system_id": "999",
    })
    assert "Lựa chọn không hợp lệ; vui lòng chọn lại." in page_text(response)


@pytest.mark.parametrize("typed", ["vn-w21211", "VN W21211", "Ðức Phổ", "duc pho", "xã đức"])
def test_unit_search_by_words_code_and_look_alike_letters(admin, client, make_unit, typed):
    make_unit("Xã Đức Phổ", code="VN-W21211")
    make_unit("Xã Phổ Đức Mới", code="VN-W21212")
    make_unit("Phường Đức Phú", code="VN-W21213")
    text = page_text(client.get("/admin/units/", query_string={"q": typed}))
    assert "Xã Đức Phổ" in text and "Phường Đức Phú" not in text
