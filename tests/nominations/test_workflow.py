"""The transition table: every (state, action) allowed and refused per role, each move audited."""
from __future__ import annotations

import pytest

from dvkheo.accounts.models import Role
from dvkheo.core.audit import history
from dvkheo.extensions import db
from dvkheo.nominations import workflow
from dvkheo.nominations.states import NominationAction as A
from dvkheo.nominations.states import NominationState as S

# The documented flow (domain.md "Flow"), written out by hand so that any change to the table shows here.
RESTORES = "state before the hold"
EXPECTED_MOVES = {
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.RETURNED, A.RESUBMIT): S.RESUBMITTED,
    (S.SUBMITTED, A.RETURN): S.RETURNED,
    (S.RESUBMITTED, A.RETURN): S.RETURNED,
    (S.SUBMITTED, A.ACCEPT): S.ACCEPTED,
    (S.RESUBMITTED, A.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, A.REJECT): S.REJECTED,
    (S.RESUBMITTED, A.REJECT): S.REJECTED,
    (S.ACCEPTED, A.START_REVIEW): S.IN_REVIEW,
    (S.IN_REVIEW, A.COMPLETE_SCORING): S.SCORED,
    (S.SCORED, A.REOPEN_SCORING): S.IN_REVIEW,
    (S.SCORED, A.SHORTLIST): S.SHORTLISTED,
    (S.SCORED, A.NOT_SHORTLIST): S.NOT_SHORTLISTED,
    (S.SHORTLISTED, A.REVERT_SHORTLIST): S.SCORED,
    (S.NOT_SHORTLISTED, A.REVERT_SHORTLIST): S.SCORED,
    (S.SHORTLISTED, A.PASS_COUNCIL): S.PASSED_COUNCIL,
    (S.SHORTLISTED, A.FAIL_COUNCIL): S.FAILED_COUNCIL,
    (S.PASSED_COUNCIL, A.AWARD): S.AWARDED,
    (S.PASSED_COUNCIL, A.NOT_AWARD): S.NOT_AWARDED,
    (S.FAILED_COUNCIL, A.NOT_AWARD): S.NOT_AWARDED,
    (S.AWARDED, A.FORWARD): S.FORWARDED,
    (S.AWARDED, A.REVOKE_AWARD): S.REVOKED,
    (S.FORWARDED, A.REVOKE_AWARD): S.REVOKED,
    (S.ON_HOLD, A.RELEASE): RESTORES,
    **{
        (state, A.HOLD): S.ON_HOLD
        for state in (
            S.SUBMITTED, S.RESUBMITTED, S.ACCEPTED, S.IN_REVIEW, S.SCORED, S.SHORTLISTED, S.NOT_SHORTLISTED, S.PASSED_COUNCIL,
        )
    },
    **{
        (state, A.WITHDRAW): S.WITHDRAWN
        for state in (
            S.DRAFT, S.SUBMITTED, S.RETURNED, S.RESUBMITTED, S.ACCEPTED, S.ON_HOLD, S.IN_REVIEW, S.SCORED,
            S.SHORTLISTED, S.NOT_SHORTLISTED,
        )
    },
}
ROLES_FOR_ACTION = {action: {Role.SECRETARY} for action in A} | {
    A.SUBMIT: {Role.UNIT_SUBMITTER}, A.RESUBMIT: {Role.UNIT_SUBMITTER}, A.WITHDRAW: {Role.UNIT_SUBMITTER},
    # The chair signs decisions, the secretary keeps the register: either records their effect.
    A.AWARD: {Role.SECRETARY, Role.CHAIR}, A.NOT_AWARD: {Role.SECRETARY, Role.CHAIR},
    A.REVOKE_AWARD: {Role.SECRETARY, Role.CHAIR},
}
# Moves that only an issued decision can make (tests/awards covers them with one).
NEEDS_DECISION = {A.AWARD, A.REVOKE_AWARD}
ALL_CASES = [(state, action, role) for state in S for action in A for role in Role]


