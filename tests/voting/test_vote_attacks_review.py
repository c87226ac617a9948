"""Review of the autocommit cast and the direct vote limits: parallel attacks by one voter through a
served app on PostgreSQL, refusals that must change nothing, and the pooled connection left as found."""
from __future__ import annotations

import http.client
import threading
import urllib.parse
from collections import Counter

import pytest
import sqlalchemy as sa

from bench.harness import GunicornServer, mint_voter_session, server_env
from dvkheo.extensions import db
from dvkheo.voting import ledger
from dvkheo.voting.models import Vote, Voter
from tests.voting.test_concurrency import _post


@pytest.fixture
def postgres_url(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("runs on PostgreSQL")
    return db.engine.url.render_as_string(hide_password=False)


def _fire(port, requests):
    """requests: list of (path, cookie, body); all released together. Returns [(status, body)]."""
    results: list = [None] * len(requests)
    barrier = threading.Barrier(len(requests))

    threads = [threading.Thread(target=_post, args=(port, *request, barrier, results, i)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _consistent(campaign_id, accepted_minus_withdrawn=None):
    db.session.expire_all()
    live = db.session.scalar(sa.select(sa.func.count()).select_from(Vote).where(Vote.withdrawn_at.is_(None)))
    slots = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Voter.active_votes), 0)))
    assert live == slots == sum(ledger.tallies(campaign_id).values())
    per_voter = dict(db.session.execute(
        sa.select(Vote.voter_id, sa.func.count()).where(Vote.withdrawn_at.is_(None)).group_by(Vote.voter_id)
    ).tuples().all())
    for voter in db.session.scalars(sa.select(Voter)):
        assert voter.active_votes == per_voter.get(voter.id, 0)
        assert voter.active_votes <= 3
    duplicates = db.session.execute(
        sa.select(Vote.voter_id, Vote.nomination_id).where(Vote.withdrawn_at.is_(None))
        .group_by(Vote.voter_id, Vote.nomination_id).having(sa.func.count() > 1)
    ).all()
    assert duplicates == []
    if accepted_minus_withdrawn is not None:
        assert live == accepted_minus_withdrawn
    report = ledger.verify(campaign_id)
    assert report.ok, report.problems


def test_one_voter_parallel_attacks(app, postgres_url, voting_campaign, make_nominee, make_voter):
    nominees = [make_nominee() for _ in range(6)]
    same, spread, mixed = make_voter(), make_voter(), make_voter()
    # `mixed` already holds two votes, which it withdraws while voting again in parallel.
    held = [ledger.cast_online(voting_campaign.id, mixed.id, n.id)[0] for n in nominees[:2]]
    db.session.commit()
    held_ids = [db.session.scalar(sa.select(Vote.id).where(Vote.receipt_code == code)) for code in held]
    cookies = {voter.id: mint_voter_session(app, voting_campaign.id, voter.id) for voter in (same, spread, mixed)}
    cast_path = f"/binh-chon/dot/{voting_campaign.id}/binh-chon"

    def cast(voter, nominee):
        cookie, token = cookies[voter.id]
        return cast_path, cookie, urllib.parse.urlencode({"nomination_id": nominee.id, "csrf_token": token, "website": ""})

    def withdraw(voter, vote_id):
        cookie, token = cookies[voter.id]
        return (f"/binh-chon/dot/{voting_campaign.id}/phieu/{vote_id}/rut-lai", cookie,
                urllib.parse.urlencode({"csrf_token": token}))

    plan = [cast(same, nominees[0])] * 20                       # one nominee twenty times
    plan += [cast(spread, nominee) for nominee in nominees] * 2  # six nominees, twice each, limit 3
    plan += [withdraw(mixed, held_ids[0]), withdraw(mixed, held_ids[1]), withdraw(mixed, held_ids[0])]
    plan += [cast(mixed, n) for n in nominees] + [cast(mixed, nominees[0])] * 3
    kinds = ["same"] * 20 + ["spread"] * 12 + ["withdraw"] * 3 + ["mixed"] * 9

    with GunicornServer(server_env(postgres_url, app.config["SECRET_KEY"]), workers=4, threads=8) as server:
        results = _fire(server.port, plan)

    by_kind = {kind: Counter() for kind in set(kinds)}
    for kind, (status, _) in zip(kinds, results):
        by_kind[kind][status] += 1
    assert all(set(counter) <= {303, 409} for counter in by_kind.values()), by_kind
    assert by_kind["same"][303] == 1, by_kind
    assert by_kind["spread"][303] == 3, by_kind
    withdrawn = by_kind["withdraw"][303]
    assert withdrawn <= 2
    _consistent(voting_campaign.id, 1 + 3 + 2 + by_kind["mixed"][303] - withdrawn)


