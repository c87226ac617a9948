"""On PostgreSQL the online vote goes straight to the driver on a pooled connection in autocommit
(`ledger._cast_autocommit`). What the session used to handle must still hold there: a database
error reaches the voter as the "try again" page (never a 500) with nothing written, a connection
killed under the statement is not handed out again, and the next vote counts."""
from __future__ import annotations

import threading
import time

import psycopg
import pytest
import sqlalchemy as sa

from dvkheo.extensions import db
from dvkheo.voting import ledger
from dvkheo.voting.ballot_views import RETRY_MESSAGE
from dvkheo.voting.models import Vote, Voter
from dvkheo.voting.session import session_values
from tests.voting.test_hot_path_review import _no_pooled_connection_in_autocommit


@pytest.fixture
def postgres_dsn(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("runs on PostgreSQL")
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def driver_casts(monkeypatch):
    """Counts the casts that took the driver path (the real function runs)."""
    calls = []
    original = ledger._cast_autocommit

    def counted(params):
        calls.append(params["voter_id"])
        return original(params)

    monkeypatch.setattr(ledger, "_cast_autocommit", counted)
    return calls


def _signed_in(client, voter):
    with client.session_transaction() as sess:
        sess.update(session_values(voter.campaign_id, voter.id, voter.session_version))


def _vote(client, campaign_id, nominee_id):
    return client.post(f"/binh-chon/dot/{campaign_id}/binh-chon", data={"nomination_id": str(nominee_id), "website": ""})


def _rows(voter_id):
    db.session.expire_all()
    votes = db.session.scalar(sa.select(sa.func.count()).select_from(Vote).where(Vote.voter_id == voter_id))
    return votes, db.session.get(Voter, voter_id).active_votes


@pytest.fixture
def locked_voter(postgres_dsn):
    """Hold the voter's row in another connection's open transaction, as a slow parallel request would."""
    holders = []

    def lock(voter_id):
        holder = psycopg.connect(postgres_dsn)
        holder.execute("SELECT 1 FROM voters WHERE id = %s FOR UPDATE", (voter_id,))
        holders.append(holder)
        return holder

    yield lock
    for holder in holders:
        holder.rollback()
        holder.close()


def test_a_vote_waiting_past_the_lock_timeout_gets_the_retry_page_and_the_next_one_counts(
    app, client, postgres_dsn, driver_casts, locked_voter, voting_campaign, make_nominee, make_voter,
):
    nominee, voter = make_nominee(), make_voter()
    ids = voting_campaign.id, voter.id, nominee.id

    @sa.event.listens_for(db.engine, "connect")
    def short_lock_timeout(dbapi_connection, _record):
        dbapi_connection.execute("SET lock_timeout = '300ms'")
        dbapi_connection.commit()

    db.session.remove()
    db.engine.dispose()  # new connections, with the short timeout
    try:
        _signed_in(client, voter)
        holder = locked_voter(ids[1])
        response = _vote(client, ids[0], ids[2])
        assert response.status_code == 409
        assert RETRY_MESSAGE in response.get_data(as_text=True)
        holder.rollback()
        assert _rows(ids[1]) == (0, 0)
        _no_pooled_connection_in_autocommit()  # else the next staff form would commit statement by statement
        response = _vote(client, ids[0], ids[2])
        assert response.status_code == 303
        assert _rows(ids[1]) == (1, 1)
        assert driver_casts == [ids[1], ids[1]]
    finally:
        sa.event.remove(db.engine, "connect", short_lock_timeout)
        db.session.remove()
        db.engine.dispose()


def test_a_connection_killed_under_the_vote_gives_the_retry_page_and_the_next_vote_counts(
    app, client, postgres_dsn, driver_casts, locked_voter, voting_campaign, make_nominee, make_voter,
):
    nominee, voter = make_nominee(), make_voter()
    ids = voting_campaign.id, voter.id, nominee.id
    db.session.remove()
    _signed_in(client, voter)
    holder = locked_voter(ids[1])
    answer = {}

    def vote_in_background():
        answer["response"] = _vote(client, ids[0], ids[2])

    thread = threading.Thread(target=vote_in_background)
    thread.start()
    with psycopg.connect(postgres_dsn, autocommit=True) as watcher:
        waiting = None
        deadline = time.monotonic() + 30
        while waiting is None and time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%%WITH campaign AS%%'"
            ).fetchone()
            time.sleep(0.05)
        assert waiting is not None, "the vote never waited on the voter's row"
        watcher.execute("SELECT pg_terminate_backend(%s)", (waiting[0],))
    thread.join(timeout=60)
    response = answer["response"]
    assert response.status_code == 409
    assert RETRY_MESSAGE in response.get_data(as_text=True)
    holder.rollback()
    assert _rows(ids[1]) == (0, 0)
    db.session.remove()
    response = _vote(client, ids[0], ids[2])  # a live connection: the killed one was thrown away
    assert response.status_code == 303
    assert _rows(ids[1]) == (1, 1)
    assert driver_casts == [ids[1], ids[1]]
