"""Word copies of the decision, its annexed list and the council's minutes: the issuer's format, the same page as the
PDF, user text kept intact, the same access as the PDFs, and files LibreOffice opens without repair."""
from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import unicodedata
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from dvkheo.accounts.models import Role
from dvkheo.awards import decisions as ops
from dvkheo.awards import revocation, workflow
from dvkheo.awards.decision_pdf import decision_pdf
from dvkheo.awards.models import RevocationScope
from dvkheo.certificates.models import Certificate
from dvkheo.council.minutes import minutes_pdf
from dvkheo.council.models import BallotAttendance, CouncilRole
from dvkheo.documents import docx as word
from dvkheo.documents.models import ensure_builtin_systems
from dvkheo.extensions import db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PROJECT = Path(__file__).resolve().parents[2]


def squash(text: str) -> str:
    # LibreOffice writes Word's non-breaking hyphen as U+2011; a reader compares it as "-".
    text = unicodedata.normalize("NFC", text).replace("\u2011", "-").replace("\u00ad", "")
    return " ".join(text.split())


def docx_text(data: bytes) -> str:
    """All the text Word shows, tables included, non-breaking hyphens read as "-"."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
    xml = xml.replace("<w:noBreakHyphen/>", "-")
    xml = re.sub(r"</w:p>", "\n", xml)
    text = re.sub(r"<[^>]+>", "", xml)
    return squash(html.unescape(text))


def pdf_words(data: bytes) -> list[str]:
    return [squash(page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages]


def cell_lines(cell) -> list[str]:
    return [squash(_with_hyphens(p)) for p in cell.paragraphs if _with_hyphens(p).strip()]


def _with_hyphens(paragraph) -> str:
    parts = []
    for node in paragraph._p.iter():
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == qn("w:noBreakHyphen"):
            parts.append("-")
    return "".join(parts)


# The schema's order of the property elements this module writes (ECMA-376 CT_PPr, CT_TblPr, CT_TcPr): Word
# refuses a file whose children are out of order and offers to repair it, where LibreOffice says nothing.
SCHEMA_ORDER = {
    "pPr": ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
            "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct",
            "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
            "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
            "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"],
    "tblPr": ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW",
              "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook"],
    "tcPr": ["cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection",
             "tcFitText", "vAlign", "hideMark"],
}


def out_of_order(data: bytes) -> list[str]:
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    problems = []
    for parent, order in SCHEMA_ORDER.items():
        for element in root.iter(qn(f"w:{parent}")):
            names = [etree.QName(child).localname for child in element]
            if len(set(names)) != len(names) or any(n not in order for n in names) \
                    or [order.index(n) for n in names] != sorted(order.index(n) for n in names):
                problems.append(f"{parent}: {names}")
    return problems


def _issued(result, decided_on=date(2026, 12, 3)):
    decision = ops.draft_award_decision(result.campaign, result.award_form, [n.id for n in result.passed], result.secretary)
    workflow.apply(decision, workflow.DecisionAction.APPROVE, result.chair)
    workflow.apply(decision, workflow.DecisionAction.ISSUE, result.chair, decided_on=decided_on, acknowledge_warnings=True)
    db.session.commit()
    return decision


def _state_result(make_council_result):
    """A People's Committee issuing in the State format."""
    result = make_council_result(passed=2, individuals=1)
    systems = ensure_builtin_systems()
    form = result.award_form
    form.document_system_id = systems["state"].id
    form.parent_body = ""
    form.issuing_body = "ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ"
    form.issuer_in_text = "Chủ tịch Ủy ban nhân dân xã Tịnh Khê"
    form.issuer_code = "UBND"
    form.place_name = "Tịnh Khê"
    form.signer_authority = "ỦY BAN NHÂN DÂN"
    form.signer_title = "CHỦ TỊCH"
    form.signer_name = "Lê Văn Chủ Tịch"
    db.session.commit()
    return result


