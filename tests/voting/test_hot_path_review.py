"""Review of the vote's hot path (commits 68d6565, 8fdd6cb, 668b1c9): the raw autocommit cast on
PostgreSQL, Flask-Limiter's request filter for the directly counted routes, and the cached address
after a vote. Each test states what a voter (or an attacker) sees; all run on SQLite and PostgreSQL
unless marked."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.extensions import db, limiter
from dvkheo.voting import ledger
from dvkheo.voting.ballot_views import NOT_IDENTIFIED, RETRY_MESSAGE
from dvkheo.voting.models import Vote, Voter
from dvkheo.voting.session import session_values
from tests.conftest import PASSWORD

BUSY = "Hệ thống đang bận, phiếu chưa được ghi nhận"


def _signed_in(client, voter):
    with client.session_transaction() as sess:
        sess.update(session_values(voter.campaign_id, voter.id, voter.session_version))


def _vote(client, campaign_id, nominee_id, address="203.0.113.50", **environ):
    return client.post(
        f"/binh-chon/dot/{campaign_id}/binh-chon", data={"nomination_id": str(nominee_id), "website": ""},
        environ_base={"REMOTE_ADDR": address, **environ},
    )


def _state(voter_id):
    db.session.expire_all()
    votes = db.session.execute(
        sa.select(Vote.nomination_id, Vote.withdrawn_at).where(Vote.voter_id == voter_id).order_by(Vote.id)
    ).all()
    return votes, db.session.get(Voter, voter_id).active_votes


def _is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _no_pooled_connection_in_autocommit():
    if not _is_postgres():
        return
    db.session.remove()
    connections = [db.engine.connect() for _ in range(db.engine.pool.checkedin() + 1)]
    try:
        assert all(not c.connection.dbapi_connection.autocommit for c in connections)
    finally:
        for c in connections:
            c.close()


@pytest.fixture
def limits(app):
    """Set rate limits for one test; counters emptied before and after."""
    saved = dict(app.config)

    def set_limits(**values):
        app.config.update(values)
        limiter.reset()

    limiter.reset()
    yield set_limits
    for name in [n for n in app.config if "RATE_LIMIT" in n]:
        app.config[name] = saved[name]
    limiter.reset()


# --- the raw autocommit cast ------------------------------------------------------------------------


def test_a_signed_in_staff_member_votes_inside_the_transaction_the_page_opened(
    app, client, login_as, voting_campaign, make_nominee, make_voter, monkeypatch,
):
    """A commune officer signed in on the same browser identifies as a citizen and votes: the
    account check opened a transaction before the view, so the vote joins it. It counts once, a
    second vote for the same nominee is refused with its reason, and the ledger still verifies."""
    raw_casts = []
    original = ledger._cast_autocommit
    monkeypatch.setattr(ledger, "_cast_autocommit", lambda params: raw_casts.append(params) or original(params))
    login_as(Role.UNIT_SUBMITTER)
    nominee, voter = make_nominee(), make_voter()
    _signed_in(client, voter)

    assert _vote(client, voting_campaign.id, nominee.id).status_code == 303
    again = _vote(client, voting_campaign.id, nominee.id)
    assert again.status_code == 409
    assert RETRY_MESSAGE not in again.get_data(as_text=True)
    votes, active = _state(voter.id)
    assert len(votes) == 1 and active == 1
    assert raw_casts == []  # the staff member's open transaction: never the driver path
    report = ledger.verify(voting_campaign.id)
    assert report.ok, report.problems
    _no_pooled_connection_in_autocommit()


def test_a_receipt_code_collision_writes_nothing_and_asks_to_vote_again(
    app, client, voting_campaign, make_nominee, make_voter, monkeypatch,
):
    """The unique receipt index refuses the insert after the voter's slot was claimed in the same
    statement: the voter sees a 409 "try again" page (never a 500), nothing is half-written (no
    vote, no slot used), the pool gets its connection back out of autocommit, and the next vote counts."""
    first, second = make_nominee(), make_nominee()
    holder, voter = make_voter(), make_voter()
    campaign_id, voter_id, second_id = voting_campaign.id, voter.id, second.id
    taken = ledger.cast_online(campaign_id, holder.id, first.id)[0]
    db.session.commit()
    _signed_in(client, voter)

    monkeypatch.setattr(ledger, "new_receipt_code", lambda: taken)
    refused = _vote(client, campaign_id, second_id)
    assert refused.status_code == 409
    assert 'class="flash flash-error"' in refused.get_data(as_text=True)
    assert _state(voter_id) == ([], 0)
    _no_pooled_connection_in_autocommit()

    monkeypatch.undo()
    assert _vote(client, campaign_id, second_id).status_code == 303
    votes, active = _state(voter_id)
    assert [v.nomination_id for v in votes] == [second_id] and active == 1
    report = ledger.verify(campaign_id)
    assert report.ok, report.problems


@pytest.mark.parametrize("nomination_id", [
    "1 OR 1=1", "1); DELETE FROM votes; --", "0x10", "-1", "1e3", "٣", "99999999999", "2147483648", "",
])
def test_a_forged_nominee_field_is_bad_input_and_writes_nothing(client, voting_campaign, make_nominee, make_voter, nomination_id):
    make_nominee()
    voter = make_voter()
    _signed_in(client, voter)
    response = client.post(f"/binh-chon/dot/{voting_campaign.id}/binh-chon", data={"nomination_id": nomination_id, "website": ""})
    assert response.status_code == 422
    assert _state(voter.id) == ([], 0)


def test_a_cookie_copied_before_thoat_casts_nothing(app, client, voting_campaign, make_nominee, make_voter):
    """A shared computer: the voter signs out with "Thoát"; a copy of the cookie taken before (another
    tab, a thief) is no longer anyone: 401 with the identification message, nothing written."""
    nominee, voter = make_nominee(), make_voter()
    _signed_in(client, voter)
    copied = client.get_cookie("session").value
    assert client.post(f"/binh-chon/dot/{voting_campaign.id}/thoat").status_code == 303

    thief = app.test_client()
    thief.set_cookie("session", copied)
    replayed = _vote(thief, voting_campaign.id, nominee.id)
    assert replayed.status_code == 401
    assert NOT_IDENTIFIED in replayed.get_data(as_text=True)
    assert _state(voter.id) == ([], 0)


# --- rate limits ------------------------------------------------------------------------------------


def test_unidentified_vote_posts_still_use_up_the_address_budget(limits, client, voting_campaign, make_nominee, make_voter):
    """Requests with no voter in the session are not counted per voter, but are per address: a script
    hammering the vote route without identifying gets 429 past the address limit, and then even an
    identified voter from that address waits."""
    limits(VOTE_RATE_LIMIT_PER_IP="2 per minute", VOTE_RATE_LIMIT_PER_VOTER="1000 per minute")
    nominee = make_nominee()
    answers = [_vote(client, voting_campaign.id, nominee.id, "203.0.113.60").status_code for _ in range(3)]
    assert answers == [401, 401, 429]
    _signed_in(client, make_voter())
    assert _vote(client, voting_campaign.id, nominee.id, "203.0.113.60").status_code == 429


def test_one_voter_cannot_exceed_the_voter_limit_by_changing_address(limits, client, voting_campaign, make_nominee, make_voter):
    """The per-voter limit counts casts and withdrawals of one voter whatever the address (mobile
    networks change it between two requests)."""
    limits(VOTE_RATE_LIMIT_PER_IP="1000 per minute", VOTE_RATE_LIMIT_PER_VOTER="2 per minute")
    nominees = [make_nominee() for _ in range(3)]
    voter = make_voter()
    _signed_in(client, voter)
    answers = [_vote(client, voting_campaign.id, n.id, f"198.51.100.{i}").status_code for i, n in enumerate(nominees)]
    assert answers == [303, 303, 429]
    vote_id = db.session.scalar(sa.select(Vote.id).where(Vote.voter_id == voter.id).order_by(Vote.id).limit(1))
    withdraw = [client.post(f"/binh-chon/dot/{voting_campaign.id}/phieu/{vote_id}/rut-lai", data={"website": ""},
                            environ_base={"REMOTE_ADDR": f"198.51.100.{10 + i}"}).status_code for i in range(3)]
    assert withdraw[:2] != [429, 429] and withdraw[2] == 429
    assert _state(voter.id)[1] <= 2


def test_the_receipt_check_is_limited_per_address(limits, client, voting_campaign):
    limits(VOTE_RATE_LIMIT_PER_IP="3 per minute")
    answers = [client.post(f"/binh-chon/dot/{voting_campaign.id}/ma-xac-nhan", data={"ma": f"BC-AAAA-BBBB-CCC{i}"},
                           environ_base={"REMOTE_ADDR": "203.0.113.61"}).status_code for i in range(4)]
    assert 429 not in answers[:3] and answers[3] == 429


def test_the_routes_flask_limiter_counts_are_still_limited(limits, client, make_user, voting_campaign):
    """The request filter that lets the vote routes skip Flask-Limiter must not skip anything else:
    sign-in and a citizen's identification are still refused with 429 past their limits."""
    limits(LOGIN_RATE_LIMIT="2 per minute", EMAIL_CODE_RATE_LIMIT="2 per minute")
    user = make_user(Role.UNIT_SUBMITTER)
    logins = [client.post("/login", data={"email": user.email, "password": "wrong" + PASSWORD},
                          environ_base={"REMOTE_ADDR": "203.0.113.62"}).status_code for _ in range(3)]
    assert 429 not in logins[:2] and logins[2] == 429
    identify = [client.post(f"/binh-chon/dot/{voting_campaign.id}/xac-thuc",
                            data={"email": f"citizen{i}@example.vn", "consent": "y", "website": ""},
                            environ_base={"REMOTE_ADDR": "203.0.113.63"}).status_code for i in range(3)]
    assert 429 not in identify[:2] and identify[2] == 429


