"""Fixtures of the periodic report tests (imported by them): a province > district > two communes tree, a committee
(secretary, chair) at each level, and report makers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from dvkheo.accounts.models import Role, User
from dvkheo.extensions import db
from dvkheo.reports import report_workflow
from dvkheo.reports.models import PeriodicReport, PeriodKind
from dvkheo.units.models import Unit
from tests.conftest import PASSWORD


@dataclass
class Tree:
    province: Unit
    district: Unit
    commune: Unit
    commune2: Unit
    staff: dict  # (unit name key, role) -> User


@pytest.fixture
def tree(province, make_unit, make_user) -> Tree:
    district = make_unit("Huyện Sơn Tịnh", parent=province, kind="district")
    commune = make_unit("Xã Tịnh Khê", parent=district, kind="commune")
    commune2 = make_unit("Xã Tịnh Hòa", parent=district, kind="commune")
    staff = {}
    for key, unit in (("province", province), ("district", district), ("commune", commune), ("commune2", commune2)):
        for role in (Role.SECRETARY, Role.CHAIR):
            staff[(key, role)] = make_user(role, unit)
        staff[(key, Role.UNIT_SUBMITTER)] = make_user(Role.UNIT_SUBMITTER, unit)
    staff[("none", Role.ADMIN)] = make_user(Role.ADMIN, None)
    staff[("province", Role.REVIEWER)] = make_user(Role.REVIEWER, province)
    return Tree(province, district, commune, commune2, staff)


HALF_2026 = (PeriodKind.HALF, date(2026, 1, 1), date(2026, 6, 30))


@pytest.fixture
def make_report():
    """A report of `unit` (default: first half of 2026), written by its secretary; submitted when asked."""

    def create(unit: Unit, secretary: User, period=HALF_2026, submit: bool = False,
               results: str = "Kết quả thử nghiệm.") -> PeriodicReport:
        kind, starts_on, ends_on = period
        report = report_workflow.create(unit, kind, starts_on, ends_on, secretary,
                                        {"situation": "Tình hình.", "results": results, "shortcomings": "",
                                         "directions": "Phương hướng."})
        db.session.commit()
        if submit:
            report_workflow.apply(report, report_workflow.A.SUBMIT, secretary)
            db.session.commit()
        return report

    return create


@pytest.fixture
def login(client):
    def do(user: User):
        client.post("/logout")
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return user

    return do
