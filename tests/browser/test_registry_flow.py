"""End to end in a real browser, after the award: the chair issues the decision and the model appears in the
public registry; another commune declares that it replicates the model, the committee above it confirms,
and the model's page counts the replication; the unit answers a follow-up request, the committee accepts
it, and the model's status changes on its public page."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from dvkheo.awards import decisions
from dvkheo.extensions import db

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
def test_an_issued_award_enters_the_public_registry(page: Page, width, make_council_result, artifacts_dir, backend):
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
