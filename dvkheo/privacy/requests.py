"""Data subjects' requests ("Yêu cầu về dữ liệu cá nhân"): receiving them and the secretary's handling.

A person (no account) asks to see, correct or delete their data, or to withdraw consent, for one
campaign. Nothing proves who typed the form, so the requester must show they own the contact given:

- an email address: the request is stored as "unconfirmed" and a one-time link (random token, only
  its SHA-256 stored, `DATA_REQUEST_CONFIRM_HOURS` hours, 48 by default) is mailed to that address.
  No step can be taken on it until the link is used; confirming starts the legal deadline
  (`DATA_REQUEST_DAYS` days, 15 by default) and notifies the secretaries. Unconfirmed requests
  are deleted by the purge once the link has expired.
- a phone number: received at once (deadline from receipt), but erasing and answering wait until
  the secretary records that they checked the requester's identity (papers, a call back...), with a note.

The request lands in the queue of that campaign's secretary (an administrator sees every queue). The secretary moves it
through one table of (state, action) -> state: start, erase (for deletion and withdrawal: the
matching voter and objector records are anonymised, found by the email or phone given), done with
an answer, refused with a reason. Every step is audited ("data_request", id), never with the
requester's contact.

Operations flush and audit; none commits: the request does, once.
"""
from __future__ import annotations

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_request_context, url_for

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.campaigns.models import Campaign
from dvkheo.core import audit
from dvkheo.core.notifications import absolute_url, notify, send_email
from dvkheo.core.rules import Problem, RuleRefused, TransitionRefused
from dvkheo.core.timeutil import format_datetime, utcnow
from dvkheo.extensions import db
from dvkheo.privacy import notices
from dvkheo.privacy.models import OPEN_STATUSES, WAITING_STATUSES, DataRequest, RequestKind, RequestStatus
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
    "confirm": "Người yêu cầu xác nhận qua đường dẫn gửi tới thư điện tử",
    "verify_identity": "Xác minh danh tính người yêu cầu",
    "expire": "Hủy vì người yêu cầu không xác nhận trước khi đường dẫn hết hạn",
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


def _identity_checked(item: DataRequest) -> list[Problem]:
    # Erasing or answering (which may send a copy of the data) for someone who is not the owner of the contact.
    if item.identity_ok:
        return []
    if item.awaiting_confirmation:
        return [Problem("unconfirmed", UNCONFIRMED_MESSAGE)]
    return [Problem("identity", IDENTITY_MESSAGE)]


UNCONFIRMED_MESSAGE = (
    "Người yêu cầu chưa mở đường dẫn xác nhận gửi tới thư điện tử của họ: chưa thể xử lý yêu cầu này. "
    "Nếu quá hạn đường dẫn mà chưa xác nhận, yêu cầu tự hủy."
)
EXPIRED_MESSAGE = (
    "Đường dẫn xác nhận đã hết hạn mà người yêu cầu chưa xác nhận: yêu cầu không được xử lý và sẽ bị xóa "
    "ở lần dọn dữ liệu tới. Người yêu cầu có thể gửi lại yêu cầu."
)
IDENTITY_MESSAGE = (
    "Chưa xác minh người yêu cầu đúng là chủ của liên hệ trên. Vui lòng xác minh danh tính "
    "(giấy tờ, gọi điện…) và ghi nhận ở mục “Xác minh danh tính” trước khi xóa dữ liệu hoặc trả lời."
)


@dataclass(frozen=True)
class Step:
    target: RequestStatus
    guards: tuple[Callable[[DataRequest], list[Problem]], ...] = ()
    text_required: str | None = None  # the message when the answer or reason is empty


A = RequestAction
ANSWER_REQUIRED = "Vui lòng nhập nội dung trả lời gửi người yêu cầu."
REASON_REQUIRED = "Vui lòng nêu lý do từ chối (căn cứ pháp luật) để gửi người yêu cầu."
ERASE_GUARDS = (_identity_checked, _erasing_kind, _not_erased, _voting_closed)
ANSWER_GUARDS = (_identity_checked,)

