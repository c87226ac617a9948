"""In a real browser, at 1280 and 390 px, under the real CSP: a citizen files "Xóa dữ liệu của tôi",
is told to open their email, confirms through the mailed link; the secretary's queue shows the
confirmed request with its deadline and another one still waiting for its owner's confirmation."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.notifications import OutboxMessage
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.privacy import requests
from dvkheo.privacy.models import DataRequest, RequestKind, RequestStatus
from tests.browser.test_csp import CspWatch, log_in

pytestmark = pytest.mark.browser

EMAIL = "nguoi.dan@example.vn"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def campaign(make_campaign, make_user):
    today = today_in_vietnam()
    campaign = make_campaign(
        status=CampaignStatus.PUBLIC_VOTING, title="Bình xét mô hình “Dân vận khéo” năm 2026 của tỉnh",
        nominations_open_on=today - timedelta(days=60), nominations_close_on=today - timedelta(days=30),
        public_voting_open_on=today - timedelta(days=1), public_voting_close_on=today + timedelta(days=7),
    )
    secretary = make_user(Role.SECRETARY, campaign.organising_unit, full_name="Lê Thị Thư Ký")
    return {"campaign": campaign, "secretary": secretary}


def fits(page: Page) -> None:
    """No sideways scrolling: nothing is wider than the window."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the window"


def shoot(page: Page, artifacts_dir, name: str, backend: str) -> None:
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(artifacts_dir / f"privacy-{name}-{label}-{backend}.png"), full_page=True)
        fits(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_citizen_confirms_by_email_and_the_secretary_sees_the_queue(page: Page, campaign, artifacts_dir, backend):
    watch = CspWatch(page)
    item_campaign = campaign["campaign"]

    page.goto(f"/quyen-rieng-tu/yeu-cau?dot={item_campaign.id}")
    shoot(page, artifacts_dir, "request-form", backend)
    page.get_by_label("Xóa dữ liệu của tôi").check()
    page.get_by_label("Họ và tên").fill("Nguyễn Văn Dân")
    page.get_by_label("Thư điện tử hoặc số điện thoại đã dùng").fill(EMAIL)
    page.get_by_role("button", name="Gửi yêu cầu").click()
    expect(page.get_by_role("heading", name="Vui lòng mở thư điện tử để xác nhận yêu cầu")).to_be_visible()
    expect(page.locator(".flash")).to_contain_text("CHƯA được xử lý")
    expect(page.locator(".flash")).to_contain_text("mở hộp thư điện tử")
    shoot(page, artifacts_dir, "check-your-email", backend)

    db.session.expire_all()
    item = db.session.scalars(sa.select(DataRequest)).one()
    assert item.status is RequestStatus.UNCONFIRMED
    # Another request, for an address whose owner never confirms: it stays waiting in the queue.
    waiting = requests.submit(item_campaign, RequestKind.DELETE, "Người Khác", "nguoi.khac@example.vn", "")
    by_phone = requests.submit(item_campaign, RequestKind.ACCESS, "Trần Thị Gọi", "0905 111 222", "Xin bản sao phản ánh.")
    db.session.commit()

    body = db.session.scalars(
        sa.select(OutboxMessage.body).where(OutboxMessage.recipient == EMAIL).order_by(OutboxMessage.id.desc())
    ).first()
    link = re.search(r"https?://\S+(/quyen-rieng-tu/xac-nhan/\S+)", body).group(1)
    page.goto(link)
    expect(page.get_by_role("heading", name="Xác nhận yêu cầu về dữ liệu cá nhân")).to_be_visible()
    shoot(page, artifacts_dir, "confirm", backend)
    page.get_by_role("button", name="Xác nhận yêu cầu").click()
    expect(page.locator(".flash-success")).to_contain_text(f"Đã xác nhận yêu cầu số DL-{item.id:06d}")
    page.goto(link)
    expect(page.get_by_role("heading", name="Đường dẫn không còn hiệu lực")).to_be_visible()
    shoot(page, artifacts_dir, "confirm-used", backend)

    log_in(page, campaign["secretary"].email)
    page.goto("/quan-ly/yeu-cau-du-lieu")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.last).to_contain_text(f"DL-{waiting.id:06d}")  # what can be done first, the waiting one after
    expect(page.locator("table.list")).to_contain_text("Chờ người yêu cầu xác nhận")
    expect(page.locator("table.list")).to_contain_text("Tính từ khi xác nhận")
    expect(page.locator("table.list")).to_contain_text("Mới tiếp nhận")
    shoot(page, artifacts_dir, "queue", backend)

    # Voting is still open: the page says why there is no erase button.
    page.goto(f"/quan-ly/yeu-cau-du-lieu/{item.id}")
    expect(page.locator(".request-actions")).to_contain_text("đang trong thời gian bình chọn")
    expect(page.get_by_role("button", name=requests.RequestAction.ERASE.label)).to_have_count(0)
    shoot(page, artifacts_dir, "request-detail", backend)

    # Waiting for its owner: nothing to do, the address not even looked up.
    page.goto(f"/quan-ly/yeu-cau-du-lieu/{waiting.id}")
    expect(page.locator(".request-actions")).to_contain_text("chưa mở đường dẫn xác nhận")
    expect(page.locator(".request-actions button")).to_have_count(0)
    shoot(page, artifacts_dir, "request-unconfirmed", backend)

    # A phone number: the secretary records an identity check before answering.
    page.goto(f"/quan-ly/yeu-cau-du-lieu/{by_phone.id}")
    expect(page.get_by_role("button", name=requests.RequestAction.COMPLETE.label)).to_have_count(0)
    shoot(page, artifacts_dir, "request-phone", backend)
    page.get_by_label("Đã xác minh danh tính người yêu cầu (giấy tờ, gọi điện…)").check()
    page.get_by_label("Cách đã xác minh").fill("Gọi lại số 0905 111 222 lúc 9 giờ, người nghe xác nhận đã gửi yêu cầu.")
    page.get_by_role("button", name="Ghi nhận đã xác minh").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã ghi nhận việc xác minh danh tính")
    expect(page.get_by_role("button", name=requests.RequestAction.COMPLETE.label)).to_be_visible()
    assert watch.collect() == []
