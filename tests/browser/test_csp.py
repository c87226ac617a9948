"""In a real browser, under the app's real Content-Security-Policy (no 'unsafe-inline'): the scoring
progress bar shows the share of finalised sheets (it used to be an inline `style="width: 58%"`, which
the CSP refused, so the bar was always full), and the main pages of every role report no CSP violation."""
from __future__ import annotations

import io
import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import Page, expect

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.council.models import CouncilMember
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review.models import ReviewAssignment
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# What Chromium reports, on the console and as an event, when the CSP refuses something.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile + ":" + event.lineNumber);
});
"""


class CspWatch:
    """Collects CSP violations of every page a browser page opens (console messages and events)."""

    def __init__(self, page: Page):
        self.page = page
        self.console: list[str] = []
        page.add_init_script(CSP_WATCH)
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text or "securitypolicyviolation" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def violations(self) -> list[str]:
        """Violations so far on the page shown now, and every console report since the start."""
        events = self.page.evaluate("window.__cspViolations || []")
        return self.console + [f"{self.page.url}: {event}" for event in events]


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".user-name")).to_be_visible()


# --- the scoring progress bar -----------------------------------------------------------------


@pytest.fixture
def seven_of_twelve(make_campaign, make_unit, make_user, make_nomination):
    """A campaign in review: three council members hold four sheets each (12), seven are finalised."""
    today = today_in_vietnam()
    campaign = make_campaign(
        status=CampaignStatus.REVIEW, reviewers_per_nomination=3,
        nominations_open_on=today - timedelta(days=40), nominations_close_on=today - timedelta(days=1),
    )
    province = campaign.organising_unit
    secretary = make_user(Role.SECRETARY, province, full_name="Lê Thị Thu")
    members = [
        make_user(Role.REVIEWER, make_unit(f"Cơ quan {name}", parent=province, kind="agency"), full_name=name)
        for name in ("Phạm Văn Hùng", "Đỗ Thị Hạnh", "Trần Quốc Toản")
    ]
    for member in members:
        db.session.add(CouncilMember(campaign=campaign, user=member))
    dossiers = [
        make_nomination(
            unit=make_unit(f"Xã Tiến Độ {number}", parent=province), campaign=campaign, status=NominationState.IN_REVIEW,
            title=f"Mô hình chấm điểm số {number}", submitted_at=utcnow(),
        )
        for number in range(1, 5)
    ]
    finalised = itertools.chain([True] * 7, itertools.repeat(False))
    for dossier in dossiers:
        for member in members:
            db.session.add(ReviewAssignment(nomination=dossier, reviewer=member, finalised_at=utcnow() if next(finalised) else None))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewAssignment)) == 12
    return campaign, secretary


def filled_share(png: bytes) -> float:
    """The share of the bar's inner width painted in the fill colour (--ok, #1e6b34), read on its middle row."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    row = image.height // 2
    pixels = [image.getpixel((x, row)) for x in range(image.width)]
    # The track is light grey and its border mid grey; the fill is a dark green.
    filled = sum(1 for r, g, b in pixels if g > r + 40 and g > b + 30 and g < 160)
    inner = sum(1 for r, g, b in pixels if not (abs(r - 255) < 3 and abs(g - 255) < 3 and abs(b - 255) < 3))
    return filled / inner


@pytest.mark.parametrize("width, height, name", [(1280, 900, "desktop"), (390, 844, "phone")])
def test_progress_bar_fills_to_the_share_of_finalised_sheets(page: Page, seven_of_twelve, artifacts_dir, backend, width, height, name):
    campaign, secretary = seven_of_twelve
    watch = CspWatch(page)
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, secretary.email)

    page.goto(f"/review/campaigns/{campaign.id}/progress")

    expect(page.locator("#overall-text")).to_contain_text("Đã hoàn tất 7/12 phiếu chấm (58%)")
    bar = page.get_by_role("progressbar", name="Tiến độ chấm điểm")
    expect(bar).to_be_visible()
    # The bar spans its panel (less the panel's padding), at either width.
    box = bar.evaluate("e => { const r = e.getBoundingClientRect(), p = e.parentElement.getBoundingClientRect(); return {w: r.width, h: r.height, pw: p.width}; }")
    assert box["w"] > 0.8 * box["pw"] and box["h"] >= 12
    # What is painted: about 7/12 (58%) of the track is the fill colour, not all of it.
    share = filled_share(bar.screenshot())
    assert abs(share - 7 / 12) < 0.03, share
    page.screenshot(path=str(artifacts_dir / f"review-progress-58-{name}-{backend}.png"), full_page=True)
    assert watch.violations() == []
