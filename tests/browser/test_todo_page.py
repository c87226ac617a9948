"""Each role's "Việc cần làm" page in Chromium, at 1280 px and at 390 px: its cards fit the screen, and the first
link of the first card opens the work it names."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review.models import ReviewAssignment
from tests.conftest import PASSWORD


def log_in(page: Page, user) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".user-name").first).to_contain_text(user.full_name)  # the wide header, or the phone menu


@pytest.fixture
def people(make_unit, make_user, make_campaign, make_nomination, province):
    """A unit with a returned dossier, a secretary with one to screen, a reviewer with one to score."""
    today = today_in_vietnam()
    commune = make_unit("Xã Tịnh Khê", parent=province)
    intake = make_campaign(title="Bình xét mô hình, điển hình “Dân vận khéo” tỉnh Quảng Ngãi năm 2026")
    make_nomination(unit=commune, campaign=intake, status=NominationState.RETURNED, with_evidence=False,
                    title="Kiên trì vận động người dân tham gia bảo hiểm y tế hộ gia đình")
    make_nomination(campaign=intake, status=NominationState.SUBMITTED, submitted_at=utcnow(), with_evidence=False,
                    title="Tổ tiết kiệm “Vì người nghèo” giúp hộ khó khăn phát triển sinh kế")
    review = make_campaign(title="Sơ kết 6 tháng", status=CampaignStatus.REVIEW, review_close_on=today + timedelta(days=5))
    reviewer = make_user(Role.REVIEWER, make_unit("Hội Nông dân tỉnh", parent=province, kind="agency"), full_name="Phạm Văn Hùng")
    dossier = make_nomination(campaign=review, status=NominationState.IN_REVIEW, with_evidence=False,
                              title="Tổ liên gia tự quản “ba không” ở xóm biển")
    db.session.add(ReviewAssignment(nomination=dossier, reviewer=reviewer))
    db.session.commit()
    return {
        "unit_submitter": (make_user(Role.UNIT_SUBMITTER, commune, full_name="Nguyễn Thị Lan"), "returned", r"/nominations/\d+$"),
        "secretary": (make_user(Role.SECRETARY, province, full_name="Lê Thị Thu"), "screen", r"/nominations/\d+$"),
        "reviewer": (reviewer, "to_score", r"/review/assignments/\d+$"),
    }


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("role", ["unit_submitter", "secretary", "reviewer"])
def test_home_lists_the_work_fits_the_screen_and_leads_to_it(page: Page, people, artifacts_dir, role, width):
    user, key, target = people[role]
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, user)

    page.goto("/")

    expect(page.locator("h1")).to_have_text("Việc cần làm")
    card = page.locator(f'section[aria-labelledby="todo-{key}"]')
    expect(card.locator(".todo-count")).to_have_text("1")
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll('main .todo-card, main .todo-card *')]
               .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
               .map(e => e.className || e.tagName)"""
    )
    assert too_wide == []
    page.screenshot(path=str(artifacts_dir / f"todo-{role}-{width}.png"), full_page=True)
    card.locator(".todo-items a").first.click()
    expect(page).to_have_url(re.compile(target))
