"""/api/v1/campaigns: the campaigns whose shortlist is public, their results page and their vote ledger as data."""
from __future__ import annotations

from datetime import timedelta

from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.voting import ledger, sealing
from dvkheo.voting.models import VoteChannel

from .conftest import assert_shown, page_text

CAMPAIGN_KEYS = {
    "id", "title", "organising_unit", "status", "status_label", "nominees", "voting_opens", "voting_closes",
    "gallery_url", "results_url", "ledger_url", "api_results_url", "api_ledger_url",
}
RESULT_KEYS = {"campaign", "voting_opens", "voting_closes", "counts_visible", "final", "total_votes", "pending", "rows",
               "chain", "recent_batches", "ledger_url"}
ROW_KEYS = {"place", "nomination_id", "title", "nominee_name", "unit_name", "votes"}


def _vote(campaign, voter, nominee):
    ledger.cast(campaign, voter, nominee, VoteChannel.ONLINE)
    db.session.commit()


def _voted(voting_campaign, make_nominee, make_voter):
    a, b, c = make_nominee("Mô hình A"), make_nominee("Mô hình B"), make_nominee("Mô hình C")
    _vote(voting_campaign, make_voter(), a)
    _vote(voting_campaign, make_voter(), a)
    _vote(voting_campaign, make_voter(), b)
    sealing.seal(voting_campaign.id, final=False, minimum=1)
    db.session.commit()
    return a, b, c


def test_only_campaigns_in_their_public_phase_are_listed_as_the_public_page_lists_them(
        client, make_campaign, voting_campaign, make_nominee):
    make_nominee("Mô hình A")
    private = make_campaign(title="Đợt không công khai", status=CampaignStatus.PUBLIC_VOTING, has_public_stage=False)
    early = make_campaign(title="Đợt đang nhận hồ sơ")

    body = client.get("/api/v1/campaigns").get_json()

    assert [item["id"] for item in body["items"]] == [voting_campaign.id]
    item = body["items"][0]
    assert set(item) == CAMPAIGN_KEYS
    assert item["nominees"] == 1 and item["status_label"] == voting_campaign.status.label
    shown = {key: value for key, value in item.items() if key != "status"}  # the code of the label shown
    assert_shown(shown, page_text(client, "/binh-chon/") + page_text(client, f"/binh-chon/dot/{voting_campaign.id}")
                 + page_text(client, f"/binh-chon/dot/{voting_campaign.id}/ket-qua"))
    for hidden in (private, early):
        assert client.get(f"/binh-chon/dot/{hidden.id}/ket-qua").status_code == 404
        for url in ("", "/results", "/ledger", "/results.csv"):
            assert client.get(f"/api/v1/campaigns/{hidden.id}{url}").status_code == 404, url
    assert client.get(f"/api/v1/campaigns/{voting_campaign.id}").get_json() == item


def test_results_keep_counts_hidden_while_the_page_does(client, voting_campaign, make_nominee, make_voter):
    _voted(voting_campaign, make_nominee, make_voter)

    document = client.get(f"/api/v1/campaigns/{voting_campaign.id}/results").get_json()

    assert set(document) == RESULT_KEYS
    assert document["counts_visible"] is False and document["total_votes"] is None
    assert [set(row) for row in document["rows"]] == [ROW_KEYS] * 3
    assert all(row["votes"] is None and row["place"] is None for row in document["rows"])
    page = page_text(client, f"/binh-chon/dot/{voting_campaign.id}/ket-qua")
    assert "Số phiếu</th>" not in page
    assert_shown({k: v for k, v in document.items() if k != "rows"}, page)
    for row in document["rows"]:  # the nominee's number is public on its gallery page and in the ledger
        assert_shown({k: v for k, v in row.items() if k != "nomination_id"}, page)


