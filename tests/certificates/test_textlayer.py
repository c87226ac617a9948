"""The certificate's variable layer written straight as PDF (`textlayer`) reads and sits as WeasyPrint's did.

Each test renders the same certificates both ways (`CERTIFICATE_TEXT_LAYER` "direct" and "weasyprint") and
compares what a reader of the printed sheet sees: the same words, on the same lines, at the same places.
"""
from __future__ import annotations

import io
import unicodedata

import pdfplumber
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dvkheo.certificates import render, textlayer
from dvkheo.certificates.models import Certificate, CertificateStatus, PrintOutput
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db

MM = 72 / 25.4
# Kerning is not applied by the direct writer: a word may sit this far from WeasyPrint's along its line.
ALONG_LINE_MM = 1.6
BASELINE_MM = 0.35


def certificates_of(decision) -> list[Certificate]:
    return list(
        db.session.scalars(sa.select(Certificate).where(Certificate.decision_id == decision.id).order_by(Certificate.id))
    )


def render_with(app, engine: str, certificates, **options) -> bytes:
    previous = app.config.get("CERTIFICATE_TEXT_LAYER")
    app.config["CERTIFICATE_TEXT_LAYER"] = engine
    try:
        return render.render_certificates_pdf(render.load_for_print([c.id for c in certificates]), **options)
    finally:
        app.config["CERTIFICATE_TEXT_LAYER"] = previous


def words_by_page(pdf: bytes) -> list[list[dict]]:
    """Each page's words with the baseline origin (mm from the top-left corner) of their first letter."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            words = page.extract_words(extra_attrs=["size"], keep_blank_chars=False, use_text_flow=True,
                                       return_chars=True)
            items = []
            for word in words:
                first = word["chars"][0]
                matrix = first["matrix"]
                if abs(matrix[1]) > 0.01:  # the rotated status mark: compared on its own
                    continue
                items.append({
                    "text": unicodedata.normalize("NFC", word["text"]),
                    "x_mm": matrix[4] / MM,
                    "baseline_mm": (float(page.height) - matrix[5]) / MM,
                    "size": round(first["size"], 1),
                })
            pages.append(items)
    return pages


def variable_words(pdf: bytes) -> list[list[dict]]:
    """Only the words drawn by the variable layer: the frame's words are the same XObject in both files."""
    frame_words = {"GIẤY", "KHEN"}
    return [[word for word in page if word["text"] not in frame_words] for page in words_by_page(pdf)]


def assert_same_layout(direct: bytes, weasy: bytes) -> None:
    direct_pages, weasy_pages = words_by_page(direct), words_by_page(weasy)
    assert len(direct_pages) == len(weasy_pages)
    for page_number, (mine, theirs) in enumerate(zip(direct_pages, weasy_pages), start=1):
        assert [w["text"] for w in mine] == [w["text"] for w in theirs], f"page {page_number}: other words"
        for a, b in zip(mine, theirs):
            assert a["size"] == pytest.approx(b["size"], abs=0.05), (page_number, a, b)
            assert a["baseline_mm"] == pytest.approx(b["baseline_mm"], abs=BASELINE_MM), (page_number, a, b)
            assert a["x_mm"] == pytest.approx(b["x_mm"], abs=ALONG_LINE_MM), (page_number, a, b)


@pytest.fixture
def awarded(make_council_result, make_issued_decision):
    result = make_council_result(passed=3, individuals=1)
    result.passed[1].nominee_name = "Ban Công tác Mặt trận thôn Phú Lộc"
    result.passed[2].nominee_name = "Chi hội Nông dân thôn Trường Thọ Tây, xã Tịnh Khê, tỉnh Quảng Ngãi – " \
        "mô hình “Hũ gạo tình thương” giúp đỡ hộ nghèo vượt khó"
    db.session.commit()
    decision = make_issued_decision(result)
    return decision, certificates_of(decision)


