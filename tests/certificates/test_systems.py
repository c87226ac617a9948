"""Certificates in the issuer's document system (Party or State), reissued certificates, and the blank
overlay's serial beside the QR code: read back from the PDF's text and positions (pdfplumber)."""
from __future__ import annotations

import io
import unicodedata
from datetime import date

import pdfplumber
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dvkheo.awards.models import Decision, DecisionKind, DecisionStatus, RevocationItem, RevocationScope
from dvkheo.certificates import render
from dvkheo.certificates.models import Certificate, CertificateStatus, PrintOutput
from dvkheo.awards.decisions import take_number
from dvkheo.core.timeutil import utcnow
from dvkheo.documents.formats import STATE
from dvkheo.documents.models import ensure_builtin_systems
from dvkheo.extensions import db

MM = 72 / 25.4
RED = (196 / 255, 22 / 255, 28 / 255)


def certificates_of(decision) -> list[Certificate]:
    return list(
        db.session.scalars(sa.select(Certificate).where(Certificate.decision_id == decision.id).order_by(Certificate.id))
    )


def text_of(pdf: bytes, page: int = 0) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(unicodedata.normalize("NFC", reader.pages[page].extract_text() or "").split())


def lines_of(pdf: bytes) -> list[dict]:
    """Page 1's text lines (pdfplumber), each with its text, top (mm from the top edge) and chars."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        lines = page.extract_text_lines(return_chars=True)
        for line in lines:
            line["text"] = unicodedata.normalize("NFC", line["text"])
        return lines


def line_with(lines: list[dict], needle: str) -> dict:
    found = [line for line in lines if needle in line["text"]]
    assert found, f"{needle!r} not on the page: {[line['text'] for line in lines]}"
    return found[0]


def make_state(result) -> None:
    """The award form issues in the State's system (a decision without its own copy of a format follows it)."""
    systems = ensure_builtin_systems()
    result.award_form.document_system = systems["state"]
    db.session.commit()


@pytest.fixture
def awarded(make_council_result, make_issued_decision):
    result = make_council_result(passed=3, individuals=1)
    decision = make_issued_decision(result)
    return result, decision, certificates_of(decision)


def test_a_party_certificate_carries_the_party_line_in_red_and_no_state_motto(awarded):
    _result, _decision, certificates = awarded

    pdf = render.render_certificates_pdf([certificates[0]])

    text = text_of(pdf)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "CỘNG HÒA" not in text and "Độc lập" not in text
    assert "Quyết định số 01-QĐ/BDVTU, ngày 20/11/2026" in text
    assert "T/M BAN THƯỜNG VỤ" in text and "TM. " not in text
    lines = lines_of(pdf)
    party = line_with(lines, "ĐẢNG CỘNG SẢN VIỆT NAM")
    letters = [char for char in party["chars"] if char["text"].strip()]
    assert all("Bold" in char["fontname"] for char in letters)
    assert all(tuple(char["non_stroking_color"]) == pytest.approx(RED, abs=0.01) for char in letters)
    # Top down: the Party line, the issuer, the title, the recipient.
    tops = [line_with(lines, needle)["top"] for needle in ("ĐẢNG CỘNG SẢN", "BAN DÂN VẬN", "KHEN", "Trần Thị Hạnh")]
    assert tops == sorted(tops)


