"""The staff API answers each role exactly as the pages do (tests/nominations/test_access.py)."""
from __future__ import annotations

import pytest

from dvkheo.accounts.models import Role
from dvkheo.nominations.states import NominationState


@pytest.fixture
def setting(make_unit, make_nomination, province):
    """Two communes of one province (A and B), each with a submitted dossier and a draft."""
    unit_a = make_unit("Xã Tịnh Ấn Tây", parent=province)
    unit_b = make_unit("Xã Nghĩa Hành", parent=province)
    mine = make_nomination(unit=unit_a, status=NominationState.SUBMITTED, title="Mô hình của xã A")
    campaign = mine.campaign
    return {
        "a": unit_a, "b": unit_b, "campaign": campaign,
        "a_submitted": mine,
        "a_draft": make_nomination(unit=unit_a, campaign=campaign, title="Bản nháp của xã A"),
        "b_submitted": make_nomination(unit=unit_b, campaign=campaign, status=NominationState.SUBMITTED, title="Mô hình của xã B"),
        "b_draft": make_nomination(unit=unit_b, campaign=campaign, title="Bản nháp của xã B"),
    }


# role (as the page tests name it) -> (unit key, the dossiers its token lists)
READS = {
    "unit_a": (Role.UNIT_SUBMITTER, "a", {"a_submitted", "a_draft"}),
    "unit_b": (Role.UNIT_SUBMITTER, "b", {"b_submitted", "b_draft"}),
    "secretary": (Role.SECRETARY, "province", {"a_submitted", "b_submitted"}),
    "chair": (Role.CHAIR, "province", {"a_submitted", "b_submitted"}),
    "reviewer": (Role.REVIEWER, "province", set()),
    "citizen": (Role.CITIZEN, None, set()),
    "admin": (Role.ADMIN, None, {"a_submitted", "a_draft", "b_submitted", "b_draft"}),
}
DOSSIERS = ("a_submitted", "a_draft", "b_submitted", "b_draft")


def _unit(setting, province, key):
    return province if key == "province" else (setting[key] if key else None)


@pytest.mark.parametrize("who", list(READS))
def test_each_role_reads_what_its_pages_show(client, api, login_as, issue_token, setting, province, who):
    role, unit_key, expected = READS[who]
    user = login_as(role, _unit(setting, province, unit_key))  # the client also holds this person's session
    secret = issue_token(user)

    listed = api.get("/nominations", secret)
    assert listed.status_code == 200
    assert {item["id"] for item in listed.get_json()["items"]} == {setting[k].id for k in expected}

    for key in DOSSIERS:
        nomination_id = setting[key].id
        page = client.get(f"/nominations/{nomination_id}").status_code
        answer = api.get(f"/nominations/{nomination_id}", secret)
        assert answer.status_code == page == (200 if key in expected else 404), (who, key)
        if page == 200:
            assert answer.get_json()["title"] == setting[key].title
        else:
            assert answer.get_json()["error"] == "not_found"
            assert setting[key].title not in answer.get_data(as_text=True)


def test_assigned_reviewer_reads_exactly_the_assigned_dossier(client, api, make_user, issue_token, setting, province):
    from dvkheo.extensions import db
    from dvkheo.review.models import AssignmentStatus, ReviewAssignment

    reviewer = make_user(Role.REVIEWER, province)
    db.session.add(ReviewAssignment(nomination_id=setting["b_submitted"].id, reviewer_id=reviewer.id, status=AssignmentStatus.ACTIVE))
    db.session.commit()
    secret = issue_token(reviewer)
    assert [i["id"] for i in api.get("/nominations", secret).get_json()["items"]] == [setting["b_submitted"].id]
    assert api.get(f"/nominations/{setting['b_submitted'].id}", secret).status_code == 200
    assert api.get(f"/nominations/{setting['a_submitted'].id}", secret).status_code == 404


def test_secretary_of_another_province_reads_nothing(api, make_user, make_unit, issue_token, setting):
    secret = issue_token(make_user(Role.SECRETARY, make_unit("Tỉnh Gia Lai", kind="province")))
    assert api.get("/nominations", secret).get_json()["items"] == []
    assert api.get(f"/nominations/{setting['b_submitted'].id}", secret).status_code == 404


