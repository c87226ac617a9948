"""A recognised model of one commune, a second commune under the same province that applies it, and the people
around them: the committee above (the province's secretary and chair), a committee not above, a reviewer."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from dvkheo.accounts.models import Role
from dvkheo.extensions import db
from dvkheo.replication import operations, workflow
from dvkheo.replication.models import Replication
from tests.conftest import PASSWORD
from tests.registry.conftest import issue_award, model_of

TYPED = dict(
    started_on=date(2026, 3, 15),
    adaptation="Giữ cách họp dân từng xóm; thay hiến đất bằng góp ngày công vì đường đã đủ rộng.",
    scale="3 thôn của xã",
    people_reached=640,
    first_results="Bê tông hóa 1,4 km đường thôn; 180 hộ góp 2.100 ngày công.",
)


@dataclass
class World:
    model: object
    result: object
    unit: object  # the commune that replicates the model
    staff: object  # its unit staff
    other_unit: object
    other_staff: object
    model_staff: object  # staff of the unit that owns the model
    secretary: object  # the committee above `unit` (the province)
    chair: object
    far_secretary: object  # a committee not above (another province)
    reviewer: object

    def declare(self, send: bool = True, **values) -> Replication:
        replication = operations.declare(self.model, self.staff)
        operations.update(replication, {**TYPED, **values}, self.staff)
        if send:
            workflow.apply(replication, workflow.A.SUBMIT, self.staff)
        db.session.commit()
        return replication

    def confirmed(self, unit=None, staff=None, started_on: date | None = None) -> Replication:
        staff = staff or self.staff
        replication = operations.declare(self.model, staff)
        operations.update(replication, {**TYPED, "started_on": started_on or TYPED["started_on"]}, staff)
        workflow.apply(replication, workflow.A.SUBMIT, staff)
        workflow.apply(replication, workflow.A.CONFIRM, self.secretary)
        db.session.commit()
        return replication


@pytest.fixture
def world(make_council_result, make_unit, make_user):
    result = make_council_result(passed=1)
    issue_award(result)
    model = model_of(result.passed[0])
    province = result.campaign.organising_unit
    unit = make_unit("Xã Bình Sơn", parent=province)
    other_unit = make_unit("Xã Nghĩa Hành", parent=province)
    far_province = make_unit("Tỉnh Khác", kind="province")
    return World(
        model=model, result=result, unit=unit,
        staff=make_user(Role.UNIT_SUBMITTER, unit, full_name="Trần Văn Nhân"),
        other_unit=other_unit, other_staff=make_user(Role.UNIT_SUBMITTER, other_unit),
        model_staff=make_user(Role.UNIT_SUBMITTER, model.unit),
        secretary=result.secretary, chair=result.chair,
        far_secretary=make_user(Role.SECRETARY, far_province),
        reviewer=make_user(Role.REVIEWER, province),
    )


@pytest.fixture
def login(client):
    def do(user):
        client.post("/logout")
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return user

    return do
