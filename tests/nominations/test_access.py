"""Access control: each role against each nomination page, and units prying by URL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState


@pytest.fixture
def setting(make_unit, make_nomination, province):
    """Two communes of one province, each with a submitted nomination."""
    own = make_unit("Xã Tịnh Ấn Tây", parent=province)
    other = make_unit("Xã Nghĩa Hành", parent=province)
    mine = make_nomination(unit=own, status=NominationState.SUBMITTED, title="Mô hình của xã mình", nominee_name="Tổ dân vận thôn 1")
    theirs = make_nomination(
        unit=other, campaign=mine.campaign, status=NominationState.SUBMITTED,
        title="Mô hình của xã bạn", nominee_name="Tổ dân vận thôn 2",
    )
    return {"own": own, "other": other, "mine": mine, "theirs": theirs}


def urls_of(nomination: Nomination) -> dict[str, str]:
    attachment = nomination.attachments[0]
    return {
        "show": f"/nominations/{nomination.id}",
        "edit": f"/nominations/{nomination.id}/edit",
        "download": f"/nominations/{nomination.id}/attachments/{attachment.id}",
    }


def test_submitter_cannot_open_another_units_nomination_by_url(client, login_as, setting):
    login_as(Role.UNIT_SUBMITTER, setting["own"])
    for name, url in urls_of(setting["theirs"]).items():
        assert client.get(url).status_code == 404, name
    theirs = setting["theirs"]
    assert client.post(f"/nominations/{theirs.id}/edit", data={"title": "Ghi đè", "save_draft": "1"}).status_code == 404
    assert client.post(f"/nominations/{theirs.id}/withdraw", data={}).status_code == 404
    attachment_id = theirs.attachments[0].id
    assert client.post(f"/nominations/{theirs.id}/attachments/{attachment_id}/delete").status_code == 404
    from dvkheo.extensions import db

    db.session.refresh(theirs)
    assert (theirs.title, theirs.status, len(theirs.attachments)) == ("Mô hình của xã bạn", NominationState.SUBMITTED, 1)


def test_attachment_id_of_another_nomination_is_not_served_through_own(client, login_as, setting):
    login_as(Role.UNIT_SUBMITTER, setting["own"])
    foreign_attachment = setting["theirs"].attachments[0].id
    assert client.get(f"/nominations/{setting['mine'].id}/attachments/{foreign_attachment}").status_code == 404


def test_list_shows_nothing_of_other_units(client, login_as, setting):
    login_as(Role.UNIT_SUBMITTER, setting["own"])
    page = client.get("/nominations/").get_data(as_text=True)
    assert "Mô hình của xã mình" in page
    assert "Mô hình của xã bạn" not in page and "Xã Nghĩa Hành" not in page
    # Not even through a search for the other unit's words.
    page = client.get("/nominations/?q=xa ban").get_data(as_text=True)
    assert "Mô hình của xã bạn" not in page


# Expected status for (role, page) on another unit's submitted nomination, with the role's unit
# being the organising province for committee roles and a sibling commune for submitters.
ROLE_TABLE = {
    Role.UNIT_SUBMITTER: {"show": 404, "edit": 404, "download": 404},
    Role.SECRETARY: {"show": 200, "edit": 403, "download": 200},
    Role.CHAIR: {"show": 200, "edit": 403, "download": 200},
    Role.REVIEWER: {"show": 404, "edit": 404, "download": 404},
    Role.CITIZEN: {"show": 404, "edit": 404, "download": 404},
    Role.ADMIN: {"show": 200, "edit": 403, "download": 200},
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_table_for_nomination_pages(client, login_as, setting, province, role):
    unit = setting["own"] if role is Role.UNIT_SUBMITTER else (province if role in (Role.SECRETARY, Role.CHAIR, Role.REVIEWER) else None)
    login_as(role, unit)
    got = {name: client.get(url).status_code for name, url in urls_of(setting["theirs"]).items()}
    assert got == ROLE_TABLE[role]


def test_secretary_of_another_province_sees_nothing(client, login_as, setting, make_unit):
    login_as(Role.SECRETARY, make_unit("Tỉnh Gia Lai", kind="province"))
    assert client.get(urls_of(setting["theirs"])["show"]).status_code == 404
    assert "Mô hình của xã bạn" not in client.get("/nominations/").get_data(as_text=True)


def test_committee_never_sees_a_units_draft(client, login_as, make_nomination, make_unit, province):
    draft = make_nomination(unit=make_unit(parent=province), title="Bản nháp chưa gửi")
    login_as(Role.SECRETARY, province)
    assert client.get(f"/nominations/{draft.id}").status_code == 404
    assert "Bản nháp chưa gửi" not in client.get("/nominations/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.REVIEWER, Role.CHAIR, Role.CITIZEN, Role.ADMIN], ids=lambda r: r.value)
def test_only_unit_submitters_create_nominations(client, login_as, make_campaign, province, role):
    campaign = make_campaign()
    login_as(role, province)
    assert client.get("/nominations/new").status_code == 403
    assert client.post(f"/nominations/new/{campaign.id}/collective", data={"title": "X", "save_draft": "1"}).status_code == 403


def test_anonymous_is_sent_to_login(client, setting):
    response = client.get(urls_of(setting["mine"])["download"])
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_list_query_count_is_the_same_for_10_and_1000(client, login_as, make_unit, make_campaign, province, count_queries):
    from dvkheo.extensions import db

    commune = make_unit(parent=province)
    campaign = make_campaign()
    login_as(Role.UNIT_SUBMITTER, commune)
    campaign_id, commune_id, field_id = campaign.id, commune.id, campaign.allowed_fields[0].id

    def add(count: int) -> None:
        rows = [
            {
                "campaign_id": campaign_id, "unit_id": commune_id, "kind": "collective", "status": "submitted",
                "title": f"Mô hình số {i}", "nominee_name": f"Tổ {i}", "field_id": field_id, "nominee_key": f"collective:to {i}",
                "search_text": f"mo hinh so {i}",
            }
            for i in range(count)
        ]
        db.session.execute(sa.insert(Nomination), rows)
        db.session.commit()

    def measure() -> int:
        with count_queries() as counter:
            response = client.get("/nominations/?q=mo hinh")
        assert response.status_code == 200
        return counter.count

    add(10)
    small = measure()
    add(990)
    large = measure()
    assert small == large
    assert large <= 8
