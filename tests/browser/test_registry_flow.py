"""End to end in a real browser, after the award: the chair issues the decision and the model appears in the
public registry; another commune declares that it replicates the model, the committee above it confirms,
and the model's page counts the replication; the unit answers a follow-up request, the committee accepts
it, and the model's status changes on its public page."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from dvkheo.accounts.models import Role
from dvkheo.awards import decisions
from dvkheo.extensions import db
from dvkheo.registry.models import ModelStatus, RegisteredModel

from .test_awards_flow import log_in


def issue_in_the_browser(page: Page, result) -> None:
    decision = decisions.draft_award_decision(
        result.campaign, result.award_form, [n.id for n in result.passed], result.secretary
    )
    db.session.commit()
    log_in(page, result.chair)
    page.goto(f"/awards/decisions/{decision.id}")
    page.get_by_role("button", name="Duyệt dự thảo").click()
    expect(page.locator(".flash-success").first).to_contain_text("Đã duyệt dự thảo")
    page.get_by_role("button", name="Ban hành quyết định").click()
    page.get_by_role("dialog").get_by_role("button", name="Ban hành quyết định").click()
    expect(page.locator(".flash-success").first).to_contain_text("Đã ban hành")


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_award_registry_replication_and_follow_up(
    page: Page, width, make_council_result, make_unit, make_user, artifacts_dir, backend
):
    page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
    result = make_council_result(passed=2, individuals=1)
    title = result.passed[1].title
    page.context.clear_cookies()
    page.goto("/mo-hinh")
    expect(page.locator(".empty")).to_contain_text("Chưa có mô hình, điển hình nào được công nhận.")

    # 1. The decision is issued: the models are in the public registry, for anyone, without logging in.
    issue_in_the_browser(page, result)
    page.context.clear_cookies()
    page.goto("/mo-hinh")
    page.get_by_role("searchbox", name="Tìm kiếm").fill(title.split()[0] + " " + title.split()[1])
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name=title).first.click()
    expect(page.locator("h1")).to_contain_text(title)
    expect(page.locator("body")).to_contain_text(result.passed[1].unit.name)
    page.screenshot(path=str(artifacts_dir / f"registry-model-{backend}-{width}.png"), full_page=True)
    model_url = page.url

    # 2. Another commune declares that it applies the model; the committee above it confirms; the page counts it.
    province = result.campaign.organising_unit
    other = make_user(Role.UNIT_SUBMITTER, make_unit("Xã Bình Sơn", parent=province), full_name="Trần Văn Nhân Rộng")
    log_in(page, other)
    page.goto(model_url)
    page.get_by_role("link", name="Nhân rộng mô hình này").click()
    page.get_by_label("Ngày bắt đầu áp dụng").fill("01/03/2026")
    page.get_by_label("Đơn vị đã vận dụng, điều chỉnh những gì").fill("Áp dụng cho 4 thôn ven biển, họp dân theo xóm.")
    page.get_by_label("Quy mô áp dụng").fill("4 thôn")
    page.get_by_label("Số người được hưởng lợi, tham gia").fill("850")
    page.get_by_label("Kết quả bước đầu").fill("Mở rộng 1,2 km đường, không có khiếu nại.")
    page.get_by_role("button", name="Lưu và gửi xác nhận").click()
    expect(page.locator(".flash-success").first).to_be_visible()
    replication_url = page.url
    log_in(page, result.secretary)
    page.goto(replication_url)
    page.get_by_role("button", name="Xác nhận nhân rộng").click()
    expect(page.locator(".flash-success").first).to_contain_text("Đã xác nhận")
    page.context.clear_cookies()
    page.goto(model_url)
    expect(page.locator("#nhan-rong")).to_have_text("Đã được nhân rộng tại 1 đơn vị")
    expect(page.get_by_role("link", name="Xã Bình Sơn")).to_be_visible()

    # 3. The committee asks the model's unit for a follow-up; the unit answers; once accepted the status changes.
    owner = make_user(Role.UNIT_SUBMITTER, result.passed[1].unit, full_name="Lê Thị Chủ Mô Hình")
    log_in(page, result.secretary)
    page.goto(model_url)
    page.get_by_role("button", name="Yêu cầu đơn vị báo cáo theo dõi").click()
    expect(page.locator(".flash-success").first).to_be_visible()
    log_in(page, owner)
    page.goto("/theo-doi")
    page.get_by_role("link", name=title).first.click()
    page.get_by_label("Tình trạng hiện nay của mô hình").select_option(ModelStatus.SCALED_UP.value)
    page.get_by_label("Số người được tiếp cận, hưởng lợi").fill("1.200")
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.locator(".flash-success").first).to_contain_text("Đã gửi báo cáo theo dõi")
    followup_url = page.url
    log_in(page, result.secretary)
    page.goto(followup_url)
    page.get_by_role("button", name=re.compile("^Chấp nhận")).click()
    expect(page.locator(".flash-success").first).to_contain_text("Đã chấp nhận báo cáo")
    page.context.clear_cookies()
    page.goto(model_url)
    expect(page.locator(".model-status")).to_have_text(ModelStatus.SCALED_UP.label)
    page.screenshot(path=str(artifacts_dir / f"registry-model-after-{backend}-{width}.png"), full_page=True)
    db.session.expire_all()
    model = db.session.scalar(sa.select(RegisteredModel).where(RegisteredModel.title == title))
    assert (model.status, model.replication_count) == (ModelStatus.SCALED_UP, 1)