def _with_attendance(result, present, absent=()):
    for user, role in present:
        db.session.add(BallotAttendance(ballot=result.ballot, member=user, council_role=role, present=True,
                                        vote_mode="electronic", has_voted=True))
    for user in absent:
        db.session.add(BallotAttendance(ballot=result.ballot, member=user, present=False))
    result.ballot.meeting_time = "08 giờ 00"
    result.ballot.meeting_place = "Hội trường Ban Dân vận Tỉnh ủy"
    result.ballot.created_by_id = result.secretary.id
    db.session.commit()


# --- the Word file as python-docx reads it ------------------------------------------------------------------


def test_party_decision_header_page_and_fonts(make_council_result):
    result = make_council_result(passed=2, individuals=1)
    decision = _issued(result)
    document = Document(io.BytesIO(word.decision_docx(decision)))

    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (section.top_margin, section.right_margin, section.bottom_margin, section.left_margin)] \
        == [20, 15, 20, 30]
    # No number on page 1; from page 2 a centred PAGE field.
    assert section.different_first_page_header_footer
    assert 'w:instr="PAGE"' in section.header._element.xml
    assert "PAGE" not in section.first_page_header._element.xml

    normal = document.styles["Normal"]
    fonts = normal.element.rPr.rFonts
    assert normal.font.name == "Times New Roman"
    assert {fonts.get(qn(f"w:{k}")) for k in ("ascii", "hAnsi", "cs", "eastAsia")} == {"Times New Roman"}

    header = document.tables[0]
    left, right = header.rows[0].cells
    assert cell_lines(left) == ["TỈNH ỦY QUẢNG NGÃI", "BAN DÂN VẬN", "*", "Số 01-QĐ/BDVTU"]
    assert cell_lines(right) == ["ĐẢNG CỘNG SẢN VIỆT NAM", "Quảng Ngãi, ngày 03 tháng 12 năm 2026"]
    issuing = left.paragraphs[1].runs[0]
    assert issuing.bold and not left.paragraphs[0].runs[0].bold
    # The title line is ruled; the place and date are italic; the number does not break at its hyphen.
    assert "w:pBdr" in right.paragraphs[0]._p.xml and right.paragraphs[0].runs[0].bold
    assert right.paragraphs[-1].runs[0].italic
    assert "<w:noBreakHyphen/>" in left.paragraphs[3]._p.xml
    assert "w:val=\"nil\"" in header._tbl.tblPr.xml  # no borders drawn

    text = docx_text(word.decision_docx(decision))
    assert "CỘNG HÒA" not in text and "Số:" not in text and "TM." not in text
    for expected in ("QUYẾT ĐỊNH", "- Căn cứ Luật Thi đua, khen thưởng", "Điều 1.", "T/M BAN THƯỜNG VỤ", "TRƯỞNG BAN",
                     "Nguyễn Văn Trưởng", "Nơi nhận:", "- Lưu VT, HĐXC.", "Trần Thị Hạnh", "Ban Công tác Mặt trận thôn Số 2",
                     "kèm theo Quyết định số 01-QĐ/BDVTU, ngày 03/12/2026"):
        assert expected in text, expected

    # "Điều 1." bold; "Nơi nhận:" underlined (Party); the signature row never splits across pages.
    article = next(p for p in document.paragraphs if p.text.startswith("Điều 1."))
    assert article.runs[0].bold and article.runs[0].text == "Điều 1."
    signatures = document.tables[1]
    label = signatures.rows[0].cells[0].paragraphs[0].runs[0]
    assert label.text == "Nơi nhận:" and label.underline and not label.bold
    assert "w:cantSplit" in signatures.rows[0]._tr.xml
    last_article = [p for p in document.paragraphs if p.text.startswith("Điều")][-1]
    assert last_article.paragraph_format.keep_with_next  # the signature never stands alone on a page
    # The annexed list is its own section, with a header row that repeats.
    assert len(document.sections) == 2
    annex = document.tables[2]
    assert [squash(c.text) for c in annex.rows[0].cells][:2] == ["STT", "Tên tập thể, cá nhân"]
    assert "w:tblHeader" in annex.rows[0]._tr.xml
    assert out_of_order(word.decision_docx(decision)) == []


