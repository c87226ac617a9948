""""Việc cần làm": each role's home page lists what waits for that person now, with counts and links."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from dvkheo.accounts.models import Role
from dvkheo.awards.models import Decision, DecisionKind, DecisionStatus
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core import audit
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.council.models import BallotAttendance, BallotStatus, CouncilBallot, CouncilMember, CouncilRole
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.privacy.models import DataRequest, RequestKind, RequestStatus
from dvkheo.review.models import ReviewAssignment
from dvkheo.voting.models import Objection, ObjectionStatus


def card(page: str, key: str) -> str:
    """The HTML of one card of the page (empty when the page has no such card)."""
    match = re.search(rf'<section class="todo-card[^"]*" aria-labelledby="todo-{key}">(.*?)</section>', page, re.S)
    return match.group(1) if match else ""


def count_of(page: str, key: str) -> int:
    return int(re.search(r'<span class="todo-count[^"]*"[^>]*>(\d+)</span>', card(page, key)).group(1))


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def draft_decision(campaign, award_form, secretary, title="Về việc khen thưởng mô hình “Dân vận khéo”") -> Decision:
    decision = Decision(
        campaign_id=campaign.id, award_form_id=award_form.id, kind=DecisionKind.AWARD, status=DecisionStatus.DRAFT,
        issuer_code=award_form.issuer_code, symbol=f"QĐ-{award_form.issuer_code}", issuing_body=award_form.issuing_body,
        title=title, created_by_id=secretary.id,
    )
    db.session.add(decision)
    db.session.commit()
    return decision


# --- unit ------------------------------------------------------------------------------------------


def test_unit_home_lists_returned_dossiers_drafts_and_open_campaigns_with_days_left(client, login_as, make_unit, make_campaign, make_nomination, province):
    commune = make_unit("Xã Tịnh Khê", parent=province)
    today = today_in_vietnam()
    campaign = make_campaign(title="Bình xét năm nay", nominations_close_on=today + timedelta(days=12))
    make_nomination(unit=commune, campaign=campaign, status=NominationState.RETURNED, title="Mô hình bị trả lại")
    make_nomination(unit=commune, campaign=campaign, status=NominationState.DRAFT, title="Mô hình đang soạn")
    make_nomination(unit=commune, campaign=campaign, status=NominationState.SUBMITTED, title="Mô hình đã nộp")
    make_nomination(campaign=campaign, status=NominationState.RETURNED, title="Hồ sơ của xã khác")
    login_as(Role.UNIT_SUBMITTER, commune)

    page = home(client)

    assert "<h1>Việc cần làm</h1>" in page
    assert count_of(page, "returned") == 1 and "Mô hình bị trả lại" in card(page, "returned")
    assert "Hồ sơ của xã khác" not in page
    assert count_of(page, "drafts") == 1 and "Mô hình đang soạn" in card(page, "drafts")
    deadline = (today + timedelta(days=12)).strftime("%d/%m/%Y")
    assert f"còn 12 ngày, hạn {deadline}" in card(page, "drafts")
    assert count_of(page, "open_campaigns") == 1
    assert "Bình xét năm nay" in card(page, "open_campaigns") and f"còn 12 ngày, hạn {deadline}" in card(page, "open_campaigns")
    assert 'href="/nominations/?status=returned"' in card(page, "returned")


def test_unit_home_shows_five_items_and_a_link_to_all(client, login_as, make_unit, make_campaign, make_nomination, province):
    commune = make_unit(parent=province)
    campaign = make_campaign()
    for number in range(7):
        make_nomination(unit=commune, campaign=campaign, status=NominationState.RETURNED, title=f"Hồ sơ trả lại số {number}",
                        with_evidence=False)
    login_as(Role.UNIT_SUBMITTER, commune)

    returned = card(home(client), "returned")

    assert returned.count("<li") == 5
    assert "Xem tất cả (7)" in returned


# --- secretary -------------------------------------------------------------------------------------


@pytest.fixture
def busy_committee(make_campaign, make_nomination, make_user, make_unit, make_award_form, province):
    """A province committee with one of everything waiting for its secretary and chair."""
    today = today_in_vietnam()
    screening = make_campaign(title="Đợt nhận hồ sơ")
    make_nomination(campaign=screening, status=NominationState.SUBMITTED, title="Hồ sơ chờ sơ loại", submitted_at=utcnow(),
                    with_evidence=False)
    make_nomination(campaign=screening, status=NominationState.DRAFT, title="Bản nháp của đơn vị", with_evidence=False)
    review = make_campaign(title="Đợt chấm điểm", status=CampaignStatus.REVIEW, review_close_on=today - timedelta(days=2))
    reviewer = make_user(Role.REVIEWER, make_unit(parent=province), full_name="Lê Văn Chấm")
    late = make_nomination(campaign=review, status=NominationState.IN_REVIEW, title="Hồ sơ chấm trễ", with_evidence=False)
    db.session.add(ReviewAssignment(nomination=late, reviewer=reviewer))
    voting = make_campaign(title="Đợt công khai", status=CampaignStatus.PUBLIC_VOTING)
    public = make_nomination(campaign=voting, status=NominationState.SHORTLISTED, title="Mô hình được phản ánh", with_evidence=False)
    db.session.add(Objection(campaign_id=voting.id, nomination_id=public.id, author_name="Người dân", author_contact="",
                             content="Góp ý", status=ObjectionStatus.OPEN))
    db.session.add(Objection(campaign_id=voting.id, nomination_id=public.id, author_name="Người dân", author_contact="",
                             content="Đã trả lời", status=ObjectionStatus.ANSWERED))
    council = make_campaign(title="Đợt Hội đồng", status=CampaignStatus.COUNCIL_DECISION)
    make_nomination(campaign=council, status=NominationState.SHORTLISTED, title="Hồ sơ đề cử chờ bỏ phiếu", with_evidence=False)
    make_nomination(campaign=council, status=NominationState.PASSED_COUNCIL, title="Hồ sơ thông qua chờ quyết định", with_evidence=False)
    award_form = make_award_form(council)
    chair = make_user(Role.CHAIR, province, full_name="Phạm Văn Chủ Tịch")
    secretary = make_user(Role.SECRETARY, province, full_name="Nguyễn Thị Thư Ký")
    ballot = CouncilBallot(campaign=council, award_form=award_form, status=BallotStatus.PREPARING, meeting_on=today + timedelta(days=3))
    db.session.add(ballot)
    db.session.add(CouncilMember(campaign=council, user=chair, council_role=CouncilRole.CHAIR, scores_nominations=False))
    returned = draft_decision(council, award_form, secretary, title="Dự thảo bị trả lại")
    audit.record("decision", returned.id, "return", chair, from_state="approved", to_state="draft", reason="Sửa trích yếu")
    draft_decision(council, award_form, secretary, title="Dự thảo mới chờ duyệt")
    db.session.add(DataRequest(campaign_id=council.id, kind=RequestKind.ACCESS, status=RequestStatus.RECEIVED,
                               requester_name="Người yêu cầu", requester_contact="0901234567", notice_version="1",
                               due_at=utcnow() + timedelta(days=5)))
    db.session.commit()
    return dict(secretary=secretary, chair=chair, reviewer=reviewer, ballot=ballot, council=council, award_form=award_form)


def test_secretary_home_lists_screening_late_reviews_objections_ballots_and_returned_drafts(client, auth, busy_committee):
    auth.login(busy_committee["secretary"])

    page = home(client)

    assert count_of(page, "screen") == 1 and "Hồ sơ chờ sơ loại" in card(page, "screen")
    assert "Bản nháp của đơn vị" not in page
    late = card(page, "late_reviews")
    assert count_of(page, "late_reviews") == 1 and "Lê Văn Chấm" in late and "quá hạn 2 ngày" in late
    assert count_of(page, "objections") == 1 and "Mô hình được phản ánh" in card(page, "objections")
    ballots = card(page, "ballots")
    assert count_of(page, "ballots") == 1 and f'href="/council/ballots/{busy_committee["ballot"].id}"' in ballots
    assert count_of(page, "unballoted") == 1 and "Hồ sơ đề cử chờ bỏ phiếu" in card(page, "unballoted")
    assert count_of(page, "returned_drafts") == 1 and "Dự thảo bị trả lại" in card(page, "returned_drafts")
    undecided = card(page, "undecided")
    assert count_of(page, "undecided") == 1 and "Hồ sơ thông qua chờ quyết định" in undecided
    assert f'href="/awards/campaigns/{busy_committee["council"].id}/decisions"' in undecided
    assert "Dự thảo mới chờ duyệt" not in card(page, "returned_drafts")
    assert count_of(page, "data_requests") == 1 and "còn 5 ngày" in card(page, "data_requests")
    # Everything of one card lies in one campaign: "Xem tất cả" opens that campaign's own page.
    assert f'href="/council/campaigns/{busy_committee["council"].id}/ballots"' in ballots


def test_secretary_of_another_province_sees_nothing_of_this_one(client, login_as, make_unit, busy_committee):
    other = make_unit("Tỉnh Bình Định", kind="province", code="52")
    login_as(Role.SECRETARY, other)

    page = home(client)

    for key in ("screen", "late_reviews", "objections", "ballots", "unballoted", "undecided", "returned_drafts", "data_requests"):
        assert count_of(page, key) == 0, key
    assert "Hiện không có việc nào đang chờ bạn." in page


# --- chair, reviewer -------------------------------------------------------------------------------


def test_chair_home_lists_decisions_to_approve_and_the_coming_meeting(client, auth, busy_committee):
    auth.login(busy_committee["chair"])

    page = home(client)

    decisions = card(page, "decisions")
    assert count_of(page, "decisions") == 2
    assert "Dự thảo mới chờ duyệt" in decisions and "Dự thảo chờ Chủ tịch duyệt" in decisions
    meetings = card(page, "meetings")
    assert count_of(page, "meetings") == 1 and "Chờ mở bỏ phiếu" in meetings
    assert (today_in_vietnam() + timedelta(days=3)).strftime("%d/%m/%Y") in meetings


def test_chair_of_another_province_sees_no_decision(client, login_as, make_unit, busy_committee):
    login_as(Role.CHAIR, make_unit("Tỉnh Bình Định", kind="province", code="52"))

    page = home(client)

    assert count_of(page, "decisions") == 0 and count_of(page, "meetings") == 0


def test_reviewer_home_lists_pending_sheets_nearest_deadline_first_and_open_ballots(
    client, auth, make_campaign, make_nomination, make_user, make_unit, province, busy_committee,
):
    today = today_in_vietnam()
    reviewer = make_user(Role.REVIEWER, make_unit(parent=province))
    later = make_campaign(title="Đợt hạn sau", status=CampaignStatus.REVIEW, review_close_on=today + timedelta(days=20))
    sooner = make_campaign(title="Đợt hạn trước", status=CampaignStatus.REVIEW, review_close_on=today + timedelta(days=2))
    for campaign, title in ((later, "Hồ sơ hạn sau"), (sooner, "Hồ sơ hạn trước")):
        nomination = make_nomination(campaign=campaign, status=NominationState.IN_REVIEW, title=title, with_evidence=False)
        db.session.add(ReviewAssignment(nomination=nomination, reviewer=reviewer))
    done = make_nomination(campaign=sooner, status=NominationState.IN_REVIEW, title="Hồ sơ đã chấm xong", with_evidence=False)
    db.session.add(ReviewAssignment(nomination=done, reviewer=reviewer, finalised_at=utcnow()))
    ballot = busy_committee["ballot"]
    ballot.status, ballot.opened_at = BallotStatus.OPEN, utcnow()
    db.session.add(BallotAttendance(ballot=ballot, member_id=reviewer.id, present=True, vote_mode="electronic"))
    db.session.commit()
    auth.login(reviewer)

    page = home(client)

    sheets = card(page, "to_score")
    assert count_of(page, "to_score") == 2 and "Hồ sơ đã chấm xong" not in sheets
    assert sheets.index("Hồ sơ hạn trước") < sheets.index("Hồ sơ hạn sau")
    assert "còn 2 ngày" in sheets and "còn 20 ngày" in sheets
    assert count_of(page, "to_vote") == 1 and f'href="/council/ballots/{ballot.id}/vote"' in card(page, "to_vote")


# --- admin, citizen --------------------------------------------------------------------------------


def test_admin_home_lists_units_without_accounts_and_data_requests(client, login_as, make_unit, make_user, province, busy_committee):
    make_unit("Tỉnh Chưa Có Ai", kind="province", code="99")
    login_as(Role.ADMIN)

    page = home(client)

    assert "Tỉnh Chưa Có Ai (99)" in card(page, "units_without_accounts")  # the highest levels first
    assert 'href="/admin/users/new?unit_code=99"' in card(page, "units_without_accounts")  # the new account's unit is filled in
    assert 'value="99"' in client.get("/admin/users/new?unit_code=99").get_data(as_text=True)
    assert "Tỉnh Quảng Ngãi" not in card(page, "units_without_accounts")  # its secretary and chair have accounts
    assert count_of(page, "data_requests") == 1


def test_citizen_and_visitor_get_the_public_welcome(client, login_as):
    assert "Xem và bình chọn mô hình, điển hình" in home(client)
    login_as(Role.CITIZEN)
    page = home(client)
    assert "Việc cần làm" not in page and "Xem và bình chọn mô hình, điển hình" in page


# --- cost: one query per card, whatever the number of rows ------------------------------------------


def _queries(client, count_queries) -> int:
    with count_queries() as counter:
        home(client)
    return counter.count


@pytest.mark.parametrize("role", ["secretary", "chair", "reviewer"])
def test_home_query_count_does_not_grow_with_the_rows(client, auth, count_queries, make_nomination, make_unit, province,
                                                      busy_committee, role):
    user = busy_committee[role]
    auth.login(user)
    before = _queries(client, count_queries)
    council = busy_committee["council"]
    for number in range(8):
        make_nomination(campaign=council, status=NominationState.SUBMITTED, title=f"Thêm hồ sơ {number}",
                        submitted_at=utcnow(), with_evidence=False)
        draft_decision(council, busy_committee["award_form"], busy_committee["secretary"], title=f"Dự thảo thêm {number}")
    db.session.commit()

    after = _queries(client, count_queries)

    assert after == before
    # The signed-in user, the unread notices, the user's unit, then one query per card.
    assert after == {"secretary": 3 + 12, "chair": 3 + 8, "reviewer": 3 + 2}[role]


def test_unit_home_query_count_is_bounded(client, login_as, count_queries, make_unit, make_campaign, make_nomination, province):
    commune = make_unit(parent=province)
    campaign = make_campaign()
    login_as(Role.UNIT_SUBMITTER, commune)
    before = _queries(client, count_queries)
    for number in range(8):
        make_nomination(unit=commune, campaign=campaign, status=NominationState.RETURNED, with_evidence=False,
                        title=f"Hồ sơ {number}")
        make_nomination(unit=commune, campaign=campaign, status=NominationState.DRAFT, with_evidence=False, title=f"Nháp {number}")

    after = _queries(client, count_queries)

    assert after == before == 3 + 6


def test_admin_home_query_count_is_bounded(client, login_as, count_queries, make_unit, province):
    login_as(Role.ADMIN)
    before = _queries(client, count_queries)
    for _ in range(8):
        make_unit(parent=province)
    assert _queries(client, count_queries) == before == 2 + 2
