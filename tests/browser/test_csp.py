"""In a real browser, under the app's real Content-Security-Policy (no 'unsafe-inline'): the scoring
progress bar shows the share of finalised sheets (it used to be an inline `style="width: 58%"`, which
the CSP refused, so the bar was always full), and the main pages of every role report no CSP violation."""
from __future__ import annotations

import io
import itertools
import re
from datetime import timedelta
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import Campaign, CampaignStatus
from dvkheo.core.notifications import OutboxMessage
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
    """Collects the CSP violations of every page a browser page opens: Chromium's console reports
    ("Applying inline style violates the following Content Security Policy directive…") and the
    `securitypolicyviolation` events, read by `collect()` after each page."""

    def __init__(self, page: Page):
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(CSP_WATCH)
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text or "securitypolicyviolation" in message.text:
            self.problems.append(f"{self.page.url}: console: {message.text}")

    def collect(self) -> list[str]:
        """Add the violation events of the page shown now; returns every problem so far."""
        self.page.wait_for_timeout(50)  # the events are queued as tasks after parsing
        events = self.page.evaluate("window.__cspViolations || []")
        self.problems += [f"{self.page.url}: event: {event}" for event in events]
        self.page.evaluate("window.__cspViolations = []")
        return self.problems


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".user-name").first).to_be_attached()  # the wide header, or the phone menu


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
    assert watch.collect() == []


# --- every role's main pages ------------------------------------------------------------------

# Links not followed: files (PDF, spreadsheets, attachments), logging out, the development outbox, the JSON API.
NOT_PAGES = re.compile(r"\.(pdf|xlsx|csv|png|jpe?g|svg|atom)$|/pdf$|/download$|/attachments/|/anh/|/mau\.|/logout$|/thoat$|/dev/|/static/|^/api/")
PAGES_PER_ROLE = 45


def shape(url: str) -> str:
    """One visit per kind of page: ids and serials become N, query values are dropped."""
    parts = urlsplit(url)
    keys = ",".join(sorted(key for key, _ in parse_qsl(parts.query)))
    path = re.sub(r"^/verify/.+", "/verify/N", parts.path)
    return re.sub(r"\d+", "N", path) + (f"?{keys}" if keys else "")


def sweep(page: Page, watch: CspWatch, live_server: str, seeds: list[str]) -> set[str]:
    """Open the seed pages and, breadth first, the same-site pages they link to, one of each kind,
    collecting CSP violations on each; returns the kinds of page visited."""
    queue, seen = list(seeds), set()
    while queue and len(seen) < PAGES_PER_ROLE:
        url = urljoin(live_server, queue.pop(0)).split("#")[0]
        if shape(url) in seen or NOT_PAGES.search(urlsplit(url).path):
            continue
        seen.add(shape(url))
        try:
            page.goto(url, wait_until="load")
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue
            raise
        watch.collect()
        queue += [href for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)") if href.startswith(live_server)]
    return seen


@pytest.fixture
def demo():
    """The demo province (`flask seed-demo`): campaigns at every stage, every role, an issued decision."""
    from dvkheo.awards.models import Decision
    from dvkheo.certificates.models import Certificate
    from dvkheo.demo import seed_demo
    from dvkheo.demo_review import public_campaign_title

    seed_demo()
    return {
        "public": db.session.scalar(sa.select(Campaign.id).where(Campaign.title == public_campaign_title(today_in_vietnam().year))),
        "review": db.session.scalar(sa.select(Campaign.id).where(Campaign.status == CampaignStatus.REVIEW)),
        "decision": db.session.scalar(sa.select(Decision.id).order_by(Decision.id)),
        "awarded": db.session.scalar(sa.select(Decision.campaign_id).order_by(Decision.id)),
        "serial": db.session.scalar(sa.select(Certificate.serial).order_by(Certificate.id)),
    }


def test_the_check_sees_what_the_csp_refuses(page: Page):
    """The listener is not blind: a page served under the app's own CSP with an inline style, an inline
    script and an event handler is reported (console and events)."""
    csp = page.request.get("/login").headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "style-src 'self'" in csp and "script-src 'self'" in csp
    page.route("**/__csp_probe", lambda route: route.fulfill(
        status=200, headers={"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": csp},
        body='<!doctype html><p style="width: 58%">x</p><script>document.title = "x";</script><button onclick="f()">b</button>',
    ))
    watch = CspWatch(page)

    page.goto("/__csp_probe")
    watch.collect()

    found = " ".join(watch.problems)
    assert "style-src" in found and "script-src" in found, watch.problems
    assert any(": console: " in p for p in watch.problems) and any(": event: " in p for p in watch.problems)


