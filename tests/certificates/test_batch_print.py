"""Batch printing of a decision's certificates as a background job (in-process worker): progress,
the file, selection, failure and retry, downloads, access per role, and the page's query count."""
from __future__ import annotations

import hashlib
import io
import re
import shutil
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dvkheo.accounts.models import Role
from dvkheo.certificates import batch
from dvkheo.certificates.models import (
    Certificate,
    CertificateStatus,
    PrinterCalibration,
    PrintJob,
    PrintJobStatus,
    PrintOutput,
)
from dvkheo.core import jobs
from dvkheo.core.audit import AuditEvent
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db


@pytest.fixture(autouse=True)
def in_process_jobs(app, monkeypatch):
    """No Redis: jobs run on this process's worker thread; small chunks so that progress has steps."""
    monkeypatch.setitem(app.config, "REDIS_URL", "")
    monkeypatch.setitem(app.config, "PRINT_CHUNK_SIZE", 2)
    # Job ids start again at 1 in every test, the upload folder is the session's: start with no job folders.
    shutil.rmtree(batch.jobs_root(), ignore_errors=True)
    yield
    assert jobs.wait_for_jobs(120), "a print job was still running at the end of the test"


@pytest.fixture
def decision_setup(make_council_result, make_issued_decision):
    result = make_council_result(passed=5, individuals=1)
    decision = make_issued_decision(result)
    return result, decision


def certificates_of(decision) -> list[Certificate]:
    from dvkheo.awards.models import DecisionAwardee

    return list(
        db.session.scalars(
            sa.select(Certificate)
            .join(DecisionAwardee, Certificate.awardee_id == DecisionAwardee.id)
            .where(Certificate.decision_id == decision.id)
            .order_by(DecisionAwardee.position)
        )
    )


def only_job() -> PrintJob:
    db.session.expire_all()
    return db.session.scalars(sa.select(PrintJob)).one()


