"""The ranking workbook, read back with openpyxl: headers, numbers as numbers, each reviewer's points,
the paper-entry marker, and a query count independent of the number of dossiers."""
from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from dvkheo.accounts.models import Role
from dvkheo.core.timeutil import as_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from tests.review.conftest import give_scores
from tests.review.test_normalisation import split
from tests.review.test_ranking import login

S = NominationState


def workbook_of(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(BytesIO(response.data))


def rows_of(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def scored_campaign(review_campaign, make_member, make_dossier, secretary):
    """Two dossiers, two reviewers; one sheet typed in from paper by the secretary."""
    first = make_member(full_name="Trần Thị Ánh")
    second = make_member(full_name="Đỗ Văn Bình")
    top = make_dossier(status=S.SCORED, title="Mô hình “Dân vận khéo” hiến đất", nominee_name="Ban Công tác Mặt trận thôn Phú Lộc", with_evidence=False)
    other = make_dossier(status=S.SCORED, title="Mô hình tổ tự quản", with_evidence=False)
    sheet = give_scores(top, first, [22, 21, 20, 12, 9], comment="Cách làm sáng tạo")
    give_scores(top, second, [20, 20, 20, 10, 8])
    paper = give_scores(other, second, split(60))
    paper.entered_by_id = secretary.id
    db.session.commit()
    return {"top": top, "other": other, "first": first, "second": second, "sheet": sheet}


def test_export_ranking_sheet_lists_dossiers_in_rank_order_with_numbers(client, review_campaign, secretary, scored_campaign):
    login(client, secretary)
    book = workbook_of(client.get(f"/review/campaigns/{review_campaign.id}/ranking.xlsx"))
    assert book.sheetnames == ["Xếp hạng", "Điểm chi tiết"]
    sheet = book["Xếp hạng"]
    assert sheet.freeze_panes == "A2"
    header, first, second = rows_of(sheet)
    assert header[:4] == ["Nhóm", "Thứ hạng", "Số hồ sơ", "Tên mô hình, điển hình"]
    assert {"Điểm trung bình", "Độ chênh lệch", "Chênh lệch lớn", "Điểm chuẩn hóa", "Trạng thái"} <= set(header)
    values = dict(zip(header, first))
    top = scored_campaign["top"]
    field = review_campaign.allowed_fields[0].name
    assert values["Nhóm"] == f"{field} – Tập thể"
    assert (values["Thứ hạng"], values["Số hồ sơ"], values["Tên mô hình, điển hình"]) == (1, top.id, "Mô hình “Dân vận khéo” hiến đất")
    assert values["Tập thể, cá nhân được đề nghị"] == "Ban Công tác Mặt trận thôn Phú Lộc"
    assert values["Đơn vị"] == top.unit.name and values["Lĩnh vực"] == field and values["Tập thể/Cá nhân"] == "Tập thể"
    # Totals 84 and 78: mean 81, spread 6 (numbers, not text).
    assert (values["Điểm trung bình"], values["Độ chênh lệch"], values["Chênh lệch lớn"]) == (81.0, 6.0, None)
    assert isinstance(values["Điểm chuẩn hóa"], float)
    assert values["Trạng thái"] == "Đã chấm điểm"
    assert dict(zip(header, second))["Thứ hạng"] == 2
    score_cell = sheet.cell(row=2, column=header.index("Điểm trung bình") + 1)
    assert score_cell.number_format == "0.00"


def test_export_detail_sheet_has_each_reviewers_points_and_paper_marker(client, review_campaign, secretary, scored_campaign):
    login(client, secretary)
    book = workbook_of(client.get(f"/review/campaigns/{review_campaign.id}/ranking.xlsx"))
    sheet = book["Điểm chi tiết"]
    assert sheet.freeze_panes == "A2"
    header, *rows = rows_of(sheet)
    titles = [c.title for c in review_campaign.criteria]
    assert header[:3] == ["Số hồ sơ", "Tên mô hình, điển hình", "Thành viên Hội đồng"]
    assert header[3] == f"{titles[0]} (tối đa 25)"
    assert "Tổng điểm" in header and f"Nhận xét: {titles[0]}" in header
    assert header[-2:] == ["Ngày hoàn thành", "Ghi chú"]
    by_reviewer = {(row[0], row[2]): dict(zip(header, row)) for row in rows}
    top = scored_campaign["top"]
    anh = by_reviewer[(top.id, "Trần Thị Ánh")]
    assert [anh[f"{c.title} (tối đa {c.max_score})"] for c in review_campaign.criteria] == [22, 21, 20, 12, 9]
    assert anh["Tổng điểm"] == 84
    assert anh[f"Nhận xét: {titles[0]}"] == "Cách làm sáng tạo"
    finalised = as_vietnam(scored_campaign["sheet"].finalised_at).date()
    assert anh["Ngày hoàn thành"].date() == finalised
    assert anh["Ghi chú"] is None
    paper = by_reviewer[(scored_campaign["other"].id, "Đỗ Văn Bình")]
    assert paper["Ghi chú"] == "nhập hộ từ phiếu giấy" and paper["Tổng điểm"] == 60
    date_cell = sheet.cell(row=2, column=header.index("Ngày hoàn thành") + 1)
    assert date_cell.number_format == "DD/MM/YYYY" and isinstance(date_cell.value.date(), date)
    # Rows follow the ranking: the first-ranked dossier's sheets come first.
    assert [row[0] for row in rows] == [top.id, top.id, scored_campaign["other"].id]


def test_export_leaves_out_unfinished_and_conflicted_sheets(client, review_campaign, secretary, make_member, make_dossier):
    nomination = make_dossier(status=S.IN_REVIEW, with_evidence=False)
    give_scores(nomination, make_member(full_name="Chưa hoàn thành"), split(50), final=False)
    login(client, secretary)
    book = workbook_of(client.get(f"/review/campaigns/{review_campaign.id}/ranking.xlsx"))
    ranking_rows = rows_of(book["Xếp hạng"])
    assert len(ranking_rows) == 2
    values = dict(zip(ranking_rows[0], ranking_rows[1]))
    assert (values["Thứ hạng"], values["Điểm trung bình"], values["Ghi chú"]) == (None, None, "chưa đủ điểm")
    assert rows_of(book["Điểm chi tiết"])[1:] == []


@pytest.mark.parametrize("role, status", [("chair", 200), ("reviewer", 404), ("unit", 404)])
def test_export_access_by_role(client, review_campaign, chair, make_member, make_user, make_unit, role, status):
    user = {
        "chair": lambda: chair,
        "reviewer": lambda: make_member(),
        "unit": lambda: make_user(Role.UNIT_SUBMITTER, make_unit(parent=review_campaign.organising_unit)),
    }[role]()
    login(client, user)
    assert client.get(f"/review/campaigns/{review_campaign.id}/ranking.xlsx").status_code == status


def test_export_query_count_does_not_grow_with_dossiers(client, review_campaign, secretary, make_member, make_dossier, count_queries):
    reviewers = [make_member(), make_member()]

    def add(count: int):
        for i in range(count):
            nomination = make_dossier(status=S.SCORED, with_evidence=False, field=review_campaign.allowed_fields[i % 3])
            for reviewer in reviewers:
                give_scores(nomination, reviewer, split(40 + 3 * i % 50))

    login(client, secretary)
    add(3)
    with count_queries() as small:
        rows_small = rows_of(workbook_of(client.get(f"/review/campaigns/{review_campaign.id}/ranking.xlsx"))["Điểm chi tiết"])
    add(27)
    with count_queries() as large:
        rows_large = rows_of(workbook_of(client.get(f"/review/campaigns/{review_campaign.id}/ranking.xlsx"))["Điểm chi tiết"])
    assert (len(rows_small), len(rows_large)) == (1 + 3 * 2, 1 + 30 * 2)
    assert large.count == small.count, large.statements


def test_export_writes_typed_text_as_text_never_as_a_formula(client, review_campaign, secretary, make_member, make_dossier):
    """Titles, nominee names, comments and a reviewer's name that look like formulas come out as text
    (an apostrophe in front), while scores stay numbers."""
    from tests.export_checks import PAYLOADS, assert_xlsx_has_no_formula

    reviewers = [make_member(full_name="@Trần Thị Ánh"), make_member(full_name="Đỗ Văn Bình")]
    for number, typed in enumerate(PAYLOADS):
        nomination = make_dossier(status=S.SCORED, with_evidence=False, title=typed, nominee_name=f"+{number} thôn Phú Lộc")
        give_scores(nomination, reviewers[0], split(40 + 7 * number), comment=typed)
        give_scores(nomination, reviewers[1], split(90 - 7 * number), comment="-Chưa rõ số liệu")
    login(client, secretary)

    response = client.get(f"/review/campaigns/{review_campaign.id}/ranking.xlsx")

    expected = PAYLOADS + ("+0 thôn Phú Lộc", "@Trần Thị Ánh", "-Chưa rõ số liệu")
    assert_xlsx_has_no_formula(response.data, expected)
    header, *rows = rows_of(workbook_of(response)["Xếp hạng"])
    normalised = [dict(zip(header, row))["Điểm chuẩn hóa"] for row in rows]
    means = [dict(zip(header, row))["Điểm trung bình"] for row in rows]
    assert all(isinstance(value, (int, float)) for value in normalised + means)
