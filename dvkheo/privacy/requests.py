"""Data subjects' requests ("Yêu cầu về dữ liệu cá nhân"): receiving them and the secretary's handling.

A person (no account) asks to see, correct or delete their data, or to withdraw consent, for one
campaign; the request gets a deadline (`DATA_REQUEST_DAYS` days, 15 by default) and lands in the
queue of that campaign's secretary (an administrator sees every queue). The secretary moves it
through one table of (state, action) -> state: start, erase (for deletion and withdrawal: the
matching voter and objector records are anonymised, found by the email or phone given), done with
an answer, refused with a reason. Every step is audited ("data_request", id), never with the
requester's contact.

Operations flush and audit; none commits: the request does, once.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import has_request_context, url_for

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.campaigns.models import Campaign
from dvkheo.core import audit
from dvkheo.core.notifications import notify
from dvkheo.core.rules import Problem, RuleRefused, TransitionRefused
from dvkheo.core.timeutil import format_datetime, utcnow
from dvkheo.extensions import db
from dvkheo.privacy import notices
from dvkheo.privacy.models import OPEN_STATUSES, DataRequest, RequestKind, RequestStatus
from dvkheo.privacy.purge import erase_objectors, erase_voters
from dvkheo.voting.models import EmailCode, Objection, Voter

S = RequestStatus


class RequestAction(str, enum.Enum):
    START = "start"
    ERASE = "erase"
    COMPLETE = "complete"
    REFUSE = "refuse"

    @property
    def label(self) -> str:
        return {
            RequestAction.START: "Bắt đầu xử lý",
            RequestAction.ERASE: "Xóa, ẩn danh dữ liệu của người yêu cầu",
            RequestAction.COMPLETE: "Đã thực hiện, gửi trả lời",
            RequestAction.REFUSE: "Từ chối yêu cầu",
        }[self]


HISTORY_LABELS = {
    "create": "Tiếp nhận yêu cầu",
    **{action.value: action.label for action in RequestAction},
}


def reference(item: DataRequest) -> str:
    """The number the requester is given: "DL-000042"."""
    return f"DL-{item.id:06d}"


def _refuse(rule: str, message: str, field: str | None = None):
    raise RuleRefused([Problem(rule, message, field)])


# --- guards -----------------------------------------------------------------------------------


def _erasing_kind(item: DataRequest) -> list[Problem]:
    if item.kind.erases:
        return []
    return [Problem("kind", "Chỉ xóa dữ liệu với yêu cầu xóa dữ liệu hoặc rút lại sự đồng ý.")]


def _not_erased(item: DataRequest) -> list[Problem]:
    return [Problem("erased", "Dữ liệu của người yêu cầu đã được xóa trước đó.")] if item.erased_at else []


def _voting_closed(item: DataRequest) -> list[Problem]:
    # Erasing a voter while the vote is open would let the same address vote again.
    if item.campaign.voting_open():
        return [Problem(
            "voting_open",
            "Đợt bình xét đang trong thời gian bình chọn: xóa thư điện tử bây giờ sẽ cho phép địa chỉ đó bình chọn lại. "
            "Vui lòng xóa sau khi kết thúc bình chọn (vẫn trong thời hạn trả lời).",
        )]
    return []


@dataclass(frozen=True)
class Step:
    target: RequestStatus
    guards: tuple[Callable[[DataRequest], list[Problem]], ...] = ()
    text_required: str | None = None  # the message when the answer or reason is empty


A = RequestAction
ANSWER_REQUIRED = "Vui lòng nhập nội dung trả lời gửi người yêu cầu."
REASON_REQUIRED = "Vui lòng nêu lý do từ chối (căn cứ pháp luật) để gửi người yêu cầu."
ERASE_GUARDS = (_erasing_kind, _not_erased, _voting_closed)

TRANSITIONS: dict[tuple[RequestStatus, RequestAction], Step] = {
    (S.RECEIVED, A.START): Step(S.IN_PROGRESS),
    (S.RECEIVED, A.ERASE): Step(S.IN_PROGRESS, ERASE_GUARDS),
    (S.IN_PROGRESS, A.ERASE): Step(S.IN_PROGRESS, ERASE_GUARDS),
    (S.RECEIVED, A.COMPLETE): Step(S.DONE, (), ANSWER_REQUIRED),
    (S.IN_PROGRESS, A.COMPLETE): Step(S.DONE, (), ANSWER_REQUIRED),
    (S.RECEIVED, A.REFUSE): Step(S.REFUSED, (), REASON_REQUIRED),
    (S.IN_PROGRESS, A.REFUSE): Step(S.REFUSED, (), REASON_REQUIRED),
}


def available_actions(item: DataRequest, user: User | None) -> list[RequestAction]:
    if not access.can_handle_data_requests(user, item.campaign):
        return []
    actions = [action for action in RequestAction if (item.status, action) in TRANSITIONS]
    if not item.kind.erases or item.erased_at:
        actions = [a for a in actions if a is not RequestAction.ERASE]
    return actions


# --- receiving --------------------------------------------------------------------------------


def due_at_for(created):
    return created + timedelta(days=notices.request_days())


def submit(campaign: Campaign, kind: RequestKind, name: str, contact: str, details: str) -> DataRequest:
    """Record a request; audit "create" (no contact); notify the campaign's secretaries (no name, no contact)."""
    now = utcnow()
    item = DataRequest(
        campaign_id=campaign.id, kind=kind, status=S.RECEIVED, requester_name=name.strip(),
        requester_contact=contact.strip(), details=(details or "").strip(), notice_version=notices.NOTICE_VERSION,
        created_at=now, due_at=due_at_for(now),
    )
    db.session.add(item)
    db.session.flush()
    audit.record("data_request", item.id, "create", None, to_state=S.RECEIVED.value,
                 details={"campaign_id": campaign.id, "kind": kind.value})
    link = url_for("privacy.request_detail", request_id=item.id) if has_request_context() else ""
    secretaries = db.session.scalars(
        sa.select(User).where(User.role == Role.SECRETARY, User.unit_id == campaign.organising_unit_id, User.active.is_(True))
    )
    for secretary in secretaries:
        notify(
            secretary,
            f"Có yêu cầu về dữ liệu cá nhân mới (số {reference(item)}: {kind.label.lower()}) trong đợt {campaign.title}; "
            f"hạn trả lời {format_datetime(item.due_at)}.",
            link, subject="Yêu cầu về dữ liệu cá nhân mới",
        )
    return item


