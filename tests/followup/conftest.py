"""A province with two communes, a recognised model of the first, and every role that touches its follow-up."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest

from dvkheo.accounts.models import Role, User
from dvkheo.campaigns.models import NomineeKind
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.followup.models import FollowUp, FollowUpState
from dvkheo.registry.models import ModelStatus, Recognition, RecognitionLevel, RecognitionSource, RegisteredModel
from dvkheo.units.models import Unit
from tests.conftest import PASSWORD

_titles = itertools.count(1)


@pytest.fixture
def make_model(make_unit, province):
    """A recognised model typed in from an earlier decision (no campaign needed to follow it up)."""

    def create(unit: Unit | None = None, year: int | None = None, status: ModelStatus = ModelStatus.MAINTAINED,
               title: str | None = None) -> RegisteredModel:
        unit = unit or make_unit(parent=province)
        year = year or today_in_vietnam().year
        model = RegisteredModel(
            kind=NomineeKind.COLLECTIVE, title=title or f"Mô hình thử nghiệm số {next(_titles)}", nominee_name=unit.name,
            unit=unit, province_id=province.id, locality=unit.name, first_year=year, last_year=year,
            highest_level=RecognitionLevel.PROVINCE, status=status, is_recognised=True, recognised_at=utcnow(),
        )
        model.recognitions.append(Recognition(
            source=RecognitionSource.EXTERNAL, year=year, level=RecognitionLevel.PROVINCE, award_form_name="Giấy khen",
            issuing_body="Ban Dân vận Tỉnh ủy", decision_number="12-QĐ/BDVTU",
        ))
        model.refresh_search_text()
        db.session.add(model)
        db.session.commit()
        return model

    return create


@dataclass
class World:
    province: Unit
    commune: Unit
    other_commune: Unit
    model: RegisteredModel
    secretary: User
    chair: User
    unit_staff: User
    other_unit_staff: User
    other_secretary: User
    commune_secretary_elsewhere: User
    reviewer: User
    admin: User

    def by_role(self, name: str) -> User:
        return getattr(self, name)


@pytest.fixture
def world(province, make_unit, make_user, make_model) -> World:
    commune = make_unit("Xã Tịnh Khê", parent=province)
    other_commune = make_unit("Xã Tịnh Long", parent=province)
    other_province = make_unit("Tỉnh Bình Định", kind="province")
    return World(
        province=province, commune=commune, other_commune=other_commune,
        model=make_model(commune, title="Dân vận khéo giữ đường làng sạch đẹp"),
        secretary=make_user(Role.SECRETARY, province), chair=make_user(Role.CHAIR, province),
        unit_staff=make_user(Role.UNIT_SUBMITTER, commune), other_unit_staff=make_user(Role.UNIT_SUBMITTER, other_commune),
        other_secretary=make_user(Role.SECRETARY, other_province),
        commune_secretary_elsewhere=make_user(Role.SECRETARY, other_commune),
        reviewer=make_user(Role.REVIEWER, province), admin=make_user(Role.ADMIN),
    )


def login(client, user: User) -> None:
    client.post("/logout")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def add_followup(model: RegisteredModel, committee: Unit, *, state: FollowUpState = FollowUpState.REQUESTED,
                 year: int | None = None, round_year: int | None = None, due_in_days: int = 30, **answer) -> FollowUp:
    """A request straight in the database (set-up only; the tests of moves go through the workflow)."""
    followup = FollowUp(
        model=model, committee_unit_id=committee.id, period_year=year or today_in_vietnam().year, round_year=round_year,
        due_on=today_in_vietnam() + timedelta(days=due_in_days), state=state, **answer,
    )
    if state is FollowUpState.ACCEPTED:
        followup.accepted_at = utcnow()
    db.session.add(followup)
    db.session.commit()
    return followup
