"""Yearly rounds (the committee's form and the command line) and the models flagged as left unfollowed."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.followup.models import FollowUp, FollowUpState as S
from dvkheo.registry.models import ModelStatus

from .conftest import add_followup, login

THIS_YEAR = today_in_vietnam().year


def requests_of(year: int) -> list[tuple[int, int]]:
    return db.session.execute(sa.select(FollowUp.model_id, FollowUp.committee_unit_id).where(FollowUp.round_year == year)
                              .order_by(FollowUp.model_id)).all()


def test_round_asks_each_model_of_the_tree_once(client, world, make_model, make_unit):
    second = make_model(world.other_commune)
    elsewhere = make_model(make_unit(kind="province"))
    login(client, world.secretary)
    page = client.get("/theo-doi").get_data(as_text=True)
    assert "Mở đợt theo dõi hằng năm" in page
    yesterday = (today_in_vietnam() - timedelta(days=1)).strftime("%d/%m/%Y")
    refused = client.post("/theo-doi/mo-dot", data={"round-year": "2026", "round-due_on": yesterday})
    assert requests_of(2026) == [] and refused.status_code == 422
    assert f'value="{yesterday}"' in refused.get_data(as_text=True)  # shown again as typed
    due = (today_in_vietnam().replace(year=THIS_YEAR + 1, month=1, day=15)).strftime("%d/%m/%Y")
    client.post("/theo-doi/mo-dot", data={"round-year": "2026", "round-due_on": due})
    client.post("/theo-doi/mo-dot", data={"round-year": "2026", "round-due_on": due})
    assert requests_of(2026) == [(world.model.id, world.province.id), (second.id, world.province.id)]
    assert elsewhere.id not in [m for m, _ in requests_of(2026)]
    assert "đều đã có yêu cầu theo dõi năm 2026" in client.get("/theo-doi").get_data(as_text=True)
    refused = client.post("/theo-doi/mo-dot", data={"round-year": "99999", "round-due_on": due})
    assert requests_of(99999) == [] and 'value="99999"' in refused.get_data(as_text=True)
    login(client, world.unit_staff)
    assert client.post("/theo-doi/mo-dot", data={"round-year": "2027", "round-due_on": due}).status_code == 403


def test_command_line_round_is_idempotent(runner, world, make_model):
    make_model(world.other_commune)
    first = runner.invoke(args=["followup", "open-round", "--year", "2025", "--unit", str(world.province.id)])
    assert first.exit_code == 0 and "Đã gửi 2 yêu cầu theo dõi năm 2025" in first.output
    again = runner.invoke(args=["followup", "open-round", "--year", "2025", "--unit", str(world.province.id)])
    assert again.exit_code == 0 and "không gửi thêm" in again.output
    assert len(requests_of(2025)) == 2
    commune_only = runner.invoke(args=["followup", "open-round", "--year", "2024", "--unit", str(world.commune.id)])
    assert "Đã gửi 1 yêu cầu" in commune_only.output
    assert runner.invoke(args=["followup", "open-round", "--year", "2025", "--unit", "999999"]).exit_code != 0
    assert runner.invoke(args=["followup", "open-round", "--year", "12", "--unit", "1"]).exit_code != 0


def flagged(client) -> str:
    return client.get("/theo-doi/chua-theo-doi").get_data(as_text=True)


def test_flag_after_two_periods_without_an_accepted_follow_up(client, world, make_model):
    fresh = make_model(world.commune, year=THIS_YEAR - 1, title="Mô hình mới công nhận năm ngoái")
    old = make_model(world.commune, year=THIS_YEAR - 2, title="Mô hình công nhận hai năm trước")
    followed = make_model(world.commune, year=THIS_YEAR - 3, title="Mô hình được theo dõi năm ngoái")
    add_followup(followed, world.province, state=S.ACCEPTED, year=THIS_YEAR - 1, reported_status=ModelStatus.MAINTAINED)
    rounds_missed = make_model(world.commune, year=THIS_YEAR - 1, title="Mô hình bỏ hai đợt")
    add_followup(rounds_missed, world.province, year=THIS_YEAR - 1, round_year=THIS_YEAR - 1, state=S.RETURNED)
    add_followup(rounds_missed, world.province, year=THIS_YEAR, round_year=THIS_YEAR)
    ended = make_model(world.commune, year=THIS_YEAR - 5, status=ModelStatus.ENDED, title="Mô hình đã kết thúc")

    login(client, world.secretary)
    page = flagged(client)
    assert old.title in page and rounds_missed.title in page
    for title in (fresh.title, followed.title, ended.title, world.model.title):
        assert title not in page
    home = client.get("/").get_data(as_text=True)
    assert "Mô hình chưa được theo dõi" in home and old.title in home

    add_followup(old, world.province, state=S.ACCEPTED, year=THIS_YEAR, reported_status=ModelStatus.MAINTAINED)
    assert old.title not in flagged(client)
    login(client, world.other_secretary)
    assert old.title not in flagged(client) and rounds_missed.title not in flagged(client)
    login(client, world.unit_staff)
    assert client.get("/theo-doi/chua-theo-doi").status_code == 403


def test_flag_list_costs_the_same_for_2_and_12_models(client, world, make_model, count_queries):
    def cost() -> int:
        with count_queries() as counter:
            assert client.get("/theo-doi/chua-theo-doi").status_code == 200
        return counter.count

    for _ in range(2):
        make_model(world.commune, year=THIS_YEAR - 4)
    login(client, world.secretary)
    few = cost()
    for _ in range(10):
        make_model(world.other_commune, year=THIS_YEAR - 4)
    assert cost() == few