# --- handling ---------------------------------------------------------------------------------


def apply(item: DataRequest, action: RequestAction, actor: User, text: str = "") -> DataRequest:
    """Move a request by `action`.

    Side effects, in order: checks the permission and the state, runs the guards, requires the
    answer or reason where the step needs one; for ERASE anonymises the matching records
    (`erase_matching`); sets the state, the answer, the time and the handler; audits the step
    (counts for an erasure, never the contact). Raises `TransitionRefused`.
    """
    if not access.can_handle_data_requests(actor, item.campaign):
        raise TransitionRefused([Problem("permission", "Chỉ Thư ký Hội đồng của đợt bình xét xử lý yêu cầu này.")])
    step = TRANSITIONS.get((item.status, action))
    if step is None:
        raise TransitionRefused([Problem(
            "state", f"Yêu cầu đang ở trạng thái “{item.status.label}”, không thể “{action.label.lower()}”."
        )])
    problems = [problem for guard in step.guards for problem in guard(item)]
    text = (text or "").strip()
    if step.text_required and not text:
        problems.append(Problem("answer", step.text_required, "answer"))
    if problems:
        raise TransitionRefused(problems)
    previous = item.status
    details = None
    now = utcnow()
    if action is RequestAction.ERASE:
        details = erase_matching(item)
        item.erased_at = now
    if step.text_required:
        item.answer = text
        item.answered_at = now
    item.status = step.target
    item.handled_by_id = actor.id
    audit.record(
        "data_request", item.id, action.value, actor, from_state=previous.value, to_state=step.target.value,
        reason=text if action is RequestAction.REFUSE else None, details=details,
    )
    db.session.flush()
    return item


_PHONE_NOISE = re.compile(r"[\s.\-()]")


def _normal_contact(value: str) -> str:
    value = (value or "").strip().lower()
    if "@" in value:
        return value
    digits = _PHONE_NOISE.sub("", value)
    return "0" + digits[3:] if digits.startswith("+84") else digits


def matching_records(item: DataRequest) -> tuple[list[int], list[int]]:
    """(voter ids, objection ids) of the request's campaign whose email or contact is the requester's."""
    from dvkheo.voting.identity import email_hash

    contact = _normal_contact(item.requester_contact)
    voter_ids: list[int] = []
    if "@" in contact:
        voter_ids = list(db.session.scalars(
            sa.select(Voter.id).where(Voter.campaign_id == item.campaign_id, Voter.identity_key == f"email:{email_hash(contact)}")
        ))
    objection_ids = [
        objection_id
        for objection_id, author_contact in db.session.execute(
            sa.select(Objection.id, Objection.author_contact)
            .where(Objection.campaign_id == item.campaign_id, Objection.anonymised_at.is_(None))
        )
        if _normal_contact(author_contact) == contact
    ]
    return voter_ids, objection_ids


def erase_matching(item: DataRequest) -> dict:
    """Anonymise the requester's voter (votes and chain untouched) and objections; delete pending email codes."""
    from dvkheo.voting.identity import email_hash

    now = utcnow()
    voter_ids, objection_ids = matching_records(item)
    codes = 0
    contact = _normal_contact(item.requester_contact)
    if "@" in contact:
        codes = db.session.execute(
            sa.delete(EmailCode).where(EmailCode.campaign_id == item.campaign_id, EmailCode.email_hash == email_hash(contact))
        ).rowcount
    voters = erase_voters(Voter.id.in_(voter_ids), now) if voter_ids else 0
    objections = erase_objectors(Objection.id.in_(objection_ids), now) if objection_ids else 0
    return {"voters": voters, "objections": objections, "email_codes": codes}


# --- reads ------------------------------------------------------------------------------------


def queue_query(user: User, status: RequestStatus | None = None, open_only: bool = False) -> sa.Select:
    """The requests `user` may handle, oldest deadline first, with their campaign loaded."""
    query = access.visible_data_requests(user).options(so.joinedload(DataRequest.campaign))
    if status is not None:
        query = query.where(DataRequest.status == status)
    elif open_only:
        query = query.where(DataRequest.status.in_(OPEN_STATUSES))
    return query.order_by(DataRequest.due_at, DataRequest.id)
