"""Fault tests: a real service stops (Redis, PostgreSQL, an RQ worker, the disk) while the app is in use.

Nothing that fails here is a mock: the process is killed, the cluster stopped, the disk really full.
Each test ends with what a person sees (a Vietnamese message, or the work done by a retry) and with
what is left behind (no half-saved record, no partial file, no lost or doubled vote).
"""
from __future__ import annotations

import os
import socket
import time
from datetime import timedelta
from pathlib import Path

import pytest

from dvkheo import create_app
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db, limiter
from dvkheo.nominations.states import NominationState
from dvkheo.voting.models import Voter
from dvkheo.voting.session import session_values
from tests.conftest import IsolatedClient


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    """Poll `predicate` until it returns something true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Hết {timeout} giây mà chưa thấy: {what}")
        time.sleep(interval)


def files_under(root: str | Path) -> list[str]:
    """Every file below `root`, hidden ones (temporary uploads, .part files) included, as relative paths."""
    root = Path(root)
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            found.append(str((Path(folder) / name).relative_to(root)))
    return sorted(found)


@pytest.fixture
def other_apps(app):
    """Build extra apps (on the session database unless told otherwise); afterwards the shared limiter
    goes back to the session app (each `init_app` replaces its storage), and their pools are closed."""
    built = []

    def build(config_class, **overrides):
        overrides.setdefault("SQLALCHEMY_DATABASE_URI", app.config["SQLALCHEMY_DATABASE_URI"])
        other = create_app(config_class, **overrides)
        other.test_client_class = IsolatedClient
        built.append(other)
        return other

    yield build
    for other in built:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
    limiter.init_app(app)


@pytest.fixture
def public_vote(make_campaign, make_nomination, make_unit):
    """A campaign taking public votes now, one shortlisted nominee and one voter (in the current app's database)."""

    def create(organising_unit):
        today = today_in_vietnam()
        campaign = make_campaign(
            organising_unit=organising_unit, status=CampaignStatus.PUBLIC_VOTING,
            title="Bình chọn mô hình “Dân vận khéo” (thử sự cố)",
            nominations_open_on=today - timedelta(days=60), nominations_close_on=today - timedelta(days=30),
            public_voting_open_on=today - timedelta(days=2), public_voting_close_on=today + timedelta(days=5),
            votes_per_voter=3,
        )
        unit = make_unit("Xã Bình Chọn Sự Cố", parent=organising_unit)
        nominee = make_nomination(
            unit=unit, campaign=campaign, status=NominationState.SHORTLISTED, with_evidence=False,
            title="Mô hình hiến đất làm đường (bình chọn)", nominee_name="Tập thể thôn Phú Lộc", submitted_at=utcnow(),
        )
        voter = Voter(campaign=campaign, identity_key="email:su-co@example.vn")
        db.session.add(voter)
        db.session.commit()
        return campaign, nominee, voter

    return create


def voter_session(voter) -> dict:
    """What identification puts in the browser's session for `voter`."""
    return session_values(voter.campaign_id, voter.id, voter.session_version)


def sign_in_voter(client, values: dict) -> None:
    with client.session_transaction() as sess:
        sess.update(values)


def cast_vote(client, campaign_id: int, nomination_id: int):
    return client.post(f"/binh-chon/dot/{campaign_id}/binh-chon", data={"nomination_id": str(nomination_id), "website": ""})
