"""Issue 11, item 7: page 1 of a decision read off the PDF, for the Party system and for the State system.

The header is read column by column (left: the issuer; right: the system's title lines and the place and date), in
order from the top; italics and bold are read from the embedded font names; the other system's lines must be absent.
"""
from __future__ import annotations

import io
import re
import unicodedata

import pdfplumber
import pytest

from dvkheo.awards.decision_pdf import decision_pdf
from dvkheo.awards.models import SignerPrefix
from dvkheo.documents.models import ensure_builtin_systems
from dvkheo.extensions import db

PARTY_ISSUER = dict(
    parent_body="TỈNH ỦY QUẢNG NGÃI", issuing_body="BAN DÂN VẬN", issuer_code="BDVTU", issuer_in_text="Ban Dân vận Tỉnh ủy",
    place_name="Quảng Ngãi", signer_prefix=SignerPrefix.DEPUTY, signer_authority="Trưởng ban",
    signer_title="Phó Trưởng ban", signer_name="Đinh Thị Hồng Minh", archive="VT, HĐXC",
)
STATE_ISSUER = dict(
    parent_body="", issuing_body="ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ", issuer_code="UBND",
    issuer_in_text="Chủ tịch Ủy ban nhân dân xã Tịnh Khê", place_name="Tịnh Khê", signer_prefix=SignerPrefix.DEPUTY,
    signer_authority="Chủ tịch", signer_title="Phó Chủ tịch", signer_name="Lê Văn Bình", archive="VT, VP",
)


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _lines(region) -> list[dict]:
    """Text lines of a cropped region, top to bottom, each with whether all its letters are italic / bold."""
    result = []
    for line in region.extract_text_lines(keep_blank_chars=False):
        letters = [c for c in line["chars"] if c["text"].strip()]
        result.append(
            {
                "text": _norm(line["text"]),
                "top": line["top"],
                "x0": line["x0"],
                "x1": line["x1"],
                "italic": all("Italic" in c["fontname"] for c in letters),
                "bold": all("Bold" in c["fontname"] for c in letters),
            }
        )
    return result


def _decision(make_council_result, make_issued_decision, system: str, issuer: dict):
    result = make_council_result(passed=2)
    form = result.award_form
    for key, value in issuer.items():
        setattr(form, key, value)
    form.document_system = ensure_builtin_systems()[system]
    db.session.flush()
    return make_issued_decision(result)


def _page_one(decision) -> tuple[list[dict], list[dict], list[dict], object]:
    data = decision_pdf(decision)
    pdf = pdfplumber.open(io.BytesIO(data))
    page = pdf.pages[0]
    title_top = next(w["top"] for w in page.extract_words() if w["text"] == "QUYẾT")
    split = page.width * 0.47  # the header grid: 40 % of the 165 mm text width after the 30 mm margin
    left = _lines(page.crop((0, 0, split, title_top - 1)))
    right = _lines(page.crop((split, 0, page.width, title_top - 1)))
    body = _lines(page.crop((0, title_top - 1, page.width, page.height)))
    return left, right, body, page


def test_a_party_decision_reads_as_the_party_writes(make_council_result, make_issued_decision):
    decision = _decision(make_council_result, make_issued_decision, "party", PARTY_ISSUER)
    left, right, body, page = _page_one(decision)

    assert [line["text"] for line in left] == ["TỈNH ỦY QUẢNG NGÃI", "BAN DÂN VẬN", "*", "Số 01-QĐ/BDVTU"]
    assert not left[0]["bold"] and left[1]["bold"]
    assert re.fullmatch(r"Số \d{2,}-QĐ/[A-ZĐ]+", left[-1]["text"])
    assert [line["text"] for line in right] == ["ĐẢNG CỘNG SẢN VIỆT NAM", "Quảng Ngãi, ngày 20 tháng 11 năm 2026"]
    assert right[0]["bold"] and right[1]["italic"]
    # The rule under the Party line: a stroke whose lower edge lies just below the words, about as long as they are.
    header_line = right[0]
    text_bottom = header_line["top"] + 15
    strokes = [
        r for r in page.rects + page.lines
        if text_bottom <= r["bottom"] <= text_bottom + 8 and r["x0"] >= header_line["x0"] - 4
        and r["x1"] <= header_line["x1"] + 4 and (r["x1"] - r["x0"]) > 0.9 * (header_line["x1"] - header_line["x0"])
    ]
    assert strokes, "no rule under ĐẢNG CỘNG SẢN VIỆT NAM"

    texts = [line["text"] for line in body]
    assert texts[0] == "QUYẾT ĐỊNH" and body[0]["bold"]
    assert texts[1].startswith("về việc khen thưởng")
    bases = [t for t in texts if t.startswith("- Căn cứ")]
    assert bases and all(not line["italic"] for line in body if line["text"].startswith("- Căn cứ"))
    assert "BAN DÂN VẬN TỈNH ỦY QUYẾT ĐỊNH" in texts
    joined = " ".join(texts)
    assert "K/T TRƯỞNG BAN" in joined and "PHÓ TRƯỞNG BAN" in joined and "Đinh Thị Hồng Minh" in joined
    assert "Nơi nhận:" in joined and "- Như Điều 3," in joined and "- Lưu VT, HĐXC." in joined
    everything = _norm(" ".join(line["text"] for line in left + right + body))
    for foreign in ("CỘNG HÒA", "Độc lập - Tự do - Hạnh phúc", "Số:", "QUYẾT ĐỊNH:", "KT. ", "TM. ", "- Lưu:"):
        assert foreign not in everything, foreign


