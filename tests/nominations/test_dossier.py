"""The printable achievement report ("Báo cáo thành tích") as PDF."""
from __future__ import annotations

import logging
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import weasyprint

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import NomineeKind
from dvkheo.core import pdf
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.nominations import dossier
from dvkheo.nominations.states import NominationState
from tests.conftest import PNG_BYTES, add_stored_attachment


def squash(text: str) -> str:
    """Text with every run of whitespace as one space (PDF lines wrap anywhere)."""
    return " ".join(text.split())


def get_pdf(client, nomination):
    return client.get(f"/nominations/{nomination.id}/dossier.pdf")


def test_owner_gets_the_pdf_inline(client, own_submitter, own_commune, make_nomination):
    nomination = make_nomination(unit=own_commune)
    response = get_pdf(client, nomination)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline")
    assert f"bao-cao-thanh-tich-{nomination.id}.pdf" in disposition
    assert "no-store" in response.headers["Cache-Control"]


def test_another_units_submitter_gets_404(client, login_as, make_unit, province, own_commune, make_nomination):
    nomination = make_nomination(unit=own_commune)
    login_as(Role.UNIT_SUBMITTER, make_unit("Xã Khác", parent=province))
    assert get_pdf(client, nomination).status_code == 404


def test_missing_nomination_is_404(client, own_submitter):
    assert client.get("/nominations/999999/dossier.pdf").status_code == 404


def test_anonymous_is_sent_to_login(client, own_commune, make_nomination):
    nomination = make_nomination(unit=own_commune)
    response = get_pdf(client, nomination)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_pdf_text_carries_header_title_nominee_and_dates(client, own_submitter, own_commune, make_nomination, pdf_text):
    nomination = make_nomination(unit=own_commune)
    text = squash(pdf_text(get_pdf(client, nomination).data))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "TỈNH QUẢNG NGÃI" in text and "XÃ TỊNH HÀ" in text  # parent body and issuing body
    assert "BÁO CÁO THÀNH TÍCH" in text
    assert "Đề nghị công nhận mô hình “Dân vận khéo”" in text
    assert nomination.campaign.title in text
    assert nomination.title in text
    assert nomination.nominee_name in text
    assert "15/03/2024" in text  # started_on, dd/mm/yyyy
    assert re.search(r"\b\d{2}/\d{2}/\d{4}\b", text)
    today = today_in_vietnam()
    month = f"{today.month:02d}" if today.month < 3 else str(today.month)
    assert f"Tịnh Hà, ngày {today.day:02d} tháng {month} năm {today.year}" in text
    # The figures table: money with dots as thousands separators, only filled figures.
    assert "1.250.000.000" in text and "3.200" in text
    assert "Diện tích" not in text
    # The unit's public review and the evidence list, with the original Vietnamese file name.
    assert "55/58 phiếu đồng ý, đạt 94,8%" in text
    assert "Ảnh con đường.png" in text
    assert "THỦ TRƯỞNG ĐƠN VỊ" in text and "(Ký, ghi rõ họ tên, đóng dấu)" in text


def test_dossier_in_the_units_own_system(client, own_submitter, own_commune, make_unit, make_nomination):
    """A commune writes as a People's Committee (State) unless set otherwise; a Party committee unit writes the
    Party's header, and a unit below it inherits it."""
    from dvkheo.documents.models import ensure_builtin_systems, system_by_code
    from tests.pdf_layout import columns, pages

    ensure_builtin_systems()
    db.session.commit()
    submitted = dict(status=NominationState.SUBMITTED, submitted_at=datetime(2026, 11, 3, 2, 0, tzinfo=timezone.utc))
    state_pdf = get_pdf(client, make_nomination(unit=own_commune, **submitted)).data
    _, right = columns(state_pdf)
    assert [line.text for line in right[:2]] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]

    own_commune.document_system = system_by_code("party")
    db.session.commit()
    data = get_pdf(client, make_nomination(unit=own_commune, **submitted)).data
    left, right = columns(data)
    title_top = next(line.top for line in pages(data)[0] if line.text == "BÁO CÁO THÀNH TÍCH")
    assert [line.text for line in left if line.top < title_top] == ["TỈNH QUẢNG NGÃI", "XÃ TỊNH HÀ", "*"]
    header_right = [line for line in right if line.top < title_top]
    assert header_right[0].text == "ĐẢNG CỘNG SẢN VIỆT NAM" and header_right[0].bold
    assert header_right[1].text == "Tịnh Hà, ngày 03 tháng 11 năm 2026" and header_right[1].italic
    text = squash(" ".join(line.text for page in pages(data) for line in page))
    assert "CỘNG HÒA" not in text and "Độc lập" not in text

    cell = make_unit("Chi bộ thôn Phú Lộc", parent=own_commune, kind="grassroots")
    header = dossier.dossier_context(make_nomination(unit=cell, **submitted))["header"]
    assert (header["right_lines"], header["mark_text"]) == (["ĐẢNG CỘNG SẢN VIỆT NAM"], "*")


def test_draft_carries_the_draft_mark_and_submitted_does_not(client, own_submitter, own_commune, make_nomination, pdf_text):
    draft = make_nomination(unit=own_commune)
    submitted = make_nomination(
        unit=own_commune, status=NominationState.SUBMITTED, nominee_name="Chi hội Nông dân thôn Trường Thọ",
        submitted_at=datetime(2026, 2, 3, 20, 0, tzinfo=timezone.utc),  # 04/02 in Vietnam (UTC+7)
    )
    assert "BẢN NHÁP ·" in squash(pdf_text(get_pdf(client, draft).data))
    text = squash(pdf_text(get_pdf(client, submitted).data))
    assert "BẢN NHÁP" not in text
    assert "Tịnh Hà, ngày 04 tháng 02 năm 2026" in text  # the submission date, Decree 30 padding