def test_refusals_change_nothing(app, postgres_url, voting_campaign, make_nominee, make_voter, make_campaign):
    from dvkheo.core.rules import RuleRefused
    from dvkheo.nominations.states import NominationState

    nominees = [make_nominee() for _ in range(4)]
    not_listed = make_nominee(status=NominationState.NOT_SHORTLISTED)
    voter = make_voter()
    for nominee in nominees[:3]:
        ledger.cast_online(voting_campaign.id, voter.id, nominee.id, session_version=1)
    db.session.commit()

    def snapshot():
        db.session.expire_all()
        return (
            db.session.execute(sa.select(Voter.id, Voter.active_votes, Voter.channel, Voter.session_version).order_by(Voter.id)).all(),
            db.session.execute(sa.select(Vote.id, Vote.withdrawn_at).order_by(Vote.id)).all(),
        )

    campaign_id, voter_id, first_id = voting_campaign.id, voter.id, nominees[0].id
    before = snapshot()
    attempts = [(nominees[3].id, 1), (nominees[0].id, 1), (nominees[3].id, 2), (10**6, 1)]
    if not_listed is not None:
        attempts.append((not_listed.id, 1))
    for nomination_id, version in attempts:
        db.session.remove()
        with pytest.raises(RuleRefused):
            ledger.cast_online(campaign_id, voter_id, nomination_id, session_version=version)
        db.session.rollback()
        assert snapshot() == before
    fresh_id = make_voter().id
    before = snapshot()
    db.session.execute(sa.text("UPDATE campaigns SET public_voting_close_on = public_voting_open_on, voting_closes_at = NULL WHERE id = :id"), {"id": campaign_id})
    db.session.commit()
    db.session.remove()
    with pytest.raises(RuleRefused):
        ledger.cast_online(campaign_id, fresh_id, first_id, session_version=1)
    db.session.rollback()
    assert snapshot()[1] == before[1]


def test_the_pooled_connection_is_no_longer_in_autocommit_after_a_vote(app, postgres_url, voting_campaign, make_nominee, make_voter):
    ids = voting_campaign.id, make_voter().id, make_nominee().id
    db.session.remove()
    ledger.cast_online(*ids, session_version=1)
    db.session.commit()
    db.session.remove()
    connections = [db.engine.connect() for _ in range(db.engine.pool.checkedin() + 1)]
    try:
        assert all(not c.connection.dbapi_connection.autocommit for c in connections)
        assert all(c.get_isolation_level() != "AUTOCOMMIT" for c in connections)
    finally:
        for c in connections:
            c.close()


def _need_redis():
    import socket
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("needs a Redis on 127.0.0.1:6379")


def _fire_headers(port, path, cookie, body, count, headers_for):
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def one(index):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.connect()
        barrier.wait(timeout=60)
        try:
            connection.request("POST", path, body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"session={cookie}", **headers_for(index),
            })
            response = connection.getresponse()
            response.read()
            results[index] = response.status
        except Exception as error:  # noqa: BLE001
            results[index] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.parametrize("redis_url", ["redis://127.0.0.1:6379/15", "redis://127.0.0.1:1/0"])
def test_parallel_limits_hold_with_redis_and_without(app, postgres_url, voting_campaign, make_nominee, make_voter, redis_url):
    import uuid
    if "6379" in redis_url:
        _need_redis()
    nominee, voter = make_nominee(), make_voter()
    cookie, token = mint_voter_session(app, voting_campaign.id, voter.id)
    path = f"/binh-chon/dot/{voting_campaign.id}/binh-chon"
    body = urllib.parse.urlencode({"nomination_id": nominee.id, "csrf_token": token, "website": ""})
    env = server_env(postgres_url, app.config["SECRET_KEY"], REDIS_URL=redis_url, RATELIMIT_KEY_PREFIX=uuid.uuid4().hex,
                     VOTE_RATE_LIMIT_PER_VOTER="5 per minute", VOTE_RATE_LIMIT_PER_IP="1000 per minute", TRUSTED_PROXIES="0")
    with GunicornServer(env, workers=2, threads=8) as server:
        answers = _fire_headers(server.port, path, cookie, body, 40, lambda i: {"X-Forwarded-For": f"198.51.100.{i}"})
        counts = Counter(answers)
        assert set(counts) <= {303, 409, 429}, counts
        passed = counts[303] + counts[409]
        if "6379" in redis_url:
            assert passed == 5, counts
        else:
            assert 0 < passed <= 5 * 2, counts
        assert counts[303] == 1
    _consistent(voting_campaign.id, 1)


def test_forwarded_for_does_not_dodge_the_address_limit_without_trusted_proxies(app, postgres_url, voting_campaign, make_nominee, make_voter):
    import uuid
    _need_redis()
    nominee = make_nominee()
    voters = [make_voter() for _ in range(12)]
    sessions = [mint_voter_session(app, voting_campaign.id, v.id) for v in voters]
    path = f"/binh-chon/dot/{voting_campaign.id}/binh-chon"
    env = server_env(postgres_url, app.config["SECRET_KEY"], REDIS_URL="redis://127.0.0.1:6379/15", RATELIMIT_KEY_PREFIX=uuid.uuid4().hex,
                     VOTE_RATE_LIMIT_PER_IP="4 per minute", TRUSTED_PROXIES="0")
    with GunicornServer(env, workers=2, threads=4) as server:
        statuses = []
        for i, (cookie, token) in enumerate(sessions):
            body = urllib.parse.urlencode({"nomination_id": nominee.id, "csrf_token": token, "website": ""})
            statuses += _fire_headers(server.port, path, cookie, body, 1, lambda _: {"X-Forwarded-For": f"198.51.100.{i}", "X-Real-IP": f"198.51.100.{i}"})
    assert Counter(statuses)[429] == 8, statuses