TRANSITIONS: dict[tuple[RequestStatus, RequestAction], Step] = {
    (S.RECEIVED, A.START): Step(S.IN_PROGRESS),
    (S.RECEIVED, A.ERASE): Step(S.IN_PROGRESS, ERASE_GUARDS),
    (S.IN_PROGRESS, A.ERASE): Step(S.IN_PROGRESS, ERASE_GUARDS),
    (S.RECEIVED, A.COMPLETE): Step(S.DONE, ANSWER_GUARDS, ANSWER_REQUIRED),
    (S.IN_PROGRESS, A.COMPLETE): Step(S.DONE, ANSWER_GUARDS, ANSWER_REQUIRED),
    (S.RECEIVED, A.REFUSE): Step(S.REFUSED, (), REASON_REQUIRED),
    (S.IN_PROGRESS, A.REFUSE): Step(S.REFUSED, (), REASON_REQUIRED),
}


def available_actions(item: DataRequest, user: User | None) -> list[RequestAction]:
    """The steps `user` can take now: those of the table whose guards pass (a button is never shown to be refused)."""
    if not access.can_handle_data_requests(user, item.campaign):
        return []
    return [
        action for action in RequestAction
        if (item.status, action) in TRANSITIONS
        and not any(guard(item) for guard in TRANSITIONS[(item.status, action)].guards)
    ]


def blocked_reasons(item: DataRequest) -> list[str]:
    """Why a step the request asks for cannot be taken now (shown in place of its button)."""
    reasons: list[str] = []
    if item.awaiting_confirmation:
        return [EXPIRED_MESSAGE if item.confirmation_expired() else UNCONFIRMED_MESSAGE]
    if item.status not in OPEN_STATUSES:
        return reasons
    for guard in (_identity_checked, _voting_closed) if item.kind.erases and not item.erased_at else (_identity_checked,):
        reasons += [problem.message for problem in guard(item)]
    return reasons


# --- receiving --------------------------------------------------------------------------------


def due_at_for(created):
    return created + timedelta(days=notices.request_days())


def confirm_hours() -> int:
    return int(current_app.config.get("DATA_REQUEST_CONFIRM_HOURS", 48))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def confirm_link(token: str) -> str:
    """The absolute link mailed to the requester (the public address, not the request's host)."""
    if has_request_context():
        path = url_for("privacy.confirm_request", token=token)
    else:  # a job or the shell: the path alone, the public address comes from PUBLIC_BASE_URL
        path = current_app.url_map.bind("localhost").build("privacy.confirm_request", {"token": token})
    return absolute_url(path)


def submit(campaign: Campaign, kind: RequestKind, name: str, contact: str, details: str) -> DataRequest:
    """Record a request; audit "create" (no contact).

    With an email address: stored as UNCONFIRMED with a hashed one-time token, the link mailed to
    that address; the secretaries are told only once it is confirmed (`confirm`). Without one (a
    phone): RECEIVED, the deadline from now, the secretaries notified (no name, no contact).
    Flushes; the caller commits.
    """
    now = utcnow()
    contact = contact.strip()
    by_email = "@" in contact
    item = DataRequest(
        campaign_id=campaign.id, kind=kind, status=S.UNCONFIRMED if by_email else S.RECEIVED,
        requester_name=name.strip(), requester_contact=contact, details=(details or "").strip(),
        notice_version=notices.NOTICE_VERSION, created_at=now, due_at=due_at_for(now),
    )
    token = None
    if by_email:
        token = secrets.token_urlsafe(32)
        item.confirm_token_hash = token_hash(token)
        item.confirm_expires_at = now + timedelta(hours=confirm_hours())
    db.session.add(item)
    db.session.flush()
    audit.record("data_request", item.id, "create", None, to_state=item.status.value,
                 details={"campaign_id": campaign.id, "kind": kind.value})
    if token is not None:
        _mail_link(item, campaign, token)
    else:
        _notify_secretaries(item, campaign)
    return item


