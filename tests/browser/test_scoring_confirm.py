""""Hoàn tất chấm điểm" with JavaScript asks in a dialog only for a sheet the server would take: an incomplete
or refused sheet goes straight back with every problem marked (as without JavaScript), and the dialog of a
complete sheet repeats the total it is about to lock."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.council.models import CouncilMember, CouncilRole
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review.models import ReviewAssignment
from tests.conftest import PASSWORD


def test_finalise_dialog_only_for_a_complete_sheet_and_shows_its_total(browser, live_server, make_campaign, make_nomination, make_unit, make_user):
    today = today_in_vietnam()
    campaign = make_campaign(
        status=CampaignStatus.REVIEW, nominations_open_on=today - timedelta(days=40), nominations_close_on=today - timedelta(days=1),
    )
    agency = make_unit("Cơ quan thành viên chấm thử", parent=campaign.organising_unit, kind="agency")
    reviewer = make_user(Role.REVIEWER, agency, full_name="Phạm Văn Chấm")
    db.session.add(CouncilMember(campaign=campaign, user=reviewer, council_role=CouncilRole.MEMBER))
    dossier = make_nomination(campaign=campaign, status=NominationState.IN_REVIEW, submitted_at=utcnow())
    sheet = ReviewAssignment(nomination=dossier, reviewer=reviewer)
    db.session.add(sheet)
    db.session.commit()
    criteria = campaign.criteria
    context = browser.new_context(base_url=live_server, locale="vi-VN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto("/login")
        page.locator("input[name=email]").fill(reviewer.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.goto(f"/review/assignments/{sheet.id}")
        finalise = page.locator("#finalise")

        # Over the maximum, and no comments: no dialog, the server marks every problem at once.
        page.locator(f"input[name=points_{criteria[0].id}]").fill(str(criteria[0].max_score + 5))
        finalise.click()
        expect(page.locator(".flash-error, .errors, .error").first).to_be_visible()
        expect(page.get_by_role("dialog")).to_have_count(0)

        # Every point given but one comment missing: still no dialog.
        for criterion in criteria:
            page.locator(f"input[name=points_{criterion.id}]").fill("1")
            page.locator(f"textarea[name=comment_{criterion.id}]").fill("Có số liệu.")
        page.locator(f"textarea[name=comment_{criteria[-1].id}]").fill("")
        finalise.click()
        expect(page.get_by_role("dialog")).to_have_count(0)
        db.session.expire_all()
        assert db.session.get(ReviewAssignment, sheet.id).finalised_at is None

        # Complete: the dialog asks, with the total it will lock; "Quay lại" keeps the sheet open.
        page.locator(f"textarea[name=comment_{criteria[-1].id}]").fill("Có số liệu.")
        finalise.click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("phiếu chấm bị khóa")
        expect(dialog).to_contain_text(f"Tổng điểm: {len(criteria)}/{campaign.max_total_score}")
        dialog.get_by_role("button", name="Quay lại, chưa thực hiện").click()
        db.session.expire_all()
        assert db.session.get(ReviewAssignment, sheet.id).finalised_at is None

        # Confirming posts "confirmed" and "finalise" once: the form keeps no trace of them afterwards (a page
        # restored by the back button must not finalise when "Lưu" is pressed).
        page.evaluate("""() => { HTMLFormElement.prototype.submit = function () {
            window.__posted = [...new FormData(this).keys()]; }; }""")
        finalise.click()
        page.get_by_role("dialog").get_by_role("button", name="Hoàn tất chấm điểm").click()
        assert {"confirmed", "finalise"} <= set(page.evaluate("window.__posted"))
        assert page.evaluate("document.querySelectorAll('form input[name=confirmed], form input[type=hidden][name=finalise]').length") == 0
    finally:
        context.close()