def test_a_state_decision_reads_as_decree_30_writes(make_council_result, make_issued_decision):
    decision = _decision(make_council_result, make_issued_decision, "state", STATE_ISSUER)
    left, right, body, page = _page_one(decision)

    # A long name is broken in balanced lines, never a lone word: "ỦY BAN NHÂN DÂN / XÃ TỊNH KHÊ".
    assert [line["text"] for line in left] == ["ỦY BAN NHÂN DÂN", "XÃ TỊNH KHÊ", "Số: 01/QĐ-UBND"]
    assert left[0]["bold"] and left[1]["bold"]
    assert re.fullmatch(r"Số: \d{2,}/QĐ-[A-ZĐ]+", left[-1]["text"])
    assert [line["text"] for line in right] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Tịnh Khê, ngày 20 tháng 11 năm 2026",
    ]
    assert right[0]["bold"] and right[1]["bold"] and right[2]["italic"]

    texts = [line["text"] for line in body]
    assert texts[0] == "QUYẾT ĐỊNH" and texts[1].startswith("Về việc khen thưởng")
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ" in texts and "QUYẾT ĐỊNH:" in texts
    assert texts.index("CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ") < texts.index("QUYẾT ĐỊNH:")
    bases = [line for line in body if line["text"].startswith("Căn cứ")]
    assert bases and all(line["italic"] for line in bases)
    joined = " ".join(texts)
    assert "KT. CHỦ TỊCH" in joined and "PHÓ CHỦ TỊCH" in joined and "Lê Văn Bình" in joined
    assert "Nơi nhận:" in joined and "- Như Điều 3;" in joined and "- Lưu: VT, VP." in joined
    label = [w for w in page.extract_words(extra_attrs=["fontname"]) if _norm(w["text"]) in ("Nơi", "nhận:")]
    assert len(label) == 2 and all("Bold" in w["fontname"] and "Italic" in w["fontname"] for w in label), label
    everything = _norm(" ".join(line["text"] for line in left + right + body))
    for foreign in ("ĐẢNG CỘNG SẢN VIỆT NAM", "Số 01-QĐ", "K/T", "T/M", " * ", "- Căn cứ"):
        assert foreign not in everything, foreign


@pytest.mark.parametrize("system, expected", [("party", "(kèm theo Quyết định số 01-QĐ/BDVTU, ngày 20/11/2026 của Ban Dân vận Tỉnh ủy)"),
                                              ("state", "(Kèm theo Quyết định số 01/QĐ-UBND ngày 20 tháng 11 năm 2026 của Chủ tịch Ủy ban nhân dân xã Tịnh Khê)")])
def test_the_annex_cites_the_decision_as_its_system_does(make_council_result, make_issued_decision, system, expected):
    decision = _decision(make_council_result, make_issued_decision, system, PARTY_ISSUER if system == "party" else STATE_ISSUER)
    pdf = pdfplumber.open(io.BytesIO(decision_pdf(decision)))
    annex = _norm(pdf.pages[-1].extract_text())
    assert expected in annex
    assert "BAN DÂN VẬN)" not in annex and "của BAN" not in annex
