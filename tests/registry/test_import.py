"""Recording recognitions made elsewhere: a committee imports a spreadsheet of models its lower levels recognised
outside the app; upload, preview, confirm (all or nothing, once), history; errors by row and column."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import NomineeKind
from dvkheo.campaigns.operations import ensure_reference_lists
from dvkheo.core import audit
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.registry import importer
from dvkheo.registry.models import (
    ImportBatch,
    ImportState,
    Recognition,
    RecognitionLevel,
    RecognitionSource,
    RegisteredModel,
    SummaryState,
)
from tests import hostile_xlsx as hostile

HEADER = [column.title for column in importer.COLUMNS]
YEAR = today_in_vietnam().year - 1
FIELD = "Bảo vệ môi trường"


@pytest.fixture
def tree(make_unit, province):
    ensure_reference_lists()
    db.session.commit()
    commune = make_unit("Xã Tịnh Khê", parent=province, kind="commune", code="VN-W21211")
    ward = make_unit("Phường Cẩm Thành", parent=province, kind="ward", code="VN-W21025")
    elsewhere = make_unit("Tỉnh Bình Định", kind="province", code="52")
    outside = make_unit("Phường Quy Nhơn", parent=elsewhere, kind="ward", code="VN-W21550")
    return province, commune, ward, outside


@pytest.fixture
def secretary(login_as, tree):
    return login_as(Role.SECRETARY, tree[0])


def row(title="Dân vận khéo giữ gìn đường làng sạch đẹp", kind="Mô hình", nominee="Chi hội Phụ nữ thôn Phú Lộc",
        unit="VN-W21211", field=FIELD, year=YEAR, body="Ủy ban nhân dân xã Tịnh Khê", level="Cấp xã",
        number="125/QĐ-UBND", decided_on=f"05/12/{YEAR}", summary=""):
    return [title, kind, nominee, unit, field, year, body, level, number, decided_on, summary]


def csv_file(rows, delimiter=";", bom=True) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_file(rows) -> bytes:
    return hostile.workbook_bytes([HEADER, *rows])


def upload(client, data: bytes, name: str = "mo-hinh.csv"):
    return client.post("/mo-hinh/nhap", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def preview_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.fullmatch(r"/mo-hinh/nhap/(\d+)", response.headers["Location"]).group(1))


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count(RegisteredModel.id))),
        db.session.scalar(sa.select(sa.func.count(Recognition.id))),
        db.session.scalar(sa.select(sa.func.count(ImportBatch.id))),
    )


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def existing_model(unit, title="Vận động hiến đất làm đường", number="01/QĐ-UBND", kind=NomineeKind.COLLECTIVE):
    model = RegisteredModel(kind=kind, title=title, nominee_name="Thôn Phú Lộc", unit_id=unit.id, is_recognised=True)
    model.refresh_search_text()
    model.recognitions.append(Recognition(
        source=RecognitionSource.EXTERNAL, issuing_body="UBND xã", decision_number=number,
        decided_on=datetime(YEAR - 2, 3, 1).date(), year=YEAR - 2, level=RecognitionLevel.COMMUNE,
    ))
    db.session.add(model)
    db.session.commit()
    return model


# --- a good file -----------------------------------------------------------------------------------------------


def test_a_good_file_is_previewed_then_imported_and_shows_on_the_public_list_and_page(client, secretary, tree):
    summary = "Vận động 214 hộ hiến đất.\nKhông phát sinh khiếu nại."
    data = csv_file([
        row(summary=summary),
        row(title="Điển hình “Dân vận khéo” trong hòa giải", kind="Điển hình", nominee="Trần Thị Hạnh",
            unit="Phường Cẩm Thành", level="cấp tỉnh", body="Ban Dân vận Tỉnh ủy", number="0456-QĐ/BDVTU",
            decided_on=f"2/1/{YEAR}"),
    ])
    batch_id = preview_id(upload(client, data))
    preview = client.get(f"/mo-hinh/nhap/{batch_id}")
    page = text_of(preview)
    assert preview.status_code == 200
    assert "Tạo mô hình mới" in page and "Điển hình “Dân vận khéo” trong hòa giải" in page
    assert f"Quyết định số 0456-QĐ/BDVTU ngày 02/01/{YEAR}" in re.sub(r"<[^>]+>", "", page)
    assert "Xác nhận nhập 2 dòng" in page
    assert counts() == (0, 0, 1)  # the preview writes nothing

    done = client.post(f"/mo-hinh/nhap/{batch_id}/xac-nhan")
    assert done.headers["Location"] == f"/mo-hinh/nhap/lich-su/{batch_id}"
    assert counts() == (2, 2, 1)
    model = db.session.scalar(sa.select(RegisteredModel).where(RegisteredModel.kind == NomineeKind.COLLECTIVE))
    assert (model.is_recognised, model.first_year, model.highest_level) == (True, YEAR, RecognitionLevel.COMMUNE)
    assert model.public_summary == summary and model.summary_state is SummaryState.APPROVED
    assert model.province_id == tree[0].id and model.commune_id == tree[1].id

    public = text_of(client.get("/mo-hinh"))
    assert "Dân vận khéo giữ gìn đường làng sạch đẹp" in public and "Điển hình “Dân vận khéo” trong hòa giải" in public
    client.post("/logout")
    sheet = text_of(client.get(f"/mo-hinh/{model.id}"))
    assert "Ủy ban nhân dân xã Tịnh Khê" in sheet and f"Quyết định số 125/QĐ-UBND ngày 05/12/{YEAR}" in sheet
    assert "Không phát sinh khiếu nại." in sheet
    assert "Xác minh giấy khen" not in sheet and "/verify" not in sheet

    actions = {(e.entity_type, e.action) for e in db.session.scalars(sa.select(audit.AuditEvent))}
    assert {("model_import", "upload"), ("model_import", "confirm"), ("registered_model", "create"),
            ("registered_model", "import_recognition"), ("registered_model", "summary_import"),
            ("registered_model", "recognise")} <= actions


def test_the_history_says_who_when_how_many_and_each_recognition(client, secretary, tree):
    batch_id = preview_id(upload(client, csv_file([row(), row(number="130/QĐ-UBND")]), "nam-truoc.csv"))
    client.post(f"/mo-hinh/nhap/{batch_id}/xac-nhan")

    history = text_of(client.get("/mo-hinh/nhap/lich-su"))
    assert secretary.full_name in history and "nam-truoc.csv" in history
    assert re.search(r'data-label="Số dòng">2</td> <td data-label="Mô hình mới">1</td>', history)
    detail = text_of(client.get(f"/mo-hinh/nhap/lich-su/{batch_id}"))
    assert detail.count("Ủy ban nhân dân xã Tịnh Khê") == 2
    assert "125/QĐ-UBND" in detail and "130/QĐ-UBND" in detail and f"05/12/{YEAR}" in detail
    original = client.get(f"/mo-hinh/nhap/lich-su/{batch_id}/tep")
    assert original.data == csv_file([row(), row(number="130/QĐ-UBND")])


def test_xlsx_with_date_cells_attaches_to_the_model_already_in_the_registry(client, secretary, tree):
    model = existing_model(tree[1])
    data = xlsx_file([
        row(title="  vận động HIẾN ĐẤT, làm đường ", decided_on=datetime(YEAR, 12, 5), year=YEAR, summary="Tóm tắt mới"),
        row(title="Mô hình mới của xã", number="7/QĐ-UBND"),
        row(title="Mô hình mới của xã", number="8/QĐ-UBND", level="Cấp tỉnh"),
    ])
    batch_id = preview_id(upload(client, data, "mo-hinh.xlsx"))
    page = text_of(client.get(f"/mo-hinh/nhap/{batch_id}"))
    assert "Thêm vào mô hình đã có" in page and "Cùng mô hình với dòng 3" in page
    client.post(f"/mo-hinh/nhap/{batch_id}/xac-nhan")

    db.session.expire_all()
    assert [r.decision_number for r in model.recognitions] == ["01/QĐ-UBND", "125/QĐ-UBND"]
    assert (model.first_year, model.last_year) == (YEAR - 2, YEAR)
    assert model.public_summary == "Tóm tắt mới"  # it had none: the committee publishes the file's
    new = db.session.scalar(sa.select(RegisteredModel).where(RegisteredModel.title == "Mô hình mới của xã"))
    assert [r.level for r in new.recognitions] == [RecognitionLevel.COMMUNE, RecognitionLevel.PROVINCE]
    assert new.highest_level is RecognitionLevel.PROVINCE and new.summary_state is SummaryState.NONE


def test_a_model_that_has_a_summary_keeps_it_and_its_unit_s_next_draft_goes_to_the_importing_committee(
    client, secretary, tree, make_user
):
    from dvkheo import access

    model = existing_model(tree[1])
    model.public_summary, model.summary_state = "Tóm tắt đã duyệt", SummaryState.APPROVED
    db.session.commit()
    batch_id = preview_id(upload(client, csv_file([row(title=model.title, summary="Khác")])))
    assert "Mô hình đã có tóm tắt; tóm tắt trong tệp không được dùng." in text_of(client.get(f"/mo-hinh/nhap/{batch_id}"))
    client.post(f"/mo-hinh/nhap/{batch_id}/xac-nhan")
    db.session.expire_all()
    assert model.public_summary == "Tóm tắt đã duyệt"
    assert access.can_review_model_summary(secretary, model)
    other = make_user(Role.SECRETARY, tree[3].parent)
    assert not access.can_review_model_summary(other, model)


# --- errors by row and column, nothing written -----------------------------------------------------------------

ERRORS = [
    ("decided_on", "31/02/2024", "J “Ngày quyết định”", "“31/02/2024”: ngày không hợp lệ, cần ghi theo dạng dd/mm/yyyy"),
    ("decided_on", "2024-13-01", "J “Ngày quyết định”", "ngày không hợp lệ"),
    ("decided_on", "", "J “Ngày quyết định”", "Không được để trống."),
    ("decided_on", "01/01/2999", "J “Ngày quyết định”", "sau ngày hôm nay"),
    ("title", "", "A “Tên mô hình, điển hình”", "Không được để trống."),
    ("title", "x" * 301, "A “Tên mô hình, điển hình”", "Nội dung quá dài (tối đa 300 ký tự"),
    ("title", "Ẩn\u200bchữ", "A “Tên mô hình, điển hình”", "U+200B"),
    ("kind", "Tập thể lớn", "B “Loại”", "ghi “Mô hình” (tập thể) hoặc “Điển hình” (cá nhân)"),
    ("unit", "VN-KHONG-CO", "D “Đơn vị”", "Không tìm thấy đơn vị “VN-KHONG-CO”"),
    ("field", "Thể thao", "E “Lĩnh vực”", "“Thể thao” không có trong danh mục lĩnh vực"),
    ("year", "hai nghìn", "F “Năm”", "không phải năm hợp lệ"),
    ("year", "1980", "F “Năm”", "Năm 1980 không hợp lệ"),
    ("year", str(YEAR - 3), "F “Năm”", f"không khớp với ngày quyết định 05/12/{YEAR}"),
    ("level", "Cấp thôn", "H “Cấp công nhận”", "Trung ương, Cấp tỉnh, Cấp huyện, Cấp xã, Cơ quan, đơn vị"),
    ("body", "", "G “Cơ quan công nhận”", "Không được để trống."),
    ("number", "", "I “Số quyết định”", "Không được để trống."),
    ("summary", "x" * 4001, "K “Tóm tắt”", "tối đa 4.000 ký tự"),
]


@pytest.mark.parametrize(("key", "value", "column", "message"), ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_each_error_is_given_by_row_and_column_and_nothing_is_written(client, secretary, tree, key, value, column, message):
    bad = row(**{key: value})
    response = upload(client, csv_file([row(title="Dòng đúng"), bad, row(title="Dòng đúng khác")]))
    page = text_of(response)
    assert response.status_code == 422
    assert "Chưa nhập dòng nào: tệp có 1 lỗi" in page
    assert f'<td data-label="Dòng">3</td><td data-label="Cột">{column}</td><td data-label="Lỗi">' in page.replace("> <", "><")
    assert message in page.replace("&#34;", '"').replace("&#39;", "'")
    assert "Xác nhận nhập" not in page
    assert counts() == (0, 0, 0)


def test_the_issue_reads_as_a_sentence_with_row_and_column(secretary, tree):
    sheet = importer.read_sheet(importer.Upload(csv_file([*(row(number=f"{i}/QĐ") for i in range(5)), row(decided_on="7/7")]), "csv", "a.csv"))
    issues = importer.plan(sheet, tree[0]).issues
    assert [str(i) for i in issues if i.line == 7] == [
        "Dòng 7, cột J “Ngày quyết định”: “7/7”: ngày không hợp lệ, cần ghi theo dạng dd/mm/yyyy, ví dụ 05/10/2023."
    ]


def test_a_missing_column_is_named(client, secretary, tree):
    data = "\ufeffTên mô hình, điển hình;Loại;Năm;Số quyết định\r\nA;Mô hình;2024;1\r\n".encode()
    page = text_of(upload(client, data))
    assert "Dòng tiêu đề thiếu cột “Tập thể, cá nhân”, “Đơn vị”, “Lĩnh vực”, “Cơ quan công nhận”" in page
    assert counts() == (0, 0, 0)


def test_comma_separated_utf8_without_bom_and_headers_without_diacritics(client, secretary, tree):
    data = csv_file([row()], delimiter=",", bom=False).replace("Tên mô hình, điển hình".encode(), b"Ten mo hinh dien hinh", 1)
    data = data.replace('"Ten mo hinh dien hinh"'.encode(), b"Ten mo hinh dien hinh")
    batch_id = preview_id(upload(client, data))
    assert "Tạo mô hình mới" in text_of(client.get(f"/mo-hinh/nhap/{batch_id}"))


# --- duplicates, subtree ---------------------------------------------------------------------------------------


def test_the_same_unit_title_and_decision_twice_in_the_file_is_an_error(client, secretary, tree):
    page = text_of(upload(client, csv_file([row(), row(title="Khác"), row(title="DÂN VẬN KHÉO giữ gìn đường làng, sạch đẹp", number="0125/QĐ–UBND")])))
    assert "Trùng với dòng 2: cùng đơn vị, cùng tên mô hình và cùng số quyết định “0125/QĐ–UBND”." in page
    assert counts() == (0, 0, 0)


def test_a_recognition_already_in_the_registry_is_an_error(client, secretary, tree):
    model = existing_model(tree[1])
    page = text_of(upload(client, csv_file([row(title=model.title, number="01/qđ-ubnd")])))
    assert f"Mô hình “{model.title}” đã được ghi nhận theo quyết định số 01/QĐ-UBND ngày 01/03/{YEAR - 2}; không nhập lại." in page
    assert counts() == (1, 1, 0)


def test_a_different_kind_than_the_model_in_the_registry_is_an_error(client, secretary, tree):
    model = existing_model(tree[1])
    page = text_of(upload(client, csv_file([row(title=model.title, kind="Điển hình", number="9/QĐ")])))
    assert "đã có trong danh mục là mô hình; dòng này ghi điển hình." in page


def test_a_unit_outside_the_committee_s_subtree_is_refused(client, login_as, tree):
    province, commune, ward, outside = tree
    login_as(Role.SECRETARY, commune)  # a commune's committee: not its neighbour, not its province
    page = text_of(upload(client, csv_file([row(unit="VN-W21025"), row(unit="Phường Quy Nhơn", number="2"), row(unit="51", number="3")])))
    assert "Đơn vị “Phường Cẩm Thành” (VN-W21025) không thuộc phạm vi của Xã Tịnh Khê" in page
    assert "Đơn vị “Phường Quy Nhơn” (VN-W21550) không thuộc phạm vi của Xã Tịnh Khê" in page
    assert "Đơn vị “Tỉnh Quảng Ngãi” (51) không thuộc phạm vi của Xã Tịnh Khê" in page
    assert counts() == (0, 0, 0)


# --- hostile files, formulas -----------------------------------------------------------------------------------

HOSTILE = [
    ("chuong-trinh.xlsx", lambda: b"MZ\x90\x00" + b"\x00" * 500, "không phải tệp CSV hoặc Excel (.xlsx)"),
    ("chuong-trinh.csv", lambda: b"\x7fELF\x02\x01\x01" + b"\x00" * 500, "không phải tệp CSV hoặc Excel (.xlsx)"),
    ("bom.xlsx", lambda: hostile.with_bomb(xlsx_file([row()]), 101 * 1024 * 1024), "chứa dữ liệu quá lớn sau khi giải nén"),
    ("nhieu.xlsx", lambda: hostile.with_many_entries(xlsx_file([row()]), 1000), "chứa quá nhiều thành phần nén"),
    ("xxe.xlsx", lambda: hostile.with_entity(xlsx_file([row(title=hostile.MARKER)]), "xxe", "shared-strings"), "tệp có thể bị hỏng"),
    ("laughs.xlsx", lambda: hostile.with_entity(xlsx_file([row(title=hostile.MARKER)]), "billion-laughs", "sheet"), "tệp có thể bị hỏng"),
    ("cu.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "là tệp Excel 97-2003 (.xls)"),
    ("lon.csv", lambda: csv_file([row(summary="x" * 3000)] * 700), "vượt quá 2 MB"),
    ("rong.csv", lambda: b"   ", "rỗng"),
]


@pytest.mark.parametrize(("name", "build", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_or_wrong_file_is_refused_in_vietnamese(client, secretary, tree, name, build, message):
    response = upload(client, build(), name)
    assert response.status_code == 422
    assert message in text_of(response)
    assert counts() == (0, 0, 0)


def test_more_rows_than_allowed_are_refused(client, secretary, tree):
    data = csv_file([["A", "", "", "", "", "", "", "", "", "", ""]] * (importer.MAX_ROWS + 1), delimiter=",")
    page = text_of(upload(client, data))
    assert "Tệp có 5.001 dòng; mỗi lần nhập tối đa 5.000 dòng" in page
    assert "5.000 dòng, vui lòng chia thành nhiều tệp" in page  # thousands grouped, the sentence's comma kept


def test_cells_starting_with_formula_signs_are_kept_as_text(client, secretary, tree):
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(row(title='=HYPERLINK("http://evil.example","Bấm")', nominee="@SUM(A1)"))
    workbook.active["A2"].data_type = "f"  # a real formula cell, with no cached value
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert load_workbook(io.BytesIO(buffer.getvalue()))["Sheet"]["A2"].data_type == "f"
    batch_id = preview_id(upload(client, buffer.getvalue(), "cong-thuc.xlsx"))
    client.post(f"/mo-hinh/nhap/{batch_id}/xac-nhan")
    csv_id = preview_id(upload(client, csv_file([row(title="-Mô hình gạch đầu dòng", nominee="+84 Tổ dân phố", number="=1+2")])))
    client.post(f"/mo-hinh/nhap/{csv_id}/xac-nhan")

    titles = set(db.session.scalars(sa.select(RegisteredModel.title)))
    assert titles == {'=HYPERLINK("http://evil.example","Bấm")', "-Mô hình gạch đầu dòng"}
    assert set(db.session.scalars(sa.select(RegisteredModel.nominee_name))) == {"@SUM(A1)", "+84 Tổ dân phố"}
    assert "=1+2" in set(db.session.scalars(sa.select(Recognition.decision_number)))


def test_the_templates_have_a_header_and_one_example_no_formula_and_import_as_they_are(client, secretary, tree):
    xlsx = client.get("/mo-hinh/nhap/mau.xlsx")
    workbook = load_workbook(io.BytesIO(xlsx.data))
    cells = [cell for sheet in workbook.worksheets for line in sheet.iter_rows() for cell in line]
    assert not [c.coordinate for c in cells if c.data_type == "f" or str(c.value or "").startswith(("=", "+", "-", "@"))]
    rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True) if any(r)]
    assert rows[0] == HEADER and len(rows) == 2 and rows[1][3] == "VN-W21211"
    text = client.get("/mo-hinh/nhap/mau.csv").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == HEADER and len(lines) == 2
    assert not [value for value in lines[1] if value.startswith(("=", "+", "-", "@"))]

    for data, name in ((xlsx.data, "mau.xlsx"), (text.encode(), "mau.csv")):
        batch_id = preview_id(upload(client, data, name))
        assert "Xác nhận nhập 1 dòng" in text_of(client.get(f"/mo-hinh/nhap/{batch_id}"))


# --- confirming: once, against the registry as it is then ---------------------------------------------------


def test_a_replayed_confirmation_imports_nothing_more(client, secretary, tree):
    batch_id = preview_id(upload(client, csv_file([row()])))
    first = client.post(f"/mo-hinh/nhap/{batch_id}/xac-nhan")
    again = client.post(f"/mo-hinh/nhap/{batch_id}/xac-nhan", follow_redirects=True)
    assert first.status_code == 302
    assert "Tệp này đã được nhập vào danh mục; không nhập lại lần nữa." in text_of(again)
    assert counts() == (1, 1, 1)
    assert [e.action for e in db.session.scalars(sa.select(audit.AuditEvent).where(audit.AuditEvent.entity_type == "model_import"))] == ["upload", "confirm"]


def test_of_two_simultaneous_confirmations_the_second_is_refused(secretary, tree):
    from dvkheo.core.rules import TransitionRefused

    upload_ = importer.Upload(csv_file([row()]), "csv", "a.csv")
    batch = importer.stage(upload_, importer.read_sheet(upload_), secretary)
    db.session.commit()
    assert batch.state is ImportState.PENDING
    # The other request claimed the file after this one read it.
    db.session.execute(sa.update(ImportBatch).values(state=ImportState.IMPORTED).execution_options(synchronize_session=False))
    with pytest.raises(TransitionRefused, match="đã được nhập vào danh mục"):
        importer.confirm(batch, secretary)
    db.session.rollback()
    assert counts() == (0, 0, 1)


def test_a_summary_comes_by_import_only_never_from_the_summary_page(client, secretary, tree):
    model = existing_model(tree[1])
    batch_id = preview_id(upload(client, csv_file([row(title=model.title, number="2/QĐ")])))
    client.post(f"/mo-hinh/nhap/{batch_id}/xac-nhan")
    assert client.get(f"/mo-hinh/{model.id}/tom-tat").status_code == 200  # the importing committee reviews it
    response = client.post(f"/mo-hinh/{model.id}/tom-tat", data={"action": "import", "s-text": "Tự công khai"})
    assert response.status_code == 400
    db.session.expire_all()
    assert (model.public_summary, model.summary_state) == ("", SummaryState.NONE)


def test_confirming_checks_again_and_writes_nothing_when_the_registry_changed(client, secretary, tree):
    batch_id = preview_id(upload(client, csv_file([row(title="Mô hình A", number="5"), row(title="Mô hình B", number="6")])))
    existing_model(tree[1], title="Mô hình B", number="6")  # recorded meanwhile (another file, an award)
    response = client.post(f"/mo-hinh/nhap/{batch_id}/xac-nhan")
    assert response.status_code == 422
    assert "đã được ghi nhận theo quyết định số 6" in text_of(response)
    assert counts() == (1, 1, 1)
    assert db.session.get(ImportBatch, batch_id).state is ImportState.PENDING


def test_discarding_drops_the_file_and_a_new_upload_replaces_a_waiting_one(client, secretary, tree):
    first = preview_id(upload(client, csv_file([row()])))
    second = preview_id(upload(client, csv_file([row(title="Khác")])))
    assert db.session.get(ImportBatch, first).state is ImportState.DISCARDED
    client.post(f"/mo-hinh/nhap/{second}/huy")
    batch = db.session.get(ImportBatch, second)
    assert (batch.state, batch.content) == (ImportState.DISCARDED, None)
    assert client.post(f"/mo-hinh/nhap/{second}/xac-nhan").status_code == 302
    assert counts() == (0, 0, 2)


def test_the_preview_costs_the_same_queries_at_5_and_50_rows(client, secretary, tree, make_unit, count_queries):
    for i in range(10):
        make_unit(f"Thôn {i}", parent=tree[1], kind="village", code=f"T{i:03d}")
        existing_model(db.session.scalar(sa.select(type(tree[1])).where(type(tree[1]).code == f"T{i:03d}")), title=f"Có sẵn {i}")

    def cost(rows: int) -> int:
        data = csv_file([row(title=f"Có sẵn {i % 10}" if i % 2 else f"Mới {i}", unit=f"T{i % 10:03d}", number=f"{i}/QĐ")
                         for i in range(rows)])
        batch_id = preview_id(upload(client, data))
        with count_queries() as counter:
            response = client.get(f"/mo-hinh/nhap/{batch_id}")
        assert response.status_code == 200 and "Xác nhận nhập" in response.get_data(as_text=True)
        return counter.count

    small, large = cost(5), cost(50)
    assert small == large <= 10, (small, large)


# --- who may ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/mo-hinh/nhap", "/mo-hinh/nhap/mau.xlsx", "/mo-hinh/nhap/lich-su"])
def test_anonymous_is_sent_to_log_in(client, tree, path):
    assert client.get(path).headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", [Role.UNIT_SUBMITTER, Role.REVIEWER, Role.ADMIN])
def test_other_roles_are_refused(client, login_as, tree, role):
    login_as(role, None if role is Role.ADMIN else tree[1])
    assert client.get("/mo-hinh/nhap").status_code == 403
    assert upload(client, csv_file([row()])).status_code == 403
    assert client.get("/mo-hinh/nhap/mau.csv").status_code == 403
    assert counts() == (0, 0, 0)


def test_the_chair_may_confirm_what_the_secretary_uploaded_and_another_committee_learns_nothing(client, secretary, tree, make_user, auth):
    batch_id = preview_id(upload(client, csv_file([row()])))
    other = make_user(Role.SECRETARY, tree[3].parent)
    auth.logout()
    auth.login(other)
    for path in (f"/mo-hinh/nhap/{batch_id}", f"/mo-hinh/nhap/lich-su/{batch_id}"):
        assert client.get(path).status_code == 404
    assert client.post(f"/mo-hinh/nhap/{batch_id}/xac-nhan").status_code == 404
    assert client.post(f"/mo-hinh/nhap/{batch_id}/huy").status_code == 404
    assert client.get(f"/mo-hinh/nhap/{2**31}").status_code == 404
    assert counts() == (0, 0, 1)
    chair = make_user(Role.CHAIR, tree[0])
    auth.logout()
    auth.login(chair)
    assert client.post(f"/mo-hinh/nhap/{batch_id}/xac-nhan").status_code == 302
    assert counts() == (1, 1, 1)
    assert db.session.get(ImportBatch, batch_id).imported_by_id == chair.id