def pdf_pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_batch_job_runs_to_done_with_visible_progress(client, auth, decision_setup):
    result, decision = decision_setup
    certificates = certificates_of(decision)
    progress: list[tuple[str, int]] = []
    lock = threading.Lock()

    def remember(_mapper, _connection, target):
        with lock:
            progress.append((target.status.value, target.done_count))

    sa.event.listen(PrintJob, "after_update", remember)
    try:
        auth.login(result.secretary)
        response = client.post(f"/certificates/decisions/{decision.id}/print-jobs", data={"output": "plain", "printer_id": ""})
        assert response.status_code == 302
        job_url = response.headers["Location"]
        assert jobs.wait_for_jobs(120)
    finally:
        sa.event.remove(PrintJob, "after_update", remember)

    job = only_job()
    assert job_url.endswith(f"/certificates/print-jobs/{job.id}")
    assert job.status is PrintJobStatus.DONE, job.error
    assert (job.done_count, job.total, job.attempts) == (5, 5, 1)
    # Chunks of two: the progress bar saw 2, then 4, then 5 of 5 before the file was merged.
    running_steps = [done for status, done in progress if status == "running"]
    assert running_steps == [0, 2, 4, 5]
    assert progress[-1] == ("done", 5)

    path = batch.final_path(job)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert (len(data), hashlib.sha256(data).hexdigest()) == (job.file_size, job.file_sha256)
    pages = pdf_pages_text(data)
    assert len(pages) == 5
    for page, certificate in zip(pages, certificates):  # one page per certificate, in the annexed list's order
        assert certificate.serial in page
    assert "Trần Thị Hạnh" in pages[0]  # the one individual, with exact diacritics
    assert not list(path.parent.glob("*.part")) and not list(path.parent.glob(".chunks-*"))

    page = client.get(job_url).get_data(as_text=True)
    assert "Đã tạo xong 5/5 giấy khen" in page
    assert 'value="100"' in page
    assert "Tải tệp in" in page and 'http-equiv="refresh"' not in page

    status = client.get(f"/certificates/print-jobs/{job.id}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["done"] == status["total"] == 5
    assert status["download_url"] == f"/certificates/print-jobs/{job.id}/download"

    download = client.get(status["download_url"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == data
    assert "giay-khen-QD-01-BDVTU-2026.pdf" in download.headers["Content-Disposition"]

    assert [certificate.printed_count for certificate in certificates_of(decision)] == [1] * 5
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity_type == "print_job").order_by(AuditEvent.id)
    ).all()
    assert actions == ["create", "start", "done"]


def test_a_chunk_with_a_name_the_font_lacks_is_laid_out_by_weasyprint_and_the_file_stays_whole(
    client, auth, make_council_result, make_issued_decision
):
    """Chunks of two: the middle chunk holds "★" (not in Liberation Serif) and goes to WeasyPrint; the others are
    written directly. One file, five pages in order, each with its own name and serial, searchable."""
    from pdfplumber import open as open_pdf

    result = make_council_result(passed=5, individuals=1)
    result.passed[2].nominee_name = "Tổ hòa giải thôn Phú Lộc ★"
    db.session.commit()
    decision = make_issued_decision(result)

    auth.login(result.secretary)
    client.post(f"/certificates/decisions/{decision.id}/print-jobs", data={"output": "plain", "printer_id": ""})
    assert jobs.wait_for_jobs(120)

    job = only_job()
    assert job.status is PrintJobStatus.DONE, job.error
    data = batch.final_path(job).read_bytes()
    pages = pdf_pages_text(data)
    assert len(pages) == 5
    for page, certificate in zip(pages, certificates_of(decision)):
        assert certificate.serial in page
        assert certificate.awardee.recipient_name in page
    with open_pdf(io.BytesIO(data)) as document:
        fonts = [{char["fontname"].split("+")[0] for char in page.chars if "Liberation" in char["fontname"]}
                 for page in document.pages]
    # The frame's fonts are on every page; the direct pages share one subset per face, the WeasyPrint chunk
    # brought its own.
    assert fonts[0] == fonts[1] == fonts[4]
    assert fonts[2] == fonts[3] != fonts[0]


def test_selection_prints_only_the_ticked_certificates_in_list_order(client, auth, decision_setup):
    result, decision = decision_setup
    certificates = certificates_of(decision)
    chosen = [certificates[3], certificates[1]]  # ticked out of order
    auth.login(result.chair)
    response = client.post(
        f"/certificates/decisions/{decision.id}/print-jobs",
        data={"output": "plain", "certificate_ids": [str(c.id) for c in chosen]},
    )
    assert response.status_code == 302
    assert jobs.wait_for_jobs(120)
    job = only_job()
    assert job.status is PrintJobStatus.DONE, job.error
    assert job.total == 2 and job.certificate_ids == [certificates[1].id, certificates[3].id]
    pages = pdf_pages_text(batch.final_path(job).read_bytes())
    assert len(pages) == 2
    assert certificates[1].serial in pages[0] and certificates[3].serial in pages[1]
    others = {c.serial for c in certificates} - {certificates[1].serial, certificates[3].serial}
    assert not any(serial in "".join(pages) for serial in others)
    assert [c.printed_count for c in certificates_of(decision)] == [0, 1, 0, 1, 0]
    assert job.file_name.endswith("-chon-2.pdf")


def test_a_certificate_of_another_decision_or_a_revoked_one_is_refused_and_the_ticks_kept(
    client, auth, make_council_result, make_issued_decision
):
    result = make_council_result(passed=4)
    decision = make_issued_decision(result, nominations=result.passed[:2])
    other = make_issued_decision(result, nominations=result.passed[2:])
    mine, foreign = certificates_of(decision)[0], certificates_of(other)[0]
    auth.login(result.secretary)

    response = client.post(
        f"/certificates/decisions/{decision.id}/print-jobs",
        data={"output": "plain", "certificate_ids": [str(mine.id), str(foreign.id)]},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Có giấy khen được chọn không thuộc quyết định này" in page
    assert re.search(rf'value="{mine.id}" id="pick-{mine.id}"\s+aria-label="[^"]*" checked', page)

    revoked = certificates_of(decision)[1]
    revoked.status, revoked.revoked_at = CertificateStatus.REVOKED, utcnow()
    db.session.commit()
    response = client.post(
        f"/certificates/decisions/{decision.id}/print-jobs", data={"output": "plain", "certificate_ids": [str(revoked.id)]}
    )
    assert response.status_code == 400
    assert f"Giấy khen đã thu hồi hoặc đã được thay thế không được in: {revoked.serial}." in response.get_data(as_text=True)

    response = client.post(f"/certificates/decisions/{decision.id}/print-jobs", data={"output": "sideways"})
    assert response.status_code == 400
    assert "Vui lòng chọn kiểu in" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PrintJob)) == 0


