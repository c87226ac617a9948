"""Fixtures for the committee's review: a campaign in review, its staff, council members and dossiers.

Reviewers come from agencies beside the communes (no tree relation), so they may score any commune's
dossier unless a test makes a conflict on purpose.
"""
from __future__ import annotations

import itertools

import pytest

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.council.models import CouncilMember, CouncilRole
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review.models import ReviewAssignment, Score

_agency_numbers = itertools.count(1)


@pytest.fixture
def review_campaign(make_campaign):
    """A campaign whose nomination window is over and whose committee is screening and scoring."""
    from datetime import timedelta

    today = today_in_vietnam()
    return make_campaign(
        status=CampaignStatus.REVIEW,
        nominations_open_on=today - timedelta(days=40),
        nominations_close_on=today - timedelta(days=1),
    )


@pytest.fixture
def secretary(make_user, review_campaign):
    return make_user(Role.SECRETARY, review_campaign.organising_unit, full_name="Nguyễn Thị Thư Ký")


@pytest.fixture
def chair(make_user, review_campaign):
    return make_user(Role.CHAIR, review_campaign.organising_unit, full_name="Phạm Văn Chủ Tịch")


@pytest.fixture
def make_member(make_user, make_unit, review_campaign):
    """A council member of `review_campaign` from their own agency (or `unit`), with a user of `role`."""

    def create(unit=None, role: Role = Role.REVIEWER, council_role: CouncilRole = CouncilRole.MEMBER, campaign=None, **fields):
        campaign = campaign or review_campaign
        unit = unit or make_unit(f"Cơ quan thành viên {next(_agency_numbers)}", parent=campaign.organising_unit, kind="agency")
        user = make_user(role, unit, **fields)
        db.session.add(CouncilMember(campaign=campaign, user=user, council_role=council_role))
        db.session.commit()
        return user

    return create


@pytest.fixture
def make_commune(make_unit, review_campaign):
    counter = itertools.count(1)

    def create(name: str | None = None, parent=None):
        return make_unit(name or f"Xã Thử Nghiệm {next(counter)}", parent=parent or review_campaign.organising_unit)

    return create


@pytest.fixture
def make_dossier(make_nomination, make_commune, review_campaign):
    """A complete nomination of `review_campaign` from its own commune, in `status` (default: submitted)."""

    def create(status: NominationState = NominationState.SUBMITTED, unit=None, **overrides):
        overrides.setdefault("submitted_at", utcnow())
        return make_nomination(unit=unit or make_commune(), campaign=review_campaign, status=status, **overrides)

    return create


def give_scores(nomination, reviewer, points: list[int | None], *, final: bool = True, comment: str = "Nhận xét") -> ReviewAssignment:
    """An assignment of `reviewer` on `nomination` with one score per rubric criterion, in rubric order."""
    criteria = nomination.campaign.criteria
    assert len(points) == len(criteria), f"the rubric has {len(criteria)} criteria"
    assignment = ReviewAssignment(nomination=nomination, reviewer=reviewer, finalised_at=utcnow() if final else None)
    for criterion, value in zip(criteria, points):
        assignment.scores.append(Score(criterion=criterion, points=value, comment=comment))
    db.session.add(assignment)
    db.session.commit()
    return assignment
