"""The OpenAPI fragment (dvkheo/staffapi/spec.py) describes the real answers, and is valid OpenAPI 3.1."""
from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from dvkheo.accounts.models import Role
from dvkheo.nominations.states import NominationState
from dvkheo.staffapi.spec import FRAGMENT


def check(payload, schema_name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": FRAGMENT["components"]}
    errors = sorted(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(payload), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def response_schema(path: str, method: str, status: int) -> str:
    ref = FRAGMENT["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[1]


def test_fragment_is_a_valid_openapi_31_document():
    from openapi_spec_validator import validate

    validate({"openapi": "3.1.0", "info": {"title": "dvkheo", "version": "1"}, **FRAGMENT})


def test_fragment_names_every_route_of_the_blueprint(app):
    routes = {
        (rule.rule.replace("<nomination_id>", "{nomination_id}"), method.lower())
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("staffapi.") and rule.endpoint != "staffapi.not_here"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in FRAGMENT["paths"].items() for method in item}
    assert routes == documented


@pytest.fixture
def world(make_unit, make_nomination, make_user, province, issue_token):
    commune = make_unit(parent=province)
    submitted = make_nomination(unit=commune, status=NominationState.SUBMITTED)
    make_nomination(unit=commune, campaign=submitted.campaign)
    user = make_user(Role.UNIT_SUBMITTER, commune)
    return {"secret": issue_token(user), "nomination": submitted, "campaign": submitted.campaign}


def test_real_answers_match_the_fragment(api, world):
    secret, n = world["secret"], world["nomination"]
    listed = api.get("/nominations?limit=1", secret)
    check(listed.get_json(), response_schema("/api/v1/staff/nominations", "get", 200))
    assert listed.get_json()["next_cursor"]
    one = api.get(f"/nominations/{n.id}", secret)
    check(one.get_json(), response_schema("/api/v1/staff/nominations/{nomination_id}", "get", 200))
    assert one.get_json()["attachments"]
    campaigns = api.get("/campaigns", secret)
    check(campaigns.get_json(), response_schema("/api/v1/staff/campaigns", "get", 200))
    body = {"campaign_id": world["campaign"].id, "kind": "individual", "nominee_name": "Trần Thị Hạnh",
            "nominee_birth_year": "1985", "started_on": "15/03/2024", "field_id": None, "nominee_consent": True}
    check(body, "StaffNominationInput")
    created = api.post("/nominations", secret, json=body)
    assert created.status_code == 201
    check(created.get_json(), response_schema("/api/v1/staff/nominations", "post", 201))


def test_error_answers_match_the_fragment(api, world, make_user, issue_token, province):
    secret = world["secret"]
    answers = {
        401: api.get("/nominations", None),
        400: api.get("/nominations?status=x", secret),
        404: api.get("/nominations/2147483647", secret),
        422: api.post("/nominations", secret, json={"kind": "x"}),
        403: api.post("/nominations", issue_token(make_user(Role.SECRETARY, province)), json={}),
    }
    for status, response in answers.items():
        assert response.status_code == status
        check(response.get_json(), "StaffError")