def _mail_link(item: DataRequest, campaign: Campaign, token: str) -> None:
    # Nothing the requester typed goes into the mail (the name could carry a phishing text to a stranger's inbox).
    body = (
        "Xin chào,\n\n"
        f"Có người (có thể là bạn) vừa gửi yêu cầu “{item.kind.label.lower()}” về dữ liệu cá nhân gắn với địa chỉ thư "
        f"điện tử này trong đợt bình xét “{campaign.title}” (số tiếp nhận {reference(item)}).\n"
        "Để xác nhận chính bạn gửi yêu cầu, mở đường dẫn sau và bấm “Xác nhận yêu cầu”:\n\n"
        f"{confirm_link(token)}\n\n"
        f"Đường dẫn có hiệu lực trong {confirm_hours()} giờ (đến {format_datetime(item.confirm_expires_at)}) và chỉ dùng "
        "được một lần. Cơ quan tổ chức chỉ xử lý yêu cầu sau khi bạn xác nhận; thời hạn trả lời tính từ lúc xác nhận.\n"
        "Nếu bạn không gửi yêu cầu này, hãy bỏ qua thư: không có gì thay đổi và yêu cầu sẽ tự hủy khi đường dẫn hết hạn."
    )
    send_email(item.requester_contact, f"Xác nhận yêu cầu về dữ liệu cá nhân {reference(item)}", body)


def find_pending(token: str) -> DataRequest | None:
    """The unconfirmed request whose unexpired link carries this token, or None (wrong, used or expired)."""
    if not token or len(token) > 200:
        return None
    item = db.session.scalar(sa.select(DataRequest).where(DataRequest.confirm_token_hash == token_hash(token)))
    if item is None or not item.awaiting_confirmation or item.confirmation_expired():
        return None
    return item


def confirm(item: DataRequest) -> bool:
    """The requester opened the link and confirmed: False when it was used meanwhile.

    Side effects: one conditional UPDATE (two tabs confirm once) clears the token, sets the state
    RECEIVED, the confirmation time and the deadline counted from it; a "confirm" audit event; the
    secretaries notified. Flushes; the caller commits.
    """
    now = utcnow()
    claimed = db.session.execute(
        sa.update(DataRequest)
        .where(DataRequest.id == item.id, DataRequest.status == S.UNCONFIRMED, DataRequest.confirm_token_hash.is_not(None))
        .values(status=S.RECEIVED, confirm_token_hash=None, confirmed_at=now, due_at=due_at_for(now))
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    db.session.refresh(item)
    audit.record("data_request", item.id, "confirm", None, from_state=S.UNCONFIRMED.value, to_state=S.RECEIVED.value)
    _notify_secretaries(item, item.campaign)
    db.session.flush()
    return True


def verify_identity(item: DataRequest, actor: User, note: str) -> DataRequest:
    """The secretary records how they checked a requester without a confirmed email. Raises `TransitionRefused`."""
    if not access.can_handle_data_requests(actor, item.campaign):
        raise TransitionRefused([Problem("permission", "Chỉ Thư ký Hội đồng của đợt bình xét xử lý yêu cầu này.")])
    if item.status not in OPEN_STATUSES or item.identity_ok:
        raise TransitionRefused([Problem("state", "Yêu cầu này không cần (hoặc chưa thể) xác minh danh tính.")])
    note = (note or "").strip()
    if not note:
        raise TransitionRefused([Problem("note", "Vui lòng ghi cách đã xác minh (giấy tờ nào, gọi số nào, lúc nào).", "note")])
    item.identity_verified_at = utcnow()
    item.identity_note = note
    audit.record("data_request", item.id, "verify_identity", actor, reason=note)
    db.session.flush()
    return item


def _notify_secretaries(item: DataRequest, campaign: Campaign) -> None:
    link = url_for("privacy.request_detail", request_id=item.id) if has_request_context() else ""
    secretaries = db.session.scalars(
        sa.select(User).where(User.role == Role.SECRETARY, User.unit_id == campaign.organising_unit_id, User.active.is_(True))
    )
    for secretary in secretaries:
        notify(
            secretary,
            f"Có yêu cầu về dữ liệu cá nhân mới (số {reference(item)}: {item.kind.label.lower()}) trong đợt "
            f"{campaign.title}; hạn trả lời {format_datetime(item.due_at)}.",
            link, subject="Yêu cầu về dữ liệu cá nhân mới",
        )


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
    """The requests `user` may handle, oldest deadline first (those still waiting for the requester's
    confirmation last: nothing can be done on them yet), with their campaign loaded."""
    query = access.visible_data_requests(user).options(so.joinedload(DataRequest.campaign))
    if status is not None:
        query = query.where(DataRequest.status == status)
    elif open_only:
        query = query.where(DataRequest.status.in_(WAITING_STATUSES))
    waiting = sa.case((DataRequest.status == S.UNCONFIRMED, 1), else_=0)
    return query.order_by(waiting, DataRequest.due_at, DataRequest.id)
