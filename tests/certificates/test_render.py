"""Certificate PDFs: what a person reading the printed sheet (or scanning its QR code) gets."""
from __future__ import annotations

import io
import subprocess
import unicodedata

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dvkheo.awards.models import CertificateDesign
from dvkheo.certificates import render
from dvkheo.certificates.models import Certificate, CertificateStatus, PrintOutput
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db

MM = 72 / 25.4  # points per millimetre


def certificates_of(decision) -> list[Certificate]:
    return list(
        db.session.scalars(sa.select(Certificate).where(Certificate.decision_id == decision.id).order_by(Certificate.id))
    )


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, NFC and with runs of white space made single (line breaks fall anywhere)."""
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(unicodedata.normalize("NFC", page.extract_text() or "").split()) for page in reader.pages]


def text_origin(pdf: bytes, needle: str) -> tuple[float, float]:
    """Where (x, y in points, PDF space) the first text run starting `needle` is drawn on page 1."""
    found = []

    def visitor(text, cm, tm, _font, _size):
        if unicodedata.normalize("NFC", text).strip().startswith(needle) and not found:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((x, y))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visitor)
    assert found, f"{needle!r} not found in the PDF text"
    return found[0]


@pytest.fixture
def awarded(make_council_result, make_issued_decision):
    """An issued decision with an individual ("Trần Thị Hạnh") and a collective with a long, accented name."""
    result = make_council_result(passed=2, individuals=1)
    result.passed[1].nominee_name = "Ban Công tác Mặt trận thôn Phú Lộc"
    db.session.commit()
    decision = make_issued_decision(result)
    return result, decision, certificates_of(decision)


def test_plain_certificate_carries_names_with_exact_diacritics_serial_and_title_on_a4_landscape(awarded):
    _result, _decision, certificates = awarded

    pdf = render.render_certificates_pdf(render.load_for_print([c.id for c in certificates]))

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(842, abs=1)
        assert float(page.mediabox.height) == pytest.approx(595, abs=1)
    person, collective = page_texts(pdf)
    assert "Trần Thị Hạnh" in person
    assert "Chủ tịch Hội Phụ nữ xã" in person
    assert "Ban Công tác Mặt trận thôn Phú Lộc" in collective
    for text, certificate in zip((person, collective), certificates):
        assert certificate.serial in text
        assert "GIẤY KHEN" in text
        assert "Tặng" in text
        assert "Quyết định số 01-QĐ/BDVTU, ngày 20/11/2026" in text
        assert "Quảng Ngãi, ngày 20 tháng 11 năm 2026" in text
        assert "T/M BAN THƯỜNG VỤ" in text and "Nguyễn Văn Trưởng" in text
        assert "TỈNH ỦY QUẢNG NGÃI" in text and "BAN DÂN VẬN" in text
        assert "Đã có thành tích xuất sắc trong phong trào thi đua" in text


def test_the_title_follows_the_award_form(make_council_result, make_issued_decision):
    result = make_council_result(passed=1)
    result.award_form.certificate_title = "BẰNG KHEN"
    db.session.commit()
    certificate = certificates_of(make_issued_decision(result))[0]

    (text,) = page_texts(render.render_certificates_pdf([certificate]))

    assert "BẰNG KHEN" in text
    assert "GIẤY KHEN" not in text


@pytest.mark.parametrize("design", list(CertificateDesign))
def test_every_design_renders_one_page_per_certificate(make_council_result, make_issued_decision, design):
    result = make_council_result(passed=2)
    result.award_form.certificate_design = design
    db.session.commit()
    certificates = certificates_of(make_issued_decision(result))

    html = render.certificates_html(certificates)
    pdf = render.render_certificates_pdf(certificates)

    assert f"design-{design.value}" in html
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2


def test_the_qr_code_opens_the_verification_page_of_the_serial(app, awarded, tmp_path):
    from pyzbar.pyzbar import decode
    from PIL import Image

    certificate = awarded[2][0]
    (tmp_path / "certificate.pdf").write_bytes(render.render_certificates_pdf([certificate]))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", str(tmp_path / "certificate.pdf"), str(tmp_path / "page")],
        check=True,
    )
    (png,) = tmp_path.glob("page*.png")

    payloads = [symbol.data.decode() for symbol in decode(Image.open(png))]

    assert payloads == [f"{app.config['PUBLIC_BASE_URL']}/verify/{certificate.serial}"]


def test_verify_url_uses_the_public_address_outside_any_request(app):
    from dvkheo.certificates.qr import qr_svg, verify_url

    assert verify_url("DVK26-7QX4-M2PA") == app.config["PUBLIC_BASE_URL"] + "/verify/DVK26-7QX4-M2PA"
    svg = qr_svg(verify_url("DVK26-7QX4-M2PA"), 25)
    assert svg.startswith("<svg") and 'width="25mm"' in svg and "data:" not in svg


def test_the_blank_overlay_moves_by_the_printer_offsets(awarded):
    certificate = awarded[2][0]

    still = render.render_certificates_pdf([certificate], output=PrintOutput.BLANK)
    moved = render.render_certificates_pdf([certificate], output=PrintOutput.BLANK, offset_x_mm=5, offset_y_mm=-3)

    (x0, y0), (x1, y1) = text_origin(still, "Trần Thị Hạnh"), text_origin(moved, "Trần Thị Hạnh")
    assert x1 - x0 == pytest.approx(5 * MM, abs=0.2)  # 5 mm to the right
    assert y1 - y0 == pytest.approx(3 * MM, abs=0.2)  # 3 mm up the sheet (PDF y grows upwards)
    # The serial moves the same way: the whole overlay shifts.
    (sx0, sy0), (sx1, sy1) = text_origin(still, "Số hiệu: DVK"), text_origin(moved, "Số hiệu: DVK")
    assert (sx1 - sx0, sy1 - sy0) == (pytest.approx(5 * MM, abs=0.2), pytest.approx(3 * MM, abs=0.2))


def test_the_blank_overlay_prints_only_the_variable_fields(awarded):
    certificate = awarded[2][0]

    (blank,) = page_texts(render.render_certificates_pdf([certificate], output=PrintOutput.BLANK))
    (plain,) = page_texts(render.render_certificates_pdf([certificate], output=PrintOutput.PLAIN))

    assert "GIẤY KHEN" in plain and "GIẤY KHEN" not in blank
    assert "TỈNH ỦY QUẢNG NGÃI" in plain and "TỈNH ỦY QUẢNG NGÃI" not in blank
    assert "Tặng" not in blank
    for field in ("Trần Thị Hạnh", certificate.serial, "Quyết định số 01-QĐ/BDVTU", "Nguyễn Văn Trưởng",
                  "Quảng Ngãi, ngày 20 tháng 11 năm 2026"):
        assert field in blank


def test_the_blank_overlay_follows_the_award_forms_layout(awarded):
    result, _decision, certificates = awarded
    still = render.render_certificates_pdf([certificates[0]], output=PrintOutput.BLANK)
    result.award_form.blank_layout = {"recipient_name": {"y": 100}}
    db.session.commit()
    db.session.expire_all()

    moved = render.render_certificates_pdf(render.load_for_print([certificates[0].id]), output=PrintOutput.BLANK)

    (_, y0), (_, y1) = text_origin(still, "Trần Thị Hạnh"), text_origin(moved, "Trần Thị Hạnh")
    assert y0 - y1 == pytest.approx(8 * MM, abs=0.2)


def test_a_long_name_and_reason_still_fit_on_one_page(make_council_result, make_issued_decision):
    result = make_council_result(passed=1)
    nomination = result.passed[0]
    nomination.nominee_name = "Ban Công tác Mặt trận và Chi hội Cựu chiến binh liên thôn Phú Lộc, Phú Thọ và An Hòa Đông"
    nomination.title = (
        "Dân vận khéo trong vận động nhân dân hiến đất, góp công, góp của mở rộng, bê tông hóa đường giao thông "
        "nông thôn, xây dựng nông thôn mới kiểu mẫu gắn với bảo vệ môi trường, giữ gìn cảnh quan xanh, sạch, đẹp"
    )
    db.session.commit()
    certificate = certificates_of(make_issued_decision(result))[0]

    for output in PrintOutput:
        pdf = render.render_certificates_pdf([certificate], output=output)
        (text,) = page_texts(pdf)
        assert "liên thôn Phú Lộc, Phú Thọ và An Hòa Đông" in text
        assert "giữ gìn cảnh quan xanh, sạch, đẹp" in text
    sizes = render.sheet_context(certificate, PrintOutput.PLAIN, 0, 0)["sizes"]
    assert sizes["name"].size_pt < 28  # shrunk to fit
    assert sizes["name"].height_mm + sizes["reason"].height_mm + sizes["detail"].height_mm < render.PLAIN_BODY_HEIGHT_MM


@pytest.mark.parametrize(
    "status, mark", [(CertificateStatus.REVOKED, "ĐÃ THU HỒI"), (CertificateStatus.REPLACED, "ĐÃ THAY THẾ")]
)
def test_a_revoked_or_replaced_certificate_says_so_across_the_page(awarded, status, mark):
    certificate = awarded[2][0]
    (before,) = page_texts(render.render_certificates_pdf([certificate]))
    certificate.status = status
    certificate.revoked_at = utcnow()
    db.session.commit()

    for output in PrintOutput:
        (text,) = page_texts(render.render_certificates_pdf([certificate], output=output))
        assert mark in text
    assert mark not in before


def test_fields_read_like_the_decision(awarded):
    certificate = awarded[2][0]

    fields = render.certificate_fields(certificate)

    assert fields["recipient_name"] == "Trần Thị Hạnh"
    assert fields["recipient_detail"].startswith("Chủ tịch Hội Phụ nữ xã, xã Khen Thưởng")
    assert fields["decision_number"] == "Quyết định số 01-QĐ/BDVTU, ngày 20/11/2026"
    assert fields["serial"] == f"Số hiệu: {certificate.serial}"
    assert fields["date_line"] == "Quảng Ngãi, ngày 20 tháng 11 năm 2026"
    assert fields["signer_name"] == "Nguyễn Văn Trưởng"
    assert fields["title"] == "GIẤY KHEN"
    assert fields["signer_authority"] == "T/M BAN THƯỜNG VỤ"  # the Party's prefix, not Decree 30's "TM."
    assert fields["signer_title"] == "TRƯỞNG BAN"


def test_load_for_print_keeps_the_order_in_a_bounded_number_of_queries(make_council_result, make_issued_decision, count_queries):
    def measure(count: int) -> int:
        certificates = certificates_of(make_issued_decision(make_council_result(passed=count)))
        wanted = [c.id for c in reversed(certificates)]
        db.session.expire_all()
        with count_queries() as counter:
            loaded = render.load_for_print(wanted)
            render.certificates_html(loaded)
        assert [c.id for c in loaded] == wanted
        return counter.count

    small = measure(1)
    large = measure(6)
    assert large == small
    assert large <= 5


def test_the_test_page_prints_the_boxes_rulers_and_offsets(make_council_result):
    result = make_council_result(passed=0)

    pdf = render.render_test_page_pdf(result.award_form, 2.5, -1.5)

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert float(reader.pages[0].mediabox.width) == pytest.approx(842, abs=1)
    (text,) = page_texts(pdf)
    assert "TRANG IN THỬ CĂN CHỈNH MÁY IN" in text
    assert "+2,5 mm" in text and "−1,5 mm" in text
    for label in ("Tên người, tập thể được khen", "Số hiệu giấy khen", "Họ tên người ký", "Mã QR tra cứu"):
        assert label in text
    assert "GIẤY KHEN" not in text


def test_the_test_page_moves_by_the_offsets(make_council_result):
    form = make_council_result(passed=0).award_form

    (x0, y0) = text_origin(render.render_test_page_pdf(form, 0, 0), "Tên người, tập thể được khen")
    (x1, y1) = text_origin(render.render_test_page_pdf(form, -4, 2), "Tên người, tập thể được khen")

    assert x1 - x0 == pytest.approx(-4 * MM, abs=0.2)
    assert y1 - y0 == pytest.approx(-2 * MM, abs=0.2)
