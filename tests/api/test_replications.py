"""/api/v1/models/<id>/replications: the confirmed replications of a recognised model, as their public pages show them."""
from __future__ import annotations

from dvkheo.extensions import db
from dvkheo.replication.models import ReplicationState

from .conftest import assert_shown, page_text

REPLICATION_KEYS = {
    "id", "model_id", "url", "unit_name", "place", "started_on", "scale", "people_reached", "confirmed_on",
    "adaptation", "first_results",
}


def test_only_confirmed_replications_are_listed_each_as_its_public_page_shows_it(client, add_models, add_replication):
    model = add_models(1)[0]
    confirmed = add_replication(model)
    hidden = [add_replication(model, state) for state in
              (ReplicationState.DRAFT, ReplicationState.SUBMITTED, ReplicationState.RETURNED, ReplicationState.WITHDRAWN)]

    body = client.get(f"/api/v1/models/{model.id}/replications").get_json()

    assert [item["id"] for item in body["items"]] == [confirmed.id]
    item = body["items"][0]
    assert set(item) == REPLICATION_KEYS
    # Its own page, and the model's page that links to it.
    assert_shown(item, page_text(client, f"/mo-hinh/{model.id}/nhan-rong/{confirmed.id}") + page_text(client, f"/mo-hinh/{model.id}"))
    assert "Ghi chú nội bộ" not in str(body)
    for replication in hidden:
        assert client.get(f"/mo-hinh/{model.id}/nhan-rong/{replication.id}").status_code == 404
        assert client.get(f"/api/v1/models/{model.id}/replications/{replication.id}").status_code == 404
    one = client.get(f"/api/v1/models/{model.id}/replications/{confirmed.id}")
    assert one.status_code == 200 and one.get_json() == item


def test_a_model_no_longer_recognised_shows_no_replication(client, add_models, add_replication):
    model = add_models(1)[0]
    replication = add_replication(model)
    model.is_recognised = False
    db.session.commit()
    assert client.get(f"/mo-hinh/{model.id}/nhan-rong/{replication.id}").status_code == 404
    assert client.get(f"/api/v1/models/{model.id}/replications").status_code == 404
    assert client.get(f"/api/v1/models/{model.id}/replications/{replication.id}").status_code == 404
    # Another model's id in the address finds nothing either.
    other = add_models(1)[0]
    assert client.get(f"/api/v1/models/{other.id}/replications/{replication.id}").status_code == 404


def test_pages_of_replications_cost_the_same_queries_at_3_as_at_30(client, add_models, add_replication, count_queries):
    model = add_models(1)[0]

    def costs() -> list[int]:
        with count_queries() as counter:
            body = client.get(f"/api/v1/models/{model.id}/replications?limit=2").get_json()
        first = counter.count
        with count_queries() as counter:
            more = client.get(f"/api/v1/models/{model.id}/replications?limit=2&cursor={body['next_cursor']}").get_json()
        assert len(more["items"]) == 1 or more["next_cursor"]
        return [first, counter.count]

    for _ in range(3):
        add_replication(model)
    few = costs()
    for _ in range(27):
        add_replication(model)
    assert costs() == few


def test_the_cursor_walks_every_confirmed_replication_once(client, add_models, add_replication):
    model = add_models(1)[0]
    made = [add_replication(model).id for _ in range(7)]
    seen, cursor = [], ""
    while True:
        body = client.get(f"/api/v1/models/{model.id}/replications?limit=3{cursor}").get_json()
        seen += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        cursor = f"&cursor={body['next_cursor']}"
    assert seen == made
