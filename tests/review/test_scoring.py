"""The score page: bounds, comments, finalising, holds, completing the dossier, paper entry, evidence."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.core.audit import AuditEvent
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review import assignment as ops
from dvkheo.review.models import Score
from tests.conftest import PDF_BYTES, add_stored_attachment


@pytest.fixture
def sheet(secretary, make_member, make_dossier):
    """One reviewer assigned to one dossier in review, logged in nowhere yet."""
    reviewer = make_member(full_name="Bùi Văn Chấm")
    dossier = make_dossier(NominationState.ACCEPTED, title="Mô hình “Chính quyền lắng nghe dân”")
    assignment = ops.assign(dossier, reviewer, secretary)
    db.session.commit()
    return assignment


def form_data(criteria, points, comments=None, button="save", confirmed=True):
    data = {button: "1"}
    if button == "finalise" and confirmed:
        data["confirmed"] = "1"  # as posted from the confirmation page (test_confirmations.py covers asking)
    for index, criterion in enumerate(criteria):
        value = points[index]
        data[f"points_{criterion.id}"] = "" if value is None else str(value)
        data[f"comment_{criterion.id}"] = comments[index] if comments else ""
    return data


def stored_points(assignment) -> list:
    return db.session.scalars(
        sa.select(Score.points).where(Score.assignment_id == assignment.id).order_by(Score.criterion_id)
    ).all()


def test_points_outside_zero_to_max_are_refused_with_the_bound(client, auth, sheet):
    criteria = sheet.nomination.campaign.criteria
    auth.login(sheet.reviewer)

    response = client.post(f"/review/assignments/{sheet.id}", data=form_data(criteria, [-1, 26, None, None, None]))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count("Điểm phải là số nguyên từ 0 đến 25.") == 2
    assert 'value="26"' in page and 'value="-1"' in page  # typed values kept
    assert stored_points(sheet) == []


def test_maximum_points_are_accepted_and_saved_partially(client, auth, sheet):
    criteria = sheet.nomination.campaign.criteria
    auth.login(sheet.reviewer)

    response = client.post(f"/review/assignments/{sheet.id}", data=form_data(criteria, [25, None, 0, None, 10]), follow_redirects=True)

    assert "Đã lưu phiếu chấm." in response.get_data(as_text=True)
    assert sorted(p for p in stored_points(sheet) if p is not None) == [0, 10, 25]
    db.session.refresh(sheet)
    assert sheet.finalised_at is None


def test_decimal_points_are_refused(client, auth, sheet):
    criteria = sheet.nomination.campaign.criteria
    auth.login(sheet.reviewer)

    page = client.post(f"/review/assignments/{sheet.id}", data=form_data(criteria, ["2.5", None, None, None, None])).get_data(as_text=True)

    assert "Điểm phải là số nguyên (không có phần thập phân)" in page
    assert stored_points(sheet) == []


def test_finalise_needs_every_point_and_comment_but_save_does_not(client, auth, sheet):
    criteria = sheet.nomination.campaign.criteria
    auth.login(sheet.reviewer)
    assert client.post(f"/review/assignments/{sheet.id}", data=form_data(criteria, [20, 20, 20, 10, 8])).status_code == 302

    response = client.post(
        f"/review/assignments/{sheet.id}",
        data=form_data(criteria, [20, 20, 20, 10, None], ["Tốt", "Tốt", "", "Tốt", "Tốt"], button="finalise"),
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vui lòng cho điểm tiêu chí này trước khi hoàn tất." in page
    assert "Đợt bình xét yêu cầu nhận xét cho từng tiêu chí." in page
    assert "Tốt" in page
    db.session.refresh(sheet)
    assert sheet.finalised_at is None
    assert stored_points(sheet) == [20, 20, 20, 10, 8]  # the refused attempt changed nothing


def test_comments_optional_when_campaign_does_not_require_them(client, auth, sheet):
    campaign = sheet.nomination.campaign
    campaign.comments_required = False
    db.session.commit()
    auth.login(sheet.reviewer)

    client.post(f"/review/assignments/{sheet.id}", data=form_data(campaign.criteria, [20, 20, 20, 10, 8], button="finalise"))

    db.session.refresh(sheet)
    assert sheet.finalised_at is not None


def test_finalising_makes_the_sheet_read_only(client, auth, sheet):
    criteria = sheet.nomination.campaign.criteria
    auth.login(sheet.reviewer)
    comments = ["Nhận xét"] * 5
    client.post(f"/review/assignments/{sheet.id}", data=form_data(criteria, [20, 20, 20, 10, 8], comments, button="finalise"))

    page = client.get(f"/review/assignments/{sheet.id}").get_data(as_text=True)
    assert "Phiếu chấm đã hoàn tất" in page and "Hoàn tất chấm điểm" not in page and 'name="points_' not in page
    assert "78" in page  # the total

    page = client.post(f"/review/assignments/{sheet.id}", data=form_data(criteria, [1, 1, 1, 1, 1], comments), follow_redirects=True).get_data(as_text=True)
    assert "Phiếu chấm đã hoàn tất; không thể sửa điểm." in page
    assert stored_points(sheet) == [20, 20, 20, 10, 8]


def test_on_hold_dossier_refuses_scoring(client, auth, sheet):
    nomination = sheet.nomination
    nomination.status_before_hold = nomination.status
    nomination.status = NominationState.ON_HOLD
    db.session.commit()
    auth.login(sheet.reviewer)

    page = client.get(f"/review/assignments/{sheet.id}").get_data(as_text=True)
    assert "Hồ sơ đang tạm dừng xét" in page and 'name="points_' not in page

    response = client.post(f"/review/assignments/{sheet.id}", data=form_data(nomination.campaign.criteria, [5, 5, 5, 5, 5]), follow_redirects=True)
    assert "Hồ sơ đang tạm dừng xét" in response.get_data(as_text=True)
    assert stored_points(sheet) == []


def test_last_finalised_sheet_moves_dossier_to_scored(client, auth, secretary, make_member, sheet):
    nomination = sheet.nomination
    criteria = nomination.campaign.criteria
    second = make_member(full_name="Đỗ Thị Cuối")
    other = ops.assign(nomination, second, secretary)
    db.session.commit()
    comments = ["Đạt"] * 5

    auth.login(sheet.reviewer)
    client.post(f"/review/assignments/{sheet.id}", data=form_data(criteria, [20, 20, 20, 10, 8], comments, button="finalise"))
    db.session.refresh(nomination)
    assert nomination.status is NominationState.IN_REVIEW
    client.post("/logout")

    auth.login(second)
    page = client.post(
        f"/review/assignments/{other.id}", data=form_data(criteria, [15, 15, 15, 10, 5], comments, button="finalise"), follow_redirects=True
    ).get_data(as_text=True)

    assert "Hồ sơ đã đủ điểm của tất cả thành viên được phân công." in page
    db.session.refresh(nomination)
    assert nomination.status is NominationState.SCORED
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "complete_scoring"))
    # An automatic step: recorded under the system, not under the reviewer who finalised last.
    assert (event.entity_id, event.actor_id, event.to_state) == (nomination.id, None, "scored")
    finals = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "score_finalise").order_by(AuditEvent.id)).all()
    assert [e.details["total"] for e in finals] == [78, 60]


def test_paper_entry_is_recorded_as_entered_by_the_secretary(client, auth, secretary, sheet):
    criteria = sheet.nomination.campaign.criteria
    auth.login(secretary)

    response = client.post(
        f"/review/assignments/{sheet.id}/paper",
        data=form_data(criteria, [21, 22, 23, 14, 9], ["Theo phiếu giấy"] * 5, button="finalise"),
        follow_redirects=True,
    )

    assert "Đã hoàn tất chấm điểm hồ sơ." in response.get_data(as_text=True)
    db.session.refresh(sheet)
    assert sheet.entered_by_id == secretary.id and sheet.finalised_at is not None
    assert stored_points(sheet) == [21, 22, 23, 14, 9]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "score_finalise"))
    assert event.actor_id == secretary.id
    assert event.details == {"reviewer_id": sheet.reviewer_id, "entered_by": "paper", "total": 89}
    db.session.refresh(sheet.nomination)
    assert sheet.nomination.status is NominationState.SCORED

    page = client.get(f"/review/campaigns/{sheet.nomination.campaign_id}/assignments").get_data(as_text=True)
    assert "Thư ký nhập hộ từ phiếu giấy" in page
    client.post("/logout")
    auth.login(sheet.reviewer)
    page = client.get(f"/review/assignments/{sheet.id}").get_data(as_text=True)
    assert "Thư ký nhập hộ từ phiếu giấy" in page


def test_score_page_lists_evidence_per_criterion_with_download_links(client, auth, app, sheet):
    nomination = sheet.nomination
    criterion = nomination.campaign.criteria[2]
    attachment = add_stored_attachment(app, nomination, "Bảng số liệu hộ dân.pdf", PDF_BYTES)
    attachment.criterion_id = criterion.id
    db.session.commit()
    auth.login(sheet.reviewer)

    page = client.get(f"/review/assignments/{sheet.id}").get_data(as_text=True)

    assert f'aria-label="Minh chứng cho tiêu chí {criterion.title}"' in page
    assert f"/nominations/{nomination.id}/attachments/{attachment.id}" in page and "Bảng số liệu hộ dân.pdf" in page
    assert "Ảnh con đường.png" in page  # the dossier-wide evidence
    assert f"/nominations/{nomination.id}\"" in page
    # The assigned reviewer may open the full dossier and the file.
    assert client.get(f"/nominations/{nomination.id}").status_code == 200
    assert client.get(f"/nominations/{nomination.id}/attachments/{attachment.id}").status_code == 200


def test_finalise_asks_first_and_locks_nothing_until_confirmed(client, auth, sheet):
    criteria = sheet.nomination.campaign.criteria
    comments = ["Tốt"] * 5
    auth.login(sheet.reviewer)
    url = f"/review/assignments/{sheet.id}"
    assert 'data-confirm-irreversible="Sau khi hoàn tất, phiếu chấm bị khóa' in client.get(url).get_data(as_text=True)

    response = client.post(url, data=form_data(criteria, [20, 20, 20, 10, 8], comments, button="finalise", confirmed=False))

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Hoàn tất chấm điểm hồ sơ này?" in html
    assert "Không thể hoàn tác." in html and "phiếu chấm bị khóa: không sửa được điểm và nhận xét nữa" in html
    assert "Tổng điểm: 78/100" in html and 'name="finalise"' in html and 'name="confirmed" value="1"' in html
    assert f'href="{url}">Quay lại, chưa thực hiện</a>' in html
    db.session.refresh(sheet)
    assert sheet.finalised_at is None and stored_points(sheet) == []

    client.post(url, data=form_data(criteria, [20, 20, 20, 10, 8], comments, button="finalise"))
    db.session.refresh(sheet)
    assert sheet.finalised_at is not None and stored_points(sheet) == [20, 20, 20, 10, 8]


def test_confirmation_page_can_save_the_typed_sheet_unfinished(client, auth, sheet):
    """Without JavaScript what was typed lives only in the confirmation page: not confirming must not lose it."""
    import re

    criteria = sheet.nomination.campaign.criteria
    auth.login(sheet.reviewer)
    url = f"/review/assignments/{sheet.id}"
    html = client.post(url, data=form_data(criteria, [20, 20, 20, 10, 8], ["Tốt"] * 5, button="finalise", confirmed=False)).get_data(as_text=True)

    # The confirming button carries "finalise"; the hidden fields do not, so "Lưu phiếu, chưa hoàn tất" saves only.
    assert '<input type="hidden" name="finalise"' not in html
    assert re.search(r'<button type="submit" class="button primary"[^>]* name="finalise" value="[^"]+">Hoàn tất chấm điểm</button>', html)
    assert '<button type="submit" class="button" name="save" value="Lưu">Lưu phiếu, chưa hoàn tất</button>' in html
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    client.post(url, data={**hidden, "save": "Lưu"})
    db.session.refresh(sheet)
    assert sheet.finalised_at is None and stored_points(sheet) == [20, 20, 20, 10, 8]


def test_incomplete_sheet_is_refused_at_once_not_asked_about(client, auth, sheet):
    criteria = sheet.nomination.campaign.criteria
    auth.login(sheet.reviewer)

    response = client.post(
        f"/review/assignments/{sheet.id}",
        data=form_data(criteria, [20, 20, 20, 10, None], ["Tốt"] * 5, button="finalise", confirmed=False),
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="confirm-question"' not in html
    assert "Vui lòng cho điểm tiêu chí này trước khi hoàn tất." in html


def test_finalise_reports_decimal_over_maximum_and_missing_comments_in_one_round(client, auth, sheet):
    criteria = sheet.nomination.campaign.criteria
    auth.login(sheet.reviewer)

    response = client.post(
        f"/review/assignments/{sheet.id}",
        data=form_data(criteria, ["2.5", 999, 20, None, 8], ["Tốt", "Tốt", "", "Tốt", "Tốt"], button="finalise"),
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Điểm phải là số nguyên (không có phần thập phân)" in page  # the decimal
    assert f"Điểm phải là số nguyên từ 0 đến {criteria[1].max_score}." in page  # over the maximum
    assert "Vui lòng cho điểm tiêu chí này trước khi hoàn tất." in page  # the blank fourth criterion
    assert "Đợt bình xét yêu cầu nhận xét cho từng tiêu chí." in page  # the third comment
    # The decimal is reported once, not also as "missing".
    assert page.count("Vui lòng cho điểm tiêu chí này trước khi hoàn tất.") == 1
    assert stored_points(sheet) == []


def test_sheet_shows_the_running_total_after_each_submit_without_javascript(client, auth, sheet):
    campaign = sheet.nomination.campaign
    auth.login(sheet.reviewer)

    page = client.get(f"/review/assignments/{sheet.id}").get_data(as_text=True)
    assert f'aria-live="polite">0</output>/{campaign.max_total_score}' in page
    assert "js/score_total.js" in page and "data-score-max" in page

    client.post(f"/review/assignments/{sheet.id}", data=form_data(campaign.criteria, [20, 15, None, 10, None]))
    page = client.get(f"/review/assignments/{sheet.id}").get_data(as_text=True)
    assert f'aria-live="polite">45</output>/{campaign.max_total_score}' in page

    # A refused submit shows the total of the valid points typed (the decimal counts as nothing).
    refused = client.post(f"/review/assignments/{sheet.id}", data=form_data(campaign.criteria, [20, "2.5", 5, None, None]))
    assert refused.status_code == 422
    assert 'aria-live="polite">25</output>' in refused.get_data(as_text=True)


def test_an_unfinished_colleague_total_shows_a_dash_not_zero(client, auth, secretary, make_member, sheet):
    criteria = sheet.nomination.campaign.criteria
    colleague = make_member(full_name="Hà Văn Chưa Xong")
    ops.assign(sheet.nomination, colleague, secretary)
    db.session.commit()
    auth.login(secretary)

    page = client.get(f"/review/assignments/{sheet.id}/paper").get_data(as_text=True)

    footer = page[page.index("Điểm của các thành viên khác"):]
    footer = footer[footer.index("<tfoot>"):footer.index("</tfoot>")]
    assert "—" in footer and "<strong>0</strong>" not in footer
    assert len(criteria) == 5
