"""The nomination workflow: one table of (state, action) -> new state, roles and guards.

`apply()` is the only code that changes `Nomination.status`. Later stages (public voting,
awards) add their rows to `TRANSITIONS`. A row's target may be a function of the nomination:
releasing a hold returns it to the state it was held from.
"""
from __future__ import annotations

from typing import Callable

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.core import audit
from dvkheo.core.rules import Problem, Transition, TransitionRefused
from dvkheo.core.timeutil import utcnow
from dvkheo.nominations import eligibility
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationAction as A
from dvkheo.nominations.states import (
    AWARDED_STATES,
    HOLDABLE_STATES,
    NOT_AWARDED_FROM,
    SUBMITTED_STATES,
    WITHDRAWABLE_STATES,
)
from dvkheo.nominations.states import NominationState as S

Guard = Callable[[Nomination, User], list[Problem]]
Permission = Callable[[User, Nomination], bool]


# --- guards ---------------------------------------------------------------------------------


def _eligible(nomination: Nomination, actor: User) -> list[Problem]:
    return eligibility.check(nomination)


def _has_active_reviewer(nomination: Nomination, actor: User) -> list[Problem]:
    from dvkheo.review import queries

    if queries.active_assignment_count(nomination.id):
        return []
    return [Problem("assignment", "Hồ sơ chưa được phân công thành viên Hội đồng chấm điểm.")]


def _all_scores_final(nomination: Nomination, actor: User) -> list[Problem]:
    from dvkheo.review import queries

    active, final = queries.assignment_progress(nomination.id)
    if active and active == final:
        return []
    if not active:
        return [Problem("assignment", "Hồ sơ chưa có thành viên Hội đồng nào được phân công chấm điểm.")]
    return [Problem("scores", f"Mới có {final}/{active} thành viên hoàn thành chấm điểm hồ sơ này.")]


def _not_on_open_ballot(nomination: Nomination, actor: User) -> list[Problem]:
    from dvkheo.council import queries

    if queries.on_unclosed_ballot(nomination.id):
        return [Problem("ballot", "Hồ sơ đang có trong phiếu bầu của Hội đồng; hãy bỏ khỏi phiếu bầu trước.")]
    return []


def _in_issued_decision(nomination: Nomination, actor: User) -> list[Problem]:
    # The award comes from an issued decision only: the issuing code records the line first.
    from dvkheo.awards import queries

    if queries.issued_award_line(nomination.id) is not None:
        return []
    return [Problem("decision", "Hồ sơ chưa có trong quyết định khen thưởng đã ban hành.")]


def _revoked_by_issued_decision(nomination: Nomination, actor: User) -> list[Problem]:
    from dvkheo.awards import queries

    if queries.award_revoked(nomination.id):
        return []
    return [Problem("decision", "Chưa có quyết định thu hồi, hủy bỏ khen thưởng đã ban hành cho hồ sơ này.")]


def _state_before_hold(nomination: Nomination) -> S:
    return nomination.status_before_hold or S.ACCEPTED


# --- permissions ----------------------------------------------------------------------------


def _own_unit(user: User, nomination: Nomination) -> bool:
    return access.is_own_unit_submitter(user, nomination)


def _campaign_secretary(user: User, nomination: Nomination) -> bool:
    return user.role is Role.SECRETARY and access.is_campaign_staff(user, nomination.campaign)


def _secretary_or_assigned_reviewer(user: User, nomination: Nomination) -> bool:
    # Scoring completes when the last reviewer finalises, so that reviewer's request makes the move.
    return _campaign_secretary(user, nomination) or access.is_assigned_reviewer(user, nomination)


def _campaign_committee(user: User, nomination: Nomination) -> bool:
    # Issuing is done by the chair who signs or by the secretary who keeps the register.
    return access.is_campaign_staff(user, nomination.campaign)


UNIT = frozenset({Role.UNIT_SUBMITTER})
COMMITTEE = frozenset({Role.SECRETARY, Role.CHAIR})
SECRETARY = frozenset({Role.SECRETARY})
SCORERS = frozenset({Role.SECRETARY, Role.REVIEWER, Role.CHAIR})


def _secretary(target, guards=(), reason_required=False, automatic=False) -> Transition:
    return Transition(target, SECRETARY, _campaign_secretary, tuple(guards), reason_required, automatic)


