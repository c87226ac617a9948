"""GET /api/v1/staff/nominations: keyset pages on id, the page's filters, a query count that does not grow."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination


@pytest.fixture
def commune(make_unit, province):
    return make_unit(parent=province)


def _add(campaign, unit, count: int, status: str = "submitted") -> None:
    start = db.session.scalar(sa.select(sa.func.count()).select_from(Nomination)) or 0
    db.session.execute(sa.insert(Nomination), [
        {"campaign_id": campaign.id, "unit_id": unit.id, "kind": "collective", "status": status,
         "title": f"Mô hình số {start + i}", "nominee_name": f"Tổ {i}", "field_id": campaign.allowed_fields[0].id,
         "nominee_key": f"collective:to {i}", "search_text": f"mo hinh so {i}"}
        for i in range(count)
    ])
    db.session.commit()


def test_pages_follow_the_cursor_without_gaps_or_repeats(api, make_user, issue_token, make_campaign, commune):
    campaign = make_campaign()
    _add(campaign, commune, 5)
    secret = issue_token(make_user(Role.UNIT_SUBMITTER, commune))
    seen, path = [], "/nominations?limit=2"
    while path:
        body = api.get(path, secret).get_json()
        seen += [item["id"] for item in body["items"]]
        path = body.get("next", "").removeprefix("/api/v1/staff") or None
        assert (body["next_cursor"] is None) == (path is None)
    all_ids = list(db.session.scalars(sa.select(Nomination.id).order_by(Nomination.id.desc())))
    assert seen == all_ids and len(seen) == 5


def test_filters_by_status_and_campaign(api, make_user, issue_token, make_campaign, commune):
    first, second = make_campaign(title="Đợt một"), make_campaign(title="Đợt hai")
    _add(first, commune, 2)
    _add(first, commune, 1, status="draft")
    _add(second, commune, 3)
    secret = issue_token(make_user(Role.UNIT_SUBMITTER, commune))
    assert len(api.get(f"/nominations?campaign={first.id}", secret).get_json()["items"]) == 3
    assert len(api.get(f"/nominations?campaign={first.id}&status=draft", secret).get_json()["items"]) == 1
    assert len(api.get("/nominations?status=submitted", secret).get_json()["items"]) == 5


@pytest.mark.parametrize("query, name", [
    ("status=dang-xet", "status"), ("campaign=abc", "campaign"), ("campaign=2147483648", "campaign"),
    ("cursor=-1", "cursor"), ("cursor=99999999999999999999", "cursor"), ("limit=0", "limit"),
])
def test_bad_parameters_are_told(api, make_user, issue_token, commune, query, name):
    response = api.get(f"/nominations?{query}", issue_token(make_user(Role.UNIT_SUBMITTER, commune)))
    assert response.status_code == 400
    assert name in response.get_json()["errors"]


def test_ids_beyond_integer_range_are_not_found(api, make_user, issue_token, commune):
    secret = issue_token(make_user(Role.UNIT_SUBMITTER, commune))
    for path in ("/nominations/2147483648", "/nominations/99999999999999999999999", "/nominations/-1", "/nominations/abc", "/khong-co"):
        response = api.get(path, secret)
        assert response.status_code == 404, path
        assert response.get_json()["error"] == "not_found"
    wrong_method = api.client.delete("/api/v1/staff/nominations/1", headers={"Authorization": f"Bearer {secret}"})
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "GET"


@pytest.mark.parametrize("role", [Role.UNIT_SUBMITTER, Role.SECRETARY, Role.ADMIN], ids=lambda r: r.value)
def test_query_count_is_the_same_for_10_and_500(api, make_user, issue_token, make_campaign, commune, province, count_queries, role):
    campaign = make_campaign()
    secret = issue_token(make_user(role, commune if role is Role.UNIT_SUBMITTER else (province if role is Role.SECRETARY else None)))
    api.get("/nominations", secret)  # last_used_at written now, not during the measures

    def measure() -> int:
        with count_queries() as counter:
            response = api.get(f"/nominations?campaign={campaign.id}&limit=100", secret)
        assert response.status_code == 200
        return counter.count, len(response.get_json()["items"])

    _add(campaign, commune, 10)
    small, small_items = measure()
    _add(campaign, commune, 490)
    large, large_items = measure()
    assert (small_items, large_items) == (10, 100)
    assert small == large <= 3