def test_state_decision_writes_the_state_form(make_council_result):
    decision = _issued(_state_result(make_council_result), decided_on=date(2026, 2, 5))
    data = word.decision_docx(decision)
    document = Document(io.BytesIO(data))
    left, right = document.tables[0].rows[0].cells
    assert cell_lines(left) == ["ỦY BAN NHÂN DÂN", "XÃ TỊNH KHÊ", "Số: 01/QĐ-UBND"]  # balanced as in the PDF
    assert "w:pBdr" in left.paragraphs[2]._p.xml  # the short rule under the issuer, no asterisk
    assert cell_lines(right) == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                                 "Tịnh Khê, ngày 05 tháng 02 năm 2026"]
    label = document.tables[1].rows[0].cells[0].paragraphs[0].runs[0]
    assert label.bold and label.italic and not label.underline
    assert out_of_order(data) == []
    basis = next(p for p in document.paragraphs if p.text.startswith("Căn cứ"))
    assert basis.runs[0].italic
    text = docx_text(data)
    assert "ĐẢNG CỘNG SẢN" not in text and "T/M" not in text and "Số 01-" not in text
    for expected in ("QUYẾT ĐỊNH:", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "- Lưu: VT, HĐXC.", "DANH SÁCH",
                     "Kèm theo Quyết định số 01/QĐ-UBND ngày 05 tháng 02 năm 2026 của Chủ tịch Ủy ban nhân dân xã Tịnh Khê"):
        assert expected in text, expected


def test_draft_says_so_and_has_no_signature(make_council_result):
    result = make_council_result(passed=1)
    decision = ops.draft_award_decision(result.campaign, result.award_form, [result.passed[0].id], result.secretary)
    db.session.commit()
    text = docx_text(word.decision_docx(decision))
    assert "DỰ THẢO - chưa ban hành" in text and "(Dự thảo, chưa ký)" in text
    assert "Số …-QĐ/BDVTU" in text and "ngày tháng năm 2026" in text.replace("\u00a0", " ")


def test_revocation_annex_keeps_each_serial_on_one_line(make_council_result, make_issued_decision):
    result = make_council_result(passed=1)
    decision = make_issued_decision(result)
    line = decision.awardees[0]
    certificate = db.session.scalars(sa.select(Certificate).where(Certificate.awardee_id == line.id)).one()
    draft = revocation.draft_revocation(decision, [(line.id, RevocationScope.CERTIFICATE, certificate.id)],
                                        "Giấy khen bị mất khi chuyển nhà", result.secretary)
    db.session.commit()
    document = Document(io.BytesIO(word.decision_docx(draft)))
    annex = document.tables[-1]
    serial_cell = annex.rows[1].cells[-1]
    assert cell_lines(serial_cell) == [certificate.serial]
    # Every hyphen of the serial is Word's non-breaking hyphen, none a plain "-".
    assert serial_cell._tc.xml.count("<w:noBreakHyphen/>") == certificate.serial.count("-") > 0
    assert "-" not in "".join(t.text for t in serial_cell._tc.iter(qn("w:t")))
    assert "Lý do thu hồi: Giấy khen bị mất khi chuyển nhà" in docx_text(word.decision_docx(draft))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice Writer is not installed")