# Rows with automatic=True are steps the application takes itself (the first assignment starts the
# review, the last final sheet completes it, a counted ballot or an issued decision moves the
# dossier): they are recorded under the system ("Hệ thống"), never under the person whose action
# triggered them, so that a unit cannot learn who scored its dossier from who finalised last.
TRANSITIONS: dict[tuple[S, A], Transition] = {
    # The unit's intake (issue 2)
    (S.DRAFT, A.SUBMIT): Transition(S.SUBMITTED, UNIT, _own_unit, (_eligible,)),
    (S.RETURNED, A.RESUBMIT): Transition(S.RESUBMITTED, UNIT, _own_unit, (_eligible,)),
    **{(state, A.WITHDRAW): Transition(S.WITHDRAWN, UNIT, _own_unit) for state in WITHDRAWABLE_STATES},
    # Screening by the committee's secretary
    **{(state, A.RETURN): _secretary(S.RETURNED, reason_required=True) for state in SUBMITTED_STATES},
    **{(state, A.ACCEPT): _secretary(S.ACCEPTED) for state in SUBMITTED_STATES},
    **{(state, A.REJECT): _secretary(S.REJECTED, reason_required=True) for state in SUBMITTED_STATES},
    # Holds (Decree 152/2025): release returns the nomination to where it was held from.
    **{(state, A.HOLD): _secretary(S.ON_HOLD, reason_required=True) for state in HOLDABLE_STATES},
    (S.ON_HOLD, A.RELEASE): _secretary(_state_before_hold),
    # Scoring
    (S.ACCEPTED, A.START_REVIEW): _secretary(S.IN_REVIEW, (_has_active_reviewer,), automatic=True),
    (S.IN_REVIEW, A.COMPLETE_SCORING): Transition(
        S.SCORED, SCORERS, _secretary_or_assigned_reviewer, (_all_scores_final,), automatic=True
    ),
    (S.SCORED, A.REOPEN_SCORING): _secretary(S.IN_REVIEW, automatic=True),
    # Shortlist ("Danh sách đề cử")
    (S.SCORED, A.SHORTLIST): _secretary(S.SHORTLISTED, reason_required=True),
    (S.SCORED, A.NOT_SHORTLIST): _secretary(S.NOT_SHORTLISTED),
    (S.SHORTLISTED, A.REVERT_SHORTLIST): _secretary(S.SCORED, (_not_on_open_ballot,), reason_required=True),
    (S.NOT_SHORTLISTED, A.REVERT_SHORTLIST): _secretary(S.SCORED, reason_required=True),
    # The council's secret ballot, counted when the secretary closes it
    (S.SHORTLISTED, A.PASS_COUNCIL): _secretary(S.PASSED_COUNCIL, automatic=True),
    (S.SHORTLISTED, A.FAIL_COUNCIL): _secretary(S.FAILED_COUNCIL, automatic=True),
    # Awards (issue 5): issuing a decision awards its lines; publishing the campaign's awards
    # settles the rest; an awarded nomination may be proposed upward or revoked by a decision.
    (S.PASSED_COUNCIL, A.AWARD): Transition(
        S.AWARDED, COMMITTEE, _campaign_committee, (_in_issued_decision,), automatic=True
    ),
    **{
        (state, A.NOT_AWARD): Transition(S.NOT_AWARDED, COMMITTEE, _campaign_committee, automatic=True)
        for state in NOT_AWARDED_FROM
    },
    (S.AWARDED, A.FORWARD): _secretary(S.FORWARDED),
    **{
        (state, A.REVOKE_AWARD): Transition(
            S.REVOKED, COMMITTEE, _campaign_committee, (_revoked_by_issued_decision,), reason_required=True,
            automatic=True,
        )
        for state in AWARDED_STATES
    },
}


def _permitted(nomination: Nomination, action: A, actor: User) -> Transition | None:
    rule = TRANSITIONS.get((nomination.status, action))
    if rule is None or actor.role not in rule.roles or not rule.permission(actor, nomination):
        return None
    return rule


def available_actions(nomination: Nomination, actor: User) -> list[A]:
    """Actions the actor may attempt now (guards are checked only when attempted)."""
    return [action for action in A if _permitted(nomination, action, actor)]


def apply(
    nomination: Nomination, action: A, actor: User, reason: str | None = None, details: dict | None = None
) -> S:
    """Move the nomination by `action`.

    Side effects, in order: checks role and scope, checks the reason and the guards,
    sets the new status (and `submitted_at` on a submit), adds an audit event to the
    session: under `actor`, or under the system (no actor) for an automatic row of the
    table, whoever's action triggered it. It does not commit: the request does, once.
    """
    rule = TRANSITIONS.get((nomination.status, action))
    if rule is None:
        raise TransitionRefused(
            [Problem("transition", f"Không thể “{action.label.lower()}” khi hồ sơ đang ở trạng thái “{nomination.status.label}”.")]
        )
    if actor.role not in rule.roles or not rule.permission(actor, nomination):
        raise TransitionRefused([Problem("permission", "Bạn không có quyền thực hiện thao tác này với hồ sơ.")])
    reason = (reason or "").strip() or None
    if rule.reason_required and not reason:
        raise TransitionRefused([Problem("reason", "Vui lòng ghi rõ lý do.", "reason")])
    problems = [problem for guard in rule.guards for problem in guard(nomination, actor)]
    if problems:
        raise TransitionRefused(problems)

    previous = nomination.status
    target = rule.target(nomination) if callable(rule.target) else rule.target
    nomination.status = target
    if action in (A.SUBMIT, A.RESUBMIT):
        nomination.submitted_at = utcnow()
    if action is A.HOLD:
        nomination.status_before_hold = previous
    elif action is A.RELEASE:
        nomination.status_before_hold = None
    audit.record(
        "nomination",
        nomination.id,
        action.value,
        None if rule.automatic else actor,
        from_state=previous.value,
        to_state=target.value,
        reason=reason,
        details=details,
    )
    return target
