"""Found in review: the public chart of accepted figures draws a small contribution and two reports of one
year so that they can be told apart."""
from __future__ import annotations

import re

from dvkheo.extensions import db

from dvkheo.followup.models import FollowUpState as S
from dvkheo.registry.models import ModelStatus

from .conftest import add_followup
from .test_public import accepted


def svgs(client, world) -> list[str]:
    return re.findall(r"<svg .*?</svg>", client.get(f"/mo-hinh/{world.model.id}").get_data(as_text=True), re.S)


def test_a_small_contribution_is_not_drawn_as_zero(client, world):
    accepted(world, 2024, 800, 120_000_000, 300)
    accepted(world, 2025, 900, 400_000, 310)  # 400.000 đồng: the table says so, the chart says 0
    db.session.commit()
    money = svgs(client, world)[1]
    assert ">0<" not in money and ">0,4<" in money


def test_two_accepted_reports_of_one_year_are_told_apart(client, world):
    accepted(world, 2025, 800, 120_000_000, 300)
    add_followup(world.model, world.province, state=S.ACCEPTED, year=2025, round_year=None,  # asked on demand
                 reported_status=ModelStatus.MAINTAINED, people_reached=900, money_vnd=130_000_000, working_days=310)
    db.session.commit()
    people = svgs(client, world)[0]
    labels = re.findall(r'class="chart-label"[^>]*>([^<]+)<', people) or re.findall(r">(\d{4})<", people)
    assert len(labels) == len(set(labels)), labels
    assert "2025 (2)" in people