def test_blank_output_copies_the_printer_offsets_and_refuses_another_units_printer(
    client, auth, decision_setup, make_unit
):
    result, decision = decision_setup
    printer = PrinterCalibration(unit_id=result.campaign.organising_unit_id, name="Canon tầng 2", offset_x_mm=1.5, offset_y_mm=-2.0)
    stranger = PrinterCalibration(unit_id=make_unit("Tỉnh Khác", kind="province").id, name="Máy in khác")
    db.session.add_all([printer, stranger])
    db.session.commit()
    auth.login(result.secretary)

    page = client.get(f"/certificates/decisions/{decision.id}").get_data(as_text=True)
    assert "Canon tầng 2 (lệch ngang +1,5 mm, dọc -2,0 mm)" in page and "Máy in khác" not in page

    response = client.post(
        f"/certificates/decisions/{decision.id}/print-jobs", data={"output": "blank", "printer_id": str(stranger.id)}
    )
    assert response.status_code == 400
    assert "Máy in đã chọn không còn trong danh sách" in response.get_data(as_text=True)

    response = client.post(
        f"/certificates/decisions/{decision.id}/print-jobs", data={"output": "blank", "printer_id": str(printer.id)}
    )
    assert response.status_code == 302
    assert jobs.wait_for_jobs(120)
    job = only_job()
    assert (job.output, job.printer_id, job.offset_x_mm, job.offset_y_mm) == (PrintOutput.BLANK, printer.id, 1.5, -2.0)
    assert job.status is PrintJobStatus.DONE, job.error
    assert job.file_name == "giay-khen-QD-01-BDVTU-2026-phoi.pdf"
    # Recalibrating later never changes a made job.
    printer.offset_x_mm = 9.0
    db.session.commit()
    assert only_job().offset_x_mm == 1.5


