"""End to end in a real browser, the awards: the secretary drafts the decision from the council's result,
the chair approves and issues it, the batch of certificates is made in the background with a progress
bar, a certificate downloads, and the QR code printed on it opens the public page that says it is valid."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from dvkheo.awards.models import Decision, DecisionStatus
from dvkheo.certificates.models import Certificate, CertificateStatus
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from tests.conftest import PASSWORD


@pytest.fixture
def public_address(app, live_server):
    """QR codes carry PUBLIC_BASE_URL: here, the test server's own address."""
    before = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = live_server
    yield live_server
    app.config["PUBLIC_BASE_URL"] = before


def log_in(page: Page, user) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".user-name").first).to_contain_text(user.full_name)  # wide header or phone menu


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_decision_is_drafted_approved_issued_and_its_certificates_print_and_verify(
    page: Page, width, make_council_result, public_address, artifacts_dir, backend
):
    page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
    result = make_council_result(passed=3, failed=1, individuals=1)
    campaign = result.campaign

    # 1. The secretary drafts the decision from the council's result: every passed dossier is proposed.
    log_in(page, result.secretary)
    page.goto(f"/awards/campaigns/{campaign.id}/decisions")
    page.get_by_role("link", name="Dự thảo quyết định khen thưởng").first.click()
    expect(page.locator('input[name="nomination_ids"]:checked')).to_have_count(3)
    page.get_by_role("button", name="Lập dự thảo quyết định").click()
    expect(page.locator("body")).to_contain_text("Dự thảo")
    decision_url = page.url
    page.screenshot(path=str(artifacts_dir / f"awards-decision-draft-{backend}-{width}.png"), full_page=True)

    # 2. The chair approves and issues it: it takes number 01 of the issuing body's register.
    log_in(page, result.chair)
    page.goto(decision_url)
    page.get_by_role("button", name="Duyệt dự thảo").click()
    expect(page.locator(".flash-success").first).to_contain_text("Đã duyệt dự thảo")
    page.get_by_role("button", name="Ban hành quyết định").click()
    # Issuing cannot be undone: the dialog says so; "Quay lại" changes nothing, confirming issues.
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Quyết định đã ban hành không sửa, không hủy được")
    dialog.get_by_role("button", name="Quay lại, chưa thực hiện").click()
    expect(dialog).to_have_count(0)
    page.get_by_role("button", name="Ban hành quyết định").click()
    page.get_by_role("dialog").get_by_role("button", name="Ban hành quyết định").click()
    expect(page.locator(".flash-success").first).to_contain_text("Đã ban hành Quyết định số 01-QĐ/BDVTU")
    expect(page.locator(".flash-success").first).to_contain_text("Đã cấp 3 giấy khen")
    expect(page.locator("body")).to_contain_text("01-QĐ/BDVTU")
    db.session.expire_all()
    decision = db.session.scalars(sa.select(Decision)).one()
    assert decision.status is DecisionStatus.ISSUED and decision.number == 1
    assert {db.session.get(Nomination, n.id).status for n in result.passed} == {NominationState.AWARDED}

    # 3. The batch of every certificate of the decision, made in the background with a progress bar.
    page.get_by_role("link", name="Giấy khen đã cấp").click()
    page.get_by_role("button", name="Tạo tệp in").click()
    expect(page.locator("#print-progress")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / f"awards-print-job-{backend}-{width}.png"), full_page=True)
    download_link = page.get_by_role("link", name=re.compile("Tải tệp in"))
    expect(download_link).to_be_visible(timeout=60_000)
    expect(page.locator("#print-progress")).to_have_attribute("value", "100")
    batch = page.context.request.get(download_link.get_attribute("href"))
    assert batch.status == 200 and batch.body().startswith(b"%PDF")
    batch_path = artifacts_dir / f"awards-batch-{backend}-{width}.pdf"
    batch_path.write_bytes(batch.body())
    from pypdf import PdfReader

    assert len(PdfReader(batch_path).pages) == 3

    # 4. One certificate on its own, and the QR code printed on it.
    certificate = db.session.scalars(sa.select(Certificate).order_by(Certificate.id)).first()
    page.goto(f"/certificates/decisions/{decision.id}")
    single = page.locator(f'a[href*="/certificates/{certificate.id}.pdf"]').first
    response = page.context.request.get(single.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf_path = artifacts_dir / f"awards-certificate-{backend}-{width}.pdf"
    pdf_path.write_bytes(response.body())
    assert shutil.which("pdftoppm"), "poppler-utils is installed by make test"
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf_path), str(pdf_path.with_suffix(""))], check=True)
    png_path = next(pdf_path.parent.glob(pdf_path.stem + "-*1.png"))
    from PIL import Image
    from pyzbar.pyzbar import decode

    (code,) = decode(Image.open(png_path))
    verify_url = code.data.decode()
    assert verify_url == f"{public_address}/verify/{certificate.serial}"

    # 5. The QR link opens the public verification page, which says the certificate is valid.
    page.context.clear_cookies()
    page.goto(verify_url)
    expect(page.locator(".verdict-status")).to_contain_text(CertificateStatus.VALID.label)
    expect(page.locator("body")).to_contain_text(certificate.awardee.recipient_name)
    page.screenshot(path=str(artifacts_dir / f"awards-verify-{backend}-{width}.png"), full_page=True)
