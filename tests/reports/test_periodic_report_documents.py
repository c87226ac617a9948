"""The report as its issuer's official document: the PDF (text read back), the Word copy (opened by LibreOffice),
the figure tables as XLSX (cells, never a formula)."""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import NomineeKind
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.reports import report_documents
from dvkheo.reports.models import PeriodKind
from tests.documents.test_docx import docx_text, squash
from tests.pdf_layout import page_texts
from tests.reports.periodic_fixtures import make_report, tree  # noqa: F401  (fixtures)

YEAR_2026 = (PeriodKind.YEAR, date(2026, 1, 1), date(2026, 12, 31))


@pytest.fixture
def with_dossiers(tree, make_campaign):
    """Three dossiers submitted this year in the district: two in Tịnh Khê, one in Tịnh Hòa."""
    campaign = make_campaign(organising_unit=tree.district, title="Bình xét mô hình “Dân vận khéo” năm 2026", year=2026)
    for unit, title in ((tree.commune, "Đường làng do dân góp công"), (tree.commune, "Xóm sạch không rác"),
                        (tree.commune2, "Bảo hiểm y tế toàn dân")):
        db.session.add(Nomination(campaign=campaign, unit_id=unit.id, kind=NomineeKind.COLLECTIVE, title=title,
                                  status=NominationState.SUBMITTED, submitted_at=utcnow()))
    db.session.commit()
    return campaign


def test_district_report_pdf_in_the_party_format(tree, make_report, with_dossiers):
    report = make_report(tree.district, tree.staff[("district", Role.SECRETARY)], period=YEAR_2026, submit=True)
    data = report_documents.report_pdf(report)
    pages = [squash(text) for text in page_texts(data)]
    first = pages[0]
    for text in ("HUYỆN ỦY SƠN TỊNH", "BAN DÂN VẬN", "ĐẢNG CỘNG SẢN VIỆT NAM", "Số 01-BC/BDVHU", "BÁO CÁO",
                 "tổng kết năm 2026 phong trào thi đua “Dân vận khéo”", "I. TÌNH HÌNH TRIỂN KHAI"):
        assert text in first, text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" not in first
    assert "DỰ THẢO" not in " ".join(pages)
    tables = " ".join(pages[1:])
    assert "BIỂU SỐ LIỆU KÈM THEO" in tables
    assert "Biểu số 01. Mô hình, điển hình theo đơn vị trực thuộc" in tables
    assert "Xã Tịnh Khê 2" in tables and "Xã Tịnh Hòa 1" in tables and "Tổng cộng 3" in tables
    reader = PdfReader(io.BytesIO(data))
    portrait, landscape = reader.pages[0].mediabox, reader.pages[-1].mediabox
    assert float(portrait.width) < float(portrait.height)
    assert float(landscape.width) > float(landscape.height)  # the tables' pages are A4 landscape
    assert report_documents.filename(report, "pdf") == "BC-01-BDVHU-2026.pdf"


def test_commune_report_in_the_state_format_of_its_decisions(tree, make_report, make_campaign, make_award_form):
    campaign = make_campaign(organising_unit=tree.commune, year=2026)
    make_award_form(campaign, system="state", parent_body="", issuing_body="ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ",
                    issuer_code="UBND", issuer_in_text="Ủy ban nhân dân xã Tịnh Khê", place_name="Tịnh Khê",
                    signer_prefix=None, signer_authority="", signer_title="Chủ tịch", signer_name="Lê Văn Xã")
    report = make_report(tree.commune, tree.staff[("commune", Role.SECRETARY)], period=YEAR_2026, submit=True)
    first = squash(page_texts(report_documents.report_pdf(report))[0])
    for text in ("ỦY BAN NHÂN DÂN", "XÃ TỊNH KHÊ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 "Số: 01/BC-UBND", "Tịnh Khê, ngày", "CHỦ TỊCH", "Lê Văn Xã"):
        assert text in first, text
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" not in first


def test_a_draft_prints_as_a_draft_with_no_number(tree, make_report):
    report = make_report(tree.district, tree.staff[("district", Role.SECRETARY)], period=YEAR_2026)
    text = " ".join(squash(t) for t in page_texts(report_documents.report_pdf(report)))
    assert "DỰ THẢO - báo cáo chưa gửi cấp trên" in text and "Số …-BC/BDVHU" in text
    assert report_documents.filename(report, "docx") == f"BC-du-thao-{report.id}.docx"


def test_xlsx_holds_the_tables_as_numbers_never_formulas(tree, make_report, with_dossiers):
    report = make_report(tree.district, tree.staff[("district", Role.SECRETARY)], period=YEAR_2026,
                         results="=HYPERLINK(\"http://x\",\"y\")")
    tree.commune2.name = "=1+1 Xã lạ"
    db.session.commit()
    workbook = load_workbook(io.BytesIO(report_documents.report_xlsx(report)))
    assert workbook.sheetnames == ["Biểu 01", "Biểu 02", "Biểu 03", "Biểu 04"]
    sheet = workbook["Biểu 01"]
    assert sheet["A1"].value == "Biểu số 01. Mô hình, điển hình theo đơn vị trực thuộc"
    header = [cell.value for cell in sheet[3]]
    assert header[:5] == ["STT", "Đơn vị", "Mô hình, điển hình đăng ký", "Được công nhận", "Được khen thưởng"]
    rows = {row[1]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["Xã Tịnh Khê"][2] == 2 and isinstance(rows["Xã Tịnh Khê"][2], int)
    assert rows["'=1+1 Xã lạ"][2] == 1
    assert rows["Tổng cộng"][2] == 3
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"


def test_docx_carries_the_same_text(tree, make_report, with_dossiers):
    report = make_report(tree.district, tree.staff[("district", Role.SECRETARY)], period=YEAR_2026, submit=True)
    data = report_documents.report_docx(report)
    text = docx_text(data)
    for part in ("HUYỆN ỦY SƠN TỊNH", "ĐẢNG CỘNG SẢN VIỆT NAM", "Số 01-BC/BDVHU", "BÁO CÁO",
                 "II. KẾT QUẢ THỰC HIỆN", "Kết quả thử nghiệm.", "Nơi nhận:", "- Lưu VT.",
                 "Biểu số 01. Mô hình, điển hình theo đơn vị trực thuộc"):
        assert part in text, part
    document = Document(io.BytesIO(data))
    assert document.sections[-1].page_width > document.sections[-1].page_height
    units_table = next(t for t in document.tables if t.rows[0].cells[0].text == "STT")
    assert [cell.text for cell in units_table.rows[-1].cells][1:3] == ["Tổng cộng", "3"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice Writer is not installed")
def test_libreoffice_opens_the_word_copy(tmp_path, tree, make_report, with_dossiers):
    report = make_report(tree.district, tree.staff[("district", Role.SECRETARY)], period=YEAR_2026, submit=True)
    (tmp_path / "bao-cao.docx").write_bytes(report_documents.report_docx(report))
    completed = subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "out"), str(tmp_path / "bao-cao.docx")],
        capture_output=True, text=True, timeout=240,
    )
    assert completed.returncode == 0, completed.stderr
    converted = (tmp_path / "out" / "bao-cao.pdf").read_bytes()
    pages = [squash(t) for t in page_texts(converted)]
    assert "Số 01-BC/BDVHU" in pages[0] and "ĐẢNG CỘNG SẢN VIỆT NAM" in pages[0]
    assert any("Biểu số 01." in page and "Tổng cộng 3" in page for page in pages[1:])