def test_a_failed_job_shows_its_error_offers_nothing_and_a_retry_after_the_fix_succeeds(client, auth, decision_setup):
    result, decision = decision_setup
    job = batch.create_print_job(decision, result.secretary)
    db.session.commit()
    # A real failure: the job's folder cannot be made, because a regular file holds its name.
    blocker = batch.job_folder(job)
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"not a folder")
    batch.start(job)
    assert jobs.wait_for_jobs(120)

    job = only_job()
    assert job.status is PrintJobStatus.FAILED
    assert job.error.startswith("Không tạo được tệp in: lỗi ghi tệp trên máy chủ")
    assert (job.file_name, job.file_size, job.file_sha256) == (None, None, None)
    assert blocker.read_bytes() == b"not a folder"
    assert not [path for path in blocker.parent.rglob("*") if path.suffix in (".pdf", ".part")]

    auth.login(result.secretary)
    page = client.get(f"/certificates/print-jobs/{job.id}").get_data(as_text=True)
    assert "Tạo tệp in bị lỗi" in page and job.error.split(" (")[0] in page
    assert "Dừng lại sau 0/5 giấy khen" in page
    assert "Thử lại" in page and "Tải tệp in" not in page and 'http-equiv="refresh"' not in page
    status = client.get(f"/certificates/print-jobs/{job.id}/status").get_json()
    assert status["status"] == "failed" and status["download_url"] is None and status["error"] == job.error
    download = client.get(f"/certificates/print-jobs/{job.id}/download")
    assert download.status_code == 409 and download.mimetype == "text/html"
    assert "Thử lại" in download.get_data(as_text=True)

    blocker.unlink()  # the cause is fixed
    response = client.post(f"/certificates/print-jobs/{job.id}/retry")
    assert response.status_code == 302
    assert jobs.wait_for_jobs(120)
    job = only_job()
    assert job.status is PrintJobStatus.DONE, job.error
    assert (job.attempts, job.error, job.done_count) == (2, "", 5)
    assert client.get(f"/certificates/print-jobs/{job.id}/download").status_code == 200
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity_type == "print_job").order_by(AuditEvent.id)
    ).all()
    assert actions == ["create", "start", "fail", "retry", "start", "done"]


def test_an_unfinished_or_damaged_file_is_never_offered(client, auth, decision_setup):
    result, decision = decision_setup
    waiting = batch.create_print_job(decision, result.secretary)
    db.session.commit()  # not started: it stays queued
    auth.login(result.secretary)

    page = client.get(f"/certificates/print-jobs/{waiting.id}").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert "Đang chờ tạo tệp (5 giấy khen)" in page and 'value="0"' in page and "Tải tệp in" not in page
    assert client.get(f"/certificates/print-jobs/{waiting.id}/status").get_json()["download_url"] is None
    response = client.get(f"/certificates/print-jobs/{waiting.id}/download")
    assert response.status_code == 409 and "Tệp in chưa tạo xong" in response.get_data(as_text=True)

    waiting.status = PrintJobStatus.RUNNING
    waiting.done_count, waiting.started_at, waiting.heartbeat_at = 2, utcnow(), utcnow()
    db.session.commit()
    page = client.get(f"/certificates/print-jobs/{waiting.id}").get_data(as_text=True)
    assert "Đã tạo 2/5 giấy khen" in page and 'value="40"' in page and 'http-equiv="refresh"' in page
    assert client.post(f"/certificates/print-jobs/{waiting.id}/retry").status_code == 302  # refused: it is alive
    db.session.expire_all()
    assert db.session.get(PrintJob, waiting.id).status is PrintJobStatus.RUNNING

    done = batch.create_print_job(decision, result.secretary)
    db.session.commit()
    batch.start(done)
    assert jobs.wait_for_jobs(120)
    db.session.expire_all()
    done = db.session.get(PrintJob, done.id)
    assert client.get(f"/certificates/print-jobs/{done.id}/download").status_code == 200
    path = batch.final_path(done)
    path.write_bytes(path.read_bytes()[:1000])  # truncated on disk
    response = client.get(f"/certificates/print-jobs/{done.id}/download")
    assert response.status_code == 404 and "không còn nguyên vẹn" in response.get_data(as_text=True)
    assert client.get(f"/certificates/print-jobs/{done.id}/status").get_json()["download_url"] is None
    assert "Tải tệp in" not in client.get(f"/certificates/print-jobs/{done.id}").get_data(as_text=True)


def test_a_job_whose_worker_died_can_be_retried(client, auth, decision_setup):
    result, decision = decision_setup
    job = batch.create_print_job(decision, result.secretary)
    db.session.commit()
    job.status, job.done_count = PrintJobStatus.RUNNING, 2
    job.started_at = job.heartbeat_at = utcnow() - timedelta(minutes=20)
    db.session.commit()
    auth.login(result.secretary)
    page = client.get(f"/certificates/print-jobs/{job.id}").get_data(as_text=True)
    assert "Quá trình tạo tệp không còn hoạt động" in page and "Thử lại" in page
    assert client.post(f"/certificates/print-jobs/{job.id}/retry").status_code == 302
    assert jobs.wait_for_jobs(120)
    job = only_job()
    assert job.status is PrintJobStatus.DONE and job.attempts == 2


