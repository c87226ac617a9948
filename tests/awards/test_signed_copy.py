"""The digitally signed copy of an issued decision: the committee uploads it, the app checks it with
pyHanko and keeps it as the official copy, the verification page offers it to anybody with a certificate.

Every signed file here is the decision's real PDF signed in the test with a self-made RSA certificate, or (for
the content checks) a PDF rendered from the decision's own values with something changed: a forger's or a
retyping secretary's copy, with the real number line, title and date on page 1.
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


# --- the content: the signed text says what the issued decision says ---------------------------------------


def variant_pdf(decision, change) -> bytes:
    """The decision's PDF rendered from its own values after `change(context)`: as a forger or a secretary
    retyping it would make it, with the real header (number line, QUYẾT ĐỊNH, date) on page 1."""
    from dvkheo.awards.decision_pdf import TEMPLATE, decision_context
    from dvkheo.core.pdf import render_pdf

    context = decision_context(decision)
    change(context)
    return render_pdf(TEMPLATE, d=context)


def _awardee_rows(context) -> list[dict]:
    return [row for row in context["annex"]["rows"] if not row.get("heading")]


def _names(decision) -> list[str]:
    return [line.recipient_name for line in sorted(decision.awardees, key=lambda line: line.position)]


def refused_for_content(client, decision, data: bytes, *parts: str, name: str = "QD-01-BDVTU-2026-da-ky.pdf") -> str:
    """Upload `data`: refused for its content, with `parts` in the message, and nothing kept (no row, no file)."""
    before = stored_files()
    response = upload(client, decision, data, name)
    assert_refused(response, "Bản ký số không khớp nội dung quyết định đã ban hành")
    page = response.get_data(as_text=True)
    for part in parts:
        assert part in page, part
    assert stored_files() == before
    return page


def test_the_reviewers_forgery_is_refused_and_nothing_is_kept(client, auth, issued, tmp_path):
    """Finding 2 of the review: the right number line, title and date on page 1, another awardee and amount in
    the body, signed with a self-made certificate carrying the decision's signer's name."""

    def forge(context):
        context["articles"] = [
            {"label": "Điều 1.", "text": "Tặng Giấy khen cho ông Kẻ Giả Mạo, thưởng 500.000.000 đồng."}
        ]
        context["annex"]["rows"] = [
            {"heading": None, "stt": 1, "line_id": 0, "name": "Kẻ Giả Mạo", "detail": "Không rõ", "model": "",
             "form": "Giấy khen", "combined": "", "note": ""}
        ]

    chair_like = make_certificate(tmp_path / "forger", common_name=issued.decision.signer_name)
    forged = sign_pdf(variant_pdf(issued.decision, forge), *chair_like)
    assert signed_copy.first_page_is_the_decision(signed_copy.signed_content.page_texts(forged)[0], issued.decision)
    auth.login(issued.result.secretary)

    page = refused_for_content(
        client, issued.decision, forged,
        *(f"“{name}”" for name in _names(issued.decision)),
        "thiếu tên",
        "có nội dung không có trong quyết định",
        "Kẻ Giả Mạo",
        "500.000.000",
        name="forged_signed.pdf",
    )
    assert "forged_signed.pdf" in page
    certificate = _certificate(issued.decision)
    assert "Tải bản ký số" not in client.get(f"/verify/{certificate.serial}").get_data(as_text=True)


def test_the_whole_decision_with_one_awardee_added_is_refused(client, auth, issued, signing_keys):
    """Nothing left out, one row added: the added name is new content."""

    def add(context):
        rows = context["annex"]["rows"]
        rows.append(dict(_awardee_rows(context)[-1], stt=len(_awardee_rows(context)) + 1, name="Kẻ Giả Mạo"))

    auth.login(issued.result.secretary)

    page = refused_for_content(
        client, issued.decision, sign_pdf(variant_pdf(issued.decision, add), *signing_keys),
        "có nội dung không có trong quyết định",
        "Kẻ Giả Mạo",
    )
    assert "thiếu tên" not in page


def test_a_copy_missing_one_awardee_is_refused_naming_them(client, auth, make_council_result, make_issued_decision, signing_keys):
    result = make_council_result(passed=3)
    decision = make_issued_decision(result)
    names = _names(decision)
    assert len(set(names)) == 3
    left_out = names[1]

    def drop(context):
        context["annex"]["rows"] = [row for row in context["annex"]["rows"] if row.get("name") != left_out]

    auth.login(result.secretary)

    page = refused_for_content(
        client, decision, sign_pdf(variant_pdf(decision, drop), *signing_keys), f"thiếu tên “{left_out}”"
    )
    for kept in (names[0], names[2]):
        assert f"“{kept}”" not in page


def test_a_different_article_is_refused(client, auth, issued, signing_keys):
    def rewrite(context):
        article = context["articles"][0]
        article["text"] = article["text"].replace("Tặng Giấy khen", "Tặng Bằng khen và tiền thưởng 5.000.000 đồng")

    auth.login(issued.result.secretary)

    refused_for_content(
        client, issued.decision, sign_pdf(variant_pdf(issued.decision, rewrite), *signing_keys),
        "có nội dung không có trong quyết định: “Bằng”, “và tiền thưởng 5.000.000 đồng”",
        "thiếu nội dung của quyết định: “Giấy”",
    )


def test_an_article_left_out_is_refused(client, auth, issued, signing_keys):
    def cut(context):
        context["articles"] = []

    auth.login(issued.result.secretary)

    refused_for_content(
        client, issued.decision, sign_pdf(variant_pdf(issued.decision, cut), *signing_keys),
        "thiếu nội dung của quyết định: “Điều 1 Tặng Giấy khen cho các tập thể",
    )


def test_a_retyped_copy_with_other_line_breaks_and_punctuation_is_accepted(client, auth, issued, signing_keys):
    """The secretary retyped it in Word: a paragraph broken in two, commas for semicolons, a full stop dropped,
    the summary in capitals and a date written with dashes. The words are the decision's, so it passes."""

    def retype(context):
        label, text = context["articles"][0]["label"], context["articles"][0]["text"]
        head, tail = text.split(" có tên ", 1)
        context["articles"] = [{"label": label, "text": head}, {"label": "", "text": "có tên " + tail.rstrip(".")}]
        context["legal_bases"] = [basis.replace(";", ",").replace("/", "-") for basis in context["legal_bases"]]
        context["title"] = context["title"].upper()

    retyped = variant_pdf(issued.decision, retype)
    assert retyped != decision_pdf(issued.decision)
    auth.login(issued.result.secretary)

    response = upload(client, issued.decision, sign_pdf(retyped, *signing_keys))

    assert response.status_code == 302
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "signed_copy")).one()
    assert event.details["text_coverage"] >= signed_copy.signed_content.COVERAGE_MIN


