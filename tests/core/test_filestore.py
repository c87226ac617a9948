"""The file store: one contract for the local folder and the S3-compatible bucket, then the app on S3.

The S3 side talks HTTP to a real S3-protocol server on loopback (moto's server, started as its own
process), through boto3 exactly as it would talk to MinIO or a cloud bucket: signed requests, multipart
uploads, listings, 404s. Nothing is patched inside the app.
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest
import sqlalchemy as sa

from config import TestingConfig
from dvkheo import create_app
from dvkheo.accounts.models import Role
from dvkheo.certificates import batch
from dvkheo.certificates.models import PrintJob, PrintJobStatus
from dvkheo.core import jobs
from dvkheo.core.filestore import LocalFileStore, S3FileStore, StorageUnavailable, check_key, make_store, store
from dvkheo.core.storage import STORAGE_UNAVAILABLE, key_for, store_upload
from dvkheo.extensions import db, limiter
from dvkheo.nominations.models import Attachment
from tests.conftest import PDF_BYTES, PNG_BYTES, empty_database_url

CREDENTIALS = {"S3_ACCESS_KEY_ID": "dvkheo-test", "S3_SECRET_ACCESS_KEY": "dvkheo-test-secret", "S3_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """An S3-protocol server of its own, on a loopback port, for the whole session."""
    port = _free_port()
    log = tmp_path_factory.mktemp("s3") / "server.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output, stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"the S3 server did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
    yield endpoint
    server.terminate()
    server.wait(10)


def _admin(endpoint: str):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="dvkheo-test", aws_secret_access_key="dvkheo-test-secret",
    )


@pytest.fixture
def bucket(s3_endpoint):
    """A new, empty bucket for one test."""
    name = f"dvkheo-{uuid.uuid4().hex[:12]}"
    _admin(s3_endpoint).create_bucket(Bucket=name)
    return name


def _bucket_keys(endpoint: str, name: str) -> dict[str, bytes]:
    admin = _admin(endpoint)
    listed = admin.list_objects_v2(Bucket=name).get("Contents", [])
    return {item["Key"]: admin.get_object(Bucket=name, Key=item["Key"])["Body"].read() for item in listed}


def _s3_settings(endpoint: str, bucket_name: str, prefix: str = "") -> dict:
    return {"STORAGE_BACKEND": "s3", "S3_BUCKET": bucket_name, "S3_ENDPOINT_URL": endpoint, "S3_PREFIX": prefix,
            **CREDENTIALS}


@pytest.fixture
def on_s3(app, monkeypatch, s3_endpoint, bucket, tmp_path):
    """The session's app, switched to the bucket for one test (the store follows the configuration)."""
    for name, value in _s3_settings(s3_endpoint, bucket, prefix="tinh-mau").items():
        monkeypatch.setitem(app.config, name, value)
    monkeypatch.setitem(app.config, "SCRATCH_DIR", str(tmp_path / "scratch"))
    monkeypatch.setitem(app.config, "REDIS_URL", "")
    assert isinstance(store(), S3FileStore)
    return bucket


# --- one contract, two backends ---------------------------------------------------------------------------


@pytest.fixture(params=["local", "s3"])
def any_store(request, tmp_path):
    if request.param == "local":
        return LocalFileStore(tmp_path / "kho")
    endpoint, name = request.getfixturevalue("s3_endpoint"), request.getfixturevalue("bucket")
    config = {**_s3_settings(endpoint, name, prefix="p"), "SCRATCH_DIR": str(tmp_path / "scratch"), "UPLOAD_DIR": ""}
    return make_store(config)


