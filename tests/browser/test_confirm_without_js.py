"""Confirmation before an irreversible step works without JavaScript: the button leads to a page that
says what cannot be undone, "Quay lại" changes nothing, the page's own button does the step."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import Campaign, CampaignStatus
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from tests.conftest import PASSWORD


@pytest.mark.parametrize("width", [1280, 390])
def test_phase_change_is_confirmed_on_a_page_without_javascript(browser, live_server, make_campaign, make_user, width):
    today = today_in_vietnam()
    campaign = make_campaign(
        status=CampaignStatus.NOMINATIONS_OPEN,
        nominations_open_on=today - timedelta(days=30), nominations_close_on=today - timedelta(days=1),
    )
    secretary = make_user(Role.SECRETARY, campaign.organising_unit, full_name="Lê Thị Thu")
    db.session.commit()
    context = browser.new_context(
        base_url=live_server, locale="vi-VN", viewport={"width": width, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto("/login")
        page.locator("input[name=email]").fill(secretary.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.goto(f"/campaigns/{campaign.id}")
        label = "Kết thúc nhận hồ sơ, chuyển sang sơ loại và chấm điểm"

        page.get_by_role("button", name=label).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"{label}?")
        expect(page.locator("#confirm-irreversible")).to_contain_text("Không thể hoàn tác.")
        expect(page.locator("#confirm-irreversible")).to_contain_text("Không thể quay lại giai đoạn nhận hồ sơ.")
        page.screenshot(path=f"/tmp/confirm-page-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.get_by_role("link", name="Quay lại, chưa thực hiện").click()
        db.session.expire_all()
        assert db.session.get(Campaign, campaign.id).status is CampaignStatus.NOMINATIONS_OPEN

        page.get_by_role("button", name=label).click()
        page.get_by_role("button", name=label).click()
        expect(page.locator(".flash-success")).to_contain_text("Đợt bình xét đã chuyển sang giai đoạn")
        db.session.expire_all()
        assert db.session.get(Campaign, campaign.id).status is CampaignStatus.REVIEW
    finally:
        context.close()
