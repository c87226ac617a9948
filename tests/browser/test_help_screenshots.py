"""The screenshots of “Hướng dẫn” are made here, at a phone's width, from the real pages: a page that changes shows
changed in its guide after the next run. Written to static/help/<shot>.png (committed with the code)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import url_for
from playwright.sync_api import Page

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core import guides
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from tests.browser.test_phone_layout import PHONE, log_in
from tests.voting.conftest import make_nominee, voting_campaign  # noqa: F401 (fixtures)

HELP_DIR = Path(__file__).resolve().parents[2] / "static" / "help"


@pytest.fixture
def scene(make_campaign, make_unit, make_user, make_nomination, make_nominee):
    today = today_in_vietnam()
    campaign = make_campaign(
        status=CampaignStatus.REVIEW, has_public_stage=False, title="Sơ kết 6 tháng mô hình “Dân vận khéo” năm 2026",
        nominations_open_on=today - timedelta(days=40), nominations_close_on=today - timedelta(days=2),
    )
    province = campaign.organising_unit
    commune = make_unit("Xã Tịnh Khê", parent=province)
    titles = ("Hiến đất mở rộng đường thôn Mỹ Lai", "Tổ tự quản đèn chiếu sáng đường quê Trường Thọ",
              "Quỹ “Tấm thẻ nghĩa tình” mua bảo hiểm y tế cho hộ khó khăn")
    for number, title in enumerate(titles):
        make_nomination(unit=make_unit(f"Xã Thử Nghiệm {number + 1}", parent=province), campaign=campaign,
                        status=NominationState.SUBMITTED, submitted_at=utcnow(), title=title)
    make_nomination(unit=commune, campaign=make_campaign(title="Mô hình, điển hình “Dân vận khéo” năm 2027"),
                    title="Chi hội phụ nữ giúp nhau nuôi bò sinh sản")
    for title in ("Con đường hoa nông thôn mới thôn An Phú", "Camera an ninh do dân góp tiền lắp đặt"):
        make_nominee(title)
    people = {
        "don-vi": make_user(Role.UNIT_SUBMITTER, commune, full_name="Nguyễn Thị Lan"),
        "thu-ky": make_user(Role.SECRETARY, province, full_name="Lê Thị Thu"),
        "chu-tich": make_user(Role.CHAIR, province, full_name="Võ Minh Quang"),
        "thanh-vien": make_user(Role.REVIEWER, make_unit("Ban Tuyên giáo Tỉnh ủy", parent=province, kind="agency"),
                                full_name="Phạm Văn Hùng"),
        "quan-tri": make_user(Role.ADMIN, None, full_name="Quản trị hệ thống"),
    }
    db.session.commit()
    return {"campaign": campaign, "people": people}


@pytest.mark.browser
def test_every_guide_screenshot_is_made_from_its_page_at_a_phone_width(page: Page, app, scene, voting_campaign):
    campaign = scene["campaign"]
    with app.test_request_context():
        where = {
            "don-vi-1": ("don-vi", "/"),
            "don-vi-2": ("don-vi", url_for("nominations.new")),
            "don-vi-3": ("don-vi", url_for("nominations.index")),
            "thu-ky-1": ("thu-ky", "/"),
            "thu-ky-2": ("thu-ky", url_for("review.inbox", campaign_id=campaign.id)),
            "thu-ky-3": ("thu-ky", url_for("review.ranking", campaign_id=campaign.id)),
            "chu-tich-1": ("chu-tich", "/"),
            "thanh-vien-1": ("thanh-vien", "/"),
            "quan-tri-1": ("quan-tri", url_for("units.index")),
            "nguoi-dan-1": (None, url_for("voting.campaign_gallery", campaign_id=voting_campaign.id)),
        }
    assert set(where) == guides.shots(), "each screenshot a guide shows is made here, and no other"
    page.set_viewport_size(PHONE)
    HELP_DIR.mkdir(exist_ok=True)
    signed_in = "nobody"
    for shot, (who, path) in sorted(where.items(), key=lambda item: str(item[1][0])):
        if who != signed_in:
            page.context.clear_cookies()
            if who:
                log_in(page, scene["people"][who])
            signed_in = who
        if shot == "don-vi-2":  # the form itself, reached as a unit does: the campaign, then the kind of model
            page.goto(path)
            page.locator("section", has_text="năm 2027").get_by_role("link", name="Mô hình (tập thể)").click()
        else:
            page.goto(path)
        page.wait_for_load_state("networkidle")
        target = HELP_DIR / f"{shot}.png"
        page.screenshot(path=str(target))
        assert target.stat().st_size > 5_000
