"""End to end in a real browser, the signed copy of an issued decision: the secretary uploads the decision's
PDF signed with a (self-made) certificate and the page shows the signer, the signing time and the SHA-256;
the same file altered by one byte is refused with the reason and the official copy stays; anybody who
opens a certificate's verification page downloads the signed copy, byte for byte."""
from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from dvkheo.awards.decision_pdf import decision_pdf
from dvkheo.awards.models import SignedCopy
from dvkheo.awards.signed_copy import format_signing_time
from dvkheo.certificates.models import Certificate
from dvkheo.extensions import db, limiter
from tests.browser.test_awards_flow import log_in
from tests.browser.test_csp import CspWatch
from tests.signing import SIGNER_NAME, alter_one_byte, make_certificate, sign_pdf

pytestmark = pytest.mark.browser


def _choose_file(page: Page, name: str, data: bytes) -> None:
    page.get_by_label("Tệp PDF đã ký số").set_input_files({"name": name, "mimeType": "application/pdf", "buffer": data})


def test_a_signed_decision_is_accepted_its_altered_copy_refused_and_the_verify_page_offers_it(
    page: Page, make_council_result, make_issued_decision, artifacts_dir, backend, tmp_path
):
    limiter.reset()
    result = make_council_result(passed=2, individuals=1)
    decision = make_issued_decision(result)
    signed = sign_pdf(decision_pdf(decision), *make_certificate(tmp_path))
    watch = CspWatch(page)

    # 1. The secretary uploads the signed PDF: it becomes the official copy.
    log_in(page, result.secretary)
    page.goto(f"/awards/decisions/{decision.id}")
    section = page.locator("#signed-copy")
    expect(section).to_contain_text("Chưa có bản ký số")
    _choose_file(page, "QD-01-BDVTU-2026-da-ky.pdf", signed)
    page.get_by_role("button", name="Tải lên bản ký số").click()
    expect(page.locator(".flash-success").first).to_contain_text("Đã lưu bản ký số của Quyết định số 01-QĐ/BDVTU")
    db.session.expire_all()
    copy = db.session.scalars(sa.select(SignedCopy)).one()
    expect(section.locator(".signed-signer")).to_have_text(SIGNER_NAME)
    expect(section.locator(".signed-time")).to_contain_text(format_signing_time(copy.signed_at))
    expect(section).to_contain_text(hashlib.sha256(signed).hexdigest())
    page.screenshot(path=str(artifacts_dir / f"signed-copy-accepted-{backend}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / f"signed-copy-accepted-390-{backend}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    download = page.context.request.get(section.get_by_role("link", name="Tải bản ký số (PDF)").get_attribute("href"))
    assert download.status == 200 and download.body() == signed

    # 2. The same file altered by one byte: refused, with the reason beside the field; nothing changes.
    _choose_file(page, "QD-01-BDVTU-2026-sua.pdf", alter_one_byte(signed))
    page.get_by_role("button", name="Tải lên bản ký số thay thế").click()
    expect(page.locator("#error-summary")).to_contain_text("tệp đã bị thay đổi sau khi ký")
    expect(page.locator("#file-error")).to_contain_text("tệp đã bị thay đổi sau khi ký")
    expect(section.locator(".signed-signer")).to_have_text(SIGNER_NAME)
    page.screenshot(path=str(artifacts_dir / f"signed-copy-refused-{backend}.png"), full_page=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(SignedCopy.id))) == 1

    # 3. Anybody with a certificate of the decision downloads the signed copy from its verification page.
    certificate = db.session.scalars(sa.select(Certificate).where(Certificate.decision_id == decision.id)).first()
    page.context.clear_cookies()
    page.goto(f"/verify/{certificate.serial}")
    link = page.get_by_role("link", name="Tải bản ký số của quyết định (PDF)")
    expect(link).to_be_visible()
    page.screenshot(path=str(artifacts_dir / f"signed-copy-verify-{backend}.png"), full_page=True)
    with page.expect_download() as pending:
        link.click()
    downloaded = pending.value
    assert downloaded.suggested_filename == "QD-01-BDVTU-2026-ky-so.pdf"
    assert open(downloaded.path(), "rb").read() == signed
    assert watch.collect() == []


def test_a_copy_signed_in_another_name_is_kept_with_the_warning_on_the_decision_and_verify_pages(
    page: Page, make_council_result, make_issued_decision, artifacts_dir, backend, tmp_path
):
    limiter.reset()
    result = make_council_result(passed=2, individuals=1)
    decision = make_issued_decision(result)
    agency = "Ban Dân vận Tỉnh ủy Quảng Ngãi"
    signed = sign_pdf(decision_pdf(decision), *make_certificate(tmp_path, common_name=agency))
    warning = f"Người ký trên chứng thư ({agency}) khác người ký ghi trên quyết định ({decision.signer_name})"
    watch = CspWatch(page)

    log_in(page, result.secretary)
    page.goto(f"/awards/decisions/{decision.id}")
    _choose_file(page, "QD-01-BDVTU-2026-da-ky.pdf", signed)
    page.get_by_role("button", name="Tải lên bản ký số").click()
    expect(page.locator(".flash-warning")).to_contain_text(warning)
    expect(page.locator("#signed-copy .signer-mismatch")).to_contain_text(warning)
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#signed-copy").screenshot(path=str(artifacts_dir / f"signed-copy-other-signer-390-{backend}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})

    certificate = db.session.scalars(sa.select(Certificate).where(Certificate.decision_id == decision.id)).first()
    page.context.clear_cookies()
    page.goto(f"/verify/{certificate.serial}")
    expect(page.locator(".signer-mismatch")).to_contain_text(warning)
    page.screenshot(path=str(artifacts_dir / f"signed-copy-other-signer-verify-{backend}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts_dir / f"signed-copy-other-signer-verify-390-{backend}.png"), full_page=True)
    assert watch.collect() == []