def test_revocation_annex_fits_its_table_in_word(tmp_path, make_council_result, make_issued_decision):
    """The Word copy of a revocation's list, as LibreOffice lays it out: no word over a border, the serial whole in
    the PDF's monospace, the cited number whole where it fits ("01-QĐ/BDV" "TU" no more), a longer one broken after
    its "/" only, as in the PDF."""
    from tests.pdf_layout import table_overflows

    files, serials = {}, {}
    for code in ("BDVTU", "BTGDVTUQN"):
        result = make_council_result(passed=1)
        result.award_form.issuer_code = code
        db.session.commit()
        decision = make_issued_decision(result)
        line = decision.awardees[0]
        certificate = db.session.scalars(sa.select(Certificate).where(Certificate.awardee_id == line.id)).one()
        draft = revocation.draft_revocation(decision, [(line.id, RevocationScope.CERTIFICATE, certificate.id)],
                                            "Giấy khen bị mất khi chuyển nhà", result.secretary)
        db.session.commit()
        files[code], serials[code] = word.decision_docx(draft), certificate.serial
        serial_run = Document(io.BytesIO(files[code])).tables[-1].rows[1].cells[-1].paragraphs[0].runs[0]
        assert (serial_run.font.name, serial_run.font.size.pt) == (word.MONO_FONT, word.MONO_PT)
        (tmp_path / f"{code}.docx").write_bytes(files[code])
    completed = subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "out"), *[str(tmp_path / f"{c}.docx") for c in files]],
        capture_output=True, text=True, timeout=240,
    )
    assert completed.returncode == 0, completed.stderr
    cited = {"BDVTU": ["(QĐ số", "01-QĐ/BDVTU)"], "BTGDVTUQN": ["(QĐ số", "01-QĐ/", "BTGDVTUQN)"]}
    for code in files:
        data = (tmp_path / "out" / f"{code}.pdf").read_bytes()
        over, rows = table_overflows(data, page_number=len(PdfReader(io.BytesIO(data)).pages) - 1)
        assert over == [], code
        row = [[squash(text) for text in cell] for cell in rows[1]]
        assert row[3] == ["Giấy khen", *cited[code]], code
        assert row[5] == [serials[code]], code


def test_amendment_annex_carries_its_note_column(make_council_result):
    result = make_council_result(passed=2)
    amendment = ops.draft_amendment(_issued(result), result.secretary)
    db.session.commit()
    document = Document(io.BytesIO(word.decision_docx(amendment)))
    annex = document.tables[-1]
    assert squash(annex.rows[0].cells[-1].text) == "Nội dung"
    assert "Sửa đổi dòng số 1 của Quyết định số 01-QĐ/BDVTU" in docx_text(word.decision_docx(amendment))


def test_user_text_with_markup_characters_survives(make_council_result):
    result = make_council_result(passed=1)
    decision = ops.draft_award_decision(result.campaign, result.award_form, [result.passed[0].id], result.secretary)
    tricky = 'Mô hình <b>“Dân & vận”</b> "khéo" \x0b</w:t>'
    decision.title = tricky
    decision.awardees[0].recipient_name = "Tổ <tự quản> & \"Số 1\""
    db.session.commit()
    data = word.decision_docx(decision)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        xml = archive.read("word/document.xml").decode()
    assert "&lt;b&gt;“Dân &amp; vận”&lt;/b&gt;" in xml and "<b>" not in xml
    text = docx_text(data)
    assert 'Mô hình <b>“Dân & vận”</b> "khéo" </w:t>' in text
    assert 'Tổ <tự quản> & "Số 1"' in text


def test_margins_are_the_pdf_stylesheets():
    css = (PROJECT / "static/css/pdf.css").read_text()
    top, right, bottom, left = (float(x) for x in re.search(r"@page\s*{[^}]*?margin:\s*([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm", css).groups())
    assert word.MARGINS_MM == {"top": top, "right": right, "bottom": bottom, "left": left}


