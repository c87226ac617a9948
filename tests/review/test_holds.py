"""Tạm dừng xét (Decree 152/2025): a held nomination goes nowhere until released, then returns
to the state it was held from; the hold's reason and expected release date are kept and shown."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.audit import history
from dvkheo.core.notifications import Notification
from dvkheo.core.rules import RuleRefused, TransitionRefused
from dvkheo.core.timeutil import format_date, today_in_vietnam
from dvkheo.extensions import db
from dvkheo.nominations import workflow
from dvkheo.nominations.states import NominationAction as A
from dvkheo.nominations.states import NominationState as S
from dvkheo.review import screening
from dvkheo.review.models import HoldCategory, NominationHold
from tests.review.conftest import give_scores


def in_days(days: int) -> str:
    return format_date(today_in_vietnam() + timedelta(days=days))


def hold_data(**overrides) -> dict:
    data = {"hold-category": "complaint", "hold-reason": "Có đơn khiếu nại về kết quả giải phóng mặt bằng", "hold-release_on": in_days(30)}
    data.update(overrides)
    return data


def hold(nomination, secretary, days: int = 30) -> NominationHold:
    placed = screening.place_hold(
        nomination, secretary, HoldCategory.INSPECTION, "Đang thanh tra việc sử dụng kinh phí", today_in_vietnam() + timedelta(days=days)
    )
    db.session.commit()
    return placed


# --- the on-hold rule ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", [A.ACCEPT, A.START_REVIEW, A.COMPLETE_SCORING, A.SHORTLIST, A.NOT_SHORTLIST, A.PASS_COUNCIL])
def test_held_nomination_goes_nowhere(make_dossier, secretary, make_member, action):
    nomination = make_dossier(status=S.SCORED, title="Mô hình bị tạm dừng", nominee_name="Tổ bị tạm dừng")
    give_scores(nomination, make_member(), [20, 20, 20, 10, 8])
    hold(nomination, secretary)
    with pytest.raises(TransitionRefused) as refused:
        workflow.apply(nomination, action, secretary, reason="Thử")
    assert "Tạm dừng xét" in refused.value.problems[0].message
    assert nomination.status is S.ON_HOLD


@pytest.mark.parametrize("state", [S.SUBMITTED, S.RESUBMITTED, S.ACCEPTED, S.IN_REVIEW, S.SCORED, S.SHORTLISTED, S.PASSED_COUNCIL])
def test_release_returns_to_the_state_held_from(make_dossier, secretary, state):
    nomination = make_dossier(status=state)
    placed = hold(nomination, secretary)
    assert (nomination.status, placed.previous_status) == (S.ON_HOLD, state)
    screening.release_hold(nomination, secretary, "Đã có kết luận thanh tra, không vi phạm")
    db.session.commit()
    db.session.refresh(placed)
    assert nomination.status is state
    assert placed.released_at is not None and placed.released_by_id == secretary.id
    assert placed.release_note == "Đã có kết luận thanh tra, không vi phạm"
    assert [(e.action, e.from_state, e.to_state) for e in history("nomination", nomination.id)] == [
        ("hold", state.value, "on_hold"), ("release", "on_hold", state.value),
    ]


def test_hold_refused_from_a_state_outside_the_table(make_dossier, secretary):
    nomination = make_dossier(status=S.REJECTED)
    with pytest.raises(TransitionRefused):
        hold(nomination, secretary)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NominationHold)) == 0


# --- phases ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("phase", [CampaignStatus.REVIEW, CampaignStatus.PUBLIC_VOTING, CampaignStatus.COUNCIL_DECISION])
def test_hold_and_release_allowed_until_the_awards(make_dossier, secretary, review_campaign, phase):
    nomination = make_dossier(status=S.SHORTLISTED)
    review_campaign.status = phase
    db.session.commit()
    hold(nomination, secretary)
    screening.release_hold(nomination, secretary)
    assert nomination.status is S.SHORTLISTED


@pytest.mark.parametrize("phase", [CampaignStatus.AWARDED, CampaignStatus.CLOSED])
def test_hold_refused_once_awarded(make_dossier, secretary, review_campaign, phase):
    nomination = make_dossier(status=S.PASSED_COUNCIL)
    review_campaign.status = phase
    db.session.commit()
    with pytest.raises(RuleRefused) as refused:
        hold(nomination, secretary)
    assert "không thể tạm dừng xét" in refused.value.problems[0].message
    assert nomination.status is S.PASSED_COUNCIL


# --- through the pages ---------------------------------------------------------------------------------------------


def test_hold_and_release_through_http(client, auth, secretary, make_dossier, make_user):
    nomination = make_dossier(status=S.ACCEPTED)
    submitter = make_user(Role.UNIT_SUBMITTER, nomination.unit)
    auth.login(secretary)
    response = client.post(f"/review/nominations/{nomination.id}/hold", data=hold_data(), follow_redirects=True)
    assert "Đã tạm dừng xét hồ sơ" in response.get_data(as_text=True)
    db.session.refresh(nomination)
    assert nomination.status is S.ON_HOLD
    placed = db.session.scalars(sa.select(NominationHold)).one()
    assert (placed.category, placed.previous_status, placed.release_on) == (
        HoldCategory.COMPLAINT, S.ACCEPTED, today_in_vietnam() + timedelta(days=30),
    )
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Đang tạm dừng xét" in page and "Có đơn khiếu nại chưa giải quyết" in page
    assert f'action="/review/nominations/{nomination.id}/release"' in page

    client.post(f"/review/nominations/{nomination.id}/release", data={"release-note": "Đơn đã được giải quyết"})
    db.session.refresh(nomination)
    assert nomination.status is S.ACCEPTED
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Các lần tạm dừng xét trước" in page and "Đơn đã được giải quyết" in page and "Gỡ tạm dừng xét" in page
    notices = db.session.scalars(sa.select(Notification.message).where(Notification.user_id == submitter.id).order_by(Notification.id)).all()
    assert len(notices) == 2 and "tạm dừng xét" in notices[0] and "gỡ tạm dừng xét" in notices[1]


@pytest.mark.parametrize(
    "typed", ["Đang thanh tra việc sử dụng kinh phí", "Đang thanh tra việc sử dụng kinh phí.", "  Đang thanh tra việc sử dụng kinh phí.  "]
)
def test_the_units_notice_quotes_the_hold_reason_with_one_full_stop(make_dossier, secretary, make_user, typed):
    nomination = make_dossier(status=S.SUBMITTED, title="Mô hình “Sân chơi cho em”")
    submitter = make_user(Role.UNIT_SUBMITTER, nomination.unit)
    screening.place_hold(nomination, secretary, HoldCategory.INSPECTION, typed, today_in_vietnam() + timedelta(days=30))
    db.session.commit()
    notice = db.session.scalars(sa.select(Notification.message).where(Notification.user_id == submitter.id)).one()
    assert "Lý do: Đang thanh tra việc sử dụng kinh phí. Ngày dự kiến xem xét gỡ:" in notice
    assert ".." not in notice


def test_unit_sees_the_reason_of_a_hold(client, auth, secretary, make_dossier, make_user):
    nomination = make_dossier(status=S.SUBMITTED)
    hold(nomination, secretary, days=45)
    auth.login(make_user(Role.UNIT_SUBMITTER, nomination.unit))
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Hồ sơ đang tạm dừng xét" in page and "Đang thanh tra việc sử dụng kinh phí" in page
    assert f"Dự kiến xem xét gỡ: {in_days(45)}" in page
    assert "Sơ loại hồ sơ" not in page  # the committee's panel stays with the committee


def test_hold_date_in_the_past_is_refused_and_the_form_keeps_what_was_typed(client, auth, secretary, make_dossier):
    nomination = make_dossier(status=S.SUBMITTED)
    auth.login(secretary)
    typed = "Cá nhân đang bị xem xét kỷ luật theo đơn thư ngày 02/10"
    response = client.post(
        f"/review/nominations/{nomination.id}/hold", data=hold_data(**{"hold-reason": typed, "hold-release_on": in_days(-1), "hold-category": "discipline"})
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"Ngày dự kiến gỡ tạm dừng xét ({in_days(-1)}) đã qua" in page
    assert 'id="hold-release_on-error"' in page
    assert typed in page and f'value="{in_days(-1)}"' in page
    assert '<option selected value="discipline">' in page or 'value="discipline" selected' in page
    db.session.refresh(nomination)
    assert nomination.status is S.SUBMITTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NominationHold)) == 0


def test_hold_date_not_a_date_is_refused_beside_the_field(client, auth, secretary, make_dossier):
    nomination = make_dossier(status=S.SUBMITTED)
    auth.login(secretary)
    response = client.post(f"/review/nominations/{nomination.id}/hold", data=hold_data(**{"hold-release_on": "31/02/2027"}))
    assert response.status_code == 422
    assert "Ngày không hợp lệ" in response.get_data(as_text=True)


def test_hold_today_is_accepted(client, auth, secretary, make_dossier):
    nomination = make_dossier(status=S.SUBMITTED)
    auth.login(secretary)
    client.post(f"/review/nominations/{nomination.id}/hold", data=hold_data(**{"hold-release_on": in_days(0)}))
    db.session.refresh(nomination)
    assert nomination.status is S.ON_HOLD


def test_inbox_shows_hold_and_due_release(client, auth, secretary, make_dossier, review_campaign):
    waiting = make_dossier(status=S.SUBMITTED, title="Mô hình chờ gỡ", nominee_name="Tổ A")
    due = make_dossier(status=S.SUBMITTED, title="Mô hình đến hạn", nominee_name="Tổ B")
    hold(waiting, secretary, days=20)
    placed = hold(due, secretary, days=5)
    placed.release_on = today_in_vietnam() - timedelta(days=1)  # time has passed since
    db.session.commit()
    auth.login(secretary)
    page = client.get(f"/review/campaigns/{review_campaign.id}/inbox?status=on_hold").get_data(as_text=True)
    assert page.count("Đang thanh tra, kiểm tra") == 2
    assert f"Dự kiến gỡ: {in_days(20)}" in page
    assert page.count("Đã đến hạn xem xét gỡ") == 1
