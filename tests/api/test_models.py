"""/api/v1/models: the registry list and a model's page as data, exactly what /mo-hinh and /mo-hinh/<id> show."""
from __future__ import annotations

import re

import pytest

from dvkheo.extensions import db
from dvkheo.registry.models import ModelStatus, RecognitionLevel

from .conftest import assert_shown, page_text

# Derived from templates/registry/index.html (the card) and model.html (the facts, summary, awards).
MODEL_KEYS = {
    "id", "url", "title", "kind", "kind_label", "nominee_name", "unit_name", "locality", "field", "summary",
    "highest_level", "highest_level_label", "first_year", "last_year", "status", "status_label", "replication_count",
}
DETAIL_KEYS = MODEL_KEYS | {"source_model", "recognitions", "replications_url"}
RECOGNITION_KEYS = {"award_form", "level", "level_label", "issuing_body", "decision_number", "decided_on", "certificate_serial"}
INTERNAL = ("Bản nháp chưa duyệt", "Lý do trả lại nội bộ")


def titles_on_page(client, query: str = "") -> list[str]:
    html = client.get(f"/mo-hinh{query}").get_data(as_text=True)
    return re.findall(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>', html)


def api_titles(client, query: str = "") -> list[str]:
    response = client.get(f"/api/v1/models{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["title"] for item in response.get_json()["items"]]


def walk(client, query: str, limit: int) -> list[dict]:
    items, cursor = [], None
    while True:
        sep = "&" if query else "?"
        url = f"/api/v1/models{query}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_the_list_holds_what_the_page_lists_and_each_value_is_on_the_public_pages(client, add_models):
    add_models(3)
    hidden = add_models(1, title="Mô hình đã bị thu hồi", is_recognised=False)[0]
    ended = add_models(1, title="Mô hình đã kết thúc", status=ModelStatus.ENDED)[0]

    body = client.get("/api/v1/models").get_json()

    assert [item["title"] for item in body["items"]] == titles_on_page(client)
    assert hidden.title not in str(body) and ended.title not in str(body)
    list_page = page_text(client, "/mo-hinh")
    for item in body["items"]:
        assert set(item) == MODEL_KEYS
        assert_shown(item, list_page + page_text(client, f"/mo-hinh/{item['id']}"), f"model {item['id']}")
    # An ended model: only when asked for, as the page does.
    assert api_titles(client, "?tinh-trang=ended") == titles_on_page(client, "?tinh-trang=ended") == [ended.title]


@pytest.mark.parametrize("query", [
    "?q=rac+thai", "?q=tinh+khe", "?cap=commune&nam=2024", "?nam=2023", "?loai=individual", "?loai=collective",
    "?tinh-trang=paused", "?cap=province",
])
def test_filters_match_the_page(client, add_models, places, query):
    add_models(4)
    add_models(2, title="Hiến đất làm đường", status=ModelStatus.PAUSED, highest_level=RecognitionLevel.PROVINCE)
    assert api_titles(client, query) == titles_on_page(client, query)


def test_place_and_field_filters_match_the_page(client, add_models, places, field):
    province, commune, _ = places
    add_models(5)
    for query in (f"?tinh={province.id}", f"?xa={commune.id}", f"?linh-vuc={field.id}", f"?tinh={province.id}&xa={commune.id}&q=rac"):
        assert api_titles(client, query) == titles_on_page(client, query), query
    assert len(api_titles(client, f"?xa={commune.id}")) == 3


def test_a_model_shows_its_page_facts_and_awards_only(client, add_models):
    model = add_models(1, recognitions=2)[0]

    response = client.get(f"/api/v1/models/{model.id}")

    assert response.status_code == 200
    document = response.get_json()
    assert set(document) == DETAIL_KEYS
    assert [set(r) for r in document["recognitions"]] == [RECOGNITION_KEYS] * 2
    assert_shown(document, page_text(client, f"/mo-hinh/{model.id}") + page_text(client, "/mo-hinh"))
    text = response.get_data(as_text=True)
    assert not any(secret in text for secret in INTERNAL)


def test_a_model_no_longer_recognised_is_gone_and_an_unknown_one_not_found(client, add_models):
    model = add_models(1, is_recognised=False)[0]
    assert client.get(f"/mo-hinh/{model.id}").status_code == 410
    response = client.get(f"/api/v1/models/{model.id}")
    assert response.status_code == 410
    assert response.get_json()["error"]["code"] == 410
    assert client.get("/api/v1/models/999999").get_json() == {
        "error": {"code": 404, "message": "Không tìm thấy dữ liệu được yêu cầu."}}


def test_the_cursor_walks_every_model_once_in_the_page_order(client, add_models):
    add_models(23)
    walked = walk(client, "", limit=5)
    pages = titles_on_page(client) + titles_on_page(client, "?page=2")
    assert [item["title"] for item in walked] == pages
    assert len(walked) == len({item["id"] for item in walked}) == 23


def test_the_cursor_keeps_its_filters_and_ties_are_broken_by_id(client, add_models):
    from datetime import datetime, timezone

    same = datetime(2026, 5, 1, tzinfo=timezone.utc)
    add_models(7, recognised_at=same)
    add_models(4, title="Hiến đất làm đường", recognised_at=same)
    walked = walk(client, "?q=rac", limit=2)
    assert [item["title"] for item in walked] == [f"Thu gom rác thải nhựa số {n}" for n in range(6, -1, -1)]


@pytest.mark.parametrize("query, message", [
    ("?limit=0", "limit"), ("?limit=101", "limit"), ("?limit=abc", "limit"), ("?limit=-1", "limit"),
    ("?cursor=abc", "Con trỏ"), ("?tinh=abc", "tinh"), ("?tinh=99999999999", "tinh"), ("?nam=1800", "nam"),
    ("?cap=world", "cap"), ("?loai=robot", "loai"), ("?tinh-trang=gone", "tinh-trang"),
])
def test_bad_arguments_are_a_400_in_vietnamese(client, query, message):
    response = client.get(f"/api/v1/models{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == 400 and message in error["message"]


def test_a_cursor_forged_or_borrowed_from_another_list_is_refused(client, add_models):
    add_models(3)
    cursor = client.get("/api/v1/models?limit=1").get_json()["next_cursor"]
    assert client.get(f"/api/v1/models?limit=1&cursor={cursor}").status_code == 200
    forged = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    assert client.get(f"/api/v1/models?cursor={forged}").status_code == 400
    model_id = client.get("/api/v1/models").get_json()["items"][0]["id"]
    assert client.get(f"/api/v1/models/{model_id}/replications?cursor={cursor}").status_code == 400


def test_etag_and_last_modified_give_a_304_until_the_data_change(client, add_models):
    model = add_models(2)[0]
    first = client.get("/api/v1/models")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, no-cache"

    assert client.get("/api/v1/models", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/api/v1/models", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(f"/api/v1/models/{model.id}", headers={"If-None-Match": etag}).status_code == 200

    model.title = "Tên mới của mô hình"
    model.refresh_search_text()
    db.session.commit()
    again = client.get("/api/v1/models", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert "Tên mới của mô hình" in again.get_data(as_text=True)


def test_cors_for_get_head_and_options_without_credentials_and_the_security_headers(client, add_models):
    add_models(1)
    for response in (client.get("/api/v1/models"), client.head("/api/v1/models"), client.get("/api/v1/models?limit=0"),
                     client.get("/api/v1/nothing-here"), client.options("/api/v1/models")):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Set-Cookie" not in response.headers
    preflight = client.options("/api/v1/models", headers={"Origin": "https://bao.example", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert client.post("/api/v1/models").status_code == 405
    assert client.post("/api/v1/models").get_json()["error"]["code"] == 405


def test_a_signed_in_browser_gets_the_data_and_no_session_cookie(client, add_models, login_as):
    # A "Cache-Control: public" answer must not carry the visitor's session cookie (a shared cache could keep it),
    # and a session's state (about to be renewed, idle too long, password to change first) must not turn the
    # data into a redirect to a page: the public API neither reads nor renews the session.
    import time

    from dvkheo.accounts.models import Role

    add_models(1)
    login_as(Role.ADMIN)
    paths = ("/api/v1/models", "/api/v1/models.csv", "/api/v1/openapi.json", "/api/v1/nothing-here")
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 120  # the cookie is due to be re-signed on the next page
    for path in paths:
        response = client.get(path)
        assert response.status_code == (404 if "nothing" in path else 200), path
        assert "Set-Cookie" not in response.headers, path
    assert client.get("/admin/units/").status_code == 200  # the pages still know the signed-in person
    with client.session_transaction() as session:
        session["seen_at"] = 0  # idle for too long: the next page asks to sign in again
    for path in paths:
        assert client.get(path).status_code == (404 if "nothing" in path else 200), path


def test_too_many_requests_from_one_client_is_a_429_with_retry_after(app, client, add_models):
    add_models(1)
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.get("/api/v1/models").status_code for _ in range(4)]
        refused = client.get("/api/v1/campaigns")
        other_client = client.get("/api/v1/models", environ_overrides={"REMOTE_ADDR": "10.0.0.9"})
    finally:
        app.config["API_RATE_LIMIT"] = "100000 per minute"
    assert codes == [200, 200, 200, 429]
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Quá nhiều yêu cầu" in refused.get_json()["error"]["message"]
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    assert other_client.status_code == 200


def test_the_list_costs_the_same_queries_at_5_models_as_at_45(client, add_models, places, field, count_queries):
    province, commune, _ = places
    urls = ["/api/v1/models?limit=3", "/api/v1/models?q=thu+gom&limit=3",
            f"/api/v1/models?tinh={province.id}&xa={commune.id}&linh-vuc={field.id}&cap=commune&nam=2024&loai=collective&limit=1"]

    def costs() -> list[int]:
        found = []
        for url in urls:
            with count_queries() as counter:
                body = client.get(url).get_json()
            found.append(counter.count)
            with count_queries() as counter:
                assert client.get(f"{url}&cursor={body['next_cursor']}").status_code == 200
            found.append(counter.count)
        return found

    add_models(5, recognitions=1)
    few = costs()
    add_models(40, recognitions=4)
    assert costs() == few
    assert max(few) <= 2
