"""Who may open the inbox and take screening decisions: 404 outside the scope, 403 inside without the right."""
from __future__ import annotations

import pytest

from dvkheo.accounts.models import Role
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState as S
from dvkheo.review.models import ReviewAssignment

# The inbox of a campaign, per role; committee roles sit in the organising unit, a submitter in a
# commune that sent a dossier, a reviewer is a council member of the campaign.
INBOX_TABLE = {
    Role.SECRETARY: 200,
    Role.CHAIR: 200,
    Role.ADMIN: 200,
    Role.REVIEWER: 404,
    Role.UNIT_SUBMITTER: 404,
    Role.CITIZEN: 404,
}


@pytest.mark.parametrize("role", list(INBOX_TABLE), ids=lambda r: r.value)
def test_inbox_role_table(client, login_as, make_member, make_dossier, review_campaign, role):
    nomination = make_dossier(title="Mô hình trong hộp thư")
    if role is Role.REVIEWER:
        user = make_member()
        client.post("/login", data={"email": user.email, "password": "matkhau-demo-2026"})
    else:
        unit = {Role.SECRETARY: review_campaign.organising_unit, Role.CHAIR: review_campaign.organising_unit,
                Role.UNIT_SUBMITTER: nomination.unit}.get(role)
        login_as(role, unit)
    response = client.get(f"/review/campaigns/{review_campaign.id}/inbox")
    assert response.status_code == INBOX_TABLE[role]
    if response.status_code == 200:
        page = response.get_data(as_text=True)
        assert "Mô hình trong hộp thư" in page
        # Only the secretary gets the bulk acceptance.
        assert ("Tiếp nhận các hồ sơ đã chọn" in page) is (role is Role.SECRETARY)


def test_inbox_sends_anonymous_to_login(client, review_campaign):
    response = client.get(f"/review/campaigns/{review_campaign.id}/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_inbox_of_another_committee_is_404(client, login_as, make_unit, review_campaign):
    login_as(Role.SECRETARY, make_unit("Tỉnh Gia Lai", kind="province"))
    assert client.get(f"/review/campaigns/{review_campaign.id}/inbox").status_code == 404


def test_bulk_accept_by_chair_is_403(client, auth, chair, make_dossier, review_campaign):
    nomination = make_dossier()
    auth.login(chair)
    response = client.post(f"/review/campaigns/{review_campaign.id}/inbox/accept", data={"nomination_ids": [str(nomination.id)]})
    assert response.status_code == 403
    db.session.refresh(nomination)
    assert nomination.status is S.SUBMITTED


DECISIONS = {
    "accept": {},
    "return": {"return-reason": "Bổ sung"},
    "reject": {"reject-reason": "Không đạt"},
    "hold": {"hold-category": "complaint", "hold-reason": "Có đơn", "hold-release_on": "31/12/2099"},
}


def _actor(kind: str, nomination, make_user, make_member, make_unit):
    campaign = nomination.campaign
    if kind == "chair":
        return make_user(Role.CHAIR, campaign.organising_unit)
    if kind == "reviewer":
        return make_member()
    if kind == "assigned reviewer":
        reviewer = make_member()
        db.session.add(ReviewAssignment(nomination=nomination, reviewer=reviewer))
        db.session.commit()
        return reviewer
    if kind == "other committee's secretary":
        return make_user(Role.SECRETARY, make_unit("Tỉnh Đắk Lắk", kind="province"))
    if kind == "own unit submitter":
        return make_user(Role.UNIT_SUBMITTER, nomination.unit)
    if kind == "other unit submitter":
        return make_user(Role.UNIT_SUBMITTER, make_unit(parent=campaign.organising_unit))
    raise AssertionError(kind)


# Who may not take a screening decision, and what they get: 404 when the dossier is outside their sight.
REFUSALS = {
    "chair": 403,
    "reviewer": 404,
    "assigned reviewer": 403,
    "other committee's secretary": 404,
    "own unit submitter": 403,
    "other unit submitter": 404,
}


@pytest.mark.parametrize("decision", list(DECISIONS))
@pytest.mark.parametrize("kind", list(REFUSALS))
def test_screening_decisions_refused_to_everyone_but_the_secretary(
    client, auth, make_dossier, make_user, make_member, make_unit, kind, decision
):
    nomination = make_dossier()
    auth.login(_actor(kind, nomination, make_user, make_member, make_unit))
    response = client.post(f"/review/nominations/{nomination.id}/{decision}", data=DECISIONS[decision])
    assert response.status_code == REFUSALS[kind]
    db.session.refresh(nomination)
    assert nomination.status is S.SUBMITTED


@pytest.mark.parametrize("kind", ["reviewer", "other committee's secretary", "other unit submitter"])
def test_dossier_page_is_404_outside_the_scope(client, auth, make_dossier, make_user, make_member, make_unit, kind):
    nomination = make_dossier()
    auth.login(_actor(kind, nomination, make_user, make_member, make_unit))
    assert client.get(f"/nominations/{nomination.id}").status_code == 404


def test_release_refused_to_chair(client, auth, chair, make_dossier):
    nomination = make_dossier(status=S.ON_HOLD, status_before_hold=S.ACCEPTED)
    auth.login(chair)
    assert client.post(f"/review/nominations/{nomination.id}/release").status_code == 403
    db.session.refresh(nomination)
    assert nomination.status is S.ON_HOLD
