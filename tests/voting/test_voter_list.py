"""The local voter list: the secretary's CSV/XLSX import (all or nothing, errors by row and column,
re-import updates), identification against it (number + name + birth date), and no readable
identity number anywhere in the database."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import VoterVerification
from dvkheo.core.audit import AuditEvent
from dvkheo.extensions import db
from dvkheo.voting.models import Voter, VoterListEntry

NUMBER_A, NUMBER_B, NUMBER_C = "051090001234", "051185004321", "001202000077"


@pytest.fixture
def communes(make_unit, province):
    return (
        make_unit("Xã Phú Lộc", parent=province, code="X-PL"),
        make_unit("Phường Cẩm Thành", parent=province, code="X-CT", kind="ward"),
    )


@pytest.fixture
def list_campaign(voting_campaign):
    voting_campaign.voter_verification = VoterVerification.VOTER_LIST
    db.session.commit()
    return voting_campaign


@pytest.fixture
def secretary(login_as, province):
    return login_as(Role.SECRETARY, province)


def list_url(campaign) -> str:
    return f"/binh-chon/dot/{campaign.id}/danh-sach-cu-tri"


def csv_file(lines: list[str], name: str = "cu-tri.csv"):
    return io.BytesIO(("\n".join(lines) + "\n").encode("utf-8-sig")), name


def upload(client, campaign, file):
    return client.post(list_url(campaign), data={"file": file}, content_type="multipart/form-data")


GOOD_CSV = [
    "Số định danh,Họ và tên,Ngày sinh,Địa bàn",
    f"{NUMBER_A},Nguyễn Văn An,05/10/1980,X-PL",
    f"{NUMBER_B},Trần Thị Bình,12/01/1985,Xã Phú Lộc",
    f"{NUMBER_C},Lê Văn Cường,01/02/2000,phuong cam thanh",
]


def entries() -> list[VoterListEntry]:
    return list(db.session.scalars(sa.select(VoterListEntry).order_by(VoterListEntry.full_name)))


def test_voter_list_csv_import_writes_entries_and_shows_counts_per_unit(client, list_campaign, communes, secretary):
    response = upload(client, list_campaign, csv_file(GOOD_CSV))
    assert response.status_code == 303
    rows = entries()
    assert [(e.full_name, e.birth_date, e.unit_id) for e in rows] == [
        ("Lê Văn Cường", date(2000, 2, 1), communes[1].id),
        ("Nguyễn Văn An", date(1980, 10, 5), communes[0].id),
        ("Trần Thị Bình", date(1985, 1, 12), communes[0].id),
    ]
    page = client.get(list_url(list_campaign)).get_data(as_text=True)
    assert "Đã nhập danh sách cử tri từ tệp “cu-tri.csv”: thêm mới 3, cập nhật 0, giữ nguyên 0 (tổng 3 người)." in page
    assert "Số người trong danh sách: 3" in page
    assert '<td data-label="Địa bàn">Xã Phú Lộc</td><td data-label="Số người">2</td>' in page
    assert NUMBER_A not in page and NUMBER_B not in page
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "voter_list_import")).one()
    assert (event.entity_type, event.entity_id, event.actor_id) == ("campaign", list_campaign.id, secretary.id)
    assert event.details == {"created": 3, "updated": 0, "unchanged": 0}


def test_voter_list_xlsx_import_keeps_leading_zeros_and_reads_real_dates(client, list_campaign, communes, secretary):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Ho va ten", "So CCCD", "Ngay sinh", "Dia ban", "Ghi chú"])  # any order, no diacritics, extra column
    sheet.append(["Lê Văn Cường", int(NUMBER_C), datetime(2000, 2, 1), "X-CT", "bỏ qua"])
    sheet.append(["Nguyễn Văn An", NUMBER_A, "05/10/1980", "X-PL", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    response = upload(client, list_campaign, (buffer, "danh-sach.xlsx"))
    assert response.status_code == 303
    assert [(e.full_name, e.birth_date) for e in entries()] == [("Lê Văn Cường", date(2000, 2, 1)), ("Nguyễn Văn An", date(1980, 10, 5))]
    client.post("/logout")
    identified = identify(client, list_campaign, NUMBER_C, "Lê Văn Cường", "01/02/2000")
    assert identified.status_code == 303  # 001... kept its zeros although Excel held a number


def test_voter_list_errors_by_row_and_column_write_nothing(client, list_campaign, communes, secretary):
    response = upload(client, list_campaign, csv_file([
        "Số định danh,Họ và tên,Ngày sinh,Địa bàn",
        f"{NUMBER_A},Nguyễn Văn An,05/10/1980,X-PL",
        "12345,Trần Thị Bình,12/01/1985,X-PL",
        f"{NUMBER_B},,12/01/1985,X-PL",
        f"{NUMBER_C},Lê Văn Cường,31/02/2000,X-PL",
        "051090009999,Phạm Văn Dũng,01/01/1990,Xã Không Có",
        f"{NUMBER_A},Nguyễn Văn An,05/10/1980,X-PL",
    ]))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Chưa nhập người nào: tệp có 5 lỗi" in page
    expected = [
        ("3", "A “Số định danh”", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
        ("4", "B “Họ và tên”", "Thiếu họ và tên."),
        ("5", "C “Ngày sinh”", "“31/02/2000” không phải ngày hợp lệ"),
        ("6", "D “Địa bàn”", "Không tìm thấy địa bàn “Xã Không Có”"),
        ("7", "A “Số định danh”", "Số định danh trùng với dòng 2."),
    ]
    for line, column, message in expected:
        assert f'<td data-label="Dòng">{line}</td><td data-label="Cột">{column}</td><td data-label="Lỗi">{message}' in page
    assert NUMBER_A not in page and "12345" not in page
    assert entries() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "voter_list_import")) == 0


def test_voter_list_missing_column_is_named(client, list_campaign, communes, secretary):
    response = upload(client, list_campaign, csv_file(["Số định danh;Họ và tên;Ngày sinh", f"{NUMBER_A};Nguyễn Văn An;05/10/1980"]))
    assert response.status_code == 422
    assert "Dòng tiêu đề thiếu cột “Địa bàn”" in response.get_data(as_text=True)
    assert entries() == []


def test_voter_list_file_checked_by_content(client, list_campaign, communes, secretary):
    from tests.conftest import PNG_BYTES

    response = upload(client, list_campaign, (io.BytesIO(PNG_BYTES), "cu-tri.csv"))
    assert response.status_code == 422
    assert "không phải tệp CSV hoặc Excel (.xlsx)" in response.get_data(as_text=True)


def test_voter_list_reimport_updates_the_same_number_without_duplicates(client, list_campaign, communes, secretary):
    upload(client, list_campaign, csv_file(GOOD_CSV[:3]))
    first_ids = {e.full_name: e.id for e in entries()}
    response = upload(client, list_campaign, csv_file([
        "Số định danh,Họ và tên,Ngày sinh,Địa bàn",
        f"{NUMBER_A},Nguyễn Văn An,05/10/1980,X-PL",
        f"{NUMBER_B},Trần Thị Bình,13/01/1985,X-CT",
        f"{NUMBER_C},Lê Văn Cường,01/02/2000,X-CT",
    ]))
    assert response.status_code == 303
    rows = {e.full_name: e for e in entries()}
    assert len(rows) == 3
    assert rows["Trần Thị Bình"].id == first_ids["Trần Thị Bình"]
    assert (rows["Trần Thị Bình"].birth_date, rows["Trần Thị Bình"].unit_id) == (date(1985, 1, 13), communes[1].id)
    assert rows["Nguyễn Văn An"].id == first_ids["Nguyễn Văn An"]
    assert "thêm mới 1, cập nhật 1, giữ nguyên 1 (tổng 3 người)" in client.get(list_url(list_campaign)).get_data(as_text=True)


def test_voter_list_template_is_an_xlsx_with_the_campaign_units(client, list_campaign, communes, secretary):
    response = client.get(f"{list_url(list_campaign)}/mau.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Danh sách cử tri", "Hướng dẫn", "Địa bàn"]
    assert [c.value for c in workbook["Danh sách cử tri"][1]] == ["Số định danh", "Họ và tên", "Ngày sinh", "Địa bàn"]
    assert ["X-PL", "Xã Phú Lộc"] in [[c.value for c in row] for row in workbook["Địa bàn"].iter_rows()]


@pytest.mark.parametrize(
    "role, own_committee, status",
    [
        (None, True, 302),
        (Role.SECRETARY, True, 200),
        (Role.CHAIR, True, 403),
        (Role.ADMIN, False, 403),
        (Role.SECRETARY, False, 404),
        (Role.UNIT_SUBMITTER, True, 404),
        (Role.REVIEWER, True, 404),
    ],
)
def test_voter_list_page_access(client, login_as, make_unit, province, list_campaign, role, own_committee, status):
    if role is not None:
        login_as(role, province if own_committee else make_unit("Tỉnh Khác", kind="province"))
    assert client.get(list_url(list_campaign)).status_code == status
    assert client.get(f"{list_url(list_campaign)}/mau.xlsx").status_code == status


# --- identification against the list --------------------------------------------------------------


def identify(client, campaign, number, name, born, **extra):
    return client.post(
        f"/binh-chon/dot/{campaign.id}/xac-thuc",
        data={"id_number": number, "full_name": name, "birth_date": born, "website": "", **extra},
    )


NO_MATCH = "Thông tin không khớp với danh sách cử tri của đợt bình chọn."


@pytest.mark.parametrize(
    "number, name, born",
    [
        ("051090009999", "Nguyễn Văn An", "05/10/1980"),  # number not on the list
        (NUMBER_A, "Nguyễn Văn Anh", "05/10/1980"),  # wrong name
        (NUMBER_A, "Nguyễn Văn An", "06/10/1980"),  # wrong birth date
        (NUMBER_B, "Nguyễn Văn An", "05/10/1980"),  # another person's number
    ],
)
def test_list_identification_needs_number_name_and_birth_date(client, list_campaign, communes, secretary, number, name, born):
    upload(client, list_campaign, csv_file(GOOD_CSV))
    client.post("/logout")
    response = identify(client, list_campaign, number, name, born)
    assert response.status_code == 422
    assert NO_MATCH in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Voter)) == 0


def test_list_identification_signs_in_the_listed_person(client, list_campaign, communes, secretary):
    upload(client, list_campaign, csv_file(GOOD_CSV))
    client.post("/logout")
    page = client.get(f"/binh-chon/dot/{list_campaign.id}/xac-thuc").get_data(as_text=True)
    assert "Số định danh cá nhân (số căn cước)" in page and 'name="email"' not in page
    response = identify(client, list_campaign, "051 090 001 234", "  nguyen van AN ", "5/10/1980")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/binh-chon/dot/{list_campaign.id}/phieu")
    entry = db.session.scalars(sa.select(VoterListEntry).where(VoterListEntry.full_name == "Nguyễn Văn An")).one()
    voter = db.session.scalars(sa.select(Voter)).one()
    assert (voter.identity_key, voter.list_entry_id) == (f"list:{entry.id}", entry.id)
    with client.session_transaction() as session:
        assert session[f"voter:{list_campaign.id}"] == voter.id
    identify(client, list_campaign, NUMBER_A, "Nguyễn Văn An", "05/10/1980")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Voter)) == 1


def test_list_identification_malformed_number_is_told_beside_the_field(client, list_campaign):
    response = identify(client, list_campaign, "12345", "Nguyễn Văn An", "05/10/1980")
    assert response.status_code == 422
    assert "Số định danh cá nhân gồm đúng 12 chữ số" in response.get_data(as_text=True)


def test_database_holds_no_readable_identity_number(client, list_campaign, communes, secretary):
    upload(client, list_campaign, csv_file(GOOD_CSV))
    client.post("/logout")
    identify(client, list_campaign, NUMBER_A, "Nguyễn Văn An", "05/10/1980")
    stored = [
        str(value)
        for model in (VoterListEntry, Voter, AuditEvent)
        for row in db.session.execute(sa.select(model.__table__)).all()
        for value in row
    ]
    for number in (NUMBER_A, NUMBER_B, NUMBER_C):
        assert not any(number in text or number.lstrip("0") in text for text in stored)


def test_voter_list_template_writes_unit_names_as_text_never_as_formulas(client, list_campaign, province, make_unit, secretary):
    """Unit names and codes are typed by administrators: "=…", "+…", "-…", "@…" come out as text."""
    from tests.export_checks import PAYLOADS, assert_xlsx_has_no_formula

    for number, typed in enumerate(PAYLOADS):
        make_unit(typed, parent=province, code=f"+84{number}" if number == 0 else f"XA{number}")

    response = client.get(f"{list_url(list_campaign)}/mau.xlsx")

    assert response.status_code == 200
    assert_xlsx_has_no_formula(response.data, (*PAYLOADS, "+840"))
