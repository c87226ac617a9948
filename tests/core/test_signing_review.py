"""Review of dvkheo/core/signing.py on the route it was made for: the public vote, with CSRF on, as a
browser and as an attacker sees it. Complements tests/core/test_signing.py (serializer bytes, key
rotation, token reasons, the HTTPS referrer rule on /login)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf import csrf as stock_csrf
from wtforms import ValidationError

from dvkheo.core import signing
from dvkheo.extensions import csrf, db
from dvkheo.voting.models import Vote
from dvkheo.voting.session import session_values
from tests.core.test_signing import csrf_app  # noqa: F401  (fixture)
from tests.voting.conftest import make_nominee, make_voter, voting_campaign  # noqa: F401  (fixtures)


def _votes() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Vote))


def _voter_browser(app, voter, base_url="http://localhost"):
    """A browser identified as `voter`, with the ballot's CSRF token as the page renders it."""
    client = app.test_client()
    db.session.commit()
    with client.session_transaction(base_url=base_url) as sess:
        sess.update(session_values(voter.campaign_id, voter.id, voter.session_version))
    page = client.get(f"/binh-chon/dot/{voter.campaign_id}/phieu", base_url=base_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client, token


def _cast(client, campaign_id, nominee_id, token=None, *, headers=None, base_url="http://localhost", field="csrf_token"):
    data = {"nomination_id": str(nominee_id), "website": ""}
    if token is not None:
        data[field] = token
    return client.post(f"/binh-chon/dot/{campaign_id}/binh-chon", data=data, headers=headers or {}, base_url=base_url)


def test_a_vote_without_this_browsers_token_is_refused_and_writes_nothing(csrf_app, voting_campaign, make_nominee, make_voter):
    """A cross-site form (no token, a made-up one, or a valid token of the attacker's own session)
    casts nothing; the browser's own token, in the form, a prefixed field or the X-CSRFToken header
    (as Flask-WTF accepts them), casts."""
    nominees = [make_nominee() for _ in range(3)]
    victim, attacker = make_voter(), make_voter()
    browser, token = _voter_browser(csrf_app, victim)
    _, attackers_token = _voter_browser(csrf_app, attacker)
    cid = voting_campaign.id
    for bad in (None, "", "forged", token[:-3] + "abc", attackers_token):
        response = _cast(browser, cid, nominees[0].id, bad)
        assert response.status_code == 400, bad
        assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)
    assert _cast(browser, cid, nominees[0].id, headers={"X-CSRFToken": attackers_token}).status_code == 400
    assert _votes() == 0
    assert _cast(browser, cid, nominees[0].id, token).status_code == 303
    assert _cast(browser, cid, nominees[1].id, headers={"X-CSRFToken": token}).status_code == 303
    assert _cast(browser, cid, nominees[2].id, token, field="ballot-csrf_token").status_code == 303
    assert _votes() == 3


def test_over_https_the_vote_needs_a_same_site_referrer(csrf_app, voting_campaign, make_nominee, make_voter):
    nominee = make_nominee()
    base = "https://dvkheo.example.vn"
    browser, token = _voter_browser(csrf_app, make_voter(), base_url=base)
    cid = voting_campaign.id
    for referrer in (None, "https://evil.example.com/binh-chon/", "http://dvkheo.example.vn/binh-chon/",
                     "https://dvkheo.example.vn.evil.com/"):
        headers = {"Referer": referrer} if referrer else {}
        assert _cast(browser, cid, nominee.id, token, headers=headers, base_url=base).status_code == 400, referrer
    assert _votes() == 0
    ok = _cast(browser, cid, nominee.id, token, headers={"Referer": f"{base}/binh-chon/dot/{cid}/phieu"}, base_url=base)
    assert ok.status_code == 303
    assert _votes() == 1


def _cookie_for(values, secret_key) -> str:
    plain = Flask("other")
    plain.secret_key = secret_key
    return SecureCookieSessionInterface().get_signing_serializer(plain).dumps(values)


