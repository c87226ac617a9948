"""Paper-first intake: the XLSX template and its import into drafts."""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import NomineeKind, ReferenceKind
from dvkheo.core.audit import AuditEvent
from dvkheo.core.tables import MAX_ZIP_ENTRIES
from dvkheo.extensions import db
from dvkheo.nominations import spreadsheet as sheets
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from tests import hostile_xlsx as hostile
from tests.conftest import PDF_BYTES, reference_item

TITLES = {column.key: column.title for column in sheets.COLUMNS}


def template_bytes(client, campaign) -> bytes:
    response = client.get(f"/nominations/spreadsheet/template/{campaign.id}.xlsx")
    assert response.status_code == 200, response.status_code
    return response.data


def fill(template: bytes, rows: dict[int, dict[str, object]]) -> bytes:
    """The template with `rows` ({row number: {column key: value}}) written on the data sheet."""
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook[sheets.DATA_SHEET]
    positions = {cell.value.rstrip(" *"): cell.column for cell in sheet[1]}
    for number, values in rows.items():
        for key, value in values.items():
            sheet.cell(row=number, column=positions[TITLES[key]], value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, campaign, data: bytes, name: str = "ho-so-xa-tinh-ha.xlsx"):
    return client.post(
        "/nominations/spreadsheet",
        data={"campaign": str(campaign.id), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def collective_row(campaign) -> dict:
    return {
        "kind": "Tập thể",
        "title": "Dân vận khéo trong vận động hiến đất mở rộng đường thôn",
        "nominee_name": "Ban Công tác Mặt trận thôn Phú Lộc",
        "collective_type_id": reference_item(ReferenceKind.COLLECTIVE_TYPE).name,
        "field_id": campaign.allowed_fields[0].name,
        "locality": "Thôn Phú Lộc",
        "started_on": datetime(2024, 3, 15),  # a real Excel date
        "duration": "2 năm",
        "situation": "Đường thôn hẹp, xuống cấp.\nMùa mưa lầy lội.",
        "method": "Họp dân từng xóm.",
        "participation": "Dân biết, dân bàn, dân làm.",
        "results": "Mở rộng 3,2 km đường.",
        "households_count": 214,
        "money_contributed_vnd": "1.250.000.000",
        "working_days": "3 200",
        "road_length_m": 3200.0,
        "review_held_on": "20/09/2026",
        "review_attendees": 60,
        "review_votes_cast": 58,
        "review_votes_for": 55,
    }


def individual_row() -> dict:
    return {
        "kind": "ca nhan",  # case and diacritics do not matter
        "title": "Nữ cán bộ Hội gần dân, hiểu dân",
        "nominee_name": "Trần Thị Hạnh",
        "individual_category_id": "DANG VIEN",
        "nominee_position": "Chủ tịch Hội Phụ nữ xã",
        "nominee_birth_year": "1978",
        "field_id": "bao ve moi truong",
        "started_on": "05/03/2025",  # text: 5 March, never 3 May
        "cases_resolved": 12,
    }


@pytest.fixture
def campaign(make_campaign, province):
    return make_campaign(title="Bình xét mô hình “Dân vận khéo” năm 2026")


# --- the template ------------------------------------------------------------------------


def test_page_offers_the_open_campaigns(client, own_submitter, campaign):
    response = client.get("/nominations/spreadsheet")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert campaign.title in page
    assert f"/nominations/spreadsheet/template/{campaign.id}.xlsx" in page
    assert "Tải lên và tạo hồ sơ nháp" in page


def test_template_is_a_valid_xlsx_with_vietnamese_headers_and_lists(client, own_submitter, campaign):
    response = client.get(f"/nominations/spreadsheet/template/{campaign.id}.xlsx")
    assert response.status_code == 200
    assert response.mimetype == sheets.XLSX_MIMETYPE
    assert f"mau-nhap-ho-so-dot-{campaign.id}.xlsx" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == [sheets.DATA_SHEET, sheets.HELP_SHEET, sheets.LIST_SHEET]
    data = workbook[sheets.DATA_SHEET]
    headers = [cell.value for cell in data[1]]
    assert headers == [sheets.header_text(column) for column in sheets.COLUMNS]
    for title in ("Loại hồ sơ *", "Tên mô hình, điển hình *", "Tên tập thể, cá nhân được đề nghị *", "Lĩnh vực",
                  "Loại hình tập thể", "Đối tượng cá nhân", "Thời gian bắt đầu", "Kinh phí Nhân dân đóng góp (đồng)",
                  "Số phiếu biểu quyết", "Số phiếu đồng ý"):
        assert title in headers
    assert data.freeze_panes == "C2"
    assert data.column_dimensions["B"].width >= 30
    # Drop-downs on kind, field, collective type and category, fed by the list sheet.
    validated = {str(v.sqref).split(":")[0][0]: v.formula1 for v in data.data_validations.dataValidation}
    column_of = {column.key: chr(ord("A") + i) for i, column in enumerate(sheets.COLUMNS)}
    for key in ("kind", "field_id", "collective_type_id", "individual_category_id"):
        assert sheets.LIST_SHEET in validated[column_of[key]]
    lists = workbook[sheets.LIST_SHEET]
    assert [lists["A2"].value, lists["A3"].value] == ["Tập thể", "Cá nhân"]
    field_names = [row[0] for row in lists.iter_rows(min_row=2, min_col=2, max_col=2, values_only=True) if row[0]]
    assert field_names == [f.name for f in campaign.allowed_fields]
    help_text = " ".join(str(c.value) for row in workbook[sheets.HELP_SHEET].iter_rows() for c in row if c.value)
    assert campaign.title in help_text and "ví dụ" in help_text.lower()


def test_template_lists_follow_the_campaign(client, own_submitter, make_campaign):
    campaign = make_campaign(allow_individual=False, field_codes=["environment", "food_safety"])
    workbook = load_workbook(io.BytesIO(template_bytes(client, campaign)))
    lists = workbook[sheets.LIST_SHEET]
    assert lists["A2"].value == "Tập thể" and lists["A3"].value is None
    assert [lists["B2"].value, lists["B3"].value, lists["B4"].value] == ["Bảo vệ môi trường", "Vệ sinh an toàn thực phẩm", None]


def test_template_of_a_campaign_closed_to_the_unit_is_404(client, own_submitter, make_campaign, make_unit):
    other_province = make_unit("Tỉnh Khác", kind="province")
    foreign = make_campaign(organising_unit=other_province)
    assert client.get(f"/nominations/spreadsheet/template/{foreign.id}.xlsx").status_code == 404
    assert client.get("/nominations/spreadsheet/template/999999.xlsx").status_code == 404


# --- the round trip ----------------------------------------------------------------------


def test_round_trip_creates_one_draft_per_row(client, own_submitter, own_commune, campaign):
    data = fill(template_bytes(client, campaign), {2: collective_row(campaign), 4: individual_row()})  # row 3 blank
    response = upload(client, campaign, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/nominations/")
    assert "Đã tạo 2 hồ sơ nháp từ tệp Excel" in client.get("/nominations/").get_data(as_text=True)

    drafts = db.session.scalars(sa.select(Nomination).order_by(Nomination.id)).all()
    assert len(drafts) == 2
    for nomination in drafts:
        assert nomination.status is NominationState.DRAFT
        assert nomination.unit_id == own_commune.id
        assert nomination.campaign_id == campaign.id
        assert nomination.created_by_id == own_submitter.id

    first, second = drafts
    assert first.kind is NomineeKind.COLLECTIVE
    assert first.title == "Dân vận khéo trong vận động hiến đất mở rộng đường thôn"
    assert first.nominee_name == "Ban Công tác Mặt trận thôn Phú Lộc"
    assert first.collective_type_id == reference_item(ReferenceKind.COLLECTIVE_TYPE).id
    assert first.field_id == campaign.allowed_fields[0].id
    assert first.started_on == date(2024, 3, 15)
    assert first.situation == "Đường thôn hẹp, xuống cấp.\nMùa mưa lầy lội."
    assert (first.households_count, first.money_contributed_vnd, first.working_days, first.road_length_m) == (
        214, 1_250_000_000, 3200, 3200)
    assert first.review_held_on == date(2026, 9, 20)
    assert (first.review_attendees, first.review_votes_cast, first.review_votes_for) == (60, 58, 55)
    assert first.search_text  # derived fields refreshed by update_report

    assert second.kind is NomineeKind.INDIVIDUAL
    assert second.nominee_name == "Trần Thị Hạnh"
    assert second.individual_category.name == "Đảng viên"
    assert second.collective_type_id is None
    assert second.nominee_position == "Chủ tịch Hội Phụ nữ xã"
    assert second.nominee_birth_year == 1978
    assert second.field.name == "Bảo vệ môi trường"
    assert second.started_on == date(2025, 3, 5)
    assert second.cases_resolved == 12 and second.households_count is None

    imports = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import").order_by(AuditEvent.id)).all()
    assert [(e.entity_id, e.details["row"], e.details["name"]) for e in imports] == [
        (first.id, 2, "ho-so-xa-tinh-ha.xlsx"), (second.id, 4, "ho-so-xa-tinh-ha.xlsx")]
    assert db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.entity_type == "nomination", AuditEvent.action == "create")
    ) == 2


def test_one_bad_row_creates_nothing_and_names_row_and_column(client, own_submitter, campaign, make_campaign):
    other = make_campaign(title="Hội thi “Dân vận khéo” khác")  # two open campaigns: the choice must be kept
    bad = collective_row(campaign) | {"field_id": "Lĩnh vực không có thật"}
    data = fill(template_bytes(client, campaign), {2: collective_row(campaign), 3: bad, 4: individual_row()})
    response = upload(client, campaign, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'<td data-label="Dòng">3</td><td data-label="Cột">Lĩnh vực</td><td data-label="Lỗi">[^<]*Lĩnh vực không có thật', page)
    assert 'data-label="Dòng">2<' not in page and 'data-label="Dòng">4<' not in page
    assert "Chưa tạo hồ sơ nào" in page
    assert re.search(rf'<option value="{campaign.id}"\s+selected>', page)  # the chosen campaign is kept
    assert re.search(rf'<option value="{other.id}"\s*>', page)
    assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.entity_type == "nomination")) == 0


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"kind": ""}, "Loại hồ sơ", "Vui lòng chọn"),
        ({"kind": "Hộ gia đình"}, "Loại hồ sơ", "không hợp lệ"),
        ({"title": "  "}, "Tên mô hình, điển hình", "Không được để trống"),
        ({"nominee_name": None}, "Tên tập thể, cá nhân được đề nghị", "Không được để trống"),
        ({"collective_type_id": "Hợp tác xã"}, "Loại hình tập thể", "không có trong danh sách"),
        ({"individual_category_id": "Đảng viên"}, "Đối tượng cá nhân", "Chỉ ghi với hồ sơ cá nhân"),
        ({"started_on": "31/02/2026"}, "Thời gian bắt đầu", "không phải ngày hợp lệ"),
        ({"review_held_on": 45000}, "Ngày họp bình xét công khai", "không phải ngày hợp lệ"),
        ({"working_days": "3,5"}, "Ngày công lao động", "không phải số nguyên"),
        ({"households_count": 12.5}, "Số hộ dân tham gia", "không phải số nguyên"),
        ({"households_count": -3}, "Số hộ dân tham gia", "không được nhỏ hơn 0"),
        ({"area_m2": 10**12}, "Diện tích (m²)", "không được lớn hơn"),
        ({"review_votes_for": 59}, "Số phiếu đồng ý", "không thể lớn hơn số phiếu biểu quyết"),
        ({"title": "x" * 301}, "Tên mô hình, điển hình", "tối đa 300 ký tự"),
    ],
)
def test_row_errors_name_the_column(client, own_submitter, campaign, values, column, message):
    data = fill(template_bytes(client, campaign), {2: collective_row(campaign) | values})
    result = sheets.parse_workbook(data, campaign, "x.xlsx")
    assert not result.ok and result.rows == []
    assert [(e.row, e.column) for e in result.errors] == [(2, column)], result.errors
    assert message.lower() in result.errors[0].message.lower()