def test_a_state_certificate_carries_the_motto_and_the_state_citation(make_council_result, make_issued_decision):
    result = make_council_result(passed=1, individuals=1)
    make_state(result)
    certificates = certificates_of(make_issued_decision(result))
    assert render.certificate_format(certificates[0]).code == STATE.code

    pdf = render.render_certificates_pdf(render.load_for_print([certificates[0].id]))

    text = text_of(pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "ĐẢNG CỘNG SẢN" not in text
    assert "Quyết định số 01/QĐ-BDVTU ngày 20 tháng 11 năm 2026" in text
    assert "TM. BAN THƯỜNG VỤ" in text and "T/M" not in text
    lines = lines_of(pdf)
    tops = [line_with(lines, needle)["top"] for needle in ("CỘNG HÒA", "Độc lập", "BAN DÂN VẬN", "KHEN")]
    assert tops == sorted(tops)


def test_the_serial_is_never_split_across_lines(awarded):
    certificate = awarded[2][0]

    for output in PrintOutput:
        lines = lines_of(render.render_certificates_pdf([certificate], output=output))
        serial_lines = [line for line in lines if "Số hiệu:" in line["text"]]
        assert len(serial_lines) == 1
        assert serial_lines[0]["text"].strip().endswith(certificate.serial)


def test_the_frame_is_drawn_once_and_shared_by_every_page(awarded):
    certificates = awarded[2]

    pdf = render.render_certificates_pdf(render.load_for_print([c.id for c in certificates]))

    reader = PdfReader(io.BytesIO(pdf))
    frames = {page["/Resources"]["/XObject"].raw_get("/DVKFrame").idnum for page in reader.pages}
    assert len(reader.pages) == 3 and len(frames) == 1
    for index, certificate in enumerate(certificates):
        text = text_of(pdf, index)
        assert "GIẤY KHEN" in text and "ĐẢNG CỘNG SẢN VIỆT NAM" in text  # the frame, under every page
        assert certificate.serial in text
    # Each recipient's name is on its own page only.
    assert "Trần Thị Hạnh" in text_of(pdf, 0) and "Trần Thị Hạnh" not in text_of(pdf, 1)


# --- reissued certificates ------------------------------------------------------------------------------


def revoke_paper(result, decision, certificate) -> Decision:
    """An issued revoking decision (number 02, 15/12/2026) withdrawing the paper certificate only."""
    form = result.award_form
    revoking = Decision(
        campaign_id=result.campaign.id, award_form_id=form.id, kind=DecisionKind.REVOCATION,
        status=DecisionStatus.APPROVED, revokes_id=decision.id, issuer_code=form.issuer_code,
        symbol=f"QĐ-{form.issuer_code}", decided_on=date(2026, 12, 15), place_name=form.place_name,
        parent_body=form.parent_body, issuing_body=form.issuing_body, issuer_in_text="Ban Dân vận Tỉnh ủy",
        title="Về việc thu hồi Giấy khen", revocation_reason="Giấy khen bị hư hỏng", issued_at=utcnow(),
    )
    db.session.add(revoking)
    db.session.flush()
    take_number(revoking, revoking.decided_on)
    revoking.status = DecisionStatus.ISSUED
    revoking.revocation_items = [
        RevocationItem(scope=RevocationScope.CERTIFICATE, awardee_id=certificate.awardee_id, certificate_id=certificate.id)
    ]
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = utcnow()
    certificate.revoked_by_decision = revoking
    db.session.commit()
    return revoking


@pytest.fixture
def reissued(awarded):
    from dvkheo.awards import revocation

    result, decision, certificates = awarded
    old = certificates[0]
    revoke_paper(result, decision, old)
    new = revocation.reissue_certificate(old.awardee, result.secretary)
    db.session.commit()
    return old, new, certificates[1]


def test_a_reissued_certificate_says_cap_lai_with_the_decision_and_the_serial_it_replaces(reissued):
    old, new, untouched = reissued

    pdf = render.render_certificates_pdf(render.load_for_print([new.id]))

    text = text_of(pdf)
    assert "CẤP LẠI" in text
    assert (
        f"Cấp lại theo Quyết định số 02-QĐ/BDVTU, ngày 15/12/2026 của Ban Dân vận Tỉnh ủy; thay Giấy khen số {old.serial}"
        in text
    )
    assert new.serial in text
    assert "Trần Thị Hạnh" in text
    (plain_other,) = [text_of(render.render_certificates_pdf([untouched]))]
    assert "CẤP LẠI" not in plain_other and "Cấp lại" not in plain_other


def test_a_reissued_certificate_on_a_blank_carries_the_note_too(reissued):
    old, new, _untouched = reissued

    text = text_of(render.render_certificates_pdf(render.load_for_print([new.id]), output=PrintOutput.BLANK))

    assert "Cấp lại theo Quyết định số 02-QĐ/BDVTU, ngày 15/12/2026" in text
    assert old.serial in text


# --- the blank overlay: the serial beside the QR code ---------------------------------------------------


def qr_square(pdf: bytes) -> dict:
    """The QR code's white square: the largest filled square rectangle on page 1."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        squares = [rect for rect in document.pages[0].rects
                   if rect["width"] > 15 * MM and abs(rect["width"] - rect["height"]) < 0.5]
    assert squares, "no QR code drawn"
    return max(squares, key=lambda rect: rect["width"])


@pytest.mark.parametrize("offsets", [(0, 0), (4, -3)])
def test_on_a_blank_the_serial_sits_beside_the_qr_code(awarded, offsets):
    certificate = awarded[2][0]

    pdf = render.render_certificates_pdf([certificate], output=PrintOutput.BLANK,
                                         offset_x_mm=offsets[0], offset_y_mm=offsets[1])

    qr = qr_square(pdf)
    serial = line_with(lines_of(pdf), certificate.serial)
    gap = serial["x0"] - qr["x1"]
    assert 0 < gap < 5 * MM  # just right of the code
    assert qr["top"] < serial["top"] and serial["bottom"] < qr["bottom"]  # within its height
    assert qr["x0"] == pytest.approx((24 + offsets[0]) * MM, abs=0.5)


def test_a_form_that_moves_the_qr_code_takes_the_serial_along(awarded):
    result, _decision, certificates = awarded
    result.award_form.blank_layout = {"qr": {"x": 200, "y": 150}}
    db.session.commit()

    pdf = render.render_certificates_pdf(render.load_for_print([certificates[0].id]), output=PrintOutput.BLANK)

    qr = qr_square(pdf)
    serial = line_with(lines_of(pdf), certificates[0].serial)
    assert qr["x0"] == pytest.approx(200 * MM, abs=0.5)
    assert 0 < serial["x0"] - qr["x1"] < 5 * MM
    assert qr["top"] < serial["top"] and serial["bottom"] < qr["bottom"]


def test_the_qr_code_drawn_on_a_blank_still_reads_back(app, awarded, tmp_path):
    import subprocess

    from PIL import Image
    from pyzbar.pyzbar import decode

    certificate = awarded[2][0]
    (tmp_path / "blank.pdf").write_bytes(render.render_certificates_pdf([certificate], output=PrintOutput.BLANK))
    subprocess.run(["pdftoppm", "-png", "-r", "200", str(tmp_path / "blank.pdf"), str(tmp_path / "page")], check=True)
    (png,) = tmp_path.glob("page*.png")

    assert [symbol.data.decode() for symbol in decode(Image.open(png))] == [
        f"{app.config['PUBLIC_BASE_URL']}/verify/{certificate.serial}"
    ]


def test_a_reissued_certificate_written_directly_matches_weasyprint_tag_and_note_included(app, reissued):
    from tests.certificates.test_textlayer import assert_same_layout, render_with

    _old, new, _untouched = reissued

    for output in PrintOutput:
        assert_same_layout(render_with(app, "direct", [new], output=output),
                           render_with(app, "weasyprint", [new], output=output))
