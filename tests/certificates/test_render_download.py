"""Downloading one certificate: who may, which output, which printer; a download only reads, and a
print is counted (and audited) by the explicit "Ghi nhận đã in" POST."""
from __future__ import annotations

import io
import unicodedata

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dvkheo.accounts.models import Role
from dvkheo.certificates.models import Certificate, CertificateStatus, PrinterCalibration
from dvkheo.core.audit import AuditEvent
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db

MM = 72 / 25.4


@pytest.fixture
def issued(make_council_result, make_issued_decision):
    result = make_council_result(passed=2, individuals=1)
    decision = make_issued_decision(result)
    certificate = db.session.scalars(
        sa.select(Certificate).where(Certificate.decision_id == decision.id).order_by(Certificate.id)
    ).first()
    return result, certificate


def url(certificate, **args) -> str:
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/certificates/{certificate.id}.pdf" + (f"?{query}" if query else "")


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.data))
    return " ".join(unicodedata.normalize("NFC", reader.pages[0].extract_text()).split())


def name_origin(data: bytes, needle: str) -> tuple[float, float]:
    found = []

    def visitor(text, cm, tm, _font, _size):
        if unicodedata.normalize("NFC", text).strip().startswith(needle) and not found:
            found.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visitor)
    return found[0]


def print_events() -> list[AuditEvent]:
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "certificate", AuditEvent.action == "print").order_by(AuditEvent.id)
    ).all()