def test_minutes_header_and_tables(make_council_result, make_user):
    result = make_council_result(passed=2, failed=1)
    member = make_user(Role.REVIEWER, result.campaign.organising_unit, full_name="Lê Thị Hồng Nhung")
    absent = make_user(Role.REVIEWER, result.campaign.organising_unit, full_name="Võ Minh Quân")
    _with_attendance(result, [(result.chair, CouncilRole.CHAIR), (member, CouncilRole.MEMBER)], [absent])
    data = word.minutes_docx(result.ballot)
    document = Document(io.BytesIO(data))
    left, _ = document.tables[0].rows[0].cells
    assert "HỘI ĐỒNG XÉT CHỌN" in cell_lines(left)
    text = docx_text(data)
    for expected in ("BIÊN BẢN", "I. THÀNH PHẦN", "Lê Thị Hồng Nhung", "Võ Minh Quân", "III. KẾT QUẢ BỎ PHIẾU KÍN",
                     "Dân vận khéo trong xây dựng đường giao thông nông thôn số 1", "Đạt", "Không đạt", "THƯ KÝ",
                     "Nguyễn Thị Thư Ký", "Phạm Văn Chủ Tịch"):
        assert expected in text, expected
    results = document.tables[1]
    assert squash(results.rows[0].cells[0].text) == "STT" and len(results.rows) == 4
    assert out_of_order(data) == []


def test_minutes_in_the_councils_own_system():
    """The sectioned minutes context (the council's system, typed times, signatures, Nơi nhận) as the minutes
    PDF reads it: every block lands in the Word copy, the closing stays with the signatures."""
    m = {
        "format": "party",
        "is_party": True,
        "header": {"parent_body": "BAN DÂN VẬN TỈNH ỦY QUẢNG NGÃI", "issuing_body": "HỘI ĐỒNG XÉT CHỌN",
                   "mark": "asterisk", "mark_text": "*", "number": "Số 03-BB/HĐXC",
                   "place_date": "Quảng Ngãi, ngày 05 tháng 11 năm 2026", "right_lines": ["ĐẢNG CỘNG SẢN VIỆT NAM"]},
        "title": "BIÊN BẢN",
        "summary": "họp Hội đồng xét chọn mô hình, điển hình “Dân vận khéo” năm\u00a02026",
        "summary_rule": "dashes",
        "opening": "Vào lúc 08 giờ 00 phút, ngày 05/11/2026, tại Hội trường, Hội đồng họp xét đề nghị khen thưởng.",
        "sections": [
            {"heading": "I. THÀNH PHẦN", "blocks": [
                {"kind": "paragraph", "text": "Tổng số thành viên Hội đồng: 2; có mặt: 1; vắng mặt: 1."},
                {"kind": "label", "text": "Thành viên có mặt:"},
                {"kind": "people", "entries": [{"name": "Lê Thị Hồng Nhung", "text": " - Chủ tịch Hội đồng"}]},
            ]},
            {"heading": "III. KẾT QUẢ BỎ PHIẾU KÍN", "blocks": [{"kind": "table", "columns": [
                {"key": "stt", "label": "STT"}, {"key": "title", "label": "Tên mô hình/điển hình"},
                {"key": "unit", "label": "Đơn vị đề nghị"}, {"key": "votes", "label": "Số phiếu đồng ý/ số phiếu hợp lệ"},
                {"key": "percent", "label": "Tỷ lệ\u00a0%"}, {"key": "result", "label": "Kết quả"}],
                "rows": [{"stt": 1, "title": "Hũ gạo tình thương", "nominee": "Chi hội Phụ nữ thôn 3", "unit": "Xã A",
                          "votes": "1/1", "percent": "100,0", "result": "Đạt", "note": ""}]}]},
        ],
        "conclusion_heading": "IV. KẾT LUẬN",
        "conclusion": ["Hội đồng thống nhất đề nghị khen thưởng 1 mô hình."],
        "closing": ["Hội nghị kết thúc vào lúc 10 giờ 30 phút, ngày 05/11/2026.",
                    "Biên bản đã được thông qua trước Hội đồng và các thành viên dự họp thống nhất."],
        "signatures": [{"authority": "", "title": "THƯ KÝ", "name": "Nguyễn Thị Thư Ký"},
                       {"authority": "T/M HỘI ĐỒNG", "title": "CHỦ TỊCH", "name": "Lê Thị Hồng Nhung"}],
        "recipients_label": "Nơi nhận:",
        "recipients_label_style": "underline",
        "recipients": ["- Ban Thường vụ Tỉnh ủy,", "- Lưu VT, HĐXC."],
    }
    data = word.minutes_document(m)
    document = Document(io.BytesIO(data))
    left, right = document.tables[0].rows[0].cells
    assert cell_lines(left) == ["BAN DÂN VẬN", "TỈNH ỦY QUẢNG NGÃI", "HỘI ĐỒNG XÉT CHỌN", "*", "Số 03-BB/HĐXC"]
    assert cell_lines(right)[0] == "ĐẢNG CỘNG SẢN VIỆT NAM"
    text = docx_text(data)
    for expected in ("-----", "Lê Thị Hồng Nhung - Chủ tịch Hội đồng", "Hũ gạo tình thương Chi hội Phụ nữ thôn 3",
                     "IV. KẾT LUẬN", "Hội nghị kết thúc vào lúc 10 giờ 30 phút", "T/M HỘI ĐỒNG", "CHỦ TỊCH",
                     "Nơi nhận:", "- Lưu VT, HĐXC."):
        assert expected in text, expected
    # The closing, the signatures and "Nơi nhận" travel together to whichever page they land on.
    closing = [p for p in document.paragraphs if p.text.startswith(("Hội nghị kết thúc", "Biên bản đã được"))]
    assert all(p.paragraph_format.keep_with_next for p in closing)
    signers = document.tables[-1]
    assert len(signers.rows) == 1 and "w:cantSplit" in signers.rows[0]._tr.xml
    left_signer = cell_lines(signers.rows[0].cells[0])
    assert left_signer[0] == "THƯ KÝ" and left_signer[-3:] == ["Nơi nhận:", "- Ban Thường vụ Tỉnh ủy,", "- Lưu VT, HĐXC."]
    label = next(p for p in signers.rows[0].cells[0].paragraphs if p.text == "Nơi nhận:")
    assert label.runs[0].underline
    assert out_of_order(data) == []