def test_only_the_directly_counted_routes_skip_flask_limiter(app):
    from dvkheo.core.direct_limits import _counted_directly

    skipped = set()
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "x")
            path = path.replace(f"<path:{argument}>", "x")
        with app.test_request_context(path, method="POST" if "POST" in rule.methods else "GET"):
            from flask import request

            if request.endpoint == rule.endpoint and _counted_directly():
                skipped.add(rule.endpoint)
    assert skipped == {"voting.cast", "voting.withdraw", "voting.receipt"}


# --- the cached address after a vote -----------------------------------------------------------------


def test_the_address_after_a_vote_follows_each_request_and_cannot_be_poisoned(
    app, client, voting_campaign, make_nominee, make_voter,
):
    """The 303 after a vote is cached per (mount point, campaign). A request with a forged Host,
    X-Forwarded-Host/-Prefix, or another mount point must neither see a foreign address nor leave
    one for the next voter."""
    nominees = [make_nominee() for _ in range(3)]
    voter = make_voter()
    _signed_in(client, voter)
    expected = f"/binh-chon/dot/{voting_campaign.id}/phieu?vua-ghi-nhan=1"
    forged = _vote(client, voting_campaign.id, nominees[0].id,
                   HTTP_HOST="evil.example.com", HTTP_X_FORWARDED_HOST="evil.example.com",
                   HTTP_X_FORWARDED_PREFIX="/evil")
    assert forged.status_code == 303 and forged.headers["Location"] == expected
    mounted = client.post(f"/binh-chon/dot/{voting_campaign.id}/binh-chon", data={"nomination_id": str(nominees[1].id), "website": ""},
                          base_url="http://localhost/khac/", environ_base={"REMOTE_ADDR": "203.0.113.64"})
    assert mounted.status_code == 303 and mounted.headers["Location"] == "/khac" + expected
    plain = _vote(client, voting_campaign.id, nominees[2].id)
    assert plain.status_code == 303 and plain.headers["Location"] == expected
