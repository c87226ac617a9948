"""The digitally signed copy of an issued decision: the committee uploads it, the app checks it with
pyHanko and keeps it as the official copy, the verification page offers it to anybody with a certificate.

Every signed file here is the decision's real PDF signed in the test with a self-made RSA certificate.
"""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.awards import signed_copy
from dvkheo.awards.decision_pdf import decision_pdf
from dvkheo.awards.models import SignedCopy
from dvkheo.certificates.models import Certificate
from dvkheo.core.audit import AuditEvent
from dvkheo.core.storage import path_for, upload_root
from dvkheo.extensions import db, limiter
from tests.conftest import PNG_BYTES
from tests.signing import SIGNER_NAME, alter_one_byte, append_update, make_certificate, sign_pdf


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture(scope="module")
def signing_keys(tmp_path_factory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("signer"))


@pytest.fixture
def issued(make_council_result, make_issued_decision):
    result = make_council_result(passed=2, individuals=1)
    decision = make_issued_decision(result)
    return SimpleNamespace(result=result, decision=decision)


@pytest.fixture
def signed(issued, signing_keys) -> bytes:
    return sign_pdf(decision_pdf(issued.decision), *signing_keys)


def upload(client, decision, data: bytes, name: str = "QD-01-BDVTU-2026-da-ky.pdf"):
    return client.post(
        f"/awards/decisions/{decision.id}/signed-copy",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def stored_files() -> list[Path]:
    return [path for path in upload_root().glob("*/*") if path.is_file()]


def assert_refused(response, message: str, *, beside_field: bool = True) -> None:
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert ('id="file-error"' in page) is beside_field  # beside the field, not only in the summary
    assert db.session.scalar(sa.select(sa.func.count(SignedCopy.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "signed_copy")) == 0


# --- accepted --------------------------------------------------------------------------------------


def test_the_signed_decision_is_kept_as_the_official_copy_with_its_signer_time_and_hash(client, auth, issued, signed):
    decision = issued.decision
    auth.login(issued.result.secretary)

    response = upload(client, decision, signed)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/awards/decisions/{decision.id}#signed-copy")
    copy = db.session.scalars(sa.select(SignedCopy)).one()
    import hashlib

    assert copy.sha256 == hashlib.sha256(signed).hexdigest()
    assert copy.signer_name == SIGNER_NAME
    assert copy.signed_at is not None and copy.trusted is False
    assert path_for(copy.stored_name).read_bytes() == signed
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "signed_copy")).one()
    assert (event.entity_type, event.entity_id, event.actor_id) == ("decision", decision.id, issued.result.secretary.id)
    assert event.details["sha256"] == copy.sha256 and event.details["replaces"] is None

    page = client.get(f"/awards/decisions/{decision.id}").get_data(as_text=True)
    assert "Bản ký số" in page
    assert SIGNER_NAME in page
    assert signed_copy.format_signing_time(copy.signed_at) in page  # dd/mm/yyyy HH:MM, Vietnam time
    assert copy.sha256 in page
    assert "Chưa xác minh được chuỗi chứng thư" in page
    assert "Tải lên bản ký số" in page  # the history line
    download = client.get(f"/awards/decisions/{decision.id}/signed-copies/{copy.id}.pdf")
    assert download.status_code == 200
    assert download.data == signed  # byte for byte: the signature still verifies
    assert download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert "QD-01-BDVTU-2026-ky-so.pdf" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"


def test_the_chair_may_upload_too(client, auth, issued, signed):
    auth.login(issued.result.chair)

    assert upload(client, issued.decision, signed).status_code == 302


def test_the_signing_time_is_shown_day_first_in_vietnam_time():
    from datetime import datetime, timezone

    assert signed_copy.format_signing_time(datetime(2026, 11, 20, 1, 5, tzinfo=timezone.utc)) == "20/11/2026 08:05"


