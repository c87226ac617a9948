"""Campaign phases: every transition allowed and refused, per role, per guard, audited."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns import workflow
from dvkheo.campaigns.models import Campaign, CampaignStatus as S, Criterion, ReferenceItem
from dvkheo.campaigns.workflow import CampaignAction as A
from dvkheo.core import audit
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState

TODAY = today_in_vietnam()
PAST = TODAY - timedelta(days=5)
LONG_AGO = TODAY - timedelta(days=40)


@pytest.fixture
def ready_campaign(make_campaign, make_nomination, make_council_result, make_issued_decision):
    """A campaign whose every guard is satisfied, placed in the state asked for.

    The two ways out of review exclude each other: `for_action=A.START_COUNCIL_DECISION` gives a
    campaign without a public stage and with a shortlisted dossier.
    """

    def build(status: S, for_action: A | None = None, **attributes) -> Campaign:
        defaults = dict(
            nominations_open_on=TODAY - timedelta(days=1),
            nominations_close_on=TODAY + timedelta(days=30),
            public_voting_open_on=LONG_AGO,
            public_voting_close_on=PAST,
        )
        if status not in (S.DRAFT, S.NOMINATIONS_OPEN):
            defaults.update(nominations_open_on=LONG_AGO, nominations_close_on=PAST)
        if status is S.NOMINATIONS_OPEN:
            # Still open for units, but the start_review guard needs the window over: tested separately.
            defaults.update(nominations_open_on=LONG_AGO, nominations_close_on=PAST)
        straight_to_council = status is S.REVIEW and for_action is A.START_COUNCIL_DECISION
        if straight_to_council:
            defaults["has_public_stage"] = False
        defaults.update(attributes)
        campaign = make_campaign(status=status, **defaults)
        if straight_to_council:
            make_nomination(campaign=campaign, status=NominationState.SHORTLISTED)
        if status is S.COUNCIL_DECISION and for_action is A.PUBLISH_AWARDS:
            make_issued_decision(make_council_result(passed=1, campaign=campaign))
        return campaign

    return build


# (state, action) -> (new state, the roles allowed, as persona names)
EXPECTED = {
    (S.DRAFT, A.OPEN_NOMINATIONS): (S.NOMINATIONS_OPEN, {"secretary", "admin"}),
    (S.NOMINATIONS_OPEN, A.REVERT_TO_DRAFT): (S.DRAFT, {"secretary", "admin"}),
    (S.NOMINATIONS_OPEN, A.START_REVIEW): (S.REVIEW, {"secretary", "admin"}),
    (S.REVIEW, A.OPEN_PUBLIC_VOTING): (S.PUBLIC_VOTING, {"secretary", "admin"}),
    (S.REVIEW, A.START_COUNCIL_DECISION): (S.COUNCIL_DECISION, {"secretary", "admin"}),
    (S.PUBLIC_VOTING, A.START_COUNCIL_DECISION): (S.COUNCIL_DECISION, {"secretary", "admin"}),
    (S.COUNCIL_DECISION, A.PUBLISH_AWARDS): (S.AWARDED, {"chair"}),
    (S.AWARDED, A.CLOSE): (S.CLOSED, {"secretary", "admin"}),
}
PERSONAS = [
    "secretary", "chair", "admin", "other_secretary", "other_chair", "reviewer", "unit_submitter", "citizen",
]


def test_table_matches_the_documented_flow():
    assert {key: (rule.target, rule.roles) for key, rule in workflow.TRANSITIONS.items()} == {
        key: (target, frozenset(Role(r) for r in roles)) for key, (target, roles) in EXPECTED.items()
    }


@pytest.fixture
def personas(province, make_unit, make_user):
    other = make_unit("Huyện Khác", kind="district")
    return {
        "secretary": make_user(Role.SECRETARY, province),
        "chair": make_user(Role.CHAIR, province),
        "admin": make_user(Role.ADMIN),
        "other_secretary": make_user(Role.SECRETARY, other),
        "other_chair": make_user(Role.CHAIR, other),
        "reviewer": make_user(Role.REVIEWER, province),
        "unit_submitter": make_user(Role.UNIT_SUBMITTER, province),
        "citizen": make_user(Role.CITIZEN),
    }


@pytest.mark.parametrize("state,action", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_transition_per_role(ready_campaign, personas, state, action, persona):
    campaign = ready_campaign(state, for_action=action)
    target, allowed = EXPECTED[(state, action)]
    actor = personas[persona]
    assert (action in workflow.available_actions(campaign, actor)) is (persona in allowed)
    if persona in allowed:
        assert workflow.apply(campaign, action, actor) is target
        db.session.commit()
        event = audit.history("campaign", campaign.id)[-1]
        assert (event.action, event.actor_id, event.from_state, event.to_state) == (
            action.value, actor.id, state.value, target.value,
        )
    else:
        with pytest.raises(workflow.TransitionRefused) as refused:
            workflow.apply(campaign, action, actor)
        assert [p.rule for p in refused.value.problems] == ["permission"]
        assert campaign.status is state


@pytest.mark.parametrize("state", list(S))
def test_actions_outside_the_table_are_refused(ready_campaign, personas, state):
    campaign = ready_campaign(state)
    for action in A:
        if (state, action) in EXPECTED:
            continue
        with pytest.raises(workflow.TransitionRefused) as refused:
            workflow.apply(campaign, action, personas["admin"])
        (problem,) = refused.value.problems
        assert problem.rule == "transition"
        assert f"đang ở giai đoạn “{state.label}”" in problem.message
    assert campaign.status is state


def _refusal(campaign, action, actor) -> list[str]:
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.apply(campaign, action, actor)
    assert campaign.status is not workflow.TRANSITIONS[(campaign.status, action)].target
    return [p.message for p in refused.value.problems]


def test_open_nominations_guards(ready_campaign, personas):
    secretary = personas["secretary"]
    campaign = ready_campaign(S.DRAFT, nominations_open_on=None, nominations_close_on=None, field_codes=[], rubric=[])
    campaign.allow_collective = campaign.allow_individual = False
    assert workflow.blockers(campaign, A.OPEN_NOMINATIONS)
    assert _refusal(campaign, A.OPEN_NOMINATIONS, secretary) == [
        "Thang điểm chưa có tiêu chí nào; cần ít nhất một tiêu chí.",
        "Chưa chọn lĩnh vực nào (đang sử dụng) cho đợt bình xét.",
        "Chưa chọn loại hồ sơ được nhận (tập thể hoặc cá nhân).",
        "Chưa đặt thời hạn nhận hồ sơ (ngày bắt đầu và ngày kết thúc).",
    ]

    campaign.criteria.append(Criterion(position=1, title="Tiêu chí", description="", max_score=10))
    inactive = db.session.scalars(sa.select(ReferenceItem).where(ReferenceItem.code == "environment")).one()
    inactive.active = False
    campaign.allowed_fields = [inactive]
    campaign.allow_individual = True
    campaign.nominations_open_on, campaign.nominations_close_on = LONG_AGO, PAST
    messages = _refusal(campaign, A.OPEN_NOMINATIONS, secretary)
    assert messages[0] == "Chưa chọn lĩnh vực nào (đang sử dụng) cho đợt bình xét."
    assert messages[1].startswith("Hạn nhận hồ sơ đã qua (")

    inactive.active = True
    campaign.nominations_close_on = TODAY  # the last day still counts
    assert workflow.blockers(campaign, A.OPEN_NOMINATIONS) == []
    assert workflow.apply(campaign, A.OPEN_NOMINATIONS, secretary) is S.NOMINATIONS_OPEN
    assert campaign.accepts_nominations()


def test_revert_to_draft_only_without_nominations(ready_campaign, personas, make_nomination):
    campaign = ready_campaign(S.NOMINATIONS_OPEN, nominations_close_on=TODAY + timedelta(days=3))
    make_nomination(campaign=campaign)  # a unit's draft is enough to forbid it
    assert _refusal(campaign, A.REVERT_TO_DRAFT, personas["secretary"]) == [
        "Đã có 1 hồ sơ đề nghị trong đợt bình xét; không thể trở lại chuẩn bị."
    ]


def test_review_waits_for_the_published_deadline(ready_campaign, personas):
    campaign = ready_campaign(S.NOMINATIONS_OPEN, nominations_close_on=TODAY)
    (message,) = _refusal(campaign, A.START_REVIEW, personas["admin"])
    assert message.startswith("Chưa hết hạn nhận hồ sơ (")
    campaign.nominations_close_on = TODAY - timedelta(days=1)
    assert workflow.apply(campaign, A.START_REVIEW, personas["admin"]) is S.REVIEW


def test_public_voting_needs_dates_and_council_waits_for_its_end(ready_campaign, personas):
    secretary = personas["secretary"]
    campaign = ready_campaign(S.REVIEW, public_voting_open_on=None, public_voting_close_on=None)
    assert _refusal(campaign, A.OPEN_PUBLIC_VOTING, secretary) == [
        "Chưa đặt thời gian công khai lấy ý kiến, bình chọn (ngày bắt đầu và kết thúc)."
    ]
    campaign.public_voting_open_on, campaign.public_voting_close_on = TODAY, TODAY + timedelta(days=10)
    assert workflow.apply(campaign, A.OPEN_PUBLIC_VOTING, secretary) is S.PUBLIC_VOTING
    (message,) = _refusal(campaign, A.START_COUNCIL_DECISION, secretary)
    assert message.startswith("Chưa hết thời gian công khai lấy ý kiến (")


def test_public_stage_decides_the_way_out_of_review(ready_campaign, personas, make_nomination):
    secretary = personas["secretary"]
    with_public = ready_campaign(S.REVIEW)
    assert _refusal(with_public, A.START_COUNCIL_DECISION, secretary) == [
        "Đợt bình xét có giai đoạn công khai lấy ý kiến, bình chọn; "
        "hãy công khai danh sách đề cử trước khi chuyển Hội đồng xét chọn.",
        "Chưa có hồ sơ nào vào danh sách đề cử; Hội đồng chưa có hồ sơ để xét chọn.",
    ]

    without_public = ready_campaign(S.REVIEW, has_public_stage=False)
    assert _refusal(without_public, A.OPEN_PUBLIC_VOTING, secretary) == [
        "Đợt bình xét không có giai đoạn công khai lấy ý kiến, bình chọn; "
        "sau danh sách đề cử, chuyển thẳng Hội đồng xét chọn."
    ]
    make_nomination(campaign=without_public, status=NominationState.SCORED)
    assert [p.rule for p in workflow.blockers(without_public, A.START_COUNCIL_DECISION)] == ["shortlist"]
    make_nomination(campaign=without_public, status=NominationState.SHORTLISTED)
    assert workflow.blockers(without_public, A.START_COUNCIL_DECISION) == []
    assert workflow.apply(without_public, A.START_COUNCIL_DECISION, secretary) is S.COUNCIL_DECISION


# --- through the web ---------------------------------------------------------------------------


def test_buttons_follow_permissions(
    client, login_as, switch_user, province, ready_campaign, make_council_result, make_issued_decision
):
    campaign = ready_campaign(S.DRAFT)
    login_as(Role.SECRETARY, province)
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f'action="/campaigns/{campaign.id}/phase/open_nominations"' in html
    assert "Sửa thông tin, thang điểm" in html

    switch_user(Role.CHAIR, province)
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "/phase/" not in html and "Chuyển giai đoạn" not in html
    assert "Sửa thông tin, thang điểm" not in html

    campaign.status = S.COUNCIL_DECISION
    db.session.commit()
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f'action="/campaigns/{campaign.id}/phase/publish_awards"' not in html
    assert "Chưa có quyết định khen thưởng nào được ban hành" in html

    make_issued_decision(make_council_result(passed=1, campaign=campaign))
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f'action="/campaigns/{campaign.id}/phase/publish_awards"' in html


def test_blocked_action_is_explained_not_offered(client, login_as, province, ready_campaign):
    campaign = ready_campaign(S.DRAFT, nominations_open_on=None, nominations_close_on=None)
    login_as(Role.SECRETARY, province)
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Mở nhận hồ sơ</strong>: chưa thực hiện được vì" in html and "Chưa đặt thời hạn nhận hồ sơ" in html
    assert f'action="/campaigns/{campaign.id}/phase/open_nominations"' not in html


def test_transition_over_http_commits_and_shows_history(client, login_as, province, ready_campaign):
    campaign = ready_campaign(S.DRAFT)
    secretary = login_as(Role.SECRETARY, province)
    response = client.post(f"/campaigns/{campaign.id}/phase/open_nominations", data={"confirmed": "1"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Đợt bình xét đã chuyển sang giai đoạn “Đang nhận hồ sơ”." in html
    assert "Mở nhận hồ sơ" in html and "(Đang chuẩn bị → Đang nhận hồ sơ)" in html
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status is S.NOMINATIONS_OPEN
    assert audit.history("campaign", campaign.id)[-1].actor_id == secretary.id


def test_phase_change_asks_first_and_says_what_cannot_be_undone(client, login_as, province, ready_campaign):
    campaign = ready_campaign(S.NOMINATIONS_OPEN, nominations_close_on=TODAY - timedelta(days=1))
    login_as(Role.SECRETARY, province)
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Không thể hoàn tác:</strong> Các đơn vị không nộp, sửa hồ sơ được nữa" in page  # said beside the button too
    assert 'data-confirm-question="Kết thúc nhận hồ sơ, chuyển sang sơ loại và chấm điểm?"' in page

    response = client.post(f"/campaigns/{campaign.id}/phase/start_review")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<h1 id=\"confirm-question\">Kết thúc nhận hồ sơ, chuyển sang sơ loại và chấm điểm?</h1>" in html
    assert "Không thể hoàn tác." in html and "Không thể quay lại giai đoạn nhận hồ sơ." in html
    assert f'action="/campaigns/{campaign.id}/phase/start_review"' in html and 'name="confirmed" value="1"' in html
    assert f'href="/campaigns/{campaign.id}#phase-actions">Quay lại, chưa thực hiện</a>' in html
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status is S.NOMINATIONS_OPEN
    assert [e.action for e in audit.history("campaign", campaign.id)] == ["create"]

    response = client.post(f"/campaigns/{campaign.id}/phase/start_review", data={"confirmed": "1"}, follow_redirects=True)
    assert "Đợt bình xét đã chuyển sang giai đoạn" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status is S.REVIEW


def test_refused_transition_over_http_flashes_reason(client, login_as, province, ready_campaign):
    campaign = ready_campaign(S.NOMINATIONS_OPEN, nominations_close_on=TODAY + timedelta(days=2))
    login_as(Role.SECRETARY, province)
    response = client.post(f"/campaigns/{campaign.id}/phase/start_review", follow_redirects=True)
    assert "Chưa hết hạn nhận hồ sơ" in response.get_data(as_text=True)
    response = client.post(f"/campaigns/{campaign.id}/phase/close", follow_redirects=True)
    assert "Không thể “kết thúc đợt bình xét” khi đợt bình xét đang ở giai đoạn “Đang nhận hồ sơ”." in response.get_data(as_text=True)
    assert client.post(f"/campaigns/{campaign.id}/phase/no_such_action").status_code == 404
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status is S.NOMINATIONS_OPEN
    assert [e.action for e in audit.history("campaign", campaign.id)] == ["create"]


def test_phase_change_is_post_only(client, login_as, province, ready_campaign):
    campaign = ready_campaign(S.DRAFT)
    login_as(Role.SECRETARY, province)
    assert client.get(f"/campaigns/{campaign.id}/phase/open_nominations").status_code == 405


def test_revert_is_offered_only_while_possible(client, login_as, province, ready_campaign, make_nomination):
    campaign = ready_campaign(S.NOMINATIONS_OPEN, nominations_close_on=TODAY + timedelta(days=3))
    login_as(Role.SECRETARY, province)
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f'action="/campaigns/{campaign.id}/phase/revert_to_draft"' in html
    make_nomination(campaign=campaign)
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "revert_to_draft" not in html and "Trở lại chuẩn bị" not in html


def test_posts_without_csrf_token_change_nothing(app, client, login_as, province, ready_campaign, monkeypatch):
    campaign = ready_campaign(S.DRAFT)
    login_as(Role.SECRETARY, province)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for url, data in ((f"/campaigns/{campaign.id}/phase/open_nominations", {}), (f"/campaigns/{campaign.id}/edit", {"title": "Đổi tên"})):
        response = client.post(url, data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and "Phiên làm việc đã hết hạn" in html and "CSRF" not in html
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert campaign.status is S.DRAFT and campaign.title != "Đổi tên"
