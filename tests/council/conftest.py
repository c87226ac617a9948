"""Fixtures for the council: a campaign at the council stage, its committee, council members and shortlisted dossiers."""
from __future__ import annotations

import itertools
import subprocess
from datetime import date, timedelta

import pytest

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.council.models import CouncilMember, CouncilRole
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from tests.conftest import PASSWORD

MEETING_DAY = date(2026, 11, 5)
MEMBER_NAMES = [
    "Trần Văn Chủ Tọa",
    "Lê Thị Hồng Nhung",
    "Phạm Đức Thắng",
    "Hoàng Thị Thu Hà",
    "Võ Minh Quân",
    "Đặng Thị Ngọc Ánh",
]
_numbers = itertools.count(1)


@pytest.fixture
def council_campaign(make_campaign):
    """A campaign without a public stage whose council is deciding."""
    today = today_in_vietnam()
    return make_campaign(
        status=CampaignStatus.COUNCIL_DECISION,
        nominations_open_on=today - timedelta(days=60),
        nominations_close_on=today - timedelta(days=30),
        has_public_stage=False,
    )


@pytest.fixture
def secretary(make_user, council_campaign):
    return make_user(Role.SECRETARY, council_campaign.organising_unit, full_name="Nguyễn Thị Thư Ký")


@pytest.fixture
def chair(make_user, council_campaign):
    """The committee's chair account (staff of the organising unit, not on the council unless added)."""
    return make_user(Role.CHAIR, council_campaign.organising_unit, full_name="Phạm Văn Trưởng Ban")


@pytest.fixture
def make_member(make_user, make_unit, council_campaign):
    def create(full_name: str | None = None, role: Role = Role.REVIEWER, council_role: CouncilRole = CouncilRole.MEMBER,
               campaign=None, unit=None):
        campaign = campaign or council_campaign
        unit = unit or make_unit(f"Cơ quan thành viên {next(_numbers)}", parent=campaign.organising_unit, kind="agency")
        user = make_user(role, unit, full_name=full_name or f"Thành viên {next(_numbers)}")
        db.session.add(CouncilMember(campaign=campaign, user=user, council_role=council_role))
        db.session.commit()
        return user

    return create


@pytest.fixture
def council(make_member):
    """Six members with Vietnamese names; the first presides."""
    return [
        make_member(name, role=Role.CHAIR if i == 0 else Role.REVIEWER, council_role=CouncilRole.CHAIR if i == 0 else CouncilRole.MEMBER)
        for i, name in enumerate(MEMBER_NAMES)
    ]


@pytest.fixture
def make_shortlisted(make_nomination, make_unit, council_campaign):
    def create(title: str | None = None, unit=None, campaign=None, **overrides):
        campaign = campaign or council_campaign
        unit = unit or make_unit(f"Xã Bình Xét {next(_numbers)}", parent=campaign.organising_unit)
        return make_nomination(
            unit=unit, campaign=campaign, status=NominationState.SHORTLISTED, title=title or f"Mô hình số {next(_numbers)}",
            submitted_at=utcnow(), **overrides,
        )

    return create


@pytest.fixture
def systems():
    """The built-in document systems (Party, State, the Youth Union example), as the migration seeds them."""
    from dvkheo.documents.models import ensure_builtin_systems

    rows = ensure_builtin_systems()
    db.session.commit()
    return rows


@pytest.fixture
def award_form(client, become, secretary, council_campaign, systems):
    """The campaign's award form as the secretary's "default" button creates it."""
    from tests.council.test_award_forms_issuer import only_form

    become(secretary)
    client.post(f"/council/campaigns/{council_campaign.id}/award-forms/default")
    return only_form(council_campaign)


@pytest.fixture
def become(client):
    """Log the client in as an existing user (after logging out whoever was in)."""

    def do(user):
        client.post("/logout")
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return user

    return do


@pytest.fixture
def pdf_text(tmp_path):
    def extract(data: bytes) -> str:
        source = tmp_path / "minutes.pdf"
        source.write_bytes(data)
        return subprocess.run(["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True, text=True).stdout

    return extract


def squash(text: str) -> str:
    return " ".join(text.split())
