"""Who is voting in this browser: a verified voter per campaign, kept in the signed session cookie.

A voter is not a user account: citizens identify for one campaign (email code or voter list)
and the session remembers that voter's id under "voter:<campaign id>" with the voter's session
version under "voter_version:<campaign id>". "Thoát" bumps the version on the Voter row, so a copy
of the cookie taken before it (another tab, a shared computer, a stolen cookie) no longer
identifies anyone: the version is checked on every page (`current_voter`) and inside the vote's
own statement (`ledger.cast_online`), so the vote route still loads nothing and signs no cookie.
"""
from __future__ import annotations

from flask import session

from dvkheo.extensions import db
from dvkheo.voting.models import Voter


def _key(campaign_id: int) -> str:
    return f"voter:{campaign_id}"


def _version_key(campaign_id: int) -> str:
    return f"voter_version:{campaign_id}"


def session_values(campaign_id: int, voter_id: int, version: int) -> dict[str, int]:
    """What identification puts in the session for this voter (bench/harness.py mints the same)."""
    return {_key(campaign_id): voter_id, _version_key(campaign_id): version}


def sign_in_voter(voter: Voter) -> None:
    session.update(session_values(voter.campaign_id, voter.id, voter.session_version or 1))
    session.permanent = False


def sign_out_voter(campaign_id: int) -> None:
    """Forget the voter in this browser only (the session no longer matches its voter)."""
    session.pop(_key(campaign_id), None)
    session.pop(_version_key(campaign_id), None)


def end_voter_session(campaign_id: int) -> bool:
    """"Thoát": bump the voter's session version, so that every copy of this session cookie stops
    identifying them, and forget the voter here. Flushes; the caller commits. Returns whether a
    voter was signed in."""
    voter = current_voter(campaign_id)
    sign_out_voter(campaign_id)
    if voter is None:
        return False
    voter.session_version = (voter.session_version or 1) + 1
    db.session.flush()
    return True


def session_voter(campaign_id: int) -> tuple[int | None, int | None]:
    """(voter id, session version) as the cookie states them, unchecked (the vote route checks them in SQL)."""
    return session.get(_key(campaign_id)), session.get(_version_key(campaign_id))


def current_voter(campaign_id: int) -> Voter | None:
    voter_id, version = session_voter(campaign_id)
    if voter_id is None:
        return None
    voter = db.session.get(Voter, voter_id)
    if voter is None or voter.campaign_id != campaign_id or version is None or voter.session_version != version:
        sign_out_voter(campaign_id)
        return None
    return voter
