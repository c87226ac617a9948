"""The shortlist ("Danh sách đề cử"): cut-off per group, hand-picked with a reason, on-hold refused,
revert, one transaction per action, and who may do it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus, NomineeKind
from dvkheo.core.audit import AuditEvent
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from tests.review.conftest import give_scores
from tests.review.test_normalisation import split
from tests.review.test_ranking import login

S = NominationState


@pytest.fixture
def reviewer(make_member):
    return make_member(full_name="Lê Văn Chấm")


@pytest.fixture
def scored(make_dossier, reviewer):
    def create(title: str, total: int, status=S.SCORED, **overrides):
        nomination = make_dossier(status=status, title=title, with_evidence=False, **overrides)
        give_scores(nomination, reviewer, split(total))
        return nomination

    return create


def statuses(*nominations) -> list[S]:
    db.session.expire_all()
    return [n.status for n in nominations]


def events(nomination, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.entity_type == "nomination", AuditEvent.entity_id == nomination.id, AuditEvent.action == action
            )
        )
    )


def cutoff_url(campaign) -> str:
    return f"/review/campaigns/{campaign.id}/shortlist/cutoff"


def test_cutoff_shortlists_top_n_of_each_group_with_generated_reason(client, review_campaign, secretary, scored):
    first, second = review_campaign.allowed_fields[:2]
    a90, a80, a70 = (scored(f"Nhóm một {t}", t, field=first) for t in (90, 80, 70))
    b60, b50 = (scored(f"Nhóm hai {t}", t, field=second) for t in (60, 50))
    individual = scored("Cá nhân 40", 40, field=first, kind=NomineeKind.INDIVIDUAL)
    login(client, secretary)

    response = client.post(cutoff_url(review_campaign), data={"top_n": "2"})
    assert response.status_code == 302
    assert statuses(a90, a80, a70, b60, b50, individual) == [S.SHORTLISTED, S.SHORTLISTED, S.SCORED, S.SHORTLISTED, S.SHORTLISTED, S.SHORTLISTED]
    [event] = events(a80, "shortlist")
    assert event.reason == f"Xếp thứ 2 trong nhóm “{first.name} – Tập thể”, lấy 2 hồ sơ đứng đầu"
    assert (event.actor_id, event.from_state, event.to_state) == (secretary.id, "scored", "shortlisted")

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã đưa 5 hồ sơ vào danh sách đề cử." in page
    # The reason is shown beside the dossier on the ranking page.
    assert f"Xếp thứ 1 trong nhóm “{first.name} – Tập thể”, lấy 2 hồ sơ đứng đầu" in page


def test_cutoff_can_mark_the_rest_not_shortlisted(client, review_campaign, secretary, scored):
    top, middle, bottom = (scored(f"Hồ sơ {t}", t) for t in (90, 80, 70))
    login(client, secretary)
    client.post(cutoff_url(review_campaign), data={"top_n": "1", "mark_rest": "y"})
    assert statuses(top, middle, bottom) == [S.SHORTLISTED, S.NOT_SHORTLISTED, S.NOT_SHORTLISTED]
    [event] = events(bottom, "not_shortlist")
    assert event.reason.startswith("Xếp thứ 3 trong nhóm") and event.reason.endswith("ngoài 1 hồ sơ đứng đầu")


def test_cutoff_respects_the_page_filter(client, review_campaign, secretary, scored):
    first, second = review_campaign.allowed_fields[:2]
    in_filter, outside = scored("Trong bộ lọc", 80, field=first), scored("Ngoài bộ lọc", 90, field=second)
    login(client, secretary)
    client.post(cutoff_url(review_campaign), data={"top_n": "3", "field_id": str(first.id)})
    assert statuses(in_filter, outside) == [S.SHORTLISTED, S.SCORED]


def test_cutoff_is_refused_while_a_group_is_still_being_scored_and_changes_nothing(client, review_campaign, secretary, scored, make_member):
    done = scored("Đã chấm", 90)
    pending = scored("Đang chấm", 95, status=S.IN_REVIEW)
    give_scores(pending, make_member(), split(50), final=False)
    login(client, secretary)
    response = client.post(cutoff_url(review_campaign), data={"top_n": "1"})
    assert response.status_code == 422
    assert "còn 1 hồ sơ chưa đủ điểm" in response.get_data(as_text=True)
    assert statuses(done, pending) == [S.SCORED, S.IN_REVIEW]
    assert events(done, "shortlist") == []


def test_cutoff_needs_a_positive_number(client, review_campaign, secretary, scored):
    nomination = scored("Hồ sơ", 80)
    login(client, secretary)
    response = client.post(cutoff_url(review_campaign), data={"top_n": "0"})
    assert response.status_code == 422
    assert "Giá trị không được nhỏ hơn 1." in response.get_data(as_text=True)
    assert statuses(nomination) == [S.SCORED]


def test_cutoff_is_refused_outside_the_review_phase(client, review_campaign, secretary, scored):
    nomination = scored("Hồ sơ", 80)
    review_campaign.status = CampaignStatus.COUNCIL_DECISION
    db.session.commit()
    login(client, secretary)
    response = client.post(cutoff_url(review_campaign), data={"top_n": "1"})
    assert response.status_code == 422
    assert "Chỉ lập danh sách đề cử khi đợt bình xét đang ở giai đoạn “Sơ loại và chấm điểm”" in response.get_data(as_text=True)
    assert statuses(nomination) == [S.SCORED]


def test_hand_pick_requires_a_reason_and_keeps_what_was_typed(client, review_campaign, secretary, scored):
    nomination = scored("Hồ sơ chọn tay", 80)
    login(client, secretary)
    response = client.post(
        f"/review/nominations/{nomination.id}/shortlist", data={f"n{nomination.id}-reason": "  ", f"n{nomination.id}-shortlist": "1"}
    )
    assert response.status_code == 422
    assert "Vui lòng ghi rõ lý do." in response.get_data(as_text=True)
    too_long = "Lý do rất dài " * 400
    response = client.post(
        f"/review/nominations/{nomination.id}/shortlist", data={f"n{nomination.id}-reason": too_long, f"n{nomination.id}-shortlist": "1"}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nội dung quá dài (tối đa 5000 ký tự)." in text
    # The refused row's form is open again with the text typed.
    assert too_long.strip() in text and "<details class=\"row-action\" open>" in text
    assert statuses(nomination) == [S.SCORED]


def test_hand_pick_shortlists_or_leaves_off_with_the_reason_shown(client, review_campaign, secretary, scored):
    picked, left = scored("Được chọn", 70), scored("Không chọn", 90)
    login(client, secretary)
    response = client.post(
        f"/review/nominations/{picked.id}/shortlist",
        data={f"n{picked.id}-reason": "Mô hình tiêu biểu của vùng núi", f"n{picked.id}-shortlist": "1"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#ho-so-{picked.id}")
    client.post(
        f"/review/nominations/{left.id}/shortlist",
        data={f"n{left.id}-reason": "Trùng mô hình đã khen năm trước", f"n{left.id}-not_shortlist": "1"},
    )
    assert statuses(picked, left) == [S.SHORTLISTED, S.NOT_SHORTLISTED]
    assert [e.reason for e in events(left, "not_shortlist")] == ["Trùng mô hình đã khen năm trước"]
    page = client.get(f"/review/campaigns/{review_campaign.id}/ranking").get_data(as_text=True)
    assert "Mô hình tiêu biểu của vùng núi" in page and "Trùng mô hình đã khen năm trước" in page


def test_on_hold_dossier_is_refused_with_the_workflow_message(client, review_campaign, secretary, scored):
    held = scored("Đang tạm dừng", 90, status=S.ON_HOLD, status_before_hold=S.SCORED)
    login(client, secretary)
    response = client.post(
        f"/review/nominations/{held.id}/shortlist", data={f"n{held.id}-reason": "Điểm cao nhất", f"n{held.id}-shortlist": "1"}
    )
    assert response.status_code == 422
    assert "Không thể “đưa vào danh sách đề cử” khi hồ sơ đang ở trạng thái “Tạm dừng xét”." in response.get_data(as_text=True)
    assert statuses(held) == [S.ON_HOLD]


def test_revert_returns_to_scored_with_a_reason(client, review_campaign, secretary, scored):
    nomination = scored("Xét lại", 80)
    login(client, secretary)
    client.post(f"/review/nominations/{nomination.id}/shortlist", data={f"n{nomination.id}-reason": "Đứng đầu", f"n{nomination.id}-shortlist": "1"})
    missing = client.post(f"/review/nominations/{nomination.id}/shortlist/revert", data={f"n{nomination.id}-reason": ""})
    assert missing.status_code == 422 and statuses(nomination) == [S.SHORTLISTED]
    response = client.post(
        f"/review/nominations/{nomination.id}/shortlist/revert", data={f"n{nomination.id}-reason": "Có phản ánh cần xác minh"}
    )
    assert response.status_code == 302
    assert statuses(nomination) == [S.SCORED]
    [event] = events(nomination, "revert_shortlist")
    assert (event.reason, event.from_state, event.to_state) == ("Có phản ánh cần xác minh", "shortlisted", "scored")
    page = client.get(f"/review/campaigns/{review_campaign.id}/ranking").get_data(as_text=True)
    assert "Xét lại danh sách đề cử</strong>: Có phản ánh cần xác minh" in page


def test_chair_reads_the_ranking_but_may_not_shortlist(client, review_campaign, chair, scored):
    nomination = scored("Hồ sơ", 80)
    login(client, chair)
    page = client.get(f"/review/campaigns/{review_campaign.id}/ranking")
    assert page.status_code == 200 and "Đưa N hồ sơ đứng đầu" not in page.get_data(as_text=True)
    assert client.post(cutoff_url(review_campaign), data={"top_n": "1"}).status_code == 403
    assert client.post(
        f"/review/nominations/{nomination.id}/shortlist", data={f"n{nomination.id}-reason": "Tốt", f"n{nomination.id}-shortlist": "1"}
    ).status_code == 403
    assert statuses(nomination) == [S.SCORED]


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.UNIT_SUBMITTER])
def test_reviewer_and_unit_get_404_on_shortlist(client, review_campaign, make_user, make_member, scored, role):
    nomination = scored("Hồ sơ", 80)
    user = make_member() if role is Role.REVIEWER else make_user(role, nomination.unit)
    login(client, user)
    assert client.post(cutoff_url(review_campaign), data={"top_n": "1"}).status_code == 404
    assert client.post(
        f"/review/nominations/{nomination.id}/shortlist", data={f"n{nomination.id}-reason": "Tốt", f"n{nomination.id}-shortlist": "1"}
    ).status_code == 404
    assert client.post(f"/review/nominations/{nomination.id}/shortlist/revert", data={f"n{nomination.id}-reason": "x"}).status_code == 404
    assert statuses(nomination) == [S.SCORED]
