"""The follow-up transition table: each move by each role, allowed or refused, and what an accept changes."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dvkheo.core.audit import AuditEvent
from dvkheo.core.rules import RuleRefused, TransitionRefused
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.followup import workflow
from dvkheo.followup.models import FollowUp, FollowUpState as S
from dvkheo.followup.workflow import A
from dvkheo.registry.models import ModelStatus

from .conftest import add_followup

ANSWER = {"reported_status": ModelStatus.SCALED_UP, "people_reached": 1200, "money_vnd": 350_000_000, "working_days": 640}
ROLES = ("secretary", "chair", "unit_staff", "other_unit_staff", "other_secretary", "commune_secretary_elsewhere",
         "reviewer", "admin")
UNIT_ROLES = {"unit_staff"}
COMMITTEE_ROLES = {"secretary", "chair"}

# (state, action) -> who may take it; every other role is refused.
CASES = [
    (S.REQUESTED, A.SAVE, UNIT_ROLES), (S.DRAFT, A.SEND, UNIT_ROLES), (S.RETURNED, A.SEND, UNIT_ROLES),
    (S.SUBMITTED, A.ACCEPT, COMMITTEE_ROLES), (S.SUBMITTED, A.RETURN, COMMITTEE_ROLES),
    (S.REQUESTED, A.CANCEL, COMMITTEE_ROLES), (S.DRAFT, A.RESCHEDULE, COMMITTEE_ROLES),
]


def options_for(action: A) -> dict:
    if action in (A.SAVE, A.SEND):
        return dict(ANSWER)
    if action is A.RESCHEDULE:
        return {"due_on": today_in_vietnam() + timedelta(days=60)}
    if action is A.RETURN:
        return {"reason": "Số liệu kinh phí chưa khớp biên bản."}
    return {}


@pytest.mark.parametrize("state,action,allowed", CASES, ids=[f"{s.value}-{a.value}" for s, a, _ in CASES])
@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_each_move(world, state, action, allowed, role):
    followup = add_followup(world.model, world.province, state=state, **(ANSWER if state is not S.REQUESTED else {}))
    actor = world.by_role(role)
    if role in allowed:
        target = workflow.apply(followup, action, actor, **options_for(action))
        db.session.commit()
        assert followup.state is target
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "followup")).one()
        assert (event.action, event.from_state, event.to_state, event.actor_id) == (action.value, state.value, target.value, actor.id)
    else:
        with pytest.raises(TransitionRefused):
            workflow.apply(followup, action, actor, **options_for(action))
        db.session.rollback()
        assert db.session.get(FollowUp, followup.id).state is state


@pytest.mark.parametrize("state", [S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.CANCELLED])
def test_a_request_the_unit_answered_cannot_be_cancelled(world, state):
    followup = add_followup(world.model, world.province, state=state, **ANSWER)
    with pytest.raises(TransitionRefused, match="Không thể “hủy yêu cầu”"):
        workflow.apply(followup, A.CANCEL, world.secretary)


def test_accept_sets_the_model_status_and_audits_the_change(world):
    followup = add_followup(world.model, world.province, state=S.SUBMITTED, **(ANSWER | {"reported_status": ModelStatus.PAUSED}))
    workflow.apply(followup, A.ACCEPT, world.chair)
    db.session.commit()
    assert world.model.status is ModelStatus.PAUSED and followup.accepted_at is not None
    change = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "status_change")).one()
    assert (change.entity_type, change.entity_id, change.from_state, change.to_state) == ("registered_model", world.model.id, "maintained", "paused")


def test_send_needs_a_status_and_figures_in_range(world):
    followup = add_followup(world.model, world.province)
    with pytest.raises(TransitionRefused, match="chọn tình trạng"):
        workflow.apply(followup, A.SEND, world.unit_staff, people_reached=10)
    with pytest.raises(TransitionRefused, match="từ 0 đến"):
        workflow.apply(followup, A.SAVE, world.unit_staff, money_vnd=-5)
    with pytest.raises(TransitionRefused, match="Vui lòng ghi rõ lý do"):
        workflow.apply(add_followup(world.model, world.province, state=S.SUBMITTED, **ANSWER), A.RETURN, world.secretary)


def test_returned_answer_is_corrected_and_sent_again(world):
    followup = add_followup(world.model, world.province, state=S.SUBMITTED, **ANSWER)
    workflow.apply(followup, A.RETURN, world.secretary, reason="Thiếu số ngày công.")
    workflow.apply(followup, A.SAVE, world.unit_staff, working_days=700)
    assert followup.state is S.RETURNED and followup.return_reason == "Thiếu số ngày công."
    workflow.apply(followup, A.SEND, world.unit_staff, **(ANSWER | {"working_days": 700}))
    workflow.apply(followup, A.ACCEPT, world.secretary)
    db.session.commit()
    assert (followup.state, followup.working_days, followup.return_reason) == (S.ACCEPTED, 700, None)


def test_on_demand_request_is_refused_outside_the_tree_and_while_one_is_open(world):
    workflow.open_on_demand(world.model, world.secretary)
    db.session.commit()
    with pytest.raises(RuleRefused, match="chưa hoàn tất"):
        workflow.open_on_demand(world.model, world.chair)
    for outsider in (world.other_secretary, world.commune_secretary_elsewhere, world.unit_staff):
        with pytest.raises(TransitionRefused):
            workflow.open_on_demand(world.model, outsider)


def test_ended_model_is_no_longer_asked(world, make_model):
    ended = make_model(world.commune, status=ModelStatus.ENDED)
    with pytest.raises(TransitionRefused):
        workflow.open_on_demand(ended, world.secretary)
    opened = workflow.open_round(world.province, 2026, world.secretary)
    assert [f.model_id for f in opened] == [world.model.id]
