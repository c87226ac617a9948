"""/api/v1/certificates/<serial>: the certificate check page's answer as data, nothing more, on the page's budget."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.certificates.models import Certificate
from dvkheo.extensions import db
from tests.certificates.test_verify import revoke

from .conftest import assert_shown, page_text

CERTIFICATE_KEYS = {
    "serial", "status", "status_label", "recipient_name", "recipient_detail", "reason", "award_form", "issuer",
    "decision", "campaign_title", "revoked_by", "revoked_on", "revocation_reason", "replaced_by", "reissue_note",
    "award_revoked", "decision_signed_copy", "revoking_decision_signed_copy",
}


@pytest.fixture
def issued(make_council_result, make_issued_decision):
    result = make_council_result(passed=2, individuals=1)
    decision = make_issued_decision(result)
    certificates = db.session.scalars(
        sa.select(Certificate).where(Certificate.decision_id == decision.id).order_by(Certificate.id)).all()
    return result, decision, certificates


def test_a_valid_certificate_says_what_its_check_page_says(client, issued):
    certificate = issued[2][0]

    response = client.get(f"/api/v1/certificates/{certificate.serial.lower()}")

    assert response.status_code == 200
    document = response.get_json()
    assert set(document) == CERTIFICATE_KEYS
    assert document["status"] == "valid" and document["status_label"] == "Còn hiệu lực"
    assert_shown({k: v for k, v in document.items() if k != "status"}, page_text(client, f"/verify/{certificate.serial}"))
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_a_revoked_certificate_gives_the_revocation_as_the_page_does(client, issued):
    result, decision, certificates = issued
    revoke(result, decision, certificates[0], "Thành tích kê khai không đúng sự thật.")

    document = client.get(f"/api/v1/certificates/{certificates[0].serial}").get_json()

    assert document["status"] == "revoked"
    assert document["revocation_reason"] == "Thành tích kê khai không đúng sự thật."
    assert document["revoked_by"].startswith("Quyết định số 02")
    assert_shown({k: v for k, v in document.items() if k != "status"}, page_text(client, f"/verify/{certificates[0].serial}"))


def test_an_unknown_serial_is_a_404_and_the_check_shares_the_pages_rate_limit(app, client, issued):
    certificate = issued[2][0]
    assert client.get("/api/v1/certificates/DVK26-AAAA-BBBB").status_code == 404
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.get(f"/verify/{certificate.serial}").status_code for _ in range(2)]
        codes += [client.get(f"/api/v1/certificates/{certificate.serial}").status_code for _ in range(2)]
    finally:
        app.config["VERIFY_RATE_LIMIT"] = "1000 per minute"
    assert codes == [200, 200, 200, 429]
