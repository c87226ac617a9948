"""Importing units from CSV and XLSX uploads: all rows or none, with a row-by-row report."""
from __future__ import annotations

import io
import unicodedata

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from dvkheo.core.tables import MAX_UNZIPPED_BYTES, MAX_ZIP_ENTRIES
from dvkheo.extensions import db
from dvkheo.units.models import Unit
from tests import hostile_xlsx as hostile
from tests.hostile_xlsx import workbook_bytes
from tests.conftest import PNG_BYTES

HEADER = "Mã đơn vị,Tên đơn vị,Loại đơn vị,Mã đơn vị cấp trên\r\n"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(line + "\r\n" for line in lines)).encode("utf-8")


def unit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Unit))


def by_code(code: str) -> Unit:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_import_with_one_bad_row_imports_nothing_and_names_row_and_column(admin, upload):
    response = upload(csv_bytes(
        "VN-P51,Tỉnh Quảng Ngãi,Tỉnh,",
        "VN-W21025,Phường Cẩm Thành,Phường,VN-P51",
        "VN-W21028,,Phường,VN-P51",
    ))
    text = text_of(response)
    assert "Chưa nhập đơn vị nào" in text
    assert "Thiếu tên đơn vị." in text
    # row 4 as the spreadsheet shows it (header is row 1), column B with the user's own header
    assert '<td data-label="Dòng">4</td>' in text
    assert "B “Tên đơn vị”" in text
    assert unit_count() == 0


def test_import_good_csv_builds_tree_with_paths_even_when_children_come_first(admin, upload):
    response = upload(csv_bytes(
        "TDP-1,Tổ dân phố 1,Thôn,VN-W21025",
        "VN-W21025,Phường Cẩm Thành,Phường,VN-P51",
        "VN-P51,Tỉnh Quảng Ngãi,Tỉnh,",
    ))
    assert "Đã nhập tệp “don-vi.csv”: tạo mới 3, cập nhật 0, giữ nguyên 0" in text_of(response)
    province, ward, group = by_code("VN-P51"), by_code("VN-W21025"), by_code("TDP-1")
    assert province.path == f"/{province.id}/" and province.depth == 0
    assert ward.path == f"/{province.id}/{ward.id}/" and ward.depth == 1
    assert group.path == f"/{province.id}/{ward.id}/{group.id}/" and group.depth == 2
    assert (province.kind, ward.kind, group.kind) == ("province", "ward", "village")
    assert group.search_text == " tdp 1 to dan pho 1 tổ dân phố "


def test_import_good_xlsx_with_english_headers_builds_tree(admin, upload, make_unit):
    root = make_unit("Ban Dân vận Trung ương", kind="agency", code="BDVTW")
    response = upload(workbook_bytes([
        ["code", "name", "kind", "parent_code"],
        [51, "Tỉnh Quảng Ngãi", "province", "BDVTW"],  # a number cell: Excel's usual way of storing codes
        ["51-01", "Xã Tịnh Khê", "commune", 51],
    ]), filename="units.xlsx")
    assert "tạo mới 2" in text_of(response)
    province, commune = by_code("51"), by_code("51-01")
    assert province.path == f"/{root.id}/{province.id}/"
    assert commune.path == f"/{root.id}/{province.id}/{commune.id}/" and commune.depth == 2


def test_import_headers_without_diacritics_and_semicolons_are_understood(admin, upload):
    data = "ma;ten;loai;ma don vi cap tren\r\nQN;Tỉnh Quảng Ngãi;tinh;\r\n".encode("utf-8-sig")
    assert "tạo mới 1" in text_of(upload(data))
    assert by_code("QN").kind == "province"


def _to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Excel writes it: base letter, then a combining tone mark."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for char in text:
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(p for p in parts if p not in tones))
            out.append((base + "".join(p for p in parts if p in tones)).encode("cp1258"))
    return b"".join(out)


def test_import_windows_1258_csv_keeps_vietnamese_names(admin, upload):
    upload(_to_cp1258(HEADER + "QN,Tỉnh Quảng Ngãi,Tỉnh,\r\nDP,Xã Đức Phổ,Xã,QN\r\n"))
    assert by_code("QN").name == "Tỉnh Quảng Ngãi"
    assert by_code("DP").name == "Xã Đức Phổ"


def test_import_loop_in_file_is_refused(admin, upload):
    text = text_of(upload(csv_bytes("A,Đơn vị A,Cơ quan,B", "B,Đơn vị B,Cơ quan,A")))
    assert "Mã đơn vị cấp trên tạo thành vòng lặp: A → B → A." in text
    assert "D “Mã đơn vị cấp trên”" in text
    assert unit_count() == 0


def test_import_loop_through_existing_units_is_refused(admin, upload, make_unit):
    top = make_unit("Tỉnh A", kind="province", code="A")
    make_unit("Xã B", parent=top, code="B")
    text = text_of(upload(csv_bytes("A,Tỉnh A,Tỉnh,B")))
    assert "vòng lặp: A → B → A" in text
    assert by_code("A").parent_id is None


def test_import_unknown_parent_is_refused(admin, upload):
    text = text_of(upload(csv_bytes("X1,Xã Một,Xã,KHONG-CO")))
    assert "Không tìm thấy đơn vị cấp trên có mã “KHONG-CO” trong tệp hoặc trong hệ thống." in text
    assert unit_count() == 0