def test_a_new_upload_replaces_the_official_copy_and_keeps_the_earlier_one(client, auth, issued, signing_keys, tmp_path):
    decision = issued.decision
    auth.login(issued.result.secretary)
    first = sign_pdf(decision_pdf(decision), *signing_keys)
    other_keys = make_certificate(tmp_path / "deputy", common_name="Lê Thị Phó Ban")
    second = sign_pdf(decision_pdf(decision), *other_keys)

    assert upload(client, decision, first, "ban-1.pdf").status_code == 302
    assert upload(client, decision, second, "ban-2.pdf").status_code == 302

    older, newer = db.session.scalars(sa.select(SignedCopy).order_by(SignedCopy.id)).all()
    assert signed_copy.current_copy(decision.id).id == newer.id
    assert newer.signer_name == "Lê Thị Phó Ban"
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "signed_copy").order_by(AuditEvent.id)).all()
    assert [e.details["replaces"] for e in events] == [None, older.id]
    page = client.get(f"/awards/decisions/{decision.id}").get_data(as_text=True)
    assert "Các bản đã được thay thế (1)" in page
    assert page.index("Lê Thị Phó Ban") < page.index("ban-1.pdf")  # the official copy first
    assert client.get(f"/awards/decisions/{decision.id}/signed-copies/{older.id}.pdf").data == first


def test_a_certificate_chaining_to_a_configured_root_is_shown_as_verified(app, client, auth, issued, signed, signing_keys):
    app.config["SIGNED_PDF_TRUST_ROOTS"] = [str(signing_keys[1])]
    try:
        auth.login(issued.result.secretary)
        assert upload(client, issued.decision, signed).status_code == 302
        page = client.get(f"/awards/decisions/{issued.decision.id}").get_data(as_text=True)
    finally:
        app.config["SIGNED_PDF_TRUST_ROOTS"] = []

    assert db.session.scalars(sa.select(SignedCopy)).one().trusted is True
    assert "Đã xác minh chuỗi chứng thư" in page


def test_an_unreadable_trust_root_does_not_stop_the_upload(app, client, auth, issued, signed, tmp_path):
    app.config["SIGNED_PDF_TRUST_ROOTS"] = [str(tmp_path / "missing.pem")]
    try:
        auth.login(issued.result.secretary)
        assert upload(client, issued.decision, signed).status_code == 302
    finally:
        app.config["SIGNED_PDF_TRUST_ROOTS"] = []

    assert db.session.scalars(sa.select(SignedCopy)).one().trusted is False


def test_a_certificate_outside_the_configured_roots_is_accepted_but_not_verified(
    app, client, auth, issued, signed, tmp_path
):
    _, other_root = make_certificate(tmp_path / "other-ca", common_name="CA khác")
    app.config["SIGNED_PDF_TRUST_ROOTS"] = [str(other_root)]
    try:
        auth.login(issued.result.secretary)
        assert upload(client, issued.decision, signed).status_code == 302
        page = client.get(f"/awards/decisions/{issued.decision.id}").get_data(as_text=True)
    finally:
        app.config["SIGNED_PDF_TRUST_ROOTS"] = []

    assert db.session.scalars(sa.select(SignedCopy)).one().trusted is False
    assert "không dẫn tới chứng thư gốc nào được cấu hình" in page


# --- refused ---------------------------------------------------------------------------------------


def test_the_signed_copy_altered_by_one_byte_is_refused(client, auth, issued, signed):
    auth.login(issued.result.secretary)
    before = stored_files()

    response = upload(client, issued.decision, alter_one_byte(signed))

    assert_refused(response, "tệp đã bị thay đổi sau khi ký")
    assert stored_files() == before  # nothing half-saved


def test_a_change_saved_after_signing_is_refused(client, auth, issued, signed):
    auth.login(issued.result.secretary)

    assert_refused(upload(client, issued.decision, append_update(signed)), "tệp đã bị thay đổi sau khi ký")


def test_bytes_appended_after_the_signature_are_refused(client, auth, issued, signed):
    auth.login(issued.result.secretary)

    assert_refused(upload(client, issued.decision, signed + b"%appended\n"), "tệp đã bị thay đổi sau khi ký")


