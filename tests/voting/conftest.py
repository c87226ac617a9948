"""Fixtures for the public stage: a campaign taking votes now, shortlisted nominees, voters."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.voting.models import Voter

_identities = itertools.count(1)


@pytest.fixture
def voting_campaign(make_campaign):
    """A campaign in its public phase whose voting window is open now (3 votes per voter)."""
    today = today_in_vietnam()
    return make_campaign(
        status=CampaignStatus.PUBLIC_VOTING,
        nominations_open_on=today - timedelta(days=60), nominations_close_on=today - timedelta(days=30),
        public_voting_open_on=today - timedelta(days=2), public_voting_close_on=today + timedelta(days=5),
        votes_per_voter=3,
    )


@pytest.fixture
def make_nominee(make_nomination, make_unit, voting_campaign):
    """A shortlisted nomination of `voting_campaign` from its own commune."""
    numbers = itertools.count(1)

    def create(title: str | None = None, campaign=None, **overrides):
        number = next(numbers)
        campaign = campaign or voting_campaign
        unit = make_unit(f"Xã Bình Chọn {number}", parent=campaign.organising_unit)
        overrides.setdefault("status", NominationState.SHORTLISTED)
        return make_nomination(
            unit=unit, campaign=campaign,
            title=title or f"Mô hình bình chọn số {number}", nominee_name=f"Tập thể bình chọn {number}",
            submitted_at=utcnow(), **overrides,
        )

    return create


@pytest.fixture
def make_voter(voting_campaign):
    def create(campaign=None, identity_key: str | None = None) -> Voter:
        voter = Voter(campaign=campaign or voting_campaign, identity_key=identity_key or f"email:test-{next(_identities)}")
        db.session.add(voter)
        db.session.commit()
        return voter

    return create
