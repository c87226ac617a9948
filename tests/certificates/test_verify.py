"""Public verification: what anybody who scans a certificate's QR code or types its serial sees."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from dvkheo.awards.models import Decision, DecisionAwardee, DecisionKind, DecisionStatus, RevocationItem, RevocationScope
from dvkheo.certificates.models import Certificate, CertificateStatus
from dvkheo.certificates.operations import create_certificate
from dvkheo.awards.decisions import take_number
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db, limiter


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def issued(make_council_result, make_issued_decision):
    result = make_council_result(passed=2, individuals=1)
    collective = result.passed[1]
    collective.nominee_name = "Ban Công tác Mặt trận thôn Phú Lộc"
    db.session.commit()
    decision = make_issued_decision(result)
    certificates = db.session.scalars(
        sa.select(Certificate).where(Certificate.decision_id == decision.id).order_by(Certificate.id)
    ).all()
    return result, decision, certificates


def revoke(result, decision, certificate, reason: str) -> Decision:
    """An issued revoking decision (number 02) and the certificate revoked by it, as Part D's workflow leaves them."""
    form = result.award_form
    revoking = Decision(
        campaign_id=result.campaign.id, award_form_id=form.id, kind=DecisionKind.REVOCATION, status=DecisionStatus.APPROVED,
        revokes_id=decision.id, issuer_code=form.issuer_code, symbol=f"QĐ-{form.issuer_code}", decided_on=date(2026, 12, 15),
        place_name=form.place_name, parent_body=form.parent_body, issuing_body=form.issuing_body,
        title="Về việc thu hồi, hủy bỏ quyết định khen thưởng", revocation_reason=reason, issued_at=utcnow(),
    )
    db.session.add(revoking)
    db.session.flush()
    take_number(revoking, revoking.decided_on)
    revoking.status = DecisionStatus.ISSUED
    revoking.revocation_items = [
        RevocationItem(scope=RevocationScope.AWARD, awardee_id=certificate.awardee_id, certificate_id=certificate.id)
    ]
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = utcnow()
    certificate.revoked_by_decision = revoking
    certificate.revocation_reason = reason
    db.session.commit()
    return revoking


def test_a_valid_certificate_shows_its_status_recipient_award_and_decision(client, issued):
    result, _decision, certificates = issued
    certificate = certificates[0]

    response = client.get(f"/verify/{certificate.serial}")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Còn hiệu lực" in page
    assert certificate.serial in page
    assert "Trần Thị Hạnh" in page
    assert "Chủ tịch Hội Phụ nữ xã" in page
    assert "Giấy khen" in page  # the award form
    assert "TỈNH ỦY QUẢNG NGÃI - BAN DÂN VẬN" in page
    assert "Số 01-QĐ/BDVTU, ngày 20/11/2026" in page  # the Party writes a cited decision so
    assert result.campaign.title in page
    assert "Đã thu hồi" not in page
    assert response.headers["Cache-Control"] == "no-cache"


def test_a_collective_is_shown_by_its_name(client, issued):
    certificate = issued[2][1]

    page = client.get(f"/verify/{certificate.serial}").get_data(as_text=True)

    assert "Ban Công tác Mặt trận thôn Phú Lộc" in page


def test_the_page_shows_nothing_private(client, issued):
    result, decision, certificates = issued
    certificate = certificates[1]
    awardee = certificate.awardee
    # The line is sealed with its issued decision: its scores go in as stored data, past the ORM's guard.
    db.session.execute(
        sa.update(DecisionAwardee.__table__).where(DecisionAwardee.__table__.c.id == awardee.id)
        .values(council_score=87.25, combined_score=91.75)
    )
    nomination = awardee.nomination
    nomination.situation = "Tình hình riêng của hồ sơ: đường thôn lầy lội"
    nomination.results = "Kết quả riêng: 214 hộ hiến đất"
    db.session.commit()

    page = client.get(f"/verify/{certificate.serial}").get_data(as_text=True)

    for private in ("87,25", "87.25", "91,75", "91.75", "Tình hình riêng", "Kết quả riêng", "lầy lội",
                    result.secretary.full_name, result.chair.full_name, result.secretary.email,
                    "Ảnh con đường", "phiếu", "Điểm", nomination.unit.code):
        assert private not in page, private


def test_a_revoked_certificate_says_so_with_the_revoking_decision_and_reason(client, issued):
    result, decision, certificates = issued
    certificate = certificates[0]
    revoke(result, decision, certificate, "Thành tích kê khai không đúng sự thật")

    response = client.get(f"/verify/{certificate.serial}")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Đã thu hồi" in page
    assert "Còn hiệu lực" not in page
    assert "Quyết định số 02-QĐ/BDVTU, ngày 15/12/2026" in page
    assert "Thành tích kê khai không đúng sự thật" in page
    # The other certificate of the decision is untouched.
    assert "Còn hiệu lực" in client.get(f"/verify/{certificates[1].serial}").get_data(as_text=True)


def test_a_replaced_certificate_links_to_its_replacement(client, issued):
    result, decision, certificates = issued
    old = certificates[0]
    old.status = CertificateStatus.REPLACED
    db.session.flush()
    new = create_certificate(old.awardee, decision, result.chair)
    old.replaced_by = new
    db.session.commit()

    page = client.get(f"/verify/{old.serial}").get_data(as_text=True)

    assert "Đã được thay thế" in page
    assert f'href="/verify/{new.serial}"' in page
    assert "Còn hiệu lực" in client.get(f"/verify/{new.serial}").get_data(as_text=True)


def test_an_unknown_serial_is_not_found_and_the_form_is_offered_again(client, issued):
    response = client.get("/verify/DVK26-ZZZZ-ZZZZ")

    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Không tìm thấy giấy khen" in page
    assert "DVK26-ZZZZ-ZZZZ" in page
    assert 'name="serial"' in page and 'action="/verify"' in page


def test_a_serial_typed_in_lower_case_or_with_spaces_is_still_found(client, issued):
    serial = issued[2][0].serial
    typed = serial.lower().replace("-", " - ", 1)

    assert "Còn hiệu lực" in client.get(f"/verify/{typed}").get_data(as_text=True)
    without_dashes = serial.replace("-", " ").lower()
    assert "Còn hiệu lực" in client.get(f"/verify/{without_dashes}").get_data(as_text=True)


def test_the_form_goes_to_the_serials_page(client, issued):
    serial = issued[2][0].serial

    empty = client.get("/verify")
    sent = client.get("/verify", query_string={"serial": f"  {serial.lower()} "})

    assert empty.status_code == 200 and "Nhập số hiệu giấy khen" in empty.get_data(as_text=True)
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/verify/{serial}")


def test_an_empty_form_explains_what_to_type(client):
    response = client.get("/verify", query_string={"serial": "  "})

    assert response.status_code == 422
    assert "Vui lòng nhập số hiệu in trên giấy khen." in response.get_data(as_text=True)


def test_verification_needs_no_login_and_few_queries(client, issued, count_queries):
    certificate = issued[2][0]

    with count_queries() as counter:
        assert client.get(f"/verify/{certificate.serial}").status_code == 200

    assert counter.count <= 2


def test_lookups_are_rate_limited_per_address(app, client, issued):
    serial = issued[2][0].serial
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [client.get(f"/verify/{serial}").status_code for _ in range(3)]
        statuses.append(client.get("/verify").status_code)
    finally:
        app.config.pop("VERIFY_RATE_LIMIT")

    assert statuses == [200, 200, 200, 429]