def test_every_store_keeps_reads_lists_serves_and_removes_files(app, any_store, tmp_path):
    files = any_store
    payload = PDF_BYTES + os.urandom(300_000)
    files.put_bytes("ab/bien-ban.pdf", payload)
    files.put_bytes("thumbs/small/anh.jpg", b"\xff\xd8\xff small")
    assert files.read_bytes("ab/bien-ban.pdf") == payload
    assert files.size("ab/bien-ban.pdf") == len(payload) and files.exists("ab/bien-ban.pdf")
    assert files.size("ab/khong-co.pdf") is None
    with pytest.raises(FileNotFoundError):
        files.read_bytes("ab/khong-co.pdf")
    with files.open_read("ab/bien-ban.pdf") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == hashlib.sha256(payload).hexdigest()
    assert [(item.key, item.size) for item in files.list()] == [
        ("ab/bien-ban.pdf", len(payload)), ("thumbs/small/anh.jpg", 9)]
    assert [item.key for item in files.list("thumbs/")] == ["thumbs/small/anh.jpg"]
    assert all(abs(item.modified - time.time()) < 300 for item in files.list())

    with app.test_request_context():
        response = files.send("ab/bien-ban.pdf", mimetype="application/pdf", as_attachment=True,
                              download_name="Biên bản.pdf")
        response.direct_passthrough = False
        assert response.status_code == 200 and response.get_data() == payload
        assert "attachment" in response.headers["Content-Disposition"]
        from werkzeug.exceptions import NotFound

        with pytest.raises(NotFound):
            files.send("ab/khong-co.pdf", mimetype="application/pdf")

    # A finished local file is handed over whole, and the scratch copy is gone.
    scratch = files.scratch_folder("print_jobs/3")
    merged = scratch / "giay-khen.pdf.part"
    merged.write_bytes(payload[:5000])
    files.put_file("print_jobs/3/giay-khen.pdf", merged)
    assert not merged.exists()
    assert files.read_bytes("print_jobs/3/giay-khen.pdf") == payload[:5000]
    # Work in progress is never listed (nor backed up).
    assert all(not item.key.endswith(".part") and "/." not in item.key for item in files.list())
    files.discard_scratch(scratch)
    assert not scratch.exists()

    files.delete("ab/bien-ban.pdf")
    files.delete("ab/bien-ban.pdf")  # twice is harmless
    assert files.size("ab/bien-ban.pdf") is None
    assert [item.key for item in files.list()] == ["print_jobs/3/giay-khen.pdf", "thumbs/small/anh.jpg"]
    files.check()


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/file.pdf", "ab/../../x.pdf", ".hidden/x.pdf", "ab/.x", "",
                                 "ab//x.pdf", "ab\\x.pdf", "a/b/c/d/e/f/g.pdf", "ab/x y.pdf", "ab/x\x00.pdf"])
def test_keys_that_could_leave_the_store_or_hide_in_it_are_refused(key):
    with pytest.raises(ValueError):
        check_key(key)


def test_a_misconfigured_store_stops_the_start_with_a_clear_message(tmp_path):
    with pytest.raises(RuntimeError, match="S3_BUCKET"):
        create_app(TestingConfig, STORAGE_BACKEND="s3", S3_BUCKET="", UPLOAD_DIR=str(tmp_path))
    with pytest.raises(RuntimeError, match="STORAGE_BACKEND"):
        create_app(TestingConfig, STORAGE_BACKEND="ftp", UPLOAD_DIR=str(tmp_path))


def test_an_s3_store_that_cannot_be_reached_says_so(app):
    unreachable = make_store({**_s3_settings(f"http://127.0.0.1:{_free_port()}", "khong-co"), "UPLOAD_DIR": ""})
    with pytest.raises(StorageUnavailable):
        unreachable.check()
    with pytest.raises(StorageUnavailable):
        unreachable.put_bytes("ab/x.pdf", b"%PDF-")


# --- the app on S3 ----------------------------------------------------------------------------------------