def test_kind_and_field_must_be_allowed_by_the_campaign(client, own_submitter, make_campaign):
    campaign = make_campaign(allow_individual=False, field_codes=["environment"])
    row = individual_row() | {"kind": "Cá nhân", "field_id": "Xây dựng hệ thống chính trị"}
    workbook_bytes = fill(template_bytes(client, campaign), {5: row})
    result = sheets.parse_workbook(workbook_bytes, campaign)
    found = {(e.row, e.column) for e in result.errors}
    assert found == {(5, "Loại hồ sơ"), (5, "Lĩnh vực")}
    assert "không nhận hồ sơ cá nhân" in " ".join(e.message for e in result.errors)


def test_columns_are_found_by_title_in_any_order():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Ghi chú", "ten tap the, ca nhan duoc de nghi", "TÊN MÔ HÌNH, ĐIỂN HÌNH *", "Loại hồ sơ"])
    sheet.append(["bỏ qua", "Chi đoàn thôn 3", "Thanh niên tình nguyện", "Tập thể"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    from dvkheo.campaigns.models import Campaign

    campaign = Campaign(title="t", year=2026, allow_collective=True, allow_individual=True)
    campaign.allowed_fields = []
    result = sheets.parse_workbook(buffer.getvalue(), campaign)
    assert result.ok, result.errors
    assert result.rows[0].values["nominee_name"] == "Chi đoàn thôn 3"
    assert result.rows[0].values["title"] == "Thanh niên tình nguyện"


def test_rows_beyond_a_wrong_dimension_tag_are_read(client, own_submitter, campaign):
    """Some programs write <dimension ref="A1"/>; the importer must not stop there."""
    import zipfile

    data = fill(template_bytes(client, campaign), {2: collective_row(campaign), 3: individual_row()})
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content, count = re.subn(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:C2"/>', content)
                assert count == 1
            archive.writestr(info, content)
    result = sheets.parse_workbook(target.getvalue(), campaign)
    assert result.ok, result.errors
    assert [row.row for row in result.rows] == [2, 3]
    assert result.rows[1].values["nominee_birth_year"] == 1978  # a column beyond C, too


def test_missing_required_column_is_reported_on_row_1(app):
    workbook = Workbook()
    workbook.active.append(["Tên mô hình, điển hình", "Lĩnh vực"])
    workbook.active.append(["Mô hình", "Bảo vệ môi trường"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    from dvkheo.campaigns.models import Campaign

    result = sheets.parse_workbook(buffer.getvalue(), Campaign(title="t", year=2026))
    assert [e.row for e in result.errors] == [1]
    assert "“Loại hồ sơ”" in result.errors[0].message and "“Tên tập thể, cá nhân được đề nghị”" in result.errors[0].message


def test_empty_template_is_refused(client, own_submitter, campaign):
    response = upload(client, campaign, template_bytes(client, campaign))
    assert response.status_code == 422
    assert "chưa có dòng hồ sơ nào" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "message"),
    [("19x8", "“19x8” không phải năm hợp lệ; ví dụ hợp lệ: 1978."),
     ("1978,5", "“1978,5” không phải năm hợp lệ; ví dụ hợp lệ: 1978."),
     ("2030", "Năm 2030 không hợp lệ; vui lòng ghi năm từ 1920 đến 2015, ví dụ 1978."),
     ("1.200", "Năm 1200 không hợp lệ; vui lòng ghi năm từ 1920 đến 2015, ví dụ 1978.")],
)
def test_a_wrong_birth_year_is_explained_with_a_year(client, own_submitter, campaign, typed, message):
    data = fill(template_bytes(client, campaign), {2: individual_row() | {"nominee_birth_year": typed}})
    result = sheets.parse_workbook(data, campaign, "x.xlsx")
    assert [(e.row, e.column, e.message) for e in result.errors] == [(2, "Năm sinh", message)]


def test_a_single_file_error_is_the_summary_sentence_not_a_bullet(client, own_submitter, campaign):
    response = upload(client, campaign, template_bytes(client, campaign))
    page = response.get_data(as_text=True)
    summary = page[page.index('id="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    assert "<li>" not in summary
    assert re.search(r"<p>Tệp chưa có dòng hồ sơ nào \(từ dòng 2 trở đi\)\.</p>", summary)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1200000, 1200000), (1200000.0, 1200000), ("1.200.000", 1200000), ("1,200,000", 1200000),
     ("1 200 000", 1200000), ("1\u00a0200", 1200), ("  42 ", 42), ("0", 0)],
)
def test_numbers_accept_vietnamese_grouping(value, expected):
    assert sheets.to_int(value) == expected


@pytest.mark.parametrize("value", ["3,5", "12.34", "1.200,000", "abc", "1.2.3", True])
def test_numbers_refuse_decimals_and_words(value):
    with pytest.raises(sheets.CellError):
        sheets.to_int(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(datetime(2026, 10, 5, 0, 0), date(2026, 10, 5)), (date(2026, 10, 5), date(2026, 10, 5)), ("05/10/2026", date(2026, 10, 5)),
     ("5/10/2026", date(2026, 10, 5)), ("05-10-2026", date(2026, 10, 5)), ("05.10.2026", date(2026, 10, 5)),
     ("2026-10-05", date(2026, 10, 5))],
)
def test_dates_accept_excel_dates_and_dd_mm_yyyy(value, expected):
    assert sheets.to_date(value) == expected


# --- refused files and people ------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [PDF_BYTES, b"Loai ho so;Ten mo hinh\nTap the;Mo hinh\n", b"PK\x03\x04 not really a zip", b"\xd0\xcf\x11\xe0 old xls"],
)
def test_a_renamed_file_that_is_not_xlsx_is_refused_in_vietnamese(client, own_submitter, campaign, data):
    response = upload(client, campaign, data, name="ho-so.xlsx")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Tệp “ho-so.xlsx” không phải tệp Excel (.xlsx) hợp lệ" in page
    assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 0