def test_the_revocations_copy_must_list_the_revoked_awardee(client, auth, issued, signing_keys):
    from tests.certificates.test_verify import revoke

    certificate = _certificate(issued.decision)
    revoking = revoke(issued.result, issued.decision, certificate, "Thành tích không đúng sự thật.")

    def other_one(context):
        context["annex"]["revocations"][0]["name"] = "Kẻ Giả Mạo"

    auth.login(issued.result.secretary)

    refused_for_content(
        client, revoking, sign_pdf(variant_pdf(revoking, other_one), *signing_keys),
        f"thiếu tên “{certificate.awardee.recipient_name}”",
        "Kẻ Giả Mạo",
    )


@pytest.mark.parametrize(
    "record, signed, matches",
    [
        ("Số 02-QĐ/BDVTU ngày 15/6/2022", "Số 02-QĐ/BDV\nTU ngày 15-6-2022", True),  # broken in a cell, other dashes
        (  # a number moved elsewhere (a running header), capitals, stops
            "Điều 1. Tặng Giấy khen cho các tập thể, cá nhân có tên trong danh sách kèm theo.\n2",
            "2\nĐIỀU 1 tặng giấy khen cho các tập thể cá nhân\ncó tên trong danh sách kèm theo",
            True,
        ),
        ("STT Tên tập thể Hình thức 1 An 2 Bình", "STT Tên tập thể Hình thức 1 An STT Tên tập thể Hình thức 2 Bình", True),
        # A date in the other style (the State's cited dates were once "16/6/2025", now written out).
        ("Luật số 06/2022/QH15 ngày 15 tháng 6 năm 2022;", "Luật số 06/2022/QH15 ngày 15/06/2022,", True),
        ("Luật số 06/2022/QH15 ngày 15 tháng 6 năm 2022;", "Luật số 06/2022/QH15 ngày 16/6/2022;", False),
        ("Quyết định này có hiệu lực kể từ ngày ký.", "Quyết định này không có hiệu lực kể từ ngày ký.", False),
        ("thưởng 500.000 đồng", "thưởng 5.000.000 đồng", False),
        ("Tặng Giấy khen cho An", "Tặng Giấy khen cho An và Bình", False),
    ],
)
def test_layout_may_differ_words_may_not(record, signed, matches):
    assert signed_copy.signed_content.compare(record, signed, []).matches is matches