def test_final_results_give_places_and_counts_as_the_page_does(client, voting_campaign, make_nominee, make_voter):
    a, b, c = _voted(voting_campaign, make_nominee, make_voter)
    voting_campaign.status = CampaignStatus.COUNCIL_DECISION
    voting_campaign.public_voting_close_on = today_in_vietnam() - timedelta(days=1)
    db.session.commit()

    document = client.get(f"/api/v1/campaigns/{voting_campaign.id}/results").get_json()

    assert document["final"] is True and document["counts_visible"] is True and document["total_votes"] == 3
    assert [(row["place"], row["title"], row["votes"]) for row in document["rows"]] == [
        (1, "Mô hình A", 2), (2, "Mô hình B", 1), (3, "Mô hình C", 0)]
    page = page_text(client, f"/binh-chon/dot/{voting_campaign.id}/ket-qua")
    assert_shown({k: v for k, v in document.items() if k != "rows"}, page)
    for row in document["rows"]:
        assert_shown({k: v for k, v in row.items() if k != "nomination_id"}, page)
    csv_text = client.get(f"/api/v1/campaigns/{voting_campaign.id}/results.csv").get_data().decode("utf-8-sig")
    assert csv_text.splitlines()[1] == f"1,{a.id},Mô hình A,{a.nominee_name},{a.unit.name},2"


def test_the_ledger_is_the_published_ledger_file(client, voting_campaign, make_nominee, make_voter):
    _voted(voting_campaign, make_nominee, make_voter)

    page_file = client.get(f"/binh-chon/dot/{voting_campaign.id}/so-cai.json")
    api = client.get(f"/api/v1/campaigns/{voting_campaign.id}/ledger")

    assert api.status_code == 200 and api.mimetype == "application/json"
    assert api.headers["ETag"] == page_file.headers["ETag"]
    strip = lambda document: {k: v for k, v in document.items() if k != "generated_at"}  # noqa: E731
    assert strip(api.get_json()) == strip(page_file.get_json())
    assert "Content-Disposition" not in api.headers
    assert client.get(f"/api/v1/campaigns/{voting_campaign.id}/ledger",
                      headers={"If-None-Match": api.headers["ETag"]}).status_code == 304


def test_campaign_lists_cost_the_same_queries_with_1_as_with_6_campaigns(
        client, make_campaign, voting_campaign, make_nominee, count_queries):
    make_nominee()
    make_campaign(title="Đợt thứ hai", status=CampaignStatus.COUNCIL_DECISION)

    def costs() -> list[int]:
        found = []
        with count_queries() as counter:
            body = client.get("/api/v1/campaigns?limit=1").get_json()
        found.append(counter.count)
        with count_queries() as counter:
            assert client.get(f"/api/v1/campaigns?limit=1&cursor={body['next_cursor']}").status_code == 200
        found.append(counter.count)
        with count_queries() as counter:
            assert client.get(f"/api/v1/campaigns/{voting_campaign.id}/results").status_code == 200
        found.append(counter.count)
        return found

    few = costs()
    for number in range(5):
        make_campaign(title=f"Đợt {number}", status=CampaignStatus.CLOSED)
        make_nominee(campaign=voting_campaign)
    assert costs() == few


def test_pages_of_campaigns_follow_the_public_order_across_years(client, make_campaign, voting_campaign):
    """Newest year first, then newest id; a cursor continues where the page stopped, a private campaign is skipped."""
    this_year = voting_campaign.year
    older = make_campaign(title="Đợt năm trước", year=this_year - 1, status=CampaignStatus.CLOSED, has_public_stage=True)
    oldest = make_campaign(title="Đợt hai năm trước", year=this_year - 2, status=CampaignStatus.CLOSED, has_public_stage=True)
    newer_same_year = make_campaign(title="Đợt sau cùng năm", status=CampaignStatus.CLOSED, has_public_stage=True)
    make_campaign(title="Đợt không công khai", year=this_year - 1, status=CampaignStatus.CLOSED, has_public_stage=False)
    seen, url = [], "/api/v1/campaigns?limit=2"
    while url:
        body = client.get(url).get_json()
        seen += [item["id"] for item in body["items"]]
        url = f"/api/v1/campaigns?limit=2&cursor={body['next_cursor']}" if body.get("next_cursor") else None
    assert seen == [newer_same_year.id, voting_campaign.id, older.id, oldest.id]
    page = page_text(client, "/binh-chon/")
    assert page.index("Đợt sau cùng năm") < page.index(voting_campaign.title) < page.index("Đợt năm trước")