def test_the_committee_downloads_the_certificate_and_a_download_changes_nothing(client, auth, issued, count_queries):
    result, certificate = issued
    auth.login(result.secretary)
    audit_rows = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))

    with count_queries() as queries:
        first = client.get(url(certificate))
        second = client.get(url(certificate, output="plain"))

    assert first.status_code == 200 and second.status_code == 200
    assert first.mimetype == "application/pdf"
    assert f'filename=giay-khen-{certificate.serial}.pdf' in first.headers["Content-Disposition"]
    assert "no-store" in first.headers["Cache-Control"]
    assert "Trần Thị Hạnh" in pdf_text(first) and "GIẤY KHEN" in pdf_text(first)
    db.session.refresh(certificate)
    assert certificate.printed_count == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == audit_rows
    writes = [s for s in queries.statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []


def test_recording_a_print_counts_once_and_audits_who_printed(client, auth, issued):
    result, certificate = issued
    auth.login(result.secretary)
    back = f"/certificates/decisions/{certificate.decision_id}"

    response = client.post(f"/certificates/{certificate.id}/printed", data={"output": "plain", "next": back})

    assert response.status_code == 302 and response.headers["Location"].endswith(back)
    db.session.refresh(certificate)
    assert certificate.printed_count == 1
    assert [(e.entity_id, e.actor_id, e.details["output"], e.details["serial"]) for e in print_events()] == [
        (certificate.id, result.secretary.id, "plain", certificate.serial)
    ]
    page = client.get(back).get_data(as_text=True)
    assert f"Đã ghi nhận in giấy khen số hiệu {certificate.serial} (lần in thứ 1)." in page
    client.post(f"/certificates/{certificate.id}/printed", data={"output": "plain"})
    db.session.refresh(certificate)
    assert certificate.printed_count == 2 and len(print_events()) == 2


def test_the_certificates_page_offers_download_and_record_print_separately(client, auth, issued):
    result, certificate = issued
    auth.login(result.secretary)

    page = client.get(f"/certificates/decisions/{certificate.decision_id}").get_data(as_text=True)

    assert f'href="/certificates/{certificate.id}.pdf?output=plain"' in page
    assert f'action="/certificates/{certificate.id}/printed"' in page and f'form="printed-{certificate.id}"' in page


def test_recording_a_print_is_refused_to_outsiders_and_never_offsite(client, auth, login_as, make_unit, issued):
    result, certificate = issued
    login_as(Role.UNIT_SUBMITTER, make_unit("Xã Bên Cạnh", parent=result.campaign.organising_unit))
    assert client.post(f"/certificates/{certificate.id}/printed", data={"output": "plain"}).status_code == 404
    assert client.get(f"/certificates/{certificate.id}/printed").status_code == 405

    auth.logout()
    auth.login(result.secretary)
    response = client.post(f"/certificates/{certificate.id}/printed", data={"output": "plain", "next": "//evil.example/"})
    assert response.headers["Location"].endswith(f"/nominations/{certificate.awardee.nomination_id}")
    assert client.post(f"/certificates/{certificate.id}/printed", data={"output": "poster"}).status_code == 400
    db.session.refresh(certificate)
    assert certificate.printed_count == 1


def test_the_chair_downloads_too(client, auth, issued):
    result, certificate = issued
    auth.login(result.chair)

    assert client.get(url(certificate)).status_code == 200


def test_the_commended_units_submitter_downloads_its_certificate(client, login_as, issued):
    _result, certificate = issued
    login_as(Role.UNIT_SUBMITTER, certificate.awardee.nomination.unit)

    response = client.get(url(certificate))

    assert response.status_code == 200
    assert certificate.serial in pdf_text(response)


def test_the_commended_unit_records_its_own_print_from_the_dossier_page(client, login_as, issued):
    _result, certificate = issued
    login_as(Role.UNIT_SUBMITTER, certificate.awardee.nomination.unit)
    dossier = f"/nominations/{certificate.awardee.nomination_id}"

    page = client.get(dossier).get_data(as_text=True)
    assert "Tải giấy khen (PDF)" in page and "Ghi nhận đã in" in page
    response = client.post(f"/certificates/{certificate.id}/printed", data={"output": "plain", "next": dossier})

    assert response.headers["Location"].endswith(dossier)
    db.session.refresh(certificate)
    assert certificate.printed_count == 1


def test_another_unit_of_the_campaigns_tree_learns_nothing_either(client, login_as, make_unit, issued):
    result, certificate = issued
    login_as(Role.UNIT_SUBMITTER, make_unit("Xã Bên Cạnh", parent=result.campaign.organising_unit))

    assert client.get(url(certificate)).status_code == 404  # as for another unit's dossier
    db.session.refresh(certificate)
    assert certificate.printed_count == 0


def test_a_unit_outside_the_campaign_learns_nothing(client, login_as, make_unit, issued):
    _result, certificate = issued
    elsewhere = make_unit("Tỉnh Khác", kind="province")
    login_as(Role.UNIT_SUBMITTER, make_unit("Xã Ở Tỉnh Khác", parent=elsewhere))

    assert client.get(url(certificate)).status_code == 404


def test_another_committee_learns_nothing(client, login_as, make_unit, issued):
    _result, certificate = issued
    login_as(Role.SECRETARY, make_unit("Huyện Khác", kind="district"))

    assert client.get(url(certificate)).status_code == 404


def test_a_citizen_is_asked_to_sign_in(client, issued):
    _result, certificate = issued

    response = client.get(url(certificate))

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_unknown_certificate_is_not_found(client, auth, issued):
    result, _certificate = issued
    auth.login(result.secretary)

    assert client.get("/certificates/999999.pdf").status_code == 404


def test_the_blank_output_uses_the_printers_offsets(client, auth, issued):
    result, certificate = issued
    printer = PrinterCalibration(unit_id=result.campaign.organising_unit_id, name="Canon LBP 2900 phòng văn thư",
                                 offset_x_mm=5.0, offset_y_mm=-3.0)
    db.session.add(printer)
    db.session.commit()
    auth.login(result.secretary)

    plain_blank = client.get(url(certificate, output="blank"))
    calibrated = client.get(url(certificate, output="blank", printer=printer.id))

    assert plain_blank.status_code == 200 and calibrated.status_code == 200
    assert "GIẤY KHEN" not in pdf_text(calibrated)
    (x0, y0), (x1, y1) = name_origin(plain_blank.data, "Trần Thị Hạnh"), name_origin(calibrated.data, "Trần Thị Hạnh")
    assert (x1 - x0, y1 - y0) == (pytest.approx(5 * MM, abs=0.2), pytest.approx(3 * MM, abs=0.2))
    assert print_events() == []  # downloading is not printing
    client.post(f"/certificates/{certificate.id}/printed", data={"output": "blank", "printer": str(printer.id)})
    [event] = print_events()
    assert event.details["printer_id"] == printer.id and event.details["output"] == "blank"
    assert (event.details["offset_x_mm"], event.details["offset_y_mm"]) == (5.0, -3.0)


def test_a_printer_of_another_unit_or_a_bad_output_is_not_found(client, auth, make_unit, issued):
    result, certificate = issued
    foreign = PrinterCalibration(unit_id=make_unit("Xã Khác").id, name="Máy in xã khác", offset_x_mm=1, offset_y_mm=1)
    db.session.add(foreign)
    db.session.commit()
    auth.login(result.secretary)

    assert client.get(url(certificate, output="blank", printer=foreign.id)).status_code == 404
    assert client.get(url(certificate, output="blank", printer=987654)).status_code == 404
    assert client.get(url(certificate, output="blank", printer="abc")).status_code == 404
    assert client.get(url(certificate, output="poster")).status_code == 404
    db.session.refresh(certificate)
    assert certificate.printed_count == 0


def test_a_revoked_certificate_still_downloads_with_its_mark(client, auth, issued):
    result, certificate = issued
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = utcnow()
    db.session.commit()
    auth.login(result.secretary)

    response = client.get(url(certificate))

    assert response.status_code == 200
    assert "ĐÃ THU HỒI" in pdf_text(response)


def test_recording_a_print_without_the_csrf_token_counts_nothing(app, issued):
    """The button is the only way to count a print; a forged cross-site POST is refused."""
    import re

    from config import TestingConfig
    from dvkheo import create_app
    from tests.conftest import PASSWORD

    class CsrfConfig(TestingConfig):
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]

    result, certificate = issued
    csrf_client = create_app(CsrfConfig).test_client()
    login_page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    csrf_client.post("/login", data={"email": result.secretary.email, "password": PASSWORD, "csrf_token": token})

    forged = csrf_client.post(f"/certificates/{certificate.id}/printed", data={"output": "plain"})
    page = csrf_client.get(f"/certificates/decisions/{certificate.decision_id}").get_data(as_text=True)
    form = page[page.index(f'id="printed-{certificate.id}"'):]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    genuine = csrf_client.post(f"/certificates/{certificate.id}/printed", data={"output": "plain", "csrf_token": token})

    assert forged.status_code == 400 and genuine.status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).printed_count == 1
    assert len(print_events()) == 1