def test_a_scrambled_text_with_all_the_words_falls_below_the_coverage():
    record = " ".join(f"từ{index}" for index in range(200))
    scrambled = " ".join(reversed(record.split()))

    comparison = signed_copy.signed_content.compare(record, scrambled, [])

    assert comparison.matches is False
    assert comparison.coverage < signed_copy.signed_content.COVERAGE_MIN
    assert "theo đúng thứ tự" in "; ".join(comparison.differences())


def test_a_name_listed_twice_is_refused():
    comparison = signed_copy.signed_content.compare("1 Trần Thị Hạnh 2 Lê An", "1 Trần Thị Hạnh 2 Lê An 3 Trần Thị\nHạnh", ["Trần Thị Hạnh", "Lê An"])

    assert comparison.repeated_names == ["Trần Thị Hạnh"]
    assert comparison.matches is False


# --- the signer: named on the certificate, printed on the decision -----------------------------------------


@pytest.mark.parametrize(
    "certificate, matches",
    [
        ("Nguyễn Văn Trưởng", True),
        ("NGUYỄN VĂN TRƯỞNG", True),
        ("Nguyen Van Truong", True),  # a certificate without diacritics
        ("Nguye\u0302\u0303n Va\u0306n Tru\u031bo\u031b\u0309ng", True),  # NFD
        ("Nguyễn Văn Trưởng - Ban Dân vận Tỉnh ủy", True),
        ("Ban Dân vận Tỉnh ủy", False),  # the agency's token
        ("Nguyễn Văn Trưởng Thành", False),  # another person whose name starts the same
        ("Võ Minh Quang", False),
    ],
)
def test_the_certificates_name_is_compared_loosely_with_the_decisions_signer(certificate, matches):
    assert signed_copy.signer_matches("Nguyễn Văn Trưởng", [certificate]) is matches


def test_a_copy_signed_by_someone_else_is_kept_with_a_warning_on_the_decision_and_verify_pages(
    client, auth, issued, tmp_path
):
    decision = issued.decision
    assert decision.signer_name == SIGNER_NAME
    agency = make_certificate(tmp_path / "agency", common_name="Ban Dân vận Tỉnh ủy Quảng Ngãi")
    warning = f"Người ký trên chứng thư (Ban Dân vận Tỉnh ủy Quảng Ngãi) khác người ký ghi trên quyết định ({SIGNER_NAME})"
    auth.login(issued.result.secretary)

    response = upload(client, decision, sign_pdf(decision_pdf(decision), *agency))

    assert response.status_code == 302
    copy = db.session.scalars(sa.select(SignedCopy)).one()
    assert (copy.signer_name, copy.decision_signer_name) == ("Ban Dân vận Tỉnh ủy Quảng Ngãi", SIGNER_NAME)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "signed_copy")).one()
    assert event.details["signer_matches"] is False and event.details["decision_signer"] == SIGNER_NAME
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert warning in page
    assert page.count(warning) == 2  # the flash and the signed-copy section
    auth.logout()

    public = client.get(f"/verify/{_certificate(decision).serial}").get_data(as_text=True)
    assert warning in public
    assert 'class="signer-mismatch"' in public


def test_a_copy_signed_by_the_decisions_signer_has_no_warning(client, auth, issued, tmp_path):
    plain = make_certificate(tmp_path / "plain", common_name="NGUYEN VAN TRUONG")
    auth.login(issued.result.secretary)

    assert upload(client, issued.decision, sign_pdf(decision_pdf(issued.decision), *plain)).status_code == 302

    assert db.session.scalars(sa.select(SignedCopy)).one().decision_signer_name is None
    page = client.get(f"/awards/decisions/{issued.decision.id}").get_data(as_text=True)
    assert "khác người ký ghi trên quyết định" not in page
    auth.logout()
    public = client.get(f"/verify/{_certificate(issued.decision).serial}").get_data(as_text=True)
    assert "khác người ký ghi trên quyết định" not in public


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
