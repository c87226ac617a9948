"""The OpenAPI document: built from fragments (another package adds its own in one line), a schema for every answer,
and the open data page rendered from it with examples that work."""
from __future__ import annotations

import re
import shlex

import pytest

from dvkheo.api import openapi

STAFF = {
    "paths": {"/staff/dossiers": {"get": {"operationId": "listDossiers", "summary": "Hồ sơ của đơn vị",
                                          "responses": {"200": {"description": "Hồ sơ",
                                                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Dossier"}}}}}}}},
    "components": {"schemas": {"Dossier": {"type": "object"}},
                   "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
}


def test_a_fragment_adds_its_paths_and_components_to_the_public_ones():
    document = openapi.document(fragments=[openapi.public_fragment(), STAFF])
    assert document["openapi"] == "3.1.0"
    assert "/staff/dossiers" in document["paths"] and "/models" in document["paths"]
    assert set(document["components"]["schemas"]) >= {"Dossier", "Model", "Error"}
    assert document["components"]["securitySchemes"] == STAFF["components"]["securitySchemes"]
    assert document["info"]["license"]["url"] == "https://creativecommons.org/licenses/by/4.0/deed.vi"


def test_a_path_or_component_named_twice_is_an_error_not_an_overwrite():
    with pytest.raises(ValueError, match="/models"):
        openapi.merge([openapi.public_fragment(), {"paths": {"/models": {}}}])
    with pytest.raises(ValueError, match="Error"):
        openapi.merge([openapi.public_fragment(), {"components": {"schemas": {"Error": {"type": "string"}}}}])


def test_the_fragment_sources_name_importable_fragments(monkeypatch):
    monkeypatch.setattr(openapi, "FRAGMENT_SOURCES", [*openapi.FRAGMENT_SOURCES, "tests.api.test_openapi:STAFF"])
    assert "/staff/dossiers" in openapi.document()["paths"]


def test_every_operation_documents_its_errors_and_every_json_answer_has_a_schema(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["servers"] == [{"url": "http://localhost/api/v1"}]
    for path, item in document["paths"].items():
        for operation in item.values():
            assert "429" in operation["responses"], path
            for code, response in operation["responses"].items():
                for media, content in response.get("content", {}).items():
                    assert content["schema"], (path, code)
            if "{" in path:
                assert "404" in operation["responses"], path


def test_the_open_data_page_gives_the_licence_csv_links_and_curl_lines_that_work(client, add_models, add_replication,
                                                                                 voting_campaign, make_nominee):
    model = add_models(2)[0]
    add_replication(model)
    make_nominee()

    response = client.get("/du-lieu-mo")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "CC BY 4.0" in html and 'rel="license"' in html
    for link in ("/api/v1/models.csv", "/api/v1/replications.csv", "/api/v1/openapi.json"):
        assert link in html
    curls = re.findall(r"<code>(curl -i [^<]+)</code>", html)
    assert len(curls) >= 12
    for line in curls:
        url = shlex.split(line.replace("&amp;", "&").replace("&#39;", "'"))[-1]
        path = url.removeprefix("http://localhost")
        answer = client.get(path)
        assert answer.status_code in (200, 404), line  # 404: the example certificate serial only
        if answer.status_code == 404:
            assert "/certificates/" in path


def test_the_staff_api_is_in_the_document_but_not_on_the_public_page_nor_open_to_other_sites(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {"/staff/nominations", "/staff/campaigns"} <= set(document["paths"])
    assert "bearerAuth" in document["components"]["securitySchemes"]
    assert "/staff/" not in client.get("/du-lieu-mo").get_data(as_text=True)
    refused = client.get("/api/v1/staff/nominations")
    assert refused.status_code == 401
    assert "Access-Control-Allow-Origin" not in refused.headers