# --- downloads and access ------------------------------------------------------------------------------------


def test_decision_download_and_who_may_have_it(client, auth, login_as, make_unit, make_council_result):
    result = make_council_result(passed=1)
    decision = ops.draft_award_decision(result.campaign, result.award_form, [result.passed[0].id], result.secretary)
    db.session.commit()
    url = f"/awards/decisions/{decision.id}/docx"

    auth.login(result.chair)
    page = client.get(f"/awards/decisions/{decision.id}").get_data(as_text=True)
    assert url in page and "Tải bản Word (.docx)" in page and "không làm thay đổi" in page
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == DOCX
    assert "no-store" in response.headers["Cache-Control"]
    assert f"QD-du-thao-{decision.id}-BDVTU.docx" in response.headers["Content-Disposition"]
    assert "BAN DÂN VẬN" in docx_text(response.data)

    auth.logout()
    login_as(Role.SECRETARY, make_unit("Tỉnh Khác", kind="province", code="98"))
    assert client.get(url).status_code == 404
    auth.logout()
    login_as(Role.UNIT_SUBMITTER, result.passed[0].unit)
    assert client.get(url).status_code == 404  # like the minutes and the certificates: nothing to learn


def test_minutes_download_and_who_may_have_it(client, auth, login_as, make_unit, make_council_result):
    result = make_council_result(passed=1)
    url = f"/council/ballots/{result.ballot.id}/minutes.docx"
    auth.login(result.secretary)
    page = client.get(f"/council/ballots/{result.ballot.id}").get_data(as_text=True)
    assert url in page and "Tải bản Word (.docx)" in page
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == DOCX
    assert "no-store" in response.headers["Cache-Control"]
    assert "BB-01-HDXC-2026.docx" in response.headers["Content-Disposition"]

    auth.logout()
    login_as(Role.SECRETARY, make_unit("Tỉnh Khác", kind="province", code="97"))
    assert client.get(url).status_code in (403, 404)
    auth.logout()
    login_as(Role.UNIT_SUBMITTER, result.passed[0].unit)
    assert client.get(url).status_code in (403, 404)