def test_a_forged_or_foreign_session_cookie_identifies_nobody(app, client, voting_campaign, make_nominee, make_voter):
    """A cookie signed with another key, a tampered payload, or a valid signature moved onto another
    payload: the vote route answers 401 (not identified) and writes nothing; a cookie signed by stock
    Flask with the app's key still works (no one signed out by the change)."""
    nominee, voter = make_nominee(), make_voter()
    values = session_values(voting_campaign.id, voter.id, voter.session_version)
    good = _cookie_for(values, app.secret_key)
    payload, _, signature = good.rpartition(".")
    other_payload = _cookie_for(session_values(voting_campaign.id, voter.id + 1, 1), app.secret_key).rsplit(".", 2)[0]
    forged = [
        _cookie_for(values, "another-secret-key"),
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        other_payload + good[len(good.rsplit(".", 2)[0]):],
        good.replace(".", "", 1),
        "",
    ]
    path = f"/binh-chon/dot/{voting_campaign.id}/binh-chon"
    for cookie in forged:
        browser = app.test_client()
        browser.set_cookie("session", cookie)
        response = browser.post(path, data={"nomination_id": str(nominee.id), "website": ""})
        assert response.status_code == 401, cookie
    assert _votes() == 0
    browser = app.test_client()
    browser.set_cookie("session", good)
    assert browser.post(path, data={"nomination_id": str(nominee.id), "website": ""}).status_code == 303
    assert _votes() == 1


def test_a_cookie_signed_with_a_retired_key_works_only_while_that_key_is_a_fallback(app, voting_campaign, make_nominee, make_voter):
    nominees = [make_nominee() for _ in range(2)]
    voter = make_voter()
    old_key = app.secret_key
    cookie = _cookie_for(session_values(voting_campaign.id, voter.id, voter.session_version), old_key)
    path = f"/binh-chon/dot/{voting_campaign.id}/binh-chon"
    try:
        app.config["SECRET_KEY"] = old_key + "-new"
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        browser = app.test_client()
        browser.set_cookie("session", cookie)
        assert browser.post(path, data={"nomination_id": str(nominees[0].id), "website": ""}).status_code == 303
        app.config["SECRET_KEY_FALLBACKS"] = []
        browser = app.test_client()
        browser.set_cookie("session", cookie)
        assert browser.post(path, data={"nomination_id": str(nominees[1].id), "website": ""}).status_code == 401
    finally:
        app.config["SECRET_KEY"] = old_key
        app.config["SECRET_KEY_FALLBACKS"] = []
    assert _votes() == 1


def _outcome(check, token):
    try:
        check(token)
    except ValidationError as refused:
        return refused.args[0]
    return "ok"


def test_the_token_check_agrees_with_flask_wtf_on_every_input(csrf_app):
    """Differential: dvkheo's check and Flask-WTF 1.3.0's own give the same answer (and reason)."""
    from itsdangerous import URLSafeTimedSerializer

    with csrf_app.test_request_context("/", method="POST"):
        token = stock_csrf.generate_csrf()
        stored = session["csrf_token"]
        candidates = [
            token, "", None, "x", token + "x", token.upper(), token.replace(".", "", 1),
            URLSafeTimedSerializer(csrf_app.secret_key, salt="another-salt").dumps(stored),
            URLSafeTimedSerializer(csrf_app.secret_key, salt=signing.CSRF_SALT).dumps("0" * 40),
            URLSafeTimedSerializer(csrf_app.secret_key, salt=signing.CSRF_SALT).dumps(stored),
            URLSafeTimedSerializer("other", salt=signing.CSRF_SALT).dumps(stored),
        ]
        for states in ({"csrf_token": stored}, {}, {"csrf_token": "f" * 40}):
            session.clear()
            session.update(states)
            for candidate in candidates:
                assert _outcome(signing.validate_csrf, candidate) == _outcome(stock_csrf.validate_csrf, candidate), (states, candidate)


def test_only_the_intended_views_are_exempt_from_csrf(csrf_app):
    """The subclass keeps Flask-WTF's exemptions: /metrics and the staff API (bearer token, no
    cookie) only; every other POST, the vote routes among them, is checked."""
    exempt = set()
    for rule in csrf_app.url_map.iter_rules():
        if not ({"POST", "PUT", "PATCH", "DELETE"} & rule.methods):
            continue
        path = rule.rule
        for argument in rule.arguments:
            for shape in (f"<int:{argument}>", f"<path:{argument}>", f"<{argument}>"):
                path = path.replace(shape, "1")
            path = re.sub(r"<[^>]+>", "1", path)
        with csrf_app.test_request_context(path, method="POST"):
            from flask import request

            if request.endpoint == rule.endpoint and csrf._is_exempt():
                exempt.add(rule.endpoint)
    assert {e for e in exempt if not e.startswith("staffapi.")} == {"observability.metrics"}
    assert not {"voting.cast", "voting.withdraw", "voting.sign_out", "accounts.login"} & exempt