def test_a_decision_not_issued_cannot_be_printed(client, auth, decision_setup):
    from dvkheo.awards.models import DecisionStatus

    result, decision = decision_setup
    decision.status = DecisionStatus.APPROVED
    db.session.commit()
    auth.login(result.secretary)
    page = client.get(f"/certificates/decisions/{decision.id}").get_data(as_text=True)
    assert "Chỉ in giấy khen của quyết định đã ban hành." in page and "Tạo tệp in</button>" not in page
    response = client.post(f"/certificates/decisions/{decision.id}/print-jobs", data={"output": "plain"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PrintJob)) == 0


def test_access_per_role(client, auth, decision_setup, make_user, make_unit):
    result, decision = decision_setup
    job = batch.create_print_job(decision, result.secretary)
    db.session.commit()
    campaign = result.campaign
    commune = make_unit("Xã Trong Địa Bàn", parent=campaign.organising_unit)
    other_province = make_unit("Tỉnh Ngoài", kind="province")
    urls = [
        ("get", f"/certificates/decisions/{decision.id}"),
        ("post", f"/certificates/decisions/{decision.id}/print-jobs"),
        ("get", f"/certificates/print-jobs/{job.id}"),
        ("get", f"/certificates/print-jobs/{job.id}/status"),
        ("post", f"/certificates/print-jobs/{job.id}/retry"),
        ("get", f"/certificates/print-jobs/{job.id}/download"),
    ]
    expectations = [
        (make_user(Role.SECRETARY, other_province), 404),  # another committee's staff
        (make_user(Role.CHAIR, other_province), 404),
        (make_user(Role.UNIT_SUBMITTER, other_province), 404),
        (make_user(Role.UNIT_SUBMITTER, commune), 403),  # inside the campaign's tree: knows the page exists
        (make_user(Role.REVIEWER, commune), 403),
        (make_user(Role.ADMIN), 403),  # may read the committee's pages, does not print
    ]
    for user, code in expectations:
        auth.login(user)
        for method, url in urls:
            response = getattr(client, method)(url, data={"output": "plain"})
            assert response.status_code == code, (user.role, url, response.status_code)
        auth.logout()
    auth.logout()
    for method, url in urls:  # anonymous: to the login page
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]

    auth.login(result.chair)
    assert client.get(f"/certificates/decisions/{decision.id}").status_code == 200
    assert client.get(f"/certificates/print-jobs/{job.id}").status_code == 200
    assert client.get(f"/certificates/print-jobs/{job.id}/status").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PrintJob)) == 1


def test_the_certificates_page_lists_everything_in_a_bounded_number_of_queries(
    client, auth, make_council_result, make_issued_decision, count_queries
):
    counts = []
    for size in (2, 7):
        result = make_council_result(passed=size, individuals=1)
        decision = make_issued_decision(result)
        for _ in range(2):
            batch.create_print_job(decision, result.secretary)
        db.session.add(PrinterCalibration(unit_id=result.campaign.organising_unit_id, name=f"Máy in {size}"))
        db.session.commit()
        auth.login(result.secretary)
        client.get(f"/certificates/decisions/{decision.id}")  # warm caches (reference data, templates)
        with count_queries() as counter:
            response = client.get(f"/certificates/decisions/{decision.id}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert page.count('name="certificate_ids"') == size
        for certificate in certificates_of(decision):
            assert certificate.serial in page
        assert page.count("Đang chờ") == 2
        counts.append(counter.count)
        auth.logout()
    assert counts[0] == counts[1], counts
    assert counts[1] <= 10, counts
