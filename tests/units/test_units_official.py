"""`flask units import-official`: Vietnam's 34 provinces and 3,321 communes, wards and special zones."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.core.audit import AuditEvent
from dvkheo.extensions import db
from dvkheo.units.models import Unit


def counts_by_kind() -> dict[str, int]:
    return dict(db.session.execute(sa.select(Unit.kind, sa.func.count()).group_by(Unit.kind)).tuples().all())


def by_code(code: str) -> Unit:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


@pytest.mark.slow
def test_import_official_gives_34_provinces_and_3321_communes_and_a_second_run_changes_nothing(runner):
    first = runner.invoke(args=["units", "import-official"])
    assert first.exit_code == 0, first.output
    assert "34 tỉnh, thành phố và 3321 xã, phường, đặc khu" in first.output
    assert "tạo mới 3355, cập nhật 0, giữ nguyên 0" in first.output
    kinds = counts_by_kind()
    assert kinds["province"] == 34
    assert kinds["commune"] + kinds["ward"] + kinds["special_zone"] == 3321
    assert kinds["special_zone"] == 13

    province, ward = by_code("VN-P51"), by_code("VN-W21025")
    assert province.name == "Tỉnh Quảng Ngãi" and by_code("VN-P01").name == "Thành phố Hà Nội"
    assert ward.name == "Phường Cẩm Thành" and ward.kind == "ward"
    assert ward.path == f"/{province.id}/{ward.id}/" and ward.depth == 1
    assert ward.search_text == " vn w21025 phuong cam thanh phường cẩm thành "

    events = audit_count()
    second = runner.invoke(args=["units", "import-official"])
    assert second.exit_code == 0, second.output
    assert "tạo mới 0, cập nhật 0, giữ nguyên 3355" in second.output
    assert counts_by_kind() == kinds
    assert audit_count() == events  # nothing changed, so nothing to record


def test_import_official_one_province_under_a_root_unit(runner, make_unit):
    root = make_unit("Ban Dân vận Trung ương", kind="agency", code="BDVTW")
    result = runner.invoke(args=["units", "import-official", "--root-code", "BDVTW", "--province", "51"])
    assert result.exit_code == 0, result.output
    assert "1 tỉnh, thành phố và 96 xã, phường, đặc khu dưới đơn vị BDVTW" in result.output
    province = by_code("VN-P51")
    assert province.parent_id == root.id and province.path == f"/{root.id}/{province.id}/"
    wards = db.session.scalars(sa.select(Unit).where(Unit.parent_id == province.id)).all()
    assert len(wards) == 96
    assert all(w.depth == 2 and w.path == f"{province.path}{w.id}/" for w in wards)
    assert by_code("VN-P01") is None


def test_import_official_again_under_a_new_root_moves_the_province_and_its_communes(runner, make_unit):
    assert runner.invoke(args=["units", "import-official", "--province", "VN-P51"]).exit_code == 0
    root = make_unit("Ban Dân vận Trung ương", kind="agency", code="BDVTW")
    result = runner.invoke(args=["units", "import-official", "--province", "quang_ngai", "--root-code", "BDVTW"])
    assert "tạo mới 0, cập nhật 1, giữ nguyên 96" in result.output
    db.session.expire_all()
    province, ward = by_code("VN-P51"), by_code("VN-W21025")
    assert province.path == f"/{root.id}/{province.id}/"
    assert ward.path == f"/{root.id}/{province.id}/{ward.id}/" and ward.depth == 2


def test_import_official_with_unknown_root_fails_and_writes_nothing(runner):
    result = runner.invoke(args=["units", "import-official", "--root-code", "KHONG-CO"])
    assert result.exit_code != 0
    assert "Không tìm thấy đơn vị gốc có mã “KHONG-CO”" in result.output
    assert counts_by_kind() == {}


def test_import_official_with_unknown_province_fails(runner):
    result = runner.invoke(args=["units", "import-official", "--province", "99"])
    assert result.exit_code != 0
    assert "Không có tỉnh, thành phố nào có mã “99”" in result.output


def test_import_official_under_one_of_its_own_communes_is_refused(runner):
    runner.invoke(args=["units", "import-official", "--province", "51"])
    result = runner.invoke(args=["units", "import-official", "--province", "51", "--root-code", "VN-W21025"])
    assert result.exit_code != 0
    assert "vòng lặp" in result.output
    assert by_code("VN-P51").parent_id is None