def test_an_unsigned_pdf_is_refused(client, auth, issued):
    auth.login(issued.result.secretary)

    assert_refused(upload(client, issued.decision, decision_pdf(issued.decision)), "chưa có chữ ký số")


def test_a_file_that_is_not_a_pdf_is_refused_whatever_its_name(client, auth, issued):
    auth.login(issued.result.secretary)

    assert_refused(upload(client, issued.decision, PNG_BYTES, "quyet-dinh.pdf"), "không phải tệp PDF")


def test_a_damaged_pdf_is_refused(client, auth, issued):
    auth.login(issued.result.secretary)

    assert_refused(upload(client, issued.decision, b"%PDF-1.7\n" + b"\x00garbage" * 50), "Không đọc được tệp PDF")


def test_a_signature_that_cannot_be_checked_is_refused_with_its_own_reason(client, auth, issued, signed, monkeypatch):
    import pyhanko.sign.validation

    def broken(*args, **kwargs):
        raise NotImplementedError("an algorithm pyHanko does not know")

    monkeypatch.setattr(pyhanko.sign.validation, "validate_pdf_signature", broken)
    auth.login(issued.result.secretary)

    assert_refused(upload(client, issued.decision, signed), "Không kiểm tra được chữ ký số trong tệp")


def test_an_empty_form_asks_for_the_file(client, auth, issued):
    auth.login(issued.result.secretary)

    response = client.post(f"/awards/decisions/{issued.decision.id}/signed-copy", data={}, content_type="multipart/form-data")

    assert_refused(response, "Vui lòng chọn tệp PDF đã ký số của quyết định.")


def test_the_signed_pdf_of_another_decision_is_refused(client, auth, issued, make_issued_decision, signing_keys):
    first = issued.decision
    second = make_issued_decision(issued.result, nominations=[], decided_on=date(2026, 11, 25))
    assert (first.number_label, second.number_label) == ("01-QĐ/BDVTU", "02-QĐ/BDVTU")
    auth.login(issued.result.secretary)

    response = upload(client, first, sign_pdf(decision_pdf(second), *signing_keys))

    assert_refused(response, "không phải Quyết định số 01-QĐ/BDVTU")


def test_a_signed_certificate_that_cites_the_decision_is_not_taken_for_it(client, auth, issued, signing_keys):
    """A certificate (or any later paper) prints "Quyết định số 01-QĐ/BDVTU": citing the number is not being it."""
    from dvkheo.certificates.render import render_certificates_pdf

    certificate = db.session.scalars(sa.select(Certificate).where(Certificate.decision_id == issued.decision.id)).first()
    auth.login(issued.result.secretary)

    response = upload(client, issued.decision, sign_pdf(render_certificates_pdf([certificate]), *signing_keys))

    assert_refused(response, "không phải Quyết định số 01-QĐ/BDVTU")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignedCopy)) == 0


def test_the_same_number_of_another_year_is_not_taken_for_it(client, auth, issued, make_council_result, make_issued_decision, signing_keys):
    other_year = make_issued_decision(make_council_result(passed=1), decided_on=date(2025, 11, 20))
    assert other_year.number_label == issued.decision.number_label  # each year restarts the register
    auth.login(issued.result.secretary)

    response = upload(client, issued.decision, sign_pdf(decision_pdf(other_year), *signing_keys))

    assert_refused(response, "không phải Quyết định số 01-QĐ/BDVTU")


def test_a_draft_has_no_signed_copy(client, auth, issued, signed, make_council_result):
    from dvkheo.awards import decisions as ops

    result = make_council_result(passed=1)
    draft = ops.draft_award_decision(result.campaign, result.award_form, [result.passed[0].id], result.secretary)
    db.session.commit()
    auth.login(result.secretary)

    assert "Bản ký số" not in client.get(f"/awards/decisions/{draft.id}").get_data(as_text=True)
    assert_refused(
        upload(client, draft, signed), "Chỉ tải lên được bản ký số của quyết định đã ban hành.", beside_field=False
    )


