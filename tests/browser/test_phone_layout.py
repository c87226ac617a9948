"""Every role on a phone (390 px) and a desktop (1280 px): nothing in the header, the committee's tabs, a page's
toolbar or a form's sticky bar runs off the screen; the menu opens from one button; touch targets are 44 px;
the sticky bar of a long form never covers the field being typed in."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import url_for
from playwright.sync_api import Page, expect

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from tests.conftest import PASSWORD

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Elements of the page's frame that must stay inside the viewport (a table may scroll; these may not).
OVERFLOWING = """() => {
  const found = [];
  const frame = 'header *, .subnav *, .page-head *, .form-actions *, .toolbar *, .filters *';
  for (const element of document.querySelectorAll(frame)) {
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(element).visibility === 'hidden') continue;
    if (box.right > innerWidth + 0.5 || box.left < -0.5) {
      found.push(`${element.tagName.toLowerCase()}.${element.className} “${(element.textContent || '').trim().slice(0, 40)}” ${Math.round(box.left)}–${Math.round(box.right)}`);
    }
  }
  return found;
}"""

SMALL_TARGETS = """(selector) => {
  const found = [];
  for (const element of document.querySelectorAll(selector)) {
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    if (box.height < 44 - 0.5) found.push(`“${element.textContent.trim().slice(0, 30)}” ${Math.round(box.height)} px`);
  }
  return found;
}"""


@pytest.fixture
def people(make_campaign, make_unit, make_user, make_nomination):
    today = today_in_vietnam()
    campaign = make_campaign(
        status=CampaignStatus.REVIEW, has_public_stage=False,
        nominations_open_on=today - timedelta(days=30), nominations_close_on=today - timedelta(days=1),
    )
    province = campaign.organising_unit
    commune = make_unit("Xã Tịnh Khê", parent=province)
    make_nomination(unit=commune, campaign=campaign, status=NominationState.SUBMITTED, submitted_at=utcnow(),
                    title="Dân vận khéo trong vận động Nhân dân hiến đất mở rộng đường thôn")
    open_campaign = make_campaign(title="Đợt bình xét mô hình “Dân vận khéo” năm 2027")
    people = {
        "unit": make_user(Role.UNIT_SUBMITTER, commune, full_name="Nguyễn Thị Lan"),
        "secretary": make_user(Role.SECRETARY, province, full_name="Lê Thị Thu"),
        "chair": make_user(Role.CHAIR, province, full_name="Võ Minh Quang"),
        "reviewer": make_user(Role.REVIEWER, make_unit("Ban Tuyên giáo", parent=province, kind="agency"),
                              full_name="Phạm Văn Hùng"),
        "admin": make_user(Role.ADMIN, None, full_name="Quản trị hệ thống"),
    }
    db.session.commit()
    return {"campaign": campaign, "open_campaign": open_campaign, **people}


def log_in(page: Page, user) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/login" not in page.url


def pages_of(app, people) -> dict[str, list[str]]:
    campaign = people["campaign"]
    with app.test_request_context():
        return {
            "unit": [url_for("nominations.index"), url_for("nominations.new")],
            "secretary": [url_for("campaigns.index"), url_for("campaigns.show", campaign_id=campaign.id),
                          url_for("review.inbox", campaign_id=campaign.id),
                          url_for("review.ranking", campaign_id=campaign.id)],
            "chair": [url_for("campaigns.show", campaign_id=campaign.id)],
            "reviewer": [url_for("review.queue")],
            "admin": [url_for("units.index"), url_for("accounts.users"), url_for("documents.index")],
        }


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_role_finds_its_header_tabs_or_toolbars_cut_off(page: Page, app, people, viewport, artifacts_dir):
    page.set_viewport_size(viewport)
    page.goto("/")
    assert page.evaluate(OVERFLOWING) == [], "anonymous home"
    for role, paths in pages_of(app, people).items():
        log_in(page, people[role])
        for path in paths:
            page.goto(path)
            assert page.evaluate(OVERFLOWING) == [], f"{role} {path}"
            if viewport is PHONE:
                menu = page.locator("details.phone-menu")
                expect(page.locator("nav.main-nav")).to_be_hidden()
                expect(menu.locator("summary")).to_be_visible()
                assert page.evaluate(SMALL_TARGETS, "details.phone-menu > summary") == []
        page.screenshot(path=str(artifacts_dir / f"layout-{role}-{viewport['width']}.png"))


@pytest.mark.browser
def test_on_a_phone_the_menu_opens_from_one_button_and_leads_everywhere(page: Page, app, people, artifacts_dir):
    page.set_viewport_size(PHONE)
    log_in(page, people["secretary"])
    page.goto(pages_of(app, people)["secretary"][1])
    menu = page.locator("details.phone-menu")
    expect(menu.get_by_role("link", name="Thông báo")).to_be_hidden()
    menu.locator("summary").click()
    for name in ("Đợt bình xét", "Hồ sơ đề nghị", "Thông báo", "Đổi mật khẩu"):
        expect(menu.get_by_role("link", name=name)).to_be_visible()
    expect(menu.get_by_role("button", name="Đăng xuất")).to_be_visible()
    assert page.evaluate(SMALL_TARGETS, "details.phone-menu[open] .phone-menu-panel a, details.phone-menu[open] .phone-menu-panel button") == []
    page.screenshot(path=str(artifacts_dir / "layout-phone-menu.png"))
    menu.get_by_role("link", name="Thông báo").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thông báo")

    # The committee's fourteen tabs: one button naming the current page, the pages listed by group.
    page.goto(pages_of(app, people)["secretary"][1])
    tabs = page.locator("details.subnav-menu")
    expect(tabs.locator("summary")).to_contain_text("Tổng quan")
    tabs.locator("summary").click()
    for group in ("Hồ sơ", "Chấm điểm", "Hội đồng, bình chọn", "Khen thưởng"):
        expect(tabs.locator(".subnav-group", has_text=group).first).to_be_visible()
    assert page.evaluate(OVERFLOWING) == []
    page.screenshot(path=str(artifacts_dir / "layout-phone-tabs.png"))
    tabs.get_by_role("link", name="Sơ loại hồ sơ").click()
    expect(page.locator("details.subnav-menu summary")).to_contain_text("Sơ loại hồ sơ")


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_sticky_save_bar_never_covers_the_field_being_typed_in(page: Page, app, people, viewport):
    page.set_viewport_size(viewport)
    log_in(page, people["unit"])
    page.goto(pages_of(app, people)["unit"][1])
    page.locator("section", has_text=people["open_campaign"].title).get_by_role(
        "link", name="Mô hình (tập thể)").click()
    bar = page.locator(".form-actions")
    expect(bar).to_be_visible()
    page.locator("input[name=title]").focus()
    covered, visited = [], 0
    for _ in range(60):  # from field to field with the keyboard, as a phone's "next" key does
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
          const element = document.activeElement, bar = document.querySelector('.form-actions');
          if (!element || bar.contains(element) || !element.matches('input, select, textarea')) return null;
          const box = element.getBoundingClientRect(), top = bar.getBoundingClientRect().top;
          return {name: element.name, bottom: box.bottom, barTop: top, type: element.type};
        }""")
        if focused is None or focused["type"] in ("hidden", "file"):
            continue
        visited += 1
        if focused["bottom"] > focused["barTop"] + 0.5:
            covered.append(focused)
    assert visited >= 10
    assert covered == []