def actor_for(role: Role, nomination, make_user, make_unit):
    """Own unit for submitters, the organising unit for committee roles."""
    if role is Role.UNIT_SUBMITTER:
        return make_user(role, nomination.unit)
    if role in (Role.SECRETARY, Role.CHAIR, Role.REVIEWER):
        return make_user(role, nomination.campaign.organising_unit)
    return make_user(role, None)


def give_finalised_reviewer(nomination, make_user, make_unit):
    """Scoring moves are guarded by assignments: one reviewer from an unrelated unit, done scoring."""
    from dvkheo.core.timeutil import utcnow
    from dvkheo.review.models import ReviewAssignment

    reviewer = make_user(Role.REVIEWER, make_unit("Sở Nội vụ", parent=nomination.campaign.organising_unit, kind="agency"))
    db.session.add(ReviewAssignment(nomination=nomination, reviewer=reviewer, finalised_at=utcnow()))
    db.session.commit()


def expected_target(state, action):
    target = EXPECTED_MOVES[(state, action)]
    return S.ACCEPTED if target == RESTORES else target


def test_transition_table_matches_the_documented_flow():
    table = {key: (RESTORES if callable(rule.target) else rule.target) for key, rule in workflow.TRANSITIONS.items()}
    assert table == EXPECTED_MOVES


@pytest.mark.parametrize("state, action, role", ALL_CASES, ids=lambda v: getattr(v, "value", v))
def test_transition_allowed_only_for_its_role(state, action, role, make_nomination, make_user, make_unit):
    nomination = make_nomination(status=state)
    if action in (A.START_REVIEW, A.COMPLETE_SCORING):
        give_finalised_reviewer(nomination, make_user, make_unit)
    actor = actor_for(role, nomination, make_user, make_unit)
    allowed = (state, action) in EXPECTED_MOVES and role in ROLES_FOR_ACTION[action]
    if allowed and action in NEEDS_DECISION:
        with pytest.raises(workflow.TransitionRefused) as refused:
            workflow.apply(nomination, action, actor, reason="Bổ sung biên bản họp")
        assert [problem.rule for problem in refused.value.problems] == ["decision"]
        db.session.rollback()
        assert db.session.get(type(nomination), nomination.id).status is state
    elif allowed:
        target = workflow.apply(nomination, action, actor, reason="Bổ sung biên bản họp")
        db.session.commit()
        assert target is expected_target(state, action)
        assert db.session.get(type(nomination), nomination.id).status is target
        event = history("nomination", nomination.id)[-1]
        # Automatic steps are recorded under the system, whoever's action triggered them.
        expected_actor = None if workflow.TRANSITIONS[(state, action)].automatic else actor.id
        assert (event.actor_id, event.from_state, event.to_state, event.action) == (expected_actor, state.value, target.value, action.value)
    else:
        with pytest.raises(workflow.TransitionRefused):
            workflow.apply(nomination, action, actor, reason="Bổ sung biên bản họp")
        db.session.rollback()
        assert db.session.get(type(nomination), nomination.id).status is state
        assert history("nomination", nomination.id) == []


def test_hold_then_release_returns_to_the_state_it_was_held_from(make_nomination, make_user):
    nomination = make_nomination(status=S.SCORED)
    secretary = make_user(Role.SECRETARY, nomination.campaign.organising_unit)
    workflow.apply(nomination, A.HOLD, secretary, reason="Đang có đơn khiếu nại")
    db.session.commit()
    assert (nomination.status, nomination.status_before_hold) == (S.ON_HOLD, S.SCORED)
    workflow.apply(nomination, A.RELEASE, secretary)
    db.session.commit()
    assert (nomination.status, nomination.status_before_hold) == (S.SCORED, None)
    assert [(e.from_state, e.to_state) for e in history("nomination", nomination.id)] == [
        ("scored", "on_hold"), ("on_hold", "scored"),
    ]


