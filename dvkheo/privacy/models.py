"""A data subject's request ("Yêu cầu về dữ liệu cá nhân"): see, correct or delete one's data."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.campaigns.models import _enum
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db


class RequestKind(str, enum.Enum):
    ACCESS = "access"
    CORRECT = "correct"
    DELETE = "delete"
    WITHDRAW = "withdraw"

    @property
    def label(self) -> str:
        return {
            RequestKind.ACCESS: "Xem, nhận bản sao dữ liệu của tôi",
            RequestKind.CORRECT: "Chỉnh sửa dữ liệu không đúng",
            RequestKind.DELETE: "Xóa dữ liệu của tôi",
            RequestKind.WITHDRAW: "Rút lại sự đồng ý xử lý dữ liệu",
        }[self]

    @property
    def erases(self) -> bool:
        """Deleting and withdrawing consent both end in erasing the person's records."""
        return self in (RequestKind.DELETE, RequestKind.WITHDRAW)


class RequestStatus(str, enum.Enum):
    UNCONFIRMED = "unconfirmed"  # an email was given: waiting for its owner to open the emailed link
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return {
            RequestStatus.UNCONFIRMED: "Chờ người yêu cầu xác nhận",
            RequestStatus.RECEIVED: "Mới tiếp nhận",
            RequestStatus.IN_PROGRESS: "Đang xử lý",
            RequestStatus.DONE: "Đã thực hiện, trả lời",
            RequestStatus.REFUSED: "Từ chối (có lý do)",
        }[self]

    @property
    def tone(self) -> str:
        return {"unconfirmed": "muted", "received": "warning", "in_progress": "info", "done": "success", "refused": "muted"}[self.value]


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS)
# The secretary's default view: what is still to be done, and what waits for the requester's confirmation.
WAITING_STATUSES = (RequestStatus.UNCONFIRMED, *OPEN_STATUSES)


class DataRequest(db.Model):
    __tablename__ = "data_requests"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    kind: so.Mapped[RequestKind] = so.mapped_column(_enum(RequestKind, 12))
    status: so.Mapped[RequestStatus] = so.mapped_column(_enum(RequestStatus, 12), default=RequestStatus.RECEIVED, index=True)
    requester_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    requester_contact: so.Mapped[str] = so.mapped_column(sa.String(254))
    details: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    notice_version: so.Mapped[str] = so.mapped_column(sa.String(20))
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # Email requests: the SHA-256 of the one-time link's token (cleared once used), its end, the confirmation.
    confirm_token_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    confirm_expires_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    confirmed_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    # Requests without an email (a phone): the secretary checked the requester's identity another way.
    identity_verified_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    identity_note: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    # Counts from the confirmation for an email request (provisional until then), from receipt otherwise.
    due_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    answer: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    answered_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    handled_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    erased_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))

    campaign: so.Mapped["Campaign"] = so.relationship()  # noqa: F821
    handled_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821

    @property
    def by_email(self) -> bool:
        return "@" in (self.requester_contact or "")

    @property
    def awaiting_confirmation(self) -> bool:
        return self.status is RequestStatus.UNCONFIRMED

    def confirmation_expired(self, now: datetime | None = None) -> bool:
        from dvkheo.campaigns.models import _aware

        return (
            self.awaiting_confirmation and self.confirm_expires_at is not None
            and _aware(self.confirm_expires_at) <= (now or utcnow())
        )

    @property
    def identity_ok(self) -> bool:
        """Whether the secretary may act: the email's owner confirmed, or the identity was checked by hand."""
        if self.awaiting_confirmation:
            return False
        return self.confirmed_at is not None or self.identity_verified_at is not None

    def is_overdue(self, now: datetime | None = None) -> bool:
        from dvkheo.campaigns.models import _aware

        return self.status in OPEN_STATUSES and _aware(self.due_at) < (now or utcnow())