def test_import_repeated_code_names_the_earlier_row(admin, upload):
    text = text_of(upload(csv_bytes("X1,Xã Một,Xã,", "X1,Xã Hai,Xã,")))
    assert "Mã “X1” bị trùng với dòng 2." in text
    assert unit_count() == 0


def test_import_unknown_kind_is_refused_with_accepted_list(admin, upload):
    text = text_of(upload(csv_bytes("X1,Xã Một,Làng xã,")))
    assert "Loại đơn vị “Làng xã” không hợp lệ" in text and "Tỉnh, thành phố" in text


def test_import_missing_name_column_is_reported(admin, upload):
    text = text_of(upload(csv_bytes("X1,Xã", header="Mã,Ghi chú\r\n")))
    assert "Không tìm thấy cột “Tên đơn vị” ở dòng tiêu đề" in text


def test_import_existing_code_updates_unit_and_moves_its_subtree(admin, upload, make_unit):
    old_parent = make_unit("Tỉnh Cũ", kind="province", code="P1")
    new_parent = make_unit("Tỉnh Mới", kind="province", code="P2")
    ward = make_unit("Phường Một", parent=old_parent, kind="ward", code="W1")
    group = make_unit("Tổ 1", parent=ward, kind="village", code="T1")
    text = text_of(upload(csv_bytes("W1,Phường Một Mới,Phường,P2", "P1,Tỉnh Cũ,Tỉnh,")))
    assert "tạo mới 0, cập nhật 1, giữ nguyên 1" in text
    db.session.expire_all()
    ward, group = by_code("W1"), by_code("T1")
    assert ward.name == "Phường Một Mới"
    assert ward.path == f"/{new_parent.id}/{ward.id}/"
    assert group.path == f"/{new_parent.id}/{ward.id}/{group.id}/" and group.depth == 2


def test_import_same_file_twice_changes_nothing_the_second_time(admin, upload):
    data = csv_bytes("VN-P51,Tỉnh Quảng Ngãi,Tỉnh,", "VN-W21025,Phường Cẩm Thành,Phường,VN-P51")
    upload(data)
    assert "tạo mới 0, cập nhật 0, giữ nguyên 2" in text_of(upload(data))
    assert unit_count() == 2


def test_import_refuses_a_picture_renamed_to_csv(admin, upload):
    text = text_of(upload(PNG_BYTES, filename="don-vi.csv"))
    assert "không phải tệp CSV hoặc Excel (.xlsx)" in text
    assert unit_count() == 0


def test_import_refuses_a_file_over_the_size_limit(admin, upload):
    text = text_of(upload(HEADER.encode() + b"X," * (3 * 1024 * 1024)))
    assert "vượt quá 5 MB" in text


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda data: hostile.with_entity(data, "xxe", "shared-strings"), "Không đọc được tệp Excel “don-vi.xlsx”; tệp có thể bị hỏng."),
        (lambda data: hostile.with_entity(data, "billion-laughs", "sheet"), "Không đọc được tệp Excel “don-vi.xlsx”; tệp có thể bị hỏng."),
        (lambda data: hostile.with_bomb(data, MAX_UNZIPPED_BYTES + 1024 * 1024), "Tệp “don-vi.xlsx” chứa dữ liệu quá lớn sau khi giải nén"),
        (lambda data: hostile.with_many_entries(data, MAX_ZIP_ENTRIES), "Tệp “don-vi.xlsx” chứa quá nhiều thành phần nén"),
    ],
    ids=["xxe", "billion-laughs", "zip-bomb", "many-entries"],
)
def test_import_refuses_a_hostile_workbook_in_vietnamese(admin, upload, build, message):
    data = build(hostile.workbook_bytes([HEADER.strip().split(","), ["VN-P51", hostile.MARKER, "Tỉnh", ""]]))

    text = text_of(upload(data, filename="don-vi.xlsx"))

    assert message in text
    assert "root:" not in text
    assert unit_count() == 0


def test_import_without_a_file_asks_for_one(admin, client):
    response = client.post("/admin/units/import", data={}, content_type="multipart/form-data")
    assert "Vui lòng chọn tệp cần nhập." in text_of(response)


def test_import_templates_have_header_and_two_examples_and_import_cleanly(admin, client, upload):
    csv_response = client.get("/admin/units/import/mau.csv")
    assert csv_response.headers["Content-Disposition"].startswith("attachment")
    lines = csv_response.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Mã đơn vị,Tên đơn vị,Loại đơn vị,Mã đơn vị cấp trên" and len(lines) == 3

    xlsx = client.get("/admin/units/import/mau.xlsx").data
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên"]
    assert sheet.max_row == 3

    assert "tạo mới 2" in text_of(upload(xlsx, filename="mau-nhap-don-vi.xlsx"))
    assert by_code("VN-W21025").depth == 1


def test_import_templates_hold_no_formula(admin, client):
    """The unit templates hold only the app's own words; they go through the same export helper all the same."""
    from tests.export_checks import assert_csv_has_no_formula, assert_xlsx_has_no_formula

    rows = assert_csv_has_no_formula(client.get("/admin/units/import/mau.csv").data, expected=())
    cells = assert_xlsx_has_no_formula(client.get("/admin/units/import/mau.xlsx").data, expected=())

    assert rows[0] == ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên"]
    assert "Mã đơn vị cấp trên" in [cell.value for cell in cells]