def test_scoring_completes_only_when_every_reviewer_has_finalised(make_nomination, make_user, make_unit):
    from dvkheo.review.models import ReviewAssignment

    nomination = make_nomination(status=S.IN_REVIEW)
    give_finalised_reviewer(nomination, make_user, make_unit)
    pending = make_user(Role.REVIEWER, make_unit("Hội Nông dân tỉnh", parent=nomination.campaign.organising_unit, kind="agency"))
    db.session.add(ReviewAssignment(nomination=nomination, reviewer=pending))
    db.session.commit()
    secretary = make_user(Role.SECRETARY, nomination.campaign.organising_unit)
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.apply(nomination, A.COMPLETE_SCORING, secretary)
    assert refused.value.problems[0].message == "Mới có 1/2 thành viên hoàn thành chấm điểm hồ sơ này."


def test_submitter_of_another_unit_cannot_submit(make_nomination, make_user, make_unit, province):
    nomination = make_nomination()
    stranger = make_user(Role.UNIT_SUBMITTER, make_unit(parent=province))
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.apply(nomination, A.SUBMIT, stranger)
    assert refused.value.problems[0].rule == "permission"


def test_secretary_of_another_committee_cannot_return(make_nomination, make_user, make_unit):
    nomination = make_nomination(status=S.SUBMITTED)
    other_committee = make_user(Role.SECRETARY, make_unit("Tỉnh Gia Lai", kind="province"))
    with pytest.raises(workflow.TransitionRefused):
        workflow.apply(nomination, A.RETURN, other_committee, reason="Thiếu minh chứng")


def test_return_requires_a_reason(make_nomination, make_user):
    nomination = make_nomination(status=S.SUBMITTED)
    secretary = make_user(Role.SECRETARY, nomination.campaign.organising_unit)
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.apply(nomination, A.RETURN, secretary, reason="   ")
    assert refused.value.problems[0].message == "Vui lòng ghi rõ lý do."
    assert nomination.status is S.SUBMITTED


def test_submit_guarded_by_eligibility(make_nomination, make_user):
    nomination = make_nomination(with_evidence=False)
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.apply(nomination, A.SUBMIT, make_user(Role.UNIT_SUBMITTER, nomination.unit))
    assert [p.rule for p in refused.value.problems] == ["evidence_present"]
    assert nomination.status is S.DRAFT


def test_return_then_resubmit_keeps_both_rounds_in_history(make_nomination, make_user):
    nomination = make_nomination()
    submitter = make_user(Role.UNIT_SUBMITTER, nomination.unit)
    secretary = make_user(Role.SECRETARY, nomination.campaign.organising_unit)
    workflow.apply(nomination, A.SUBMIT, submitter)
    workflow.apply(nomination, A.RETURN, secretary, reason="Bổ sung số liệu hộ dân")
    workflow.apply(nomination, A.RESUBMIT, submitter)
    workflow.apply(nomination, A.RETURN, secretary, reason="Bổ sung ảnh công trình")
    workflow.apply(nomination, A.RESUBMIT, submitter)
    db.session.commit()
    moves = [(e.action, e.to_state, e.reason) for e in history("nomination", nomination.id)]
    assert moves == [
        ("submit", "submitted", None),
        ("return", "returned", "Bổ sung số liệu hộ dân"),
        ("resubmit", "resubmitted", None),
        ("return", "returned", "Bổ sung ảnh công trình"),
        ("resubmit", "resubmitted", None),
    ]


def test_available_actions_follow_role_and_state(make_nomination, make_user):
    nomination = make_nomination(status=S.SUBMITTED)
    submitter = make_user(Role.UNIT_SUBMITTER, nomination.unit)
    secretary = make_user(Role.SECRETARY, nomination.campaign.organising_unit)
    chair = make_user(Role.CHAIR, nomination.campaign.organising_unit)
    assert workflow.available_actions(nomination, submitter) == [A.WITHDRAW]
    assert workflow.available_actions(nomination, secretary) == [A.RETURN, A.ACCEPT, A.REJECT, A.HOLD]
    assert workflow.available_actions(nomination, chair) == []
