"""Batch printing through RQ on the real Redis: the request only queues the job; an RQ worker makes the file."""
from __future__ import annotations

import io
import shutil
import uuid

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dvkheo.certificates import batch
from dvkheo.certificates.models import PrintJob, PrintJobStatus
from dvkheo.core import jobs
from dvkheo.extensions import db

TEST_REDIS_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture
def redis_queue(app, monkeypatch):
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    connection = Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except RedisError as error:  # pragma: no cover - only where no Redis runs
        pytest.skip(f"Redis is not running on {TEST_REDIS_URL}: {error}")
    name = f"dvkheo-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "REDIS_URL", TEST_REDIS_URL)
    monkeypatch.setitem(app.config, "JOBS_QUEUE", name)
    monkeypatch.setitem(app.config, "PRINT_CHUNK_SIZE", 2)
    shutil.rmtree(batch.jobs_root(), ignore_errors=True)
    queue = Queue(name, connection=connection)
    yield queue
    queue.delete(delete_jobs=True)
    connection.close()


def test_the_rq_worker_makes_the_file_the_request_queued(client, auth, make_council_result, make_issued_decision, redis_queue):
    from rq import SimpleWorker

    result = make_council_result(passed=3)
    decision = make_issued_decision(result)
    auth.login(result.secretary)
    response = client.post(f"/certificates/decisions/{decision.id}/print-jobs", data={"output": "plain"})
    assert response.status_code == 302
    assert jobs.wait_for_jobs(5)

    job = db.session.scalars(sa.select(PrintJob)).one()
    assert job.status is PrintJobStatus.QUEUED and job.done_count == 0
    assert redis_queue.job_ids == [job.queue_job_id]
    page = client.get(f"/certificates/print-jobs/{job.id}").get_data(as_text=True)
    assert "Đang chờ tạo tệp (3 giấy khen)" in page

    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)

    db.session.expire_all()
    job = db.session.get(PrintJob, job.id)
    assert job.status is PrintJobStatus.DONE, job.error
    assert job.done_count == job.total == 3
    download = client.get(f"/certificates/print-jobs/{job.id}/download")
    assert download.status_code == 200
    assert len(PdfReader(io.BytesIO(download.data)).pages) == 3
    assert redis_queue.fetch_job(job.queue_job_id).get_status() == "finished"
