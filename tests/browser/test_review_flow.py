"""End to end in a real browser, the committee's part: the secretary accepts one dossier and returns
another with a reason, assigns reviewers automatically; two reviewers score; the ranking shows the
expected order; the council votes by secret ballot and the minutes PDF is produced."""
from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.council.models import BallotStatus, CouncilBallot, CouncilMember, CouncilRole
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.review.models import ReviewAssignment
from tests.conftest import PASSWORD

STRONG = "Hiến đất mở rộng đường thôn Mỹ Lai"
WEAK = "Thu gom rác thải nhựa ven biển Cổ Lũy"
INCOMPLETE = "Tổ dân phố tự làm đèn chiếu sáng"
RETURN_REASON = "Đề nghị bổ sung biên bản họp tổ dân phố thống nhất mức đóng góp."
# Points per criterion (rubric order: 25, 25, 25, 15, 10) for each reviewer and dossier.
SHEETS = {
    "Phạm Văn Hùng": {STRONG: [23, 22, 24, 14, 9], WEAK: [18, 17, 19, 11, 8]},
    "Đỗ Thị Hạnh": {STRONG: [22, 23, 23, 13, 10], WEAK: [19, 18, 18, 12, 8]},
}


@pytest.fixture
def committee(make_campaign, make_unit, make_user, make_nomination):
    """A campaign in review without a public stage: three sent dossiers, two scoring members and a chair."""
    today = today_in_vietnam()
    campaign = make_campaign(
        status=CampaignStatus.REVIEW, has_public_stage=False, reviewers_per_nomination=2,
        nominations_open_on=today - timedelta(days=40), nominations_close_on=today - timedelta(days=1),
    )
    province = campaign.organising_unit
    secretary = make_user(Role.SECRETARY, province, full_name="Lê Thị Thu")
    members = [
        make_user(Role.REVIEWER, make_unit(f"Cơ quan {name}", parent=province, kind="agency"), full_name=name)
        for name in SHEETS
    ]
    chair = make_user(Role.CHAIR, province, full_name="Võ Minh Quang")
    for member in members:
        db.session.add(CouncilMember(campaign=campaign, user=member))
    # The chair presides and votes but does not score, so the two members score every dossier.
    db.session.add(CouncilMember(campaign=campaign, user=chair, council_role=CouncilRole.CHAIR, scores_nominations=False))
    dossiers = {}
    for number, title in enumerate((STRONG, WEAK, INCOMPLETE), start=1):
        unit = make_unit(f"Xã Thử Nghiệm {number}", parent=province)
        dossiers[title] = make_nomination(
            unit=unit, campaign=campaign, status=NominationState.SUBMITTED, title=title,
            nominee_name=f"Ban Công tác Mặt trận số {number}", submitted_at=utcnow(),
        )
    db.session.commit()
    return {"campaign": campaign, "secretary": secretary, "members": members, "chair": chair, "dossiers": dossiers}


def log_in(page: Page, user) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".user-name").first).to_contain_text(user.full_name)  # wide header or phone menu


