"""The campaign list: its columns and a bounded number of queries however many campaigns."""
from __future__ import annotations

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.nominations.states import NominationState
from tests.campaigns.conftest import vn


def test_index_shows_status_year_window_and_received_count(client, login_as, province, make_campaign, make_nomination):
    campaign = make_campaign(title="Đợt bình xét năm nay")
    make_nomination(campaign=campaign, status=NominationState.SUBMITTED)
    make_nomination(campaign=campaign, status=NominationState.RESUBMITTED)
    make_nomination(campaign=campaign, status=NominationState.DRAFT)  # not received yet
    make_nomination(campaign=campaign, status=NominationState.WITHDRAWN)  # left the campaign
    login_as(Role.CHAIR, province)
    html = client.get("/campaigns/").get_data(as_text=True)
    assert "Đợt bình xét năm nay" in html
    assert CampaignStatus.NOMINATIONS_OPEN.label in html
    assert f"{vn(campaign.nominations_open_on)} – {vn(campaign.nominations_close_on)}" in html
    assert f'/nominations/?campaign={campaign.id}">2</a>' in html
    assert str(campaign.year) in html
    assert "Tạo đợt bình xét" not in html  # a chair does not create campaigns


def test_index_filters_by_year_and_status(client, login_as, province, make_campaign):
    make_campaign(title="Đợt năm 2025", year=2025, status=CampaignStatus.CLOSED)
    make_campaign(title="Đợt năm 2026", year=2026)
    login_as(Role.SECRETARY, province)
    html = client.get("/campaigns/?year=2025").get_data(as_text=True)
    assert "Đợt năm 2025" in html and "Đợt năm 2026" not in html
    html = client.get("/campaigns/?status=nominations_open").get_data(as_text=True)
    assert "Đợt năm 2026" in html and "Đợt năm 2025" not in html


def _index_query_count(client, count_queries) -> int:
    with count_queries() as counter:
        response = client.get("/campaigns/")
    assert response.status_code == 200
    return counter.count


def test_index_query_count_does_not_grow(client, login_as, province, make_unit, make_campaign, make_nomination, count_queries):
    login_as(Role.ADMIN)
    units = [make_unit(f"Xã {i}", parent=province) for i in range(3)]
    for unit in units:
        campaign = make_campaign(organising_unit=unit)
        make_nomination(campaign=campaign, status=NominationState.SUBMITTED)
    few = _index_query_count(client, count_queries)

    for i in range(27):
        campaign = make_campaign(organising_unit=make_unit(f"Phường {i}", parent=province))
        make_nomination(campaign=campaign, status=NominationState.SUBMITTED)
    many = _index_query_count(client, count_queries)
    assert few == many
    assert many <= 6  # user, page count, page rows (with units), one grouped count, the year filter