def test_evidence_uploaded_on_s3_is_in_the_bucket_only_and_downloads_byte_for_byte(
        app, client, on_s3, s3_endpoint, login_as, make_unit, make_nomination, province):
    commune = make_unit("Xã Tân Lập", parent=province)
    nomination = make_nomination(unit=commune, with_evidence=False)
    login_as(Role.UNIT_SUBMITTER, commune)
    evidence = PDF_BYTES + os.urandom(50_000)
    response = client.post(
        f"/nominations/{nomination.id}/edit",
        data={"title": nomination.title, "save_draft": "1",
              "evidence": [(io.BytesIO(evidence), "Biên bản họp dân.pdf"), (io.BytesIO(PNG_BYTES), "Ảnh.png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    attachments = db.session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()
    assert [a.original_name for a in attachments] == ["Biên bản họp dân.pdf", "Ảnh.png"]

    in_bucket = _bucket_keys(s3_endpoint, on_s3)
    pdf, png = attachments
    assert in_bucket[f"tinh-mau/{key_for(pdf.stored_name)}"] == evidence
    assert in_bucket[f"tinh-mau/{key_for(png.stored_name)}"] == PNG_BYTES
    # The photo's resized copies were made on upload, in the bucket too.
    stem = png.stored_name.rsplit(".", 1)[0]
    assert {f"tinh-mau/thumbs/small/{stem}.jpg", f"tinh-mau/thumbs/medium/{stem}.jpg"} <= set(in_bucket)
    assert not (Path(app.config["UPLOAD_DIR"]) / key_for(pdf.stored_name)).exists()

    download = client.get(f"/nominations/{nomination.id}/attachments/{pdf.id}")
    assert download.status_code == 200 and download.get_data() == evidence
    assert "Bi%C3%AAn%20b%E1%BA%A3n" in download.headers["Content-Disposition"]

    # Removing the file removes it (and nothing else) from the bucket, after the commit.
    pdf_key, png_key = f"tinh-mau/{key_for(pdf.stored_name)}", f"tinh-mau/{key_for(png.stored_name)}"
    assert client.post(f"/nominations/{nomination.id}/attachments/{pdf.id}/delete").status_code == 302
    remaining = _bucket_keys(s3_endpoint, on_s3)
    assert pdf_key not in remaining and png_key in remaining


def test_when_the_bucket_is_unreachable_the_form_comes_back_whole_and_downloads_say_try_later(
        app, client, on_s3, monkeypatch, login_as, make_unit, make_nomination, province):
    commune = make_unit("Xã Tân Lập", parent=province)
    nomination = make_nomination(unit=commune)  # its photo is in the bucket
    attachment = nomination.attachments[0]
    login_as(Role.UNIT_SUBMITTER, commune)
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", f"http://127.0.0.1:{_free_port()}")  # nothing listens

    response = client.post(
        f"/nominations/{nomination.id}/edit",
        data={"title": "Tên mới gõ dở", "save_draft": "1", "evidence": (io.BytesIO(PDF_BYTES), "Thêm.pdf")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert STORAGE_UNAVAILABLE.split(";")[0] in page and 'value="Tên mới gõ dở"' in page
    db.session.expire_all()
    assert [a.original_name for a in db.session.get(type(nomination), nomination.id).attachments] == ["Ảnh con đường.png"]

    download = client.get(f"/nominations/{nomination.id}/attachments/{attachment.id}")
    assert download.status_code == 503 and "Kho lưu tệp tạm thời không phản hồi" in download.get_data(as_text=True)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["storage"] == "error"


def test_a_print_job_on_s3_is_merged_locally_then_lands_whole_in_the_bucket(
        app, client, auth, on_s3, s3_endpoint, make_council_result, make_issued_decision, tmp_path):
    result = make_council_result(passed=3)
    decision = make_issued_decision(result)
    job = batch.create_print_job(decision, result.secretary)
    db.session.commit()
    batch.start(job)
    assert jobs.wait_for_jobs(120)
    db.session.expire_all()
    job = db.session.get(PrintJob, job.id)
    assert job.status is PrintJobStatus.DONE, job.error

    in_bucket = _bucket_keys(s3_endpoint, on_s3)
    data = in_bucket[f"tinh-mau/print_jobs/{job.id}/{job.file_name}"]
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == job.file_sha256
    # The chunks stayed in the local scratch folder and are gone; nothing half-made reached the bucket.
    assert [key for key in in_bucket if key.startswith("tinh-mau/print_jobs/")] == [
        f"tinh-mau/print_jobs/{job.id}/{job.file_name}"]
    scratch = Path(app.config["SCRATCH_DIR"])
    assert not [p for p in scratch.rglob("*") if p.is_file()]

    auth.login(result.secretary)
    download = client.get(f"/certificates/print-jobs/{job.id}/download")
    assert download.status_code == 200 and download.get_data() == data
    # A file changed in the bucket behind the app's back is not handed out as the job's.
    _admin(s3_endpoint).put_object(Bucket=on_s3, Key=f"tinh-mau/print_jobs/{job.id}/{job.file_name}", Body=data[:1000])
    assert client.get(f"/certificates/print-jobs/{job.id}/download").status_code == 404


@pytest.fixture
def restored_on_s3(app, tmp_path, s3_endpoint):
    """A second app on an empty database and an empty bucket, as in a new data centre."""
    name = f"dvkheo-{uuid.uuid4().hex[:12]}"
    _admin(s3_endpoint).create_bucket(Bucket=name)
    with empty_database_url(app, tmp_path, "dvkheo_s3restore") as url:
        restored = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path / "khong-dung"),
                              SCRATCH_DIR=str(tmp_path / "scratch-restore"), **_s3_settings(s3_endpoint, name))
        yield restored, name
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()
        limiter.init_app(app)


def test_backup_from_one_bucket_restores_into_an_empty_one(
        app, runner, on_s3, s3_endpoint, restored_on_s3, make_nomination, tmp_path):
    nomination = make_nomination(title="Mô hình “Ngõ phố văn minh”")
    from tests.conftest import add_stored_attachment

    add_stored_attachment(app, nomination, "Báo cáo.pdf", PDF_BYTES + os.urandom(4096))
    db.session.commit()
    source = _bucket_keys(s3_endpoint, on_s3)
    assert len(source) >= 4  # two files and the photo's two resized copies

    archive = tmp_path / "sao-luu.tar.gz"
    backed_up = runner.invoke(args=["backup", "--output", str(archive)])
    assert backed_up.exit_code == 0, backed_up.output
    assert f"kho S3 “{on_s3}”" in backed_up.output

    target, target_bucket = restored_on_s3
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        restored = _bucket_keys(s3_endpoint, target_bucket)
        # Same keys (under the target's own prefix, here none), byte for byte.
        assert restored == {key[len("tinh-mau/"):]: data for key, data in source.items()}
        names = db.session.scalars(sa.select(Attachment.original_name).order_by(Attachment.id)).all()
        assert names == ["Ảnh con đường.png", "Báo cáo.pdf"]
        assert not [p for p in Path(target.config["SCRATCH_DIR"]).rglob("*") if p.is_file()]

        # A second restore refuses: the bucket is no longer empty (nor the database).
        again = target.test_cli_runner().invoke(args=["restore", str(archive)])
        assert again.exit_code == 1 and "không trống" in again.output
    assert _bucket_keys(s3_endpoint, target_bucket) == restored


def test_store_upload_refuses_in_words_when_s3_is_down(app, on_s3, monkeypatch):
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", f"http://127.0.0.1:{_free_port()}")
    from dvkheo.core.storage import UploadRejected

    with pytest.raises(UploadRejected, match="Kho lưu tệp tạm thời không phản hồi"):
        store_upload(io.BytesIO(PDF_BYTES), "Biên bản.pdf")


def test_the_s3_scratch_folder_is_private_and_refuses_one_made_by_someone_else(tmp_path, monkeypatch):
    """Print files and a restore's staged files (personal data) wait in "<SCRATCH_DIR or /tmp>/dvkheo-work": a
    fixed name, which another local account could make first, or point elsewhere with a symlink."""
    from dvkheo.core import filestore

    files = S3FileStore(bucket="b", scratch_dir=str(tmp_path))
    root = tmp_path / "dvkheo-work"

    work = files.scratch_folder("print-jobs/3")
    assert stat.S_IMODE(root.stat().st_mode) == 0o700 and work.is_relative_to(root)
    files.discard_scratch(work)

    root.chmod(0o755)  # made by an earlier version
    files.discard_scratch(files.scratch_folder())
    assert stat.S_IMODE(root.stat().st_mode) == 0o700

    shutil.rmtree(root)
    elsewhere = tmp_path / "cua-nguoi-khac"
    elsewhere.mkdir()
    root.symlink_to(elsewhere)
    with pytest.raises(PermissionError, match="SCRATCH_DIR"):
        files.scratch_folder("print-jobs/3")
    assert list(elsewhere.iterdir()) == []

    root.unlink()
    root.mkdir(mode=0o700)
    monkeypatch.setattr(filestore.os, "geteuid", lambda: os.getuid() + 4242)  # the folder is another account's
    with pytest.raises(PermissionError, match="không phải thư mục riêng"):
        files.scratch_folder()


def test_files_the_app_never_names_are_not_listed(any_store, tmp_path):
    """A file copied into the store by hand ("ghi chu.txt") made `flask backup` stop with a traceback (its name is
    no key); an UPLOAD_DIR that is a mount point has the filesystem's lost+found (root's, unreadable to the app)."""
    files = any_store
    files.put_bytes("ab/bien-ban.pdf", PDF_BYTES)
    if isinstance(files, LocalFileStore):
        (files.root / "ghi chu.txt").write_bytes(b"x")
        (files.root / "ab" / "#12").write_bytes(b"x")
        (files.root / "lost+found").mkdir()
        (files.root / "lost+found" / "#4711").write_bytes(b"x")
    else:
        for name in ("ghi chu.txt", "ab/#12", "ab/../x"):
            files.client.put_object(Bucket=files.bucket, Key=files.prefix + name, Body=b"x")
    assert [item.key for item in files.list()] == ["ab/bien-ban.pdf"]