# --- LibreOffice opens them without repair and reads the same text ----------------------------------------


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice Writer is not installed")
def test_libreoffice_converts_all_three_and_reads_the_same_text(tmp_path, make_council_result):
    """One soffice run for the module (it is the slow part): a Party decision, a State decision, the minutes. Each
    converts (no repair) and reads word for word as the app's PDF of the same record."""
    party_result = make_council_result(passed=2, individuals=1)
    _with_attendance(party_result, [(party_result.chair, CouncilRole.CHAIR)])
    party = _issued(party_result)
    state = _issued(_state_result(make_council_result))
    files = {
        "party.docx": word.decision_docx(party),
        "state.docx": word.decision_docx(state),
        "minutes.docx": word.minutes_docx(party_result.ballot),
    }
    app_pdfs = {"party.docx": decision_pdf(party), "state.docx": decision_pdf(state),
                "minutes.docx": minutes_pdf(party_result.ballot)}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    completed = subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "out"), *[str(tmp_path / n) for n in files]],
        capture_output=True, text=True, timeout=240,
    )
    assert completed.returncode == 0, completed.stderr
    texts = {}
    for name in files:
        pdf = tmp_path / "out" / name.replace(".docx", ".pdf")
        assert pdf.exists(), (name, completed.stdout, completed.stderr)
        reader = PdfReader(pdf)
        texts[name] = [squash(page.extract_text() or "") for page in reader.pages]
        # Word for word the app's own PDF of the same record (line breaks and reading order aside).
        app_words = Counter(" ".join(pdf_words(app_pdfs[name])).split())
        word_copy = Counter(" ".join(texts[name]).split())
        assert (app_words - word_copy, word_copy - app_words) == (Counter(), Counter()), name

    party_first = texts["party.docx"][0]
    for expected in ("TỈNH ỦY QUẢNG NGÃI", "BAN DÂN VẬN", "ĐẢNG CỘNG SẢN VIỆT NAM", "Số 01-QĐ/BDVTU",
                     "Quảng Ngãi, ngày 03 tháng 12 năm 2026", "QUYẾT ĐỊNH", "Điều 1."):
        assert expected in party_first, expected
    assert "CỘNG HÒA" not in " ".join(texts["party.docx"])
    party_all = " ".join(texts["party.docx"])
    for expected in ("T/M BAN THƯỜNG VỤ", "Nguyễn Văn Trưởng", "Nơi nhận:", "DANH SÁCH", "Trần Thị Hạnh",
                     "Ban Công tác Mặt trận thôn Số 2", "Quyết định số 01-QĐ/BDVTU, ngày 03/12/2026"):
        assert expected in party_all, expected
    assert "DANH SÁCH" in texts["party.docx"][-1] and "Trần Thị Hạnh" in texts["party.docx"][-1]

    state_first = texts["state.docx"][0]
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ",
                     "Số: 01/QĐ-UBND", "Tịnh Khê, ngày 03 tháng 12 năm 2026", "QUYẾT ĐỊNH:"):
        assert expected in state_first, expected
    state_all = " ".join(texts["state.docx"])
    assert "ĐẢNG CỘNG SẢN" not in state_all and "TM. ỦY BAN NHÂN DÂN" in state_all and "Lê Văn Chủ Tịch" in state_all

    minutes_all = " ".join(texts["minutes.docx"])
    for expected in ("HỘI ĐỒNG XÉT CHỌN", "BIÊN BẢN", "I. THÀNH PHẦN", "III. KẾT QUẢ BỎ PHIẾU KÍN",
                     "Dân vận khéo trong xây dựng đường giao thông nông thôn số 1", "THƯ KÝ", "Nguyễn Thị Thư Ký"):
        assert expected in minutes_all, expected
    # Page 2 on carries its number at the top; page 1 none.
    assert not texts["party.docx"][0].startswith("1 ")
