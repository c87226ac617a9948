"""`flask seed-demo` adds a commune's submitted report and the province's draft of the same period, once."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.accounts.models import User
from dvkheo.extensions import db
from dvkheo.reports.models import PeriodicReport, ReportState
from dvkheo.demo import DEMO_PASSWORD


def test_demo_reports_are_believable_and_added_once(runner, client):
    assert runner.invoke(args=["seed-demo"], catch_exceptions=False).exit_code == 0
    assert runner.invoke(args=["seed-demo"], catch_exceptions=False).exit_code == 0
    reports = {r.unit.name: r for r in db.session.scalars(sa.select(PeriodicReport))}
    assert set(reports) == {"Xã Tịnh Khê", "Tỉnh Quảng Ngãi"}
    commune, province = reports["Xã Tịnh Khê"], reports["Tỉnh Quảng Ngãi"]
    assert (commune.state, province.state) == (ReportState.SUBMITTED, ReportState.DRAFT)
    assert (commune.starts_on, commune.ends_on) == (province.starts_on, province.ends_on)
    assert commune.letterhead["issuing_body"] == "ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ"
    assert "toàn tỉnh có" in province.results
    thuky = db.session.scalar(sa.select(User).where(User.email == "thuky@demo.dvkheo.vn"))
    client.post("/login", data={"email": thuky.email, "password": DEMO_PASSWORD})
    listing = client.get("/bao-cao").get_data(as_text=True)
    assert f"/bao-cao/{commune.id}" in listing and f"/bao-cao/{province.id}" in listing
    assert client.get(f"/bao-cao/{commune.id}/bao-cao.pdf").status_code == 200