def flash(page: Page):
    return page.locator(".flash-success").first


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_committee_screens_assigns_scores_ranks_and_the_council_votes(page: Page, width, committee, artifacts_dir, backend):
    page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
    campaign, secretary = committee["campaign"], committee["secretary"]
    strong, weak, incomplete = (committee["dossiers"][t] for t in (STRONG, WEAK, INCOMPLETE))

    # 1. Screening: accept two dossiers from the inbox, return the third with a reason.
    log_in(page, secretary)
    page.goto(f"/review/campaigns/{campaign.id}/inbox")
    expect(page.get_by_role("heading", name="Tiếp nhận, sơ loại hồ sơ đề nghị")).to_be_visible()
    for dossier in (strong, weak):
        page.locator(f'input[name="nomination_ids"][value="{dossier.id}"]').check()
    page.screenshot(path=str(artifacts_dir / f"review-inbox-{backend}-{width}.png"), full_page=True)
    page.get_by_role("button", name="Tiếp nhận các hồ sơ đã chọn").click()
    expect(flash(page)).to_contain_text("2")

    page.goto(f"/nominations/{incomplete.id}")
    page.locator('textarea[name="return-reason"]').fill(RETURN_REASON)
    page.get_by_role("button", name="Trả lại để bổ sung").click()
    expect(page.locator("body")).to_contain_text(RETURN_REASON)

    # 2. Automatic assignment: each accepted dossier gets the two scoring members.
    page.goto(f"/review/campaigns/{campaign.id}/assignments")
    page.get_by_role("button", name="Phân công tự động, cân đối số hồ sơ").click()
    expect(flash(page)).to_be_visible()
    db.session.expire_all()
    pairs = db.session.execute(sa.select(ReviewAssignment.nomination_id, ReviewAssignment.reviewer_id)).all()
    assert sorted(pairs) == sorted((d.id, m.id) for d in (strong, weak) for m in committee["members"])

    # 3. Both members score both dossiers from their queue.
    criteria = campaign.criteria
    for member in committee["members"]:
        log_in(page, member)
        page.goto("/review/queue")
        for title, points in SHEETS[member.full_name].items():
            page.goto("/review/queue")
            page.locator("tr", has_text=title).get_by_role("link", name="Chấm điểm").click()
            for criterion, value in zip(criteria, points):
                page.locator(f'input[name="points_{criterion.id}"]').fill(str(value))
                page.locator(f'textarea[name="comment_{criterion.id}"]').fill("Có số liệu, minh chứng rõ ràng.")
            # The running total follows the typing (static/js/score_total.js).
            expect(page.locator("#score-total")).to_have_text(str(sum(points)))
            page.get_by_role("button", name="Hoàn tất chấm điểm").click()
            # Finalising locks the sheet: the dialog says so and asks once more.
            dialog = page.get_by_role("dialog")
            expect(dialog).to_contain_text("phiếu chấm bị khóa")
            dialog.get_by_role("button", name="Hoàn tất chấm điểm").click()
            expect(page.locator(".flash-success, .flash-info").first).to_be_visible()
    db.session.expire_all()
    assert {db.session.get(Nomination, d.id).status for d in (strong, weak)} == {NominationState.SCORED}

    # 4. The ranking puts the stronger dossier first (means 91,5 and 74,0); shortlist both.
    log_in(page, secretary)
    page.goto(f"/review/campaigns/{campaign.id}/ranking")
    rows = page.locator("table.ranking tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(STRONG)
    expect(rows.nth(0)).to_contain_text("91,50")
    expect(rows.nth(1)).to_contain_text(WEAK)
    expect(rows.nth(1)).to_contain_text("74,00")
    page.screenshot(path=str(artifacts_dir / f"review-ranking-{backend}-{width}.png"), full_page=True)
    page.locator('input[name="top_n"]').fill("2")
    page.get_by_role("button", name="Đưa N hồ sơ đứng đầu mỗi nhóm vào danh sách đề cử").click()
    expect(flash(page)).to_be_visible()

    # 5. Without a public stage the campaign goes straight to the council, which votes.
    page.goto(f"/campaigns/{campaign.id}")
    page.get_by_role("button", name="Chuyển Hội đồng xét chọn").click()
    page.get_by_role("dialog").get_by_role("button", name="Chuyển Hội đồng xét chọn").click()
    expect(page.locator("body")).to_contain_text("Hội đồng xét chọn")
    page.goto(f"/council/campaigns/{campaign.id}/ballots")
    # Viewing the page creates nothing; the default award form is made by pressing its button.
    page.get_by_role("button", name="Tạo hình thức mặc định “Giấy khen”").click()
    expect(flash(page)).to_contain_text("Đã tạo hình thức khen thưởng mặc định “Giấy khen”")
    page.locator('input[name="meeting_on"]').fill(today_in_vietnam().strftime("%d/%m/%Y"))
    page.locator('input[name="meeting_place"]').fill("Hội trường Ban Dân vận Tỉnh ủy")
    for dossier in (strong, weak):
        page.locator(f'input[name="nomination_ids"][value="{dossier.id}"]').check()
    page.get_by_role("button", name="Lập phiếu bầu").click()
    page.get_by_role("button", name="Mở bỏ phiếu").click()
    expect(page.locator("body")).to_contain_text("Đang bỏ phiếu")
    ballot_url = page.url

    # Everyone agrees on the strong dossier; only the chair agrees on the weak one (1 of 3: fails).
    for voter, weak_choice in ((committee["members"][0], "Không đồng ý"), (committee["members"][1], "Không đồng ý"), (committee["chair"], "Đồng ý")):
        log_in(page, voter)
        page.goto("/review/queue")
        page.get_by_role("link", name="Bỏ phiếu kín").click()
        papers = page.locator("form.ballot-paper fieldset")
        papers.nth(0).get_by_label("Đồng ý", exact=True).check()
        papers.nth(1).get_by_label(weak_choice, exact=True).check()
        page.get_by_role("button", name="Gửi phiếu bầu").click()
        expect(page.locator(".flash-success").first).to_be_visible()

    log_in(page, secretary)
    page.goto(ballot_url)
    # The minutes print the end of the meeting as the secretary types it beside the button.
    page.locator("form.close-ballot").get_by_label("Giờ kết thúc").fill("16:30")
    page.get_by_role("button", name="Kiểm phiếu và kết thúc").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("không thể mở lại phiên bỏ phiếu")
    page.screenshot(path=str(artifacts_dir / f"council-close-dialog-{backend}-{width}.png"))
    dialog.get_by_role("button", name="Kiểm phiếu và kết thúc").click()
    expect(page.locator("body")).to_contain_text("Đã kiểm phiếu")
    page.screenshot(path=str(artifacts_dir / f"council-ballot-{backend}-{width}.png"), full_page=True)
    db.session.expire_all()
    assert db.session.get(Nomination, strong.id).status is NominationState.PASSED_COUNCIL
    assert db.session.get(Nomination, weak.id).status is NominationState.FAILED_COUNCIL
    ballot = db.session.scalars(sa.select(CouncilBallot)).one()
    assert ballot.status is BallotStatus.CLOSED

    # 6. The minutes: a PDF numbered in the council's own series, with the results table.
    href = page.get_by_role("link", name="Biên bản họp Hội đồng (PDF)").get_attribute("href")
    response = page.context.request.get(href)  # with the secretary's session; Chromium would only preview it
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf_path = artifacts_dir / f"council-minutes-{backend}-{width}.pdf"
    pdf_path.write_bytes(response.body())
    assert pdf_path.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], check=True, capture_output=True, text=True).stdout
        text = " ".join(text.split())  # table cells and paragraphs wrap
        assert "BIÊN BẢN" in text and "Số 01-BB/HĐXC" in text
        assert STRONG in text and "Đạt" in text and "Không đạt" in text
        assert "Võ Minh Quang" in text and "Lê Thị Thu" in text
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(pdf_path), str(artifacts_dir / f"council-minutes-{backend}-{width}")],
            check=True,
        )
