"""A follow-up request: one table of (state, action) -> new state, who may take it, what must hold.

The committee opens a request (a yearly round or on demand); the owning unit saves a draft of its
answer and sends it; the committee accepts it (the model takes the reported status, and the figures
become a public point of its history) or returns it with a reason; the unit corrects and sends again.
The committee may cancel a request the unit has not sent, and move the deadline while the unit works.
`apply()` is the only code that changes `FollowUp.state`; `open_request()` the only one that makes one.
"""
from __future__ import annotations

import enum
from datetime import date, timedelta
from typing import Callable

import sqlalchemy as sa

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.core import audit
from dvkheo.core.rules import Problem, RuleRefused, Transition, TransitionRefused, checked_rule, permitted_rule
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.followup.models import FollowUp, FollowUpState
from dvkheo.registry.models import ModelStatus, RegisteredModel

DEFAULT_DAYS = 30
MAX_DAYS = 365
# Bounds of the figures: beyond them a figure is a typing slip, not a model's result.
LIMITS = {
    "people_reached": (0, 10_000_000),
    "money_vnd": (0, 1_000_000_000_000),  # one thousand billion đồng
    "working_days": (0, 10_000_000),
}
MAX_TEXT = 4000


class FollowUpAction(str, enum.Enum):
    SAVE = "save"
    SEND = "send"
    ACCEPT = "accept"
    RETURN = "return"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"

    @property
    def label(self) -> str:
        return {
            FollowUpAction.SAVE: "Lưu bản nháp",
            FollowUpAction.SEND: "Gửi báo cáo",
            FollowUpAction.ACCEPT: "Chấp nhận",
            FollowUpAction.RETURN: "Trả lại để sửa",
            FollowUpAction.CANCEL: "Hủy yêu cầu",
            FollowUpAction.RESCHEDULE: "Đổi hạn trả lời",
        }[self]

    @property
    def done(self) -> str:
        return {
            FollowUpAction.SAVE: "Đã lưu bản nháp báo cáo theo dõi.",
            FollowUpAction.SEND: "Đã gửi báo cáo theo dõi để Hội đồng xem xét.",
            FollowUpAction.ACCEPT: "Đã chấp nhận báo cáo; tình trạng và số liệu của mô hình được cập nhật.",
            FollowUpAction.RETURN: "Đã trả lại báo cáo để đơn vị sửa.",
            FollowUpAction.CANCEL: "Đã hủy yêu cầu theo dõi.",
            FollowUpAction.RESCHEDULE: "Đã đổi hạn trả lời.",
        }[self]


A = FollowUpAction
S = FollowUpState
Guard = Callable[[FollowUp, User, dict], list[Problem]]
ANSWER_FIELDS = ("reported_status", "people_reached", "money_vnd", "working_days", "other_results", "internal_note")


def _answer_in_range(followup: FollowUp, actor: User, options: dict) -> list[Problem]:
    problems = []
    status = options.get("reported_status")
    if status is not None and not isinstance(status, ModelStatus):
        problems.append(Problem("status", "Tình trạng mô hình không hợp lệ.", "reported_status"))
    for name, (low, high) in LIMITS.items():
        value = options.get(name)
        if value is not None and not (isinstance(value, int) and low <= value <= high):
            problems.append(Problem("range", f"Số liệu phải là số nguyên từ {low:,} đến {high:,}.".replace(",", "."), name))
    for name in ("other_results", "internal_note"):
        if len(options.get(name) or "") > MAX_TEXT:
            problems.append(Problem("length", f"Nội dung không dài quá {MAX_TEXT} ký tự.", name))
    return problems


def _answer_complete(followup: FollowUp, actor: User, options: dict) -> list[Problem]:
    if options.get("reported_status") is None:
        return [Problem("status", "Vui lòng chọn tình trạng hiện nay của mô hình.", "reported_status")]
    return []


def _answer_sent(followup: FollowUp, actor: User, options: dict) -> list[Problem]:
    if followup.reported_status is None:
        return [Problem("status", "Báo cáo chưa có tình trạng của mô hình.")]
    return []


def _deadline_sensible(followup: FollowUp, actor: User, options: dict) -> list[Problem]:
    return deadline_problems(options.get("due_on"))


def deadline_problems(due_on: date | None) -> list[Problem]:
    today = today_in_vietnam()
    if due_on is None:
        return [Problem("due_on", "Vui lòng nhập hạn trả lời.", "due_on")]
    if not today <= due_on <= today + timedelta(days=MAX_DAYS):
        return [Problem("due_on", f"Hạn trả lời phải từ hôm nay đến tối đa {MAX_DAYS} ngày sau.", "due_on")]
    return []


UNIT = frozenset({Role.UNIT_SUBMITTER})
COMMITTEE = frozenset(access.COMMITTEE_ROLES)
_unit = access.can_answer_followup
_committee = access.can_review_followup

TRANSITIONS: dict[tuple[S, A], Transition] = {
    (S.REQUESTED, A.SAVE): Transition(S.DRAFT, UNIT, _unit, (_answer_in_range,)),
    (S.DRAFT, A.SAVE): Transition(S.DRAFT, UNIT, _unit, (_answer_in_range,)),
    # A returned answer stays "returned" while corrected, so the reason stays in sight until it is sent again.
    (S.RETURNED, A.SAVE): Transition(S.RETURNED, UNIT, _unit, (_answer_in_range,)),
    **{(state, A.SEND): Transition(S.SUBMITTED, UNIT, _unit, (_answer_in_range, _answer_complete))
       for state in (S.REQUESTED, S.DRAFT, S.RETURNED)},
    (S.SUBMITTED, A.ACCEPT): Transition(S.ACCEPTED, COMMITTEE, _committee, (_answer_sent,)),
    (S.SUBMITTED, A.RETURN): Transition(S.RETURNED, COMMITTEE, _committee, reason_required=True),
    (S.REQUESTED, A.CANCEL): Transition(S.CANCELLED, COMMITTEE, _committee),
    (S.DRAFT, A.CANCEL): Transition(S.CANCELLED, COMMITTEE, _committee),
    **{(state, A.RESCHEDULE): Transition(state, COMMITTEE, _committee, (_deadline_sensible,))
       for state in (S.REQUESTED, S.DRAFT, S.RETURNED)},
}