def test_individual_report(client, own_submitter, own_commune, make_nomination, pdf_text):
    nomination = make_nomination(unit=own_commune, kind=NomineeKind.INDIVIDUAL, nominee_birth_year=1978)
    text = squash(pdf_text(get_pdf(client, nomination).data))
    assert "Đề nghị công nhận điển hình “Dân vận khéo”" in text
    assert "Trần Thị Hạnh" in text and "Chủ tịch Hội Phụ nữ xã" in text and "1978" in text
    assert "NGƯỜI BÁO CÁO THÀNH TÍCH" in text and "THỦ TRƯỞNG ĐƠN VỊ" in text


def test_evidence_is_grouped_by_criterion(app, own_commune, make_nomination):
    nomination = make_nomination(unit=own_commune)
    criteria = nomination.campaign.criteria
    attachment = add_stored_attachment(app, nomination, "Biên bản họp dân thôn Phú Lộc.png", PNG_BYTES)
    attachment.criterion_id = criteria[1].id
    add_stored_attachment(app, nomination, "Biên bản bình xét.png", PNG_BYTES, purpose="review_minutes")
    db.session.commit()
    context = dossier.dossier_context(nomination)
    assert context["evidence_groups"] == [
        {"title": f"Tiêu chí 2: {criteria[1].title}", "files": ["Biên bản họp dân thôn Phú Lộc.png"]},
        {"title": "Minh chứng chung", "files": ["Ảnh con đường.png"]},
    ]
    assert context["review"]["minutes"] == ["Biên bản bình xét.png"]


def test_context_holds_only_plain_values(own_commune, make_nomination):
    context = dossier.dossier_context(make_nomination(unit=own_commune))

    def check(value, path="d"):
        if isinstance(value, dict):
            for key, item in value.items():
                assert isinstance(key, str), path
                check(item, f"{path}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                check(item, f"{path}[{index}]")
        else:
            assert value is None or isinstance(value, (str, int, bool)), f"{path} is {type(value).__name__}"

    check(context)
    assert context["started_on"] == "15/03/2024"
    assert {"label": "Kinh phí Nhân dân đóng góp", "value": "1.250.000.000", "unit": "đồng"} in context["figures"]


def test_place_is_the_nearest_administrative_unit(make_unit, province):
    commune = make_unit("Xã Tịnh Hà", parent=province, kind="commune")
    village_body = make_unit("Ban Công tác Mặt trận thôn Phú Lộc", parent=commune, kind="village")
    ward = make_unit("Phường 1", parent=province, kind="ward")
    assert dossier.place_name(village_body) == "Tịnh Hà"
    assert dossier.place_name(province) == "Quảng Ngãi"
    assert dossier.place_name(ward) == "Phường 1"


def test_fonts_are_liberation_serif_or_tinos_embedded_not_dejavu(client, own_submitter, own_commune, make_nomination, pdf_fonts):
    listing = pdf_fonts(get_pdf(client, make_nomination(unit=own_commune)).data)
    fonts = [line.split()[0] for line in listing.splitlines()[2:] if line.strip()]
    assert fonts, listing
    assert all(re.search(r"Liberation-?Serif|Tinos", name) for name in fonts), listing
    assert "DejaVu" not in listing
    assert all(" yes " in line for line in listing.splitlines()[2:] if line.strip()), "fonts must be embedded"


# --- the URL fetcher ----------------------------------------------------------------------


def test_fetcher_refuses_files_outside_static(app):
    fetcher = pdf.url_fetcher()
    static_css = Path(app.static_folder, "css", "pdf.css").resolve()
    for url in (
        "file:///etc/passwd",
        static_css.parent.joinpath("..", "..", "config.py").as_uri(),  # climbs out of static/
        static_css.as_uri().replace("/static/", "/static/%2E%2E/"),  # the same, encoded
        "http://127.0.0.1/secret.png",
        "https://example.com/style.css",
        "data:text/css,body{}",
        "file://evil-host/etc/passwd",
    ):
        with pytest.raises(pdf.ResourceRefused):
            fetcher(url)


def test_fetcher_serves_static_files_with_their_type(app):
    response = pdf.url_fetcher()(Path(app.static_folder, "css", "pdf.css").resolve().as_uri())
    assert response.content_type == "text/css"
    assert b"Liberation Serif" in response.read()
    response.close()


def test_rendering_ignores_a_reference_to_etc_passwd(app, caplog, pdf_text):
    html = '<link rel="stylesheet" href="file:///etc/passwd"><p>Nội dung <img src="file:///etc/passwd"></p>'
    with caplog.at_level(logging.WARNING):
        data = weasyprint.HTML(string=html, base_url=pdf.base_url(), url_fetcher=pdf.url_fetcher()).write_pdf(
            font_config=pdf.FONT_CONFIG
        )
    assert data.startswith(b"%PDF-")
    assert "root:" not in pdf_text(data)
    assert any("/etc/passwd" in record.getMessage() for record in caplog.records)


def test_base_url_resolves_static(app):
    assert pdf.base_url().endswith("/")
    assert (pdf.base_url() + "static/css/pdf.css") == Path(app.static_folder, "css", "pdf.css").resolve().as_uri()


def test_render_pdf_uses_the_stylesheet(app, own_commune, make_nomination, pdf_fonts):
    """The stylesheet reaches WeasyPrint through the fetcher: without it the font would be DejaVu."""
    with app.test_request_context():
        data = dossier.dossier_pdf(make_nomination(unit=own_commune, started_on=date(2025, 1, 5)))
    assert "Liberation" in pdf_fonts(data) or "Tinos" in pdf_fonts(data)
