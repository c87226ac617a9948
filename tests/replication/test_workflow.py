"""Who may move a replication, from which state, and what each move leaves behind (state, count, audit)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.core.audit import AuditEvent
from dvkheo.core.rules import TransitionRefused
from dvkheo.extensions import db
from dvkheo.replication import operations, workflow
from dvkheo.replication.models import ReplicationState as S
from tests.replication.conftest import TYPED

A = workflow.A


def moves(replication) -> list[tuple[str, str | None, str | None]]:
    return [
        (e.action, e.from_state, e.to_state)
        for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "replication", AuditEvent.entity_id == replication.id)
            .order_by(AuditEvent.id)
        )
    ]


ROLES = ["staff", "other_staff", "model_staff", "secretary", "chair", "far_secretary", "reviewer"]


@pytest.mark.parametrize("who", ROLES)
def test_only_the_committee_above_confirms(world, who):
    replication = world.declare()
    actor = getattr(world, who)
    if who in ("secretary", "chair"):
        workflow.apply(replication, A.CONFIRM, actor)
        db.session.commit()
        assert replication.status is S.CONFIRMED
        db.session.refresh(world.model)
        assert world.model.replication_count == 1
    else:
        with pytest.raises(TransitionRefused) as refused:
            workflow.apply(replication, A.CONFIRM, actor)
        assert refused.value.problems[0].rule == "permission"
        db.session.rollback()
        assert replication.status is S.SUBMITTED


@pytest.mark.parametrize("who", ROLES)
def test_only_the_declaring_unit_submits_and_withdraws(world, who):
    replication = world.declare(send=False)
    actor = getattr(world, who)
    for action in (A.SUBMIT, A.WITHDRAW):
        if who == "staff":
            workflow.apply(replication, action, actor)
        else:
            with pytest.raises(TransitionRefused):
                workflow.apply(replication, action, actor)
    db.session.commit()
    assert replication.status is (S.WITHDRAWN if who == "staff" else S.DRAFT)


def test_return_needs_a_reason_then_the_unit_edits_and_sends_again(world):
    replication = world.declare()
    with pytest.raises(TransitionRefused) as refused:
        workflow.apply(replication, A.RETURN, world.chair, reason="  ")
    assert refused.value.problems[0].message == "Vui lòng ghi rõ lý do trả lại."
    workflow.apply(replication, A.RETURN, world.chair, reason="Bổ sung ảnh tuyến đường sau khi làm.")
    db.session.commit()
    assert replication.status is S.RETURNED and replication.is_editable
    assert workflow.available_actions(replication, world.staff) == [A.RESUBMIT, A.WITHDRAW]

    operations.update(replication, {"first_results": "Bê tông hóa 2 km đường thôn."}, world.staff)
    workflow.apply(replication, A.RESUBMIT, world.staff)
    workflow.apply(replication, A.CONFIRM, world.secretary)
    db.session.commit()

    assert moves(replication) == [
        ("create", None, "draft"), ("update", None, None), ("submit", "draft", "submitted"),
        ("return", "submitted", "returned"), ("update", None, None), ("resubmit", "returned", "submitted"),
        ("confirm", "submitted", "confirmed"),
    ]
    assert replication.return_reason is None and replication.confirmed_at is not None


def test_no_withdrawal_once_confirmed_and_no_second_confirmation(world):
    replication = world.confirmed()
    for action, actor in ((A.WITHDRAW, world.staff), (A.CONFIRM, world.secretary), (A.RETURN, world.secretary)):
        with pytest.raises(TransitionRefused) as refused:
            workflow.apply(replication, action, actor, reason="x")
        assert refused.value.problems[0].rule == "transition"
    assert workflow.available_actions(replication, world.staff) == []


def test_an_incomplete_declaration_is_not_sent(world):
    replication = world.declare(send=False, adaptation="", started_on=None)
    with pytest.raises(TransitionRefused) as refused:
        workflow.apply(replication, A.SUBMIT, world.staff)
    assert {p.field for p in refused.value.problems} == {"adaptation", "started_on"}


def test_a_unit_cannot_replicate_its_own_model(world):
    from dvkheo import access

    assert not access.can_declare_replication(world.model_staff, world.model)
    assert access.can_declare_replication(world.staff, world.model)
    # Even written straight into the database, it is never sent.
    replication = operations.declare(world.model, world.model_staff)
    operations.update(replication, TYPED, world.model_staff)
    with pytest.raises(TransitionRefused) as refused:
        workflow.apply(replication, A.SUBMIT, world.model_staff)
    assert [p.rule for p in refused.value.problems] == ["own_model"]


def test_one_live_declaration_per_unit_and_model(world):
    world.declare()
    second = world.declare(send=False)
    with pytest.raises(TransitionRefused) as refused:
        workflow.apply(second, A.SUBMIT, world.staff)
    assert [p.rule for p in refused.value.problems] == ["duplicate"]


def test_the_count_is_the_confirmed_ones(world):
    world.confirmed()
    other = world.confirmed(staff=world.other_staff)
    pending = world.declare(send=False)
    db.session.refresh(world.model)
    assert world.model.replication_count == 2
    assert other.place.startswith("Xã Nghĩa Hành")
    assert pending.status is S.DRAFT
