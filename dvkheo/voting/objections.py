"""Objections and comments ("Phản ánh, góp ý") on published nominees, and the secretary's handling.

An identified person (name and a phone number or email) sends one during the public phase; the
secretary moves it from "Mới tiếp nhận" to "Đang xác minh" to "Đã trả lời" with the answer and
whether it was upheld; an upheld objection may put the nomination on hold ("Tạm dừng xét", category
complaint) in the same transaction. The objector's contact is kept for the committee only: it is
never written to the audit log, a notification or a public page.

Operations change objects, flush, audit and notify; none commits: the request does, once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_request_context, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.campaigns.models import Campaign, CampaignStatus
from dvkheo.core import audit
from dvkheo.core.notifications import notify
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.voting import gallery
from dvkheo.voting.models import Objection, ObjectionStatus

# The committee answers while the council has not decided; afterwards the record is read-only.
HANDLING_PHASES = frozenset({CampaignStatus.PUBLIC_VOTING, CampaignStatus.COUNCIL_DECISION})
ANSWERABLE = frozenset({ObjectionStatus.OPEN, ObjectionStatus.VERIFYING})

HISTORY_LABELS = {
    "create": "Tiếp nhận phản ánh, góp ý",
    "verify": "Chuyển sang xác minh",
    "answer": "Trả lời phản ánh, góp ý",
}


def reference(objection: Objection) -> str:
    """The number the sender is given and can quote: "PA-000042"."""
    return f"PA-{objection.id:06d}"


# --- the sender's receipt ---------------------------------------------------------------------
# After sending, the browser is redirected to a confirmation page whose address carries a signed
# token, never the objection's id: changing a digit gives a 404, so nobody can read another
# sender's receipt. The token holds only what the page shows (number, nominee, day); a bot's
# silently dropped objection gets a token for a made-up number, and so looks the same.

RECEIPT_SALT = "objection-receipt"
RECEIPT_MAX_AGE = 30 * 24 * 3600  # the link keeps working for a month, time enough to print or copy the number


@dataclass(frozen=True)
class Receipt:
    number: str  # "PA-000042"
    nomination_id: int
    sent_on: date


def _receipt_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RECEIPT_SALT)


def receipt_token(number: str, nomination_id: int, sent_on: date) -> str:
    return _receipt_serializer().dumps({"r": number, "n": nomination_id, "d": sent_on.isoformat()})


def read_receipt(token: str, nomination_id: int) -> Receipt | None:
    """The receipt a token was signed for, if it is genuine, not expired and for this nominee; else None."""
    try:
        data = _receipt_serializer().loads(token, max_age=RECEIPT_MAX_AGE)
        receipt = Receipt(str(data["r"]), int(data["n"]), date.fromisoformat(data["d"]))
    except (BadSignature, KeyError, TypeError, ValueError):  # SignatureExpired is a BadSignature
        return None
    return receipt if receipt.nomination_id == nomination_id else None


def _refuse(rule: str, message: str, field: str | None = None):
    raise RuleRefused([Problem(rule, message, field)])


# --- receiving --------------------------------------------------------------------------------


def submit(
    nomination: Nomination, author_name: str, author_contact: str, content: str, *, consent_notice: str | None = None,
) -> Objection:
    """Record an objection from the public.

    Side effects, in order: checks the campaign is in its public phase and the nominee is
    published; adds the objection (status "Mới tiếp nhận") with the sender's consent (now, and
    the version of the privacy notice shown, when `consent_notice` is given); audits "create" with no actor and no
    contact; notifies the campaign's secretaries (without the sender's name or contact).
    """
    campaign = nomination.campaign
    if not gallery.taking_objections(campaign):
        _refuse("period", "Đã hết thời gian công khai lấy ý kiến; không nhận thêm phản ánh, góp ý.")
    if not gallery.is_published(nomination):
        _refuse("nominee", "Mô hình, điển hình này không có trong danh sách đề cử được công khai.")
    objection = Objection(
        campaign_id=campaign.id, nomination_id=nomination.id, author_name=author_name.strip(),
        author_contact=author_contact.strip(), content=content.strip(), status=ObjectionStatus.OPEN,
        consent_at=utcnow() if consent_notice else None, consent_notice=consent_notice,
    )
    db.session.add(objection)
    db.session.flush()
    audit.record(
        "objection", objection.id, "create", None, to_state=ObjectionStatus.OPEN.value,
        details={"campaign_id": campaign.id, "nomination_id": nomination.id},
    )
    link = url_for("voting.objection", objection_id=objection.id) if has_request_context() else ""
    for secretary in _secretaries(campaign):
        notify(
            secretary,
            f"Có phản ánh, góp ý mới (số {reference(objection)}) về hồ sơ “{nomination.display_title}” "
            f"trong đợt {campaign.title}.",
            link,
            subject="Phản ánh, góp ý mới về Danh sách đề cử",
        )
    return objection


def _secretaries(campaign: Campaign) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(
                User.role == Role.SECRETARY, User.unit_id == campaign.organising_unit_id, User.active.is_(True)
            )
        )
    )


# --- handling ----------------------------------------------------------------------------------


def _check_handler(objection: Objection, actor: User) -> None:
    campaign = objection.nomination.campaign
    if not access.can_handle_objections(actor, campaign):
        _refuse("permission", "Chỉ Thư ký Hội đồng của đợt bình xét xử lý phản ánh, góp ý.")
    if campaign.status not in HANDLING_PHASES:
        _refuse(
            "phase",
            f"Đợt bình xét đang ở giai đoạn “{campaign.status.label}”; chỉ xử lý phản ánh, góp ý trong giai đoạn "
            "công khai lấy ý kiến hoặc trước khi Hội đồng quyết định.",
        )


def start_verification(objection: Objection, actor: User) -> Objection:
    """Mới tiếp nhận → Đang xác minh; audited."""
    _check_handler(objection, actor)
    if objection.status is not ObjectionStatus.OPEN:
        _refuse("state", f"Phản ánh, góp ý này đang ở trạng thái “{objection.status.label}”, không chuyển sang xác minh được.")
    objection.status = ObjectionStatus.VERIFYING
    objection.handled_by_id = actor.id
    audit.record(
        "objection", objection.id, "verify", actor,
        from_state=ObjectionStatus.OPEN.value, to_state=ObjectionStatus.VERIFYING.value,
    )
    db.session.flush()
    return objection


def answer(
    objection: Objection, actor: User, text: str, upheld: bool | None, *,
    hold: bool = False, hold_reason: str = "", hold_release_on: date | None = None,
) -> Objection:
    """Answer an objection (from "Mới tiếp nhận" or "Đang xác minh"): the answer and whether it was upheld.

    Side effects, in order: checks the handler, the state and the answer; records the answer,
    the verdict and the time; audits "answer" (the verdict and whether a hold was asked, never
    the contact); when upheld and `hold`, puts the nomination on hold through
    `screening.place_hold` (category complaint; the workflow audits and notifies the unit). Any
    refusal (e.g. no expected release date) raises `RuleRefused` and the caller rolls everything back.
    """
    _check_handler(objection, actor)
    if objection.status not in ANSWERABLE:
        _refuse("state", "Phản ánh, góp ý này đã được trả lời.")
    text = (text or "").strip()
    problems = []
    if not text:
        problems.append(Problem("answer", "Vui lòng nhập nội dung trả lời.", "answer"))
    if upheld is None:
        problems.append(Problem("upheld", "Vui lòng cho biết phản ánh có đúng (được chấp nhận) hay không.", "upheld"))
    if hold and not upheld:
        problems.append(Problem("hold", "Chỉ tạm dừng xét hồ sơ khi phản ánh được xác minh là đúng.", "hold"))
    if problems:
        raise RuleRefused(problems)
    previous = objection.status
    objection.status = ObjectionStatus.ANSWERED
    objection.answer = text
    objection.upheld = upheld
    objection.answered_at = utcnow()
    objection.handled_by_id = actor.id
    audit.record(
        "objection", objection.id, "answer", actor,
        from_state=previous.value, to_state=ObjectionStatus.ANSWERED.value,
        details={"upheld": bool(upheld), "hold": bool(hold)},
    )
    db.session.flush()
    if hold:
        from dvkheo.review import screening
        from dvkheo.review.models import HoldCategory

        reason = (hold_reason or "").strip() or f"Phản ánh, góp ý số {reference(objection)} được xác minh là đúng: {text}"
        try:
            screening.place_hold(objection.nomination, actor, HoldCategory.COMPLAINT, reason, hold_release_on)
        except RuleRefused as refused:
            # The hold's fields carry a "hold_" prefix on the answer form.
            raise RuleRefused(
                [Problem(p.rule, p.message, f"hold_{p.field}" if p.field in ("reason", "release_on") else p.field)
                 for p in refused.problems]
            ) from refused
    return objection


# --- reads ---------------------------------------------------------------------------------------


def list_query(campaign: Campaign, status: ObjectionStatus | None = None, nomination_id: int | None = None) -> sa.Select:
    query = (
        sa.select(Objection)
        .where(Objection.campaign_id == campaign.id)
        .options(so.joinedload(Objection.nomination), so.joinedload(Objection.handled_by))
    )
    if status is not None:
        query = query.where(Objection.status == status)
    if nomination_id is not None:
        query = query.where(Objection.nomination_id == nomination_id)
    return query.order_by(Objection.created_at.desc(), Objection.id.desc())


def status_counts(campaign: Campaign) -> dict[ObjectionStatus, int]:
    rows = db.session.execute(
        sa.select(Objection.status, sa.func.count()).where(Objection.campaign_id == campaign.id).group_by(Objection.status)
    )
    return {status: total for status, total in rows}


def nominees_with_objections(campaign: Campaign) -> list[tuple[Nomination, int]]:
    """The nominees that received objections, with how many (the list's nominee filter)."""
    rows = db.session.execute(
        sa.select(Nomination, sa.func.count(Objection.id))
        .join(Objection, Objection.nomination_id == Nomination.id)
        .where(Objection.campaign_id == campaign.id)
        .group_by(Nomination.id)
        .order_by(Nomination.model_key, Nomination.id)
    )
    return [(nomination, total) for nomination, total in rows]
