"""schemathesis against /api/v1/openapi.json, through the WSGI app (no server): every operation, a bounded number
of generated requests each, checking status codes, content types, headers and response bodies against the document."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_headers_conformance, response_schema_conformance, status_code_conformance,
)

from dvkheo.voting import sealing

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


@pytest.fixture
def api_schema(app, add_models, add_replication, voting_campaign, make_nominee, make_voter):
    """The document as served, with something public behind each kind of id (model 1, its replication, a campaign)."""
    from dvkheo.extensions import db
    from dvkheo.voting import ledger
    from dvkheo.voting.models import VoteChannel

    models = add_models(3, recognitions=2)
    add_replication(models[0])
    nominee = make_nominee("Mô hình A")
    ledger.cast(voting_campaign, make_voter(), nominee, VoteChannel.ONLINE)
    db.session.commit()
    sealing.seal(voting_campaign.id, final=False, minimum=1)
    db.session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _operations() -> list[str]:
    from dvkheo.api import openapi

    return [f"{method.upper()} {path}" for path, item in openapi.document()["paths"].items() for method in item]


# Parametrised by hand rather than with `schemathesis.pytest.from_fixture`, whose plugin does not run on pytest 9.
@pytest.mark.parametrize("label", _operations())
def test_every_operation_answers_as_its_openapi_document_says(api_schema, label):
    method, path = label.split(" ", 1)
    operation = api_schema[path][method].ok() if hasattr(api_schema[path][method], "ok") else api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=15, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def check(case):
        case.call_and_validate(checks=CHECKS)

    check()
