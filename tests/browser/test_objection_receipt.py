"""After a citizen sends a “Phản ánh, góp ý”, the confirmation is the first thing on the screen, on a desk and on
a phone: the reference number whole on one line, a copy button that copies it and a print button (issue 13, item 6)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.nominations.states import NominationState


@pytest.fixture
def nominee(make_campaign, make_unit, make_nomination):
    today = today_in_vietnam()
    campaign = make_campaign(
        status=CampaignStatus.PUBLIC_VOTING,
        nominations_open_on=today - timedelta(days=60), nominations_close_on=today - timedelta(days=30),
        public_voting_open_on=today - timedelta(days=1), public_voting_close_on=today + timedelta(days=7),
    )
    return make_nomination(
        unit=make_unit("Xã Tịnh Khê", parent=campaign.organising_unit), campaign=campaign,
        status=NominationState.SHORTLISTED, title="Vận động hòa giải, giữ yên xóm làng ở thôn Phú Lộc",
        nominee_name="Tổ hòa giải thôn Phú Lộc", submitted_at=utcnow(),
    )


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_the_number_is_in_full_view_whole_and_can_be_copied(page: Page, nominee, artifacts_dir, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"/binh-chon/ho-so/{nominee.id}")
    page.fill("#pa-author_name", "Lê Thị Phản Ánh")
    page.fill("#pa-author_contact", "0905 123 456")
    page.fill("#pa-content", "Biên bản hòa giải vụ thứ 12 chưa có chữ ký của một bên.")
    page.check("#pa-consent")
    page.get_by_role("button", name="Gửi phản ánh, góp ý").click()

    expect(page).to_have_url(re.compile(rf"/binh-chon/ho-so/{nominee.id}/phan-anh/da-gui/"))
    number = page.locator("#so-tiep-nhan")
    expect(number).to_have_text(re.compile(r"^PA-\d{6}$"))
    # In full view without scrolling, and on one line: one line box high, never “PA-” / “000001”.
    assert page.evaluate("window.scrollY") == 0
    box = number.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= height
    line_height = float(number.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert number.evaluate("e => e.getClientRects().length") == 1
    assert number.evaluate("e => { const r = document.createRange(); r.selectNodeContents(e); return r.getClientRects().length; }") == 1
    assert box["height"] <= line_height * 1.2

    copy = page.get_by_role("button", name="Sao chép số tiếp nhận")
    expect(copy).to_be_visible()
    expect(page.get_by_role("button", name="In giấy xác nhận")).to_be_visible()
    copy.click()
    expect(page.get_by_role("status").filter(has_text="Đã sao chép")).to_contain_text(number.inner_text())
    assert page.evaluate("navigator.clipboard.readText()") == number.inner_text()
    page.screenshot(path=str(artifacts_dir / f"objection-receipt-{width}.png"), full_page=True)

    # On paper: only the receipt, without buttons.
    page.emulate_media(media="print")
    expect(copy).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(number).to_be_visible()
