"""Many voters, many simultaneous requests, one exact count: the app served by gunicorn with several
workers on PostgreSQL, 50 voters firing 200 vote requests released together by a barrier."""
from __future__ import annotations

import http.client
import re
import threading
import urllib.parse
from collections import Counter

import pytest
import sqlalchemy as sa

from bench.harness import GunicornServer, mint_voter_session, server_env
from dvkheo.extensions import db
from dvkheo.voting import ledger, sealing
from dvkheo.voting.models import Vote, Voter

VOTERS = 50
REQUESTS_PER_VOTER = 4  # 200 in all: each voter tries 4 nominees (one of them twice) with a limit of 3
NOMINEES = 5


@pytest.fixture
def postgres_url(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("the concurrency test runs on PostgreSQL (the production database)")
    return db.engine.url.render_as_string(hide_password=False)


def _post(port: int, path: str, cookie: str, body: str, barrier: threading.Barrier, results: list, index: int):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.connect()  # connect before the barrier: the requests leave together
    barrier.wait(timeout=60)
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"session={cookie}",
        })
        response = connection.getresponse()
        results[index] = (response.status, response.read().decode("utf-8", "replace"))
    except Exception as error:  # noqa: BLE001 - recorded and asserted below
        results[index] = (0, repr(error))
    finally:
        connection.close()


def test_two_hundred_simultaneous_votes_leave_an_exact_tally(app, postgres_url, voting_campaign, make_nominee, make_voter):
    nominees = [make_nominee() for _ in range(NOMINEES)]
    voters = [make_voter() for _ in range(VOTERS)]
    plan = []  # (voter, nominee) for each request
    for number, voter in enumerate(voters):
        picks = [nominees[(number + k) % NOMINEES] for k in range(3)]
        plan += [(voter, nominee) for nominee in picks] + [(voter, picks[0])]  # the 4th repeats the 1st
    sessions = {voter.id: mint_voter_session(app, voting_campaign.id, voter.id) for voter in voters}
    path = f"/binh-chon/dot/{voting_campaign.id}/binh-chon"

    results: list = [None] * len(plan)
    barrier = threading.Barrier(len(plan))
    # A sealer runs all along, as the timer and the size trigger would: batches are cut from rows
    # committed while votes keep arriving, and none may be lost or published twice.
    voting_done = threading.Event()
    sealed_batches: list[int] = []

    def keep_sealing():
        with app.app_context():
            while not voting_done.is_set():
                batch = sealing.seal(voting_campaign.id, final=False, minimum=5)
                db.session.commit()
                if batch is not None:
                    sealed_batches.append(batch.seq)
                voting_done.wait(0.01)
            db.session.remove()

    sealer = threading.Thread(target=keep_sealing)
    sealer.start()
    with GunicornServer(server_env(postgres_url, app.config["SECRET_KEY"]), workers=4, threads=4) as server:
        threads = []
        for index, (voter, nominee) in enumerate(plan):
            cookie, token = sessions[voter.id]
            body = urllib.parse.urlencode({"nomination_id": nominee.id, "csrf_token": token, "website": ""})
            thread = threading.Thread(target=_post, args=(server.port, path, cookie, body, barrier, results, index))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join(timeout=120)
    voting_done.set()
    sealer.join(timeout=60)

    statuses = Counter(status for status, _ in results)
    strays = [" ".join(re.sub(r"<[^>]+>", " ", (re.search(r"<main.*?</main>", html, re.S) or re.search(".*", html)).group(0)).split())[:300]
              for status, html in results if status not in (303, 409)]
    assert statuses[500] == 0 and statuses[0] == 0, (statuses, strays[:1])
    assert set(statuses) <= {303, 409}, (statuses, strays[:1])
    accepted = statuses[303]
    # Every refusal says why, in Vietnamese.
    for status, html in results:
        if status == 409:
            message = re.search(r'<p class="flash flash-error">\s*(.+?)\s*</p>', html, re.S)
            assert message and message.group(1).strip(), html[:500]

    db.session.expire_all()
    live = db.session.scalar(sa.select(sa.func.count()).select_from(Vote).where(Vote.withdrawn_at.is_(None)))
    assert live == accepted == sum(ledger.tallies(voting_campaign.id).values())
    # The duplicate 4th request of each voter can never count: at most 3 per voter, one per nominee.
    per_voter = dict(db.session.execute(sa.select(Voter.id, Voter.active_votes)).tuples().all())
    assert max(per_voter.values()) <= 3
    assert sum(per_voter.values()) == accepted
    duplicates = db.session.execute(
        sa.select(Vote.voter_id, Vote.nomination_id).where(Vote.withdrawn_at.is_(None))
        .group_by(Vote.voter_id, Vote.nomination_id).having(sa.func.count() > 1)
    ).all()
    assert duplicates == []
    assert accepted == VOTERS * 3  # every distinct pick went through; only the repeats were refused
    assert sealed_batches, "the sealer never found a batch while votes arrived"
    sealing.seal(voting_campaign.id, final=True)
    db.session.commit()
    report = ledger.verify(voting_campaign.id)
    assert report.ok, report.problems
    assert report.pending == 0
    batches = ledger.batches(voting_campaign.id)
    assert sum(batch.cast_count for batch in batches) == accepted
    assert len({digest for batch in batches for digest in batch.cast_receipts}) == accepted  # none twice
    assert ledger.published_tallies(voting_campaign.id) == ledger.tallies(voting_campaign.id)