# --- who may ------------------------------------------------------------------------------------------


def test_only_the_committee_may_upload(client, auth, login_as, issued, signed, make_unit):
    decision = issued.decision
    inside_commune = issued.result.passed[0].unit
    other_province = make_unit("Tỉnh Khác", kind="province", code="98")
    cases = [
        # Outside the committee, inside the campaign's tree or not: the decision does not exist for them.
        (Role.UNIT_SUBMITTER, inside_commune, 404),
        (Role.REVIEWER, inside_commune, 404),
        (Role.SECRETARY, inside_commune, 404),
        (Role.UNIT_SUBMITTER, make_unit("Xã Ngoài", parent=other_province), 404),
        (Role.SECRETARY, other_province, 404),
        (Role.ADMIN, None, 403),  # reads every decision, issues none
    ]
    for role, unit, expected in cases:
        auth.logout()
        login_as(role, unit)
        assert upload(client, decision, signed).status_code == expected, role
    assert db.session.scalar(sa.select(sa.func.count(SignedCopy.id))) == 0

    auth.logout()
    auth.login(issued.result.secretary)
    assert upload(client, decision, signed).status_code == 302
    copy = db.session.scalars(sa.select(SignedCopy)).one()
    auth.logout()
    login_as(Role.UNIT_SUBMITTER, inside_commune)
    assert client.get(f"/awards/decisions/{decision.id}/signed-copies/{copy.id}.pdf").status_code == 404


def test_the_admin_sees_the_copy_but_no_upload_form(client, auth, login_as, issued, signed):
    auth.login(issued.result.secretary)
    upload(client, issued.decision, signed)
    auth.logout()
    login_as(Role.ADMIN)

    page = client.get(f"/awards/decisions/{issued.decision.id}").get_data(as_text=True)

    assert SIGNER_NAME in page
    assert "signed-copy\" method" not in page and 'enctype="multipart/form-data"' not in page


# --- public verification page -----------------------------------------------------------------------------


def _certificate(decision) -> Certificate:
    return db.session.scalars(sa.select(Certificate).where(Certificate.decision_id == decision.id).order_by(Certificate.id)).first()


def test_the_verification_page_offers_the_signed_copy_to_anybody(client, auth, issued, signed, make_issued_decision):
    certificate = _certificate(issued.decision)
    page = client.get(f"/verify/{certificate.serial}").get_data(as_text=True)
    assert "Tải bản ký số" not in page  # none uploaded yet
    link = f"/verify/{certificate.serial}/decisions/{issued.decision.id}.pdf"
    assert client.get(link).status_code == 404

    auth.login(issued.result.secretary)
    upload(client, issued.decision, signed)
    auth.logout()

    page = client.get(f"/verify/{certificate.serial}").get_data(as_text=True)
    assert "Tải bản ký số của quyết định (PDF)" in page
    assert link in page
    download = client.get(link)
    assert download.status_code == 200
    assert download.data == signed
    assert download.headers["X-Robots-Tag"] == "noindex"
    assert download.headers["Cache-Control"] == "no-cache"
    # A lower-case serial still works; another decision's id through this certificate does not.
    assert client.get(link.replace(certificate.serial, certificate.serial.lower())).status_code == 200
    other = make_issued_decision(issued.result, nominations=[], decided_on=date(2026, 11, 25))
    assert client.get(f"/verify/{certificate.serial}/decisions/{other.id}.pdf").status_code == 404
    assert client.get(f"/verify/DVK26-0000-0000/decisions/{issued.decision.id}.pdf").status_code == 404


def test_the_verification_page_stays_within_two_queries(client, auth, issued, signed, count_queries):
    auth.login(issued.result.secretary)
    upload(client, issued.decision, signed)
    auth.logout()
    serial = _certificate(issued.decision).serial

    with count_queries() as counter:
        assert client.get(f"/verify/{serial}").status_code == 200

    assert counter.count <= 2