# Who may create a draft: the page's "Tạo hồ sơ đề nghị" answers 403 to every role but the unit's staff.
@pytest.mark.parametrize("who", list(READS))
def test_only_unit_staff_create_drafts_as_on_the_page(client, api, login_as, issue_token, setting, province, who):
    from dvkheo.extensions import db
    from dvkheo.nominations.models import Nomination

    role, unit_key, _ = READS[who]
    user = login_as(role, _unit(setting, province, unit_key))
    # Every role's token carries the "draft" scope here, so that a refusal is the access rule's.
    secret = issue_token(user, scopes={"read", "draft"}) if role is Role.UNIT_SUBMITTER else _draft_token_anyway(user)
    campaign = setting["campaign"]
    page = client.post(f"/nominations/new/{campaign.id}/collective", data={"title": "Qua trang", "save_draft": "1"}).status_code
    before = db.session.query(Nomination).count()
    answer = api.post("/nominations", secret, json={"campaign_id": campaign.id, "kind": "collective", "title": "Qua API"})
    if role is Role.UNIT_SUBMITTER:
        assert page == 302 and answer.status_code == 201
        assert answer.get_json()["unit"]["id"] == setting[unit_key].id
    else:
        assert page == answer.status_code == 403
        assert db.session.query(Nomination).count() == before


def _draft_token_anyway(user) -> str:
    """A token with the "draft" scope for someone the page would not offer it to (as if their role changed back)."""
    import secrets as _secrets
    from datetime import timedelta

    from dvkheo.accounts.api_tokens import ApiToken, hash_secret
    from dvkheo.core.timeutil import utcnow
    from dvkheo.extensions import db

    secret = "dvk_" + _secrets.token_urlsafe(32)
    db.session.add(ApiToken(
        user=user, name="x", token_hash=hash_secret(secret), prefix=secret[:12], scopes="draft read",
        issued_role=user.role.value, issued_unit_id=user.unit_id, created_at=utcnow(), expires_at=utcnow() + timedelta(days=1),
    ))
    db.session.commit()
    return secret


def test_unit_a_cannot_create_for_unit_b(api, make_user, issue_token, setting, make_campaign, make_unit):
    secret = issue_token(make_user(Role.UNIT_SUBMITTER, setting["a"]))
    campaign = setting["campaign"]
    # No way to name another unit: an unknown field is refused, nothing is created.
    answer = api.post("/nominations", secret, json={"campaign_id": campaign.id, "kind": "collective", "unit_id": setting["b"].id})
    assert answer.status_code == 422
    assert "unit_id" in answer.get_json()["errors"]
    # A campaign of another province does not take dossiers from unit A (the page's own message).
    elsewhere = make_campaign(organising_unit=make_unit("Tỉnh Gia Lai", kind="province"))
    answer = api.post("/nominations", secret, json={"campaign_id": elsewhere.id, "kind": "collective"})
    assert answer.status_code == 422
    assert answer.get_json()["errors"]["campaign_id"] == ["Đợt bình xét này hiện không nhận hồ sơ từ đơn vị của bạn."]
    # The draft it may create is unit A's.
    answer = api.post("/nominations", secret, json={"campaign_id": campaign.id, "kind": "collective", "title": "Của xã A"})
    assert answer.status_code == 201 and answer.get_json()["unit"] == {"id": setting["a"].id, "name": "Xã Tịnh Ấn Tây"}
    # And unit B's staff cannot open it.
    other = issue_token(make_user(Role.UNIT_SUBMITTER, setting["b"]))
    assert api.get(f"/nominations/{answer.get_json()['id']}", other).status_code == 404


def test_session_cookie_is_ignored(client, api, login_as, issue_token, setting, make_user):
    login_as(Role.ADMIN)  # the browser is signed in as an administrator
    response = api.get("/nominations", None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="dvkheo-staff-api"'
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    # With a token, the token's owner is the caller, not the signed-in administrator.
    secret = issue_token(make_user(Role.UNIT_SUBMITTER, setting["b"]))
    response = api.get("/nominations", secret)
    assert {i["id"] for i in response.get_json()["items"]} == {setting["b_submitted"].id, setting["b_draft"].id}
    assert "Set-Cookie" not in response.headers
    # The session is untouched: the pages still know the administrator.
    assert client.get("/admin/units/").status_code == 200


def test_a_post_with_only_a_session_cookie_creates_nothing(client, api, login_as, setting):
    from dvkheo.extensions import db
    from dvkheo.nominations.models import Nomination

    login_as(Role.UNIT_SUBMITTER, setting["a"])
    before = db.session.query(Nomination).count()
    response = api.post("/nominations", None, json={"campaign_id": setting["campaign"].id, "kind": "collective"})
    assert response.status_code == 401
    assert db.session.query(Nomination).count() == before
