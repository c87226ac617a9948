"""The job runner: in-process thread without Redis, RQ on the real Redis when REDIS_URL is set,
and the fall-back to in-process when Redis does not answer."""
from __future__ import annotations

import logging
import threading
import uuid

import pytest
import sqlalchemy as sa
from flask import current_app

from dvkheo.accounts.models import Role, User
from dvkheo.core import jobs
from dvkheo.extensions import db

TEST_REDIS_URL = "redis://127.0.0.1:6379/5"
CALLS: list[dict] = []


def record_call(label: str) -> None:
    """A job: notes where it ran and what it saw of the database."""
    CALLS.append({
        "label": label,
        "thread": threading.current_thread().name,
        "app": current_app._get_current_object(),
        "session": db.session(),
        "users": db.session.scalar(sa.select(sa.func.count()).select_from(User)),
    })


RECORD = f"{__name__}.record_call"


@pytest.fixture(autouse=True)
def fresh_calls(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "")
    CALLS.clear()
    yield
    assert jobs.wait_for_jobs(30)


@pytest.fixture
def redis_queue(app, monkeypatch):
    """A queue of this test's own on Redis database 5; deleted with its jobs afterwards."""
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
    queue = Queue(name, connection=connection)
    yield queue
    queue.delete(delete_jobs=True)
    connection.close()


def test_without_redis_a_job_runs_on_the_worker_thread_in_an_app_context_of_its_own(make_user):
    make_user(email="mot@example.vn")
    job_id = jobs.enqueue(RECORD, "in-process")
    assert job_id.startswith("local-")
    assert jobs.wait_for_jobs(30)
    [call] = CALLS
    assert call["label"] == "in-process"
    assert call["thread"].startswith("dvkheo-job") and call["thread"] != threading.current_thread().name
    assert call["app"] is current_app._get_current_object()
    assert call["session"] is not db.session()  # its own session, never the caller's transaction
    assert call["users"] == 1  # and it sees what the caller committed


def test_a_typo_in_the_function_path_fails_in_the_caller():
    with pytest.raises((ImportError, AttributeError)):
        jobs.enqueue("dvkheo.core.jobs.no_such_function")


def test_with_redis_the_job_waits_in_the_queue_until_an_rq_worker_runs_it(redis_queue, make_user):
    from rq import SimpleWorker

    make_user()
    job_id = jobs.enqueue(RECORD, "rq")
    assert not job_id.startswith("local-")
    assert redis_queue.job_ids == [job_id]
    assert jobs.wait_for_jobs(5) and CALLS == []  # nothing ran in this process

    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    [call] = CALLS
    assert call["label"] == "rq" and call["users"] == 1
    assert call["session"] is not db.session()
    assert redis_queue.fetch_job(job_id).get_status() == "finished"


def test_the_flask_jobs_worker_command_runs_the_queue(redis_queue, runner):
    jobs.enqueue(RECORD, "cli")
    result = runner.invoke(jobs.jobs_cli, ["worker", "--burst", "--simple"])
    assert result.exit_code == 0, result.output
    assert [call["label"] for call in CALLS] == ["cli"]
    assert redis_queue.count == 0


def test_the_worker_command_explains_that_it_needs_redis(runner):
    result = runner.invoke(jobs.jobs_cli, ["worker", "--burst"])
    assert result.exit_code != 0
    assert "Chưa cấu hình REDIS_URL" in result.output


def test_unreachable_redis_falls_back_to_the_in_process_worker_with_a_warning(app, monkeypatch, caplog):
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://:secret@127.0.0.1:1/5")
    with caplog.at_level(logging.WARNING, logger="dvkheo.core.jobs"):
        job_id = jobs.enqueue(RECORD, "fallback")
    assert job_id.startswith("local-")
    assert jobs.wait_for_jobs(30)
    assert [call["label"] for call in CALLS] == ["fallback"]
    warning = " ".join(record.getMessage() for record in caplog.records)
    assert "unreachable" in warning and "secret" not in warning


def test_an_in_memory_database_runs_the_job_in_the_callers_thread(tmp_path):
    """One shared connection (StaticPool): a second thread would interleave its transactions with ours."""
    from config import TestingConfig
    from dvkheo import create_app

    class MemoryConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        UPLOAD_DIR = str(tmp_path)
        REDIS_URL = ""

    memory_app = create_app(MemoryConfig)
    with memory_app.app_context():
        db.create_all()
        db.session.add(User(email="bo-nho@example.vn", full_name="Người Thử", role=Role.SECRETARY, password_hash="x"))
        db.session.commit()
        jobs.enqueue(RECORD, "memory")
        [call] = CALLS  # already done when enqueue returned
        assert call["thread"] == threading.current_thread().name and call["users"] == 1
        assert call["app"] is memory_app
        db.session.remove()
        db.engine.dispose()
