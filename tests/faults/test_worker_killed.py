"""An RQ worker (`flask jobs worker`, a real process with its work horse) is killed with SIGKILL in the middle
of a batch: no file is offered for download, the job becomes retryable once silent for STALE_AFTER, and a retry
run by a new worker makes the whole file (page count, SHA-256) and leaves no temporary chunks behind."""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from config import BASE_DIR
from dvkheo.certificates import batch
from dvkheo.certificates.models import PrintJob, PrintJobStatus
from dvkheo.extensions import db
from tests.faults.conftest import files_under, wait_until

REDIS_URL = "redis://127.0.0.1:6379/11"  # kept for these tests, emptied before and after
CERTIFICATES = 24
FLASK = str(Path(sys.executable).with_name("flask"))


@pytest.fixture
def redis_db11(app, monkeypatch):
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except RedisError as error:  # pragma: no cover - only where no Redis runs
        pytest.skip(f"Redis is not running on {REDIS_URL}: {error}")
    connection.flushdb()
    # Job ids start again in each test's empty tables: an earlier test's files must not be taken for this one's.
    shutil.rmtree(batch.jobs_root(), ignore_errors=True)
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "JOBS_QUEUE", f"dvkheo-fault-{uuid.uuid4().hex[:8]}")
    monkeypatch.setitem(app.config, "PRINT_CHUNK_SIZE", 1)
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def workers(app, redis_db11, tmp_path):
    """Start `flask jobs worker` processes on the session database and upload folder; kill what is left."""
    started: list[subprocess.Popen] = []

    def start(*options: str) -> subprocess.Popen:
        env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "FLASK_APP")}
        env.update(
            DVKHEO_ENV="testing",
            TEST_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            UPLOAD_DIR=app.config["UPLOAD_DIR"],
            REDIS_URL=REDIS_URL,
            JOBS_QUEUE=app.config["JOBS_QUEUE"],
            PRINT_CHUNK_SIZE="1",
            # The variable text laid out by WeasyPrint (~10x slower than the direct layer): a batch long enough to
            # be caught half-way.
            CERTIFICATE_TEXT_LAYER="weasyprint",
        )
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(
            [FLASK, "--app", "wsgi", "jobs", "worker", *options], cwd=BASE_DIR, env=env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,  # its own group: the work horse too
        )
        process.log_path = log.name
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            for horse in children(process.pid):
                os.kill(horse, signal.SIGKILL)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def kill_worker(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its work horse: RQ puts the horse in a process group of its own (setpgrp),
    so killing the worker's group alone would leave the horse printing."""
    horses = children(worker.pid)
    assert horses, "the worker has no work horse: it is not running the job"
    os.killpg(worker.pid, signal.SIGKILL)
    for horse in horses:
        try:
            os.killpg(horse, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.wait(10)
    wait_until(lambda: not any(Path(f"/proc/{horse}").exists() and "Z" not in _state(horse) for horse in horses), 10,
               "the work horse is gone")


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return "Z"


def fresh(job_id: int) -> PrintJob:
    db.session.expire_all()
    return db.session.get(PrintJob, job_id)


def test_a_worker_killed_mid_batch_leaves_no_file_and_a_retry_makes_it_whole(
        app, client, auth, make_council_result, make_issued_decision, workers, monkeypatch):
    result = make_council_result(passed=CERTIFICATES)
    decision = make_issued_decision(result)
    auth.login(result.secretary)
    assert client.post(f"/certificates/decisions/{decision.id}/print-jobs", data={"output": "plain"}).status_code == 302
    job = db.session.scalars(sa.select(PrintJob)).one()
    assert job.status is PrintJobStatus.QUEUED and not job.queue_job_id.startswith("local-")
    folder = batch.job_folder(job)

    worker = workers()
    wait_until(lambda: fresh(job.id).status is PrintJobStatus.RUNNING and fresh(job.id).done_count >= 3, 90,
               f"the worker is half-way through the batch (log: {getattr(worker, 'log_path', '')})", interval=0.02)
    kill_worker(worker)  # the worker and its work horse, mid-batch

    job = fresh(job.id)
    assert job.status is PrintJobStatus.RUNNING and 3 <= job.done_count < CERTIFICATES, (job.status, job.done_count)
    # Nothing to download, and nothing that looks like the file: no final PDF, no .part.
    assert client.get(f"/certificates/print-jobs/{job.id}/download").status_code != 200
    leftovers = files_under(folder)
    assert not [name for name in leftovers if "/" not in name], leftovers
    assert leftovers, "the killed run's temporary chunks were expected in its private folder"

    # Not retryable while it may still be alive; retryable once silent for STALE_AFTER.
    assert "Thử lại" not in client.get(f"/certificates/print-jobs/{job.id}").get_data(as_text=True)
    monkeypatch.setattr(batch, "STALE_AFTER", timedelta(seconds=1))
    time.sleep(1.1)
    page = client.get(f"/certificates/print-jobs/{job.id}").get_data(as_text=True)
    job = fresh(job.id)
    assert "Quá trình tạo tệp không còn hoạt động" in page and "Thử lại" in page, (job.status, job.heartbeat_at, job.done_count)
    assert client.post(f"/certificates/print-jobs/{job.id}/retry").status_code == 302
    assert fresh(job.id).status is PrintJobStatus.QUEUED and fresh(job.id).attempts == 2

    retry_worker = workers("--burst")
    retry_worker.wait(120)
    job = fresh(job.id)
    assert job.status is PrintJobStatus.DONE, (job.error, Path(retry_worker.log_path).read_text(errors="replace")[-3000:])
    download = client.get(f"/certificates/print-jobs/{job.id}/download")
    assert download.status_code == 200
    assert len(PdfReader(io.BytesIO(download.data)).pages) == CERTIFICATES == job.done_count
    assert hashlib.sha256(download.data).hexdigest() == job.file_sha256 and len(download.data) == job.file_size
    # Only the file: the killed run's chunks are gone with the retry, and no .part remains.
    assert files_under(folder) == [job.file_name]