def test_a_word_document_is_not_a_spreadsheet(client, own_submitter, campaign):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    response = upload(client, campaign, buffer.getvalue(), name="bao-cao.xlsx")
    assert response.status_code == 422
    assert "không phải tệp Excel (.xlsx) hợp lệ" in response.get_data(as_text=True)


def test_a_file_over_10_mb_is_refused(client, own_submitter, campaign):
    response = upload(client, campaign, b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024), name="lon.xlsx")
    assert response.status_code == 422
    assert "vượt quá 10 MB" in response.get_data(as_text=True)


def test_upload_without_file_or_campaign(client, own_submitter, campaign):
    response = client.post("/nominations/spreadsheet", data={"campaign": ""}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Vui lòng chọn tệp Excel" in page
    # With a single open campaign it is preselected; an unknown one is refused.
    response = upload(client, campaign, b"", name="")
    assert "Vui lòng chọn tệp Excel" in response.get_data(as_text=True)
    response = client.post("/nominations/spreadsheet", data={"campaign": "999999", "file": (io.BytesIO(PDF_BYTES), "a.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Vui lòng chọn một đợt bình xét" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.REVIEWER, Role.CHAIR, Role.CITIZEN, Role.ADMIN])
def test_non_submitters_get_403(client, login_as, province, campaign, role):
    login_as(role, province)
    assert client.get("/nominations/spreadsheet").status_code == 403
    assert client.get(f"/nominations/spreadsheet/template/{campaign.id}.xlsx").status_code == 403
    response = client.post("/nominations/spreadsheet", data={"campaign": str(campaign.id)}, content_type="multipart/form-data")
    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client, campaign):
    response = client.get("/nominations/spreadsheet")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_template_writes_typed_names_as_text_never_as_formulas(client, own_submitter, make_campaign):
    """The campaign's title and its list items are typed by staff: "=…", "+…", "-…", "@…" come out as text."""
    from tests.export_checks import PAYLOADS, assert_xlsx_has_no_formula

    campaign = make_campaign(title=PAYLOADS[0])
    fields = campaign.allowed_fields[: len(PAYLOADS) - 1]
    for item, typed in zip(fields, PAYLOADS[1:]):
        item.name = typed
    reference_item(ReferenceKind.COLLECTIVE_TYPE).name = "=1+1"
    db.session.commit()

    data = template_bytes(client, campaign)

    cells = assert_xlsx_has_no_formula(data, ("=1+1", *(item.name for item in fields)))
    assert f"Đợt bình xét: {PAYLOADS[0]}" in [cell.value for cell in cells]  # inside a sentence: harmless, unchanged
    # A unit picks "'+1" from the drop-down: the import still finds the field named "+1".
    row = collective_row(campaign) | {"field_id": "'+1", "collective_type_id": "'=1+1"}
    response = upload(client, campaign, fill(data, {2: row}))
    assert response.status_code == 302, response.get_data(as_text=True)
    nomination = db.session.scalars(sa.select(Nomination)).one()
    assert (nomination.field.name, nomination.collective_type.name) == ("+1", "=1+1")


# --- hostile workbooks (ASVS 5.0 V1.5.1 XML entities, V5.2.3 zip bombs) -------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda data: hostile.with_entity(data, "xxe", "sheet"), "không phải tệp Excel (.xlsx) hợp lệ"),
        (lambda data: hostile.with_entity(data, "xxe", "shared-strings"), "không phải tệp Excel (.xlsx) hợp lệ"),
        (lambda data: hostile.with_entity(data, "billion-laughs", "sheet"), "không phải tệp Excel (.xlsx) hợp lệ"),
        (lambda data: hostile.with_entity(data, "billion-laughs", "shared-strings"), "không phải tệp Excel (.xlsx) hợp lệ"),
        (lambda data: hostile.with_bomb(data, sheets.MAX_UNCOMPRESSED_BYTES + 1024 * 1024), "chứa dữ liệu quá lớn sau khi giải nén"),
        (lambda data: hostile.with_many_entries(data, MAX_ZIP_ENTRIES), "chứa quá nhiều thành phần nén"),
    ],
    ids=["xxe-sheet", "xxe-shared-strings", "billion-laughs-sheet", "billion-laughs-shared-strings", "zip-bomb", "many-entries"],
)
def test_a_hostile_workbook_is_refused_in_vietnamese_and_creates_nothing(client, own_submitter, campaign, build, message):
    data = build(hostile.workbook_bytes([[TITLES["kind"], TITLES["title"]], ["Tập thể", hostile.MARKER]]))

    response = upload(client, campaign, data, name="ho-so.xlsx")

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"Tệp “ho-so.xlsx” {message}" in page
    assert "root:" not in page
    assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 0