def _permitted(followup: FollowUp, action: A, actor: User | None) -> Transition | None:
    return permitted_rule(TRANSITIONS, followup.state, action, followup, actor)


def available_actions(followup: FollowUp, actor: User | None) -> list[A]:
    return [action for action in A if _permitted(followup, action, actor)]


def apply(followup: FollowUp, action: A, actor: User, reason: str | None = None, **options) -> S:
    """Move the request by `action`. SAVE and SEND take the answer's fields (`ANSWER_FIELDS`), RESCHEDULE
    takes `due_on`. Audits ("followup", id, action, from, to, reason); an accept also audits the model's
    status change. Does not commit."""
    action = A(action)
    rule, reason = checked_rule(
        TRANSITIONS, followup.state, action, followup, actor, noun="yêu cầu theo dõi", reason=reason,
        reason_message="Vui lòng ghi rõ lý do trả lại.", options=options,
    )
    previous = followup.state
    details = None
    if action in (A.SAVE, A.SEND):
        for name in ANSWER_FIELDS:
            if name in options:
                value = options[name]
                setattr(followup, name, (value or "").strip() if name in ("other_results", "internal_note") else value)
        if action is A.SEND:
            followup.submitted_at = utcnow()
    elif action is A.RETURN:
        followup.return_reason = reason
    elif action is A.ACCEPT:
        followup.accepted_at = utcnow()
        followup.return_reason = None
        model = followup.model
        if model.status is not followup.reported_status:
            audit.record(
                "registered_model", model.id, "status_change", actor,
                from_state=model.status.value, to_state=followup.reported_status.value,
                details={"followup_id": followup.id},
            )
            model.status = followup.reported_status
    elif action is A.RESCHEDULE:
        details = {"from": followup.due_on.isoformat(), "to": options["due_on"].isoformat()}
        followup.due_on = options["due_on"]
    followup.state = rule.target
    audit.record(
        "followup", followup.id, action.value, actor,
        from_state=previous.value, to_state=rule.target.value, reason=reason, details=details,
    )
    return rule.target


# --- opening requests ----------------------------------------------------------------------------


def default_due_on() -> date:
    return today_in_vietnam() + timedelta(days=DEFAULT_DAYS)


def new_request(model: RegisteredModel, committee_unit_id: int, period_year: int, round_year: int | None,
                 due_on: date, actor: User | None) -> FollowUp:
    """One request, audited as opened; no check (callers check who asks and the deadline). Does not commit."""
    followup = FollowUp(
        model=model, committee_unit_id=committee_unit_id, period_year=period_year, round_year=round_year,
        due_on=due_on, state=S.REQUESTED, requested_by=actor,
    )
    db.session.add(followup)
    db.session.flush()
    audit.record(
        "followup", followup.id, "open", actor, to_state=S.REQUESTED.value,
        details={"model_id": model.id, "round_year": round_year, "due_on": due_on.isoformat()},
    )
    return followup


def open_on_demand(model: RegisteredModel, actor: User, due_on: date | None = None) -> FollowUp:
    """Ask the model's unit for a follow-up now. Refused while another request of the model waits for an answer
    or a decision (one conversation at a time). Does not commit."""
    if not access.can_request_followup(actor, model):
        raise TransitionRefused([Problem("permission", "Bạn không có quyền yêu cầu theo dõi mô hình này.")])
    due_on = due_on or default_due_on()
    problems = deadline_problems(due_on)
    if problems:
        raise RuleRefused(problems)
    waiting = db.session.scalar(
        sa.select(FollowUp.id).where(
            FollowUp.model_id == model.id, FollowUp.state.notin_((S.ACCEPTED, S.CANCELLED)),
        ).limit(1)
    )
    if waiting is not None:
        raise RuleRefused([Problem("open", "Mô hình đang có một yêu cầu theo dõi chưa hoàn tất.")])
    return new_request(model, access.followup_committee_unit_id(actor), today_in_vietnam().year, None, due_on, actor)


def open_round(committee_unit, year: int, actor: User | None, due_on: date | None = None) -> list[FollowUp]:
    """Ask every unit owning a recognised, not ended model in `committee_unit`'s tree for its follow-up of
    `year`: one request per model and year, so a second opening adds only what is missing (a model recognised
    since). `actor` None: the operator's command line (audited as the system). Does not commit."""
    from dvkheo.units.models import Unit

    due_on = due_on or default_due_on()
    problems = deadline_problems(due_on)
    if problems:
        raise RuleRefused(problems)
    asked = sa.select(FollowUp.model_id).where(FollowUp.round_year == year)
    models = db.session.scalars(
        sa.select(RegisteredModel)
        .join(Unit, RegisteredModel.unit_id == Unit.id)
        .where(
            RegisteredModel.is_recognised.is_(True),
            RegisteredModel.status != ModelStatus.ENDED,
            Unit.path.startswith(committee_unit.path, autoescape=True),
            RegisteredModel.id.notin_(asked),
        )
        .order_by(RegisteredModel.id)
    ).all()
    return [new_request(model, committee_unit.id, year, year, due_on, actor) for model in models]
