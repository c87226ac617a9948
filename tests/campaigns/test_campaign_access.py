"""Who reaches which campaign page: every role, own committee and another one.

Campaigns of another committee answer 404 (nothing leaks); pages a role may see but not act
on answer 403; anonymous visitors are sent to the login page.
"""
from __future__ import annotations

import pytest

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus, ReferenceItem, ReferenceKind
from dvkheo.extensions import db
from tests.conftest import reference_item

# persona -> (role, which unit): "own" = the organising province, "other" = an unrelated district
PERSONAS = {
    "anonymous": (None, None),
    "unit_submitter": (Role.UNIT_SUBMITTER, "child"),
    "secretary": (Role.SECRETARY, "own"),
    "other_secretary": (Role.SECRETARY, "other"),
    "reviewer": (Role.REVIEWER, "own"),
    "chair": (Role.CHAIR, "own"),
    "other_chair": (Role.CHAIR, "other"),
    "citizen": (Role.CITIZEN, None),
    "admin": (Role.ADMIN, None),
}

# view -> expected status per persona, in PERSONAS order
TABLE = {
    "index": (302, 403, 200, 200, 403, 200, 200, 403, 200),
    "new": (302, 403, 200, 200, 403, 403, 403, 403, 200),
    "show": (302, 403, 200, 404, 403, 200, 404, 403, 200),
    "edit": (302, 403, 200, 404, 403, 403, 404, 403, 200),
    "edit_post": (302, 403, 302, 404, 403, 403, 404, 403, 302),
    "transition": (302, 403, 302, 404, 403, 403, 404, 403, 302),
    "reference_lists": (302, 403, 403, 403, 403, 403, 403, 403, 200),
    "reference_add": (302, 403, 403, 403, 403, 403, 403, 403, 302),
    "reference_update": (302, 403, 403, 403, 403, 403, 403, 403, 302),
    "reference_deactivate": (302, 403, 403, 403, 403, 403, 403, 403, 302),
    "reference_reactivate": (302, 403, 403, 403, 403, 403, 403, 403, 302),
}
CASES = [(view, persona, TABLE[view][i]) for view in TABLE for i, persona in enumerate(PERSONAS)]


def _request(client, view: str, campaign, item: ReferenceItem):
    base = f"/campaigns/{campaign.id}"
    if view == "index":
        return client.get("/campaigns/")
    if view == "new":
        return client.get("/campaigns/new")
    if view == "show":
        return client.get(base)
    if view == "edit":
        return client.get(f"{base}/edit")
    if view == "edit_post":
        data = {
            "title": "Tên mới", "year": str(campaign.year), "nominee_kinds": ["collective"],
            "field_ids": [str(f.id) for f in campaign.allowed_fields], "public_review_threshold_percent": "50",
            "reviewers_per_nomination": "2", "disagreement_threshold": "15",
            "voter_verification": "email_code", "votes_per_voter": "3", "public_vote_share_percent": "0",
            "organising_unit_id": str(campaign.organising_unit_id),  # read by the admin's form only
        }
        return client.post(f"{base}/edit", data=data)
    if view == "transition":
        return client.post(f"{base}/phase/open_nominations", data={"confirmed": "1"})
    if view == "reference_lists":
        return client.get("/campaigns/reference-lists")
    if view == "reference_add":
        return client.post("/campaigns/reference-lists/field/add", data={"new-field-name": "Lĩnh vực thử"})
    if view == "reference_update":
        return client.post(f"/campaigns/reference-lists/items/{item.id}", data={f"item-{item.id}-name": "Tên sửa"})
    if view == "reference_deactivate":
        return client.post(f"/campaigns/reference-lists/items/{item.id}/deactivate")
    if view == "reference_reactivate":
        return client.post(f"/campaigns/reference-lists/items/{item.id}/reactivate")
    raise AssertionError(view)


@pytest.mark.parametrize("view,persona,expected", CASES)
def test_role_status_table(client, login_as, province, make_unit, make_campaign, view, persona, expected):
    campaign = make_campaign(status=CampaignStatus.DRAFT)
    item = reference_item(ReferenceKind.FIELD)
    role, where = PERSONAS[persona]
    if role is not None:
        unit = {"own": province, "child": make_unit(parent=province), "other": make_unit(kind="district"), None: None}[where]
        login_as(role, unit)
    response = _request(client, view, campaign, item)
    assert response.status_code == expected, response.get_data(as_text=True)[:500]
    if expected == 302 and role is None:
        assert "/login" in response.headers["Location"]
    if view in ("transition", "edit_post"):
        db.session.expire_all()
        changed = campaign.status is CampaignStatus.NOMINATIONS_OPEN if view == "transition" else campaign.title == "Tên mới"
        assert changed is (expected == 302 and role is not None)


def test_index_lists_only_own_committee_campaigns(client, login_as, province, make_unit, make_campaign):
    district = make_unit("Huyện Sơn Tịnh", kind="district", parent=province)
    make_campaign(title="Đợt của tỉnh")
    make_campaign(organising_unit=district, title="Đợt của huyện")
    login_as(Role.SECRETARY, district)
    html = client.get("/campaigns/").get_data(as_text=True)
    assert "Đợt của huyện" in html and "Đợt của tỉnh" not in html


def test_admin_index_lists_every_campaign(client, login_as, province, make_unit, make_campaign):
    district = make_unit("Huyện Sơn Tịnh", kind="district", parent=province)
    make_campaign(title="Đợt của tỉnh")
    make_campaign(organising_unit=district, title="Đợt của huyện")
    login_as(Role.ADMIN)
    html = client.get("/campaigns/").get_data(as_text=True)
    assert "Đợt của huyện" in html and "Đợt của tỉnh" in html and "Huyện Sơn Tịnh" in html


def test_secretary_without_unit_cannot_create(client, login_as):
    login_as(Role.SECRETARY, None)
    assert client.get("/campaigns/new").status_code == 403