# --- the number, the files -------------------------------------------------------------------------------


def _decision(label: str):
    return SimpleNamespace(number_label=label)


@pytest.mark.parametrize(
    "text, found",
    [
        ("Số: 05/QĐ-BDVTU\nCỘNG HÒA", True),
        ("Số: 05 / QĐ - BDVTU", True),  # spaces a text layer put in
        ("Số:\n05/QĐ-\nBDVTU", True),  # broken across lines
        ("Số: 05/Q\u00d0-BDVTU", True),  # Đ written as the look-alike eth
        ("Số: 05/qđ-bdvtu", True),
        ("Số: 105/QĐ-BDVTU", False),  # another number that ends the same
        ("Số: 05/QĐ-BDVTUX", False),  # another issuer whose code starts the same
        ("Số: 06/QĐ-BDVTU", False),
        ("Quyết định số 05/QĐ-BDVTU, ngày 20/11/2026", False),  # cited on a certificate or a later decision
        ("", False),
    ],
)
def test_the_number_is_found_loosely_but_whole(text, found):
    assert signed_copy.text_holds_number(text, _decision("05/QĐ-BDVTU")) is found


def test_expected_number_texts_is_the_decisions_number_label(issued):
    assert signed_copy.expected_number_texts(issued.decision) == ["01-QĐ/BDVTU"]


def test_pruning_abandoned_uploads_keeps_the_signed_copies(app, client, auth, runner, issued, signed):
    import os
    import time

    auth.login(issued.result.secretary)
    upload(client, issued.decision, signed)
    copy = db.session.scalars(sa.select(SignedCopy)).one()
    path = path_for(copy.stored_name)
    old = time.time() - 3 * 86400
    os.utime(path, (old, old))

    result = runner.invoke(args=["uploads", "prune"])

    assert result.exit_code == 0, result.output
    assert path.exists()


def test_the_revoked_certificates_page_offers_the_revoking_decisions_signed_copy(client, auth, issued, signing_keys):
    from tests.certificates.test_verify import revoke

    certificate = _certificate(issued.decision)
    revoking = revoke(issued.result, issued.decision, certificate, "Thành tích không đúng sự thật.")
    auth.login(issued.result.secretary)
    assert upload(client, revoking, sign_pdf(decision_pdf(revoking), *signing_keys)).status_code == 302
    auth.logout()

    page = client.get(f"/verify/{certificate.serial}").get_data(as_text=True)

    assert "Tải bản ký số của quyết định thu hồi (PDF)" in page
    assert f"Ký số bởi {SIGNER_NAME}" in page
    assert "Tải bản ký số của quyết định (PDF)" not in page  # the awarding decision has none
    assert client.get(f"/verify/{certificate.serial}/decisions/{revoking.id}.pdf").status_code == 200


def test_the_public_page_says_when_the_signers_certificate_is_not_verified(app, client, auth, issued, signed, signing_keys):
    """A self-made certificate can carry any name: a citizen must not read it as the official's verified signature."""
    certificate = _certificate(issued.decision)
    auth.login(issued.result.secretary)
    assert upload(client, issued.decision, signed).status_code == 302
    auth.logout()

    page = client.get(f"/verify/{certificate.serial}").get_data(as_text=True)
    assert f"Ký số bởi {SIGNER_NAME}" in page
    assert "chứng thư số của người ký chưa được xác minh" in page

    app.config["SIGNED_PDF_TRUST_ROOTS"] = [str(signing_keys[1])]
    try:
        auth.login(issued.result.secretary)
        assert upload(client, issued.decision, signed).status_code == 302
        auth.logout()
    finally:
        app.config["SIGNED_PDF_TRUST_ROOTS"] = []
    page = client.get(f"/verify/{certificate.serial}").get_data(as_text=True)
    assert "đã xác minh chứng thư số" in page
    assert "chưa được xác minh" not in page