# Each role: the email's local part (None: nobody logged in), the pages to start from, and the kinds of
# page it must have reached (so that a change in the links cannot let the sweep pass by missing them).
ROLES = {
    "anonymous": (None, ["/", "/binh-chon/", "/mo-hinh", "/verify", "/verify/{serial}", "/login"],
                  {"/", "/binh-chon/", "/binh-chon/dot/N", "/binh-chon/ho-so/N", "/binh-chon/dot/N/ket-qua", "/mo-hinh", "/mo-hinh/N",
                   "/verify", "/verify/N"}),
    "unit_submitter": ("coso", ["/", "/nominations/", "/binh-chon/ho-tro"],
                       {"/", "/nominations/", "/nominations/N", "/nominations/new", "/nominations/spreadsheet"}),
    "secretary": ("thuky", ["/", "/campaigns/", "/council/campaigns/{awarded}/ballots", "/campaigns/{review}",
                            "/awards/decisions/{decision}", "/certificates/decisions/{decision}", "/thong-ke"],
                  {"/campaigns/", "/campaigns/N", "/thong-ke", "/review/campaigns/N/inbox", "/review/campaigns/N/assignments",
                   "/review/campaigns/N/progress", "/review/campaigns/N/ranking", "/council/campaigns/N/members",
                   "/council/campaigns/N/ballots", "/council/ballots/N", "/awards/decisions/N", "/certificates/decisions/N"}),
    "reviewer": ("hoidong1", ["/", "/review/queue"], {"/review/queue", "/review/assignments/N"}),
    "chair": ("chutich", ["/", "/campaigns/", "/review/queue", "/mo-hinh/tom-tat", "/awards/decisions/{decision}", "/nhan-rong", "/theo-doi",
                          "/bao-cao"],
              {"/campaigns/", "/review/campaigns/N/ranking", "/awards/decisions/N", "/mo-hinh/tom-tat", "/mo-hinh/N/tom-tat",
               "/bao-cao", "/bao-cao/N"}),
    "citizen": ("nguoidan", ["/", "/binh-chon/"], {"/binh-chon/dot/N"}),
    "admin": ("admin", ["/", "/admin/units/", "/admin/users", "/campaigns/reference-lists"], {"/admin/units/", "/admin/users", "/campaigns/reference-lists"}),
}


def test_main_pages_of_every_role_break_no_csp_rule(page: Page, live_server, demo):
    from dvkheo.demo import DEMO_PASSWORD, EMAIL_DOMAIN

    watch = CspWatch(page)
    missed = {}
    for role, (local_part, seeds, must_see) in ROLES.items():
        if local_part:
            log_in(page, f"{local_part}@{EMAIL_DOMAIN}", DEMO_PASSWORD)
        else:
            page.context.clear_cookies()
        seen = sweep(page, watch, live_server, [seed.format(**demo) for seed in seeds])
        if must_see - seen:
            missed[role] = sorted(must_see - seen)

    # A citizen identified by an email code: the ballot, a vote, its receipt.
    page.context.clear_cookies()
    public = demo["public"]
    page.goto(f"/binh-chon/dot/{public}/xac-thuc")
    page.locator('input[name="email"]').fill("cu.tri.csp@example.vn")
    page.locator('input[name="consent"]').check()
    page.get_by_role("button", name="Gửi mã xác thực").click()
    db.session.expire_all()
    body = db.session.scalars(sa.select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    page.locator('input[name="code"]').fill(re.search(r"\b(\d{6})\b", body).group(1))
    page.get_by_role("button", name="Xác thực").click()
    expect(page).to_have_url(re.compile(rf"/binh-chon/dot/{public}/phieu$"))
    watch.collect()
    page.get_by_role("button", name=re.compile("^Bình chọn cho ")).first.click()
    expect(page.locator(".flash-success").first).to_contain_text("Mã xác nhận bình chọn")
    watch.collect()
    seen = sweep(page, watch, live_server, [f"/binh-chon/dot/{public}/phieu", f"/binh-chon/dot/{public}/ket-qua"])

    assert {"/binh-chon/dot/N/phieu", "/binh-chon/dot/N/ket-qua"} <= seen
    assert missed == {}
    assert watch.problems == [], "\n".join(watch.problems)
