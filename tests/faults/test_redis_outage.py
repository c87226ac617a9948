"""Redis stops in the middle of use (a private redis-server, killed): sign-ins and pages still work (the rate
limits count in memory), a print job started meanwhile is made in the web process, the job Redis lost becomes
retryable, a vote is recorded exactly once; once Redis is back on its port, jobs are queued to it again."""
from __future__ import annotations

import subprocess
import tempfile
import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from config import TestingConfig
from dvkheo.certificates import batch
from dvkheo.certificates.models import PrintJob, PrintJobStatus
from dvkheo.core import jobs
from dvkheo.extensions import db
from dvkheo.voting import ledger
from dvkheo.voting.models import Vote
from tests.conftest import PASSWORD
from tests.faults.conftest import cast_vote, free_port, sign_in_voter, voter_session, wait_until

REDIS_SERVER = "/usr/bin/redis-server"


class PrivateRedis:
    """A redis-server of this test only: no snapshot, no append-only file, so a kill loses what it held."""

    def __init__(self):
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="dvkheo-redis-fault-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def connection(self):
        from redis import Redis

        return Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=2)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

        def answers():
            from redis.exceptions import RedisError

            assert self.process.poll() is None, f"redis-server on port {self.port} exited"
            try:
                return self.connection().ping()
            except RedisError:
                return False

        wait_until(answers, 10, f"redis-server trả lời trên cổng {self.port}")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)


@pytest.fixture
def redis_server():
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.kill()
        import shutil

        shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture
def redis_app(app, other_apps, redis_server, monkeypatch):
    class PrivateRedisConfig(TestingConfig):
        REDIS_URL = redis_server.url
        JOBS_QUEUE = f"dvkheo-fault-{uuid.uuid4().hex[:8]}"
        UPLOAD_DIR = app.config["UPLOAD_DIR"]
        PRINT_CHUNK_SIZE = 2

    application = other_apps(PrivateRedisConfig)
    assert application.config["RATELIMIT_STORAGE_URI"] == redis_server.url
    return application


def _burst_worker_class():
    from rq import SimpleWorker

    class BurstWorker(SimpleWorker):
        """Runs what is queued, in this process. Without RQ's command listener: a burst of milliseconds can end
        before that thread has subscribed, and stopping it then waits its full minute (an RQ/redis-py race)."""

        def subscribe(self):
            pass

        def unsubscribe(self):
            pass

    return BurstWorker


BurstWorker = _burst_worker_class()


def queued_ids(redis_server, redis_app) -> list[str]:
    from rq import Queue

    return Queue(jobs.queue_name(redis_app), connection=redis_server.connection()).job_ids


def print_job(job_id: int) -> PrintJob:
    db.session.expire_all()
    return db.session.get(PrintJob, job_id)


def newest_job() -> PrintJob:
    db.session.expire_all()
    return db.session.scalars(sa.select(PrintJob).order_by(PrintJob.id.desc())).first()


def test_redis_killed_mid_use(redis_app, redis_server, make_council_result, make_issued_decision, public_vote, monkeypatch):
    result = make_council_result(passed=2)
    decision = make_issued_decision(result)
    voting_campaign, nominee, voter = public_vote(result.campaign.organising_unit)
    secretary = redis_app.test_client()
    citizen = redis_app.test_client()
    sign_in_voter(citizen, voter_session(voter))
    login = {"email": result.secretary.email, "password": PASSWORD}

    # Redis in use: the limits count there, and a print job is queued there.
    assert secretary.post("/login", data=login).status_code == 302
    assert redis_server.connection().keys("*"), "the login limit was not counted in Redis"
    assert secretary.post(f"/certificates/decisions/{decision.id}/print-jobs", data={"output": "plain"}).status_code == 302
    lost = newest_job()
    assert lost.status is PrintJobStatus.QUEUED and queued_ids(redis_server, redis_app) == [lost.queue_job_id]

    redis_server.kill()  # the queued job dies with it: no snapshot, no append-only file

    # Sign-in and pages still work: the limits fall back to process memory, quickly.
    started = time.monotonic()
    assert secretary.post("/logout").status_code == 302
    assert secretary.post("/login", data=login).status_code == 302
    assert secretary.get(f"/certificates/decisions/{decision.id}").status_code == 200
    assert time.monotonic() - started < 10

    # A print job started now is made in the web process instead of waiting for a queue that is gone.
    response = secretary.post(f"/certificates/decisions/{decision.id}/print-jobs", data={"output": "plain"})
    assert response.status_code == 302
    assert jobs.wait_for_jobs(60)
    local = newest_job()
    assert local.queue_job_id.startswith("local-")
    assert local.status is PrintJobStatus.DONE, local.error
    assert secretary.get(f"/certificates/print-jobs/{local.id}/download").status_code == 200

    # A vote during the outage: recorded once, its receipt shown, a second click counts nothing.
    response = cast_vote(citizen, voting_campaign.id, nominee.id)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    receipt = db.session.scalar(sa.select(Vote.receipt_code))
    assert f"Mã xác nhận bình chọn: {receipt}" in citizen.get(response.headers["Location"]).get_data(as_text=True)
    assert cast_vote(citizen, voting_campaign.id, nominee.id).status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == 1
    assert ledger.verify(voting_campaign.id).ok

    # The job Redis lost is not left waiting for ever: once silent for STALE_AFTER it can be retried.
    page = secretary.get(f"/certificates/print-jobs/{lost.id}").get_data(as_text=True)
    assert "Thử lại" not in page  # not yet: it was queued moments ago
    monkeypatch.setattr(batch, "STALE_AFTER", timedelta(seconds=1))
    time.sleep(1.1)
    page = secretary.get(f"/certificates/print-jobs/{lost.id}").get_data(as_text=True)
    assert "Quá trình tạo tệp không còn hoạt động" in page and "Thử lại" in page

    # Redis back on the same port: jobs are queued to it again, and an RQ worker makes them.
    redis_server.start()
    assert secretary.post(f"/certificates/print-jobs/{lost.id}/retry").status_code == 302
    assert secretary.post(f"/certificates/decisions/{decision.id}/print-jobs", data={"output": "plain"}).status_code == 302
    after = newest_job()
    assert jobs.wait_for_jobs(5)
    retried = print_job(lost.id)
    assert retried.status is PrintJobStatus.QUEUED and retried.attempts == 2
    assert sorted(queued_ids(redis_server, redis_app)) == sorted([retried.queue_job_id, after.queue_job_id])

    with redis_app.app_context():
        worker_connection = jobs.redis_connection(redis_server.url)
        BurstWorker([jobs.queue_name(redis_app)], connection=worker_connection).work(burst=True)
        worker_connection.close()
    for job_id in (lost.id, after.id):
        job = print_job(job_id)
        assert job.status is PrintJobStatus.DONE, job.error
        assert secretary.get(f"/certificates/print-jobs/{job_id}/download").status_code == 200
    assert secretary.post("/logout").status_code == 302
    assert secretary.post("/login", data=login).status_code == 302