def test_plain_sheets_read_and_sit_as_weasyprint_lays_them_out(app, awarded):
    _decision, certificates = awarded

    direct = render_with(app, "direct", certificates)
    weasy = render_with(app, "weasyprint", certificates)

    assert_same_layout(direct, weasy)
    # The direct file embeds its own subset fonts, named as the faces WeasyPrint uses.
    with pdfplumber.open(io.BytesIO(direct)) as document:
        fonts = {char["fontname"].split("+")[-1] for char in document.pages[0].chars}
    assert any(name.startswith("LiberationSerif") for name in fonts)


def test_blank_overlay_with_printer_offsets_matches_weasyprint(app, awarded):
    _decision, certificates = awarded
    options = {"output": PrintOutput.BLANK, "offset_x_mm": 3.5, "offset_y_mm": -2.0}

    assert_same_layout(render_with(app, "direct", certificates, **options),
                       render_with(app, "weasyprint", certificates, **options))


@pytest.mark.parametrize("status, mark", [(CertificateStatus.REVOKED, "ĐÃ THU HỒI"),
                                          (CertificateStatus.REPLACED, "ĐÃ THAY THẾ")])
def test_the_status_mark_is_drawn_across_the_page_at_the_same_angle(app, awarded, status, mark):
    _decision, certificates = awarded
    certificates[0].status = status
    certificates[0].revoked_at = utcnow()
    db.session.commit()

    def mark_chars(pdf: bytes) -> tuple[str, tuple[float, float], float]:
        with pdfplumber.open(io.BytesIO(pdf)) as document:
            chars = [c for c in document.pages[0].chars if abs(c["matrix"][1]) > 0.01]
        text = unicodedata.normalize("NFC", "".join(c["text"] for c in chars))
        first = chars[0]["matrix"]
        return text, (first[4] / MM, first[5] / MM), first[1] / first[0]

    direct_text, direct_origin, direct_slope = mark_chars(render_with(app, "direct", certificates[:1]))
    weasy_text, weasy_origin, weasy_slope = mark_chars(render_with(app, "weasyprint", certificates[:1]))

    assert direct_text.replace(" ", "") == mark.replace(" ", "") == weasy_text.replace(" ", "")
    assert direct_slope == pytest.approx(weasy_slope, abs=0.01)  # tan 14°, rising to the right
    assert direct_origin[0] == pytest.approx(weasy_origin[0], abs=2.0)
    assert direct_origin[1] == pytest.approx(weasy_origin[1], abs=2.0)


def test_a_name_in_a_script_the_font_lacks_goes_to_weasyprint_and_still_prints(app, make_council_result,
                                                                               make_issued_decision):
    result = make_council_result(passed=1, individuals=1)
    # "★" is not in Liberation Serif: WeasyPrint takes it from another installed font (DejaVu).
    result.passed[0].nominee_name = "Nguyễn Thị Hạnh ★"
    db.session.commit()
    certificates = certificates_of(make_issued_decision(result))

    pdf = render_with(app, "direct", certificates)

    text = unicodedata.normalize("NFC", PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert "Nguyễn Thị Hạnh ★" in text
    with pytest.raises(textlayer.Undrawable):
        textlayer.load_face("bold").glyphs("★")


def test_a_word_wider_than_the_box_breaks_between_letters_and_lines_never_overflow():
    face = textlayer.load_face("regular")
    width = 60 * MM

    lines = textlayer.wrap(face, "Hợp tác xã " + "A" * 80 + " dịch vụ nông nghiệp", 14, width)

    assert all(face.width(line, 14) <= width + 0.01 for line in lines)
    assert "".join(lines).replace(" ", "") == ("Hợp tác xã " + "A" * 80 + " dịch vụ nông nghiệp").replace(" ", "")
    assert lines[0] == "Hợp tác xã"


def test_text_is_normalised_and_spaces_collapse_as_in_html():
    assert textlayer.clean("  Nguye\u0302\u0303n\n\tThị  ") == "Nguyễn Thị"
    with pytest.raises(textlayer.Undrawable):
        textlayer.clean("a\u0327\u0301\u0323")  # marks NFC cannot fold into one letter
