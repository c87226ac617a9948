"""Who is voting in this browser: a verified voter per campaign, kept in the signed session cookie.

A voter is not a user account: citizens identify for one campaign (email code or voter list)
and the session remembers that voter's id under "voter:<campaign id>".
"""
from __future__ import annotations

from flask import session

from dvkheo.extensions import db
from dvkheo.voting.models import Voter


def _key(campaign_id: int) -> str:
    return f"voter:{campaign_id}"


def sign_in_voter(voter: Voter) -> None:
    session[_key(voter.campaign_id)] = voter.id
    session.permanent = False


def sign_out_voter(campaign_id: int) -> None:
    session.pop(_key(campaign_id), None)


def current_voter(campaign_id: int) -> Voter | None:
    voter_id = session.get(_key(campaign_id))
    if voter_id is None:
        return None
    voter = db.session.get(Voter, voter_id)
    if voter is None or voter.campaign_id != campaign_id:
        sign_out_voter(campaign_id)
        return None
    return voter
