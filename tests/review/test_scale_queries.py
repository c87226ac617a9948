"""At provincial scale (5,000 dossiers, 50 council members) the committee's pages send as many SQL
statements as they do for a handful: every list is loaded in a fixed number of queries."""
from __future__ import annotations

import pytest

from bench.review_pages import PASSWORD, seed


@pytest.fixture
def sized_campaign(app):
    def build(size: int) -> dict:
        return seed(size, reviewer_count=50)

    return build


def _queries(client, count_queries, url: str) -> int:
    client.get(url)  # warm-up: first-request caches
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


PAGES = (
    "inbox", "inbox?status=all&q=dan+van", "ranking", "assignments", "progress",
    # Every view of the ranking (issue 13): a later page, the per-group view, one group.
    "ranking?page=2", "ranking?view=groups", "ranking?view=groups&page=2", "ranking?kind=collective&field={field}",
)


def test_committee_pages_use_the_same_number_of_queries_for_30_and_5000_dossiers(client, count_queries, sized_campaign):
    small = sized_campaign(30)
    client.post("/login", data={"email": small["email"], "password": PASSWORD})
    counts_small = {
        page: _queries(client, count_queries, f"/review/campaigns/{small['campaign_id']}/{page.format(field=small['first_field_id'])}")
        for page in PAGES
    }
    client.post("/logout")

    from tests.conftest import _clean_tables

    _clean_tables()
    large = sized_campaign(5000)
    client.post("/login", data={"email": large["email"], "password": PASSWORD})
    counts_large = {
        page: _queries(client, count_queries, f"/review/campaigns/{large['campaign_id']}/{page.format(field=large['first_field_id'])}")
        for page in PAGES
    }
    assert counts_large == counts_small
    assert max(counts_large.values()) <= 15
