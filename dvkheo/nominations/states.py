"""Nomination states and the actions people take on them (kept apart, as in pretalx/Indico)."""
from __future__ import annotations

import enum


class NominationState(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ON_HOLD = "on_hold"
    IN_REVIEW = "in_review"
    SCORED = "scored"
    SHORTLISTED = "shortlisted"
    NOT_SHORTLISTED = "not_shortlisted"
    PASSED_COUNCIL = "passed_council"
    FAILED_COUNCIL = "failed_council"
    AWARDED = "awarded"
    NOT_AWARDED = "not_awarded"
    FORWARDED = "forwarded"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def tone(self) -> str:
        """A CSS hint for the status badge."""
        return STATE_TONES.get(self, "neutral")


STATE_LABELS = {
    NominationState.DRAFT: "Bản nháp",
    NominationState.SUBMITTED: "Đã nộp",
    NominationState.RETURNED: "Trả lại để bổ sung",
    NominationState.RESUBMITTED: "Đã nộp lại",
    NominationState.WITHDRAWN: "Đã rút hồ sơ",
    NominationState.ACCEPTED: "Đã tiếp nhận",
    NominationState.REJECTED: "Không tiếp nhận",
    NominationState.ON_HOLD: "Tạm dừng xét",
    NominationState.IN_REVIEW: "Đang chấm điểm",
    NominationState.SCORED: "Đã chấm điểm",
    NominationState.SHORTLISTED: "Vào danh sách đề cử",
    NominationState.NOT_SHORTLISTED: "Không vào danh sách đề cử",
    NominationState.PASSED_COUNCIL: "Hội đồng thông qua",
    NominationState.FAILED_COUNCIL: "Hội đồng không thông qua",
    NominationState.AWARDED: "Đã khen thưởng",
    NominationState.NOT_AWARDED: "Không khen thưởng",
    NominationState.FORWARDED: "Đã đề nghị cấp trên",
    NominationState.REVOKED: "Đã thu hồi khen thưởng",
}

STATE_TONES = {
    NominationState.DRAFT: "neutral",
    NominationState.SUBMITTED: "info",
    NominationState.RETURNED: "warning",
    NominationState.RESUBMITTED: "info",
    NominationState.WITHDRAWN: "muted",
    NominationState.ACCEPTED: "info",
    NominationState.REJECTED: "danger",
    NominationState.ON_HOLD: "warning",
    NominationState.IN_REVIEW: "info",
    NominationState.SCORED: "info",
    NominationState.SHORTLISTED: "success",
    NominationState.NOT_SHORTLISTED: "muted",
    NominationState.PASSED_COUNCIL: "success",
    NominationState.FAILED_COUNCIL: "muted",
    NominationState.AWARDED: "success",
    NominationState.NOT_AWARDED: "muted",
    NominationState.FORWARDED: "success",
    NominationState.REVOKED: "danger",
}

# The unit may change the dossier only in these states.
EDITABLE_STATES = frozenset({NominationState.DRAFT, NominationState.RETURNED})
# States in which a nomination still stands in its campaign: a second nomination of the same
# nominee is refused. Only an unsent draft or a withdrawn dossier leaves room for another.
LIVE_STATES = frozenset(set(NominationState) - {NominationState.DRAFT, NominationState.WITHDRAWN})
# States waiting for the secretary's screening decision.
SUBMITTED_STATES = frozenset({NominationState.SUBMITTED, NominationState.RESUBMITTED})
# Every state after the unit first sent the dossier (the committee's view of a campaign).
SENT_STATES = frozenset(set(NominationState) - {NominationState.DRAFT})
# The secretary may put a nomination on hold (discipline, inspection, complaint) from these.
HOLDABLE_STATES = frozenset(
    {
        NominationState.SUBMITTED,
        NominationState.RESUBMITTED,
        NominationState.ACCEPTED,
        NominationState.IN_REVIEW,
        NominationState.SCORED,
        NominationState.SHORTLISTED,
        NominationState.NOT_SHORTLISTED,
        NominationState.PASSED_COUNCIL,
    }
)
# The unit may still withdraw before the council's decision.
WITHDRAWABLE_STATES = frozenset(
    {
        NominationState.DRAFT,
        NominationState.SUBMITTED,
        NominationState.RETURNED,
        NominationState.RESUBMITTED,
        NominationState.ACCEPTED,
        NominationState.ON_HOLD,
        NominationState.IN_REVIEW,
        NominationState.SCORED,
        NominationState.SHORTLISTED,
        NominationState.NOT_SHORTLISTED,
    }
)
# Commended: the award stands (a forwarded nomination keeps its award at this level).
AWARDED_STATES = frozenset({NominationState.AWARDED, NominationState.FORWARDED})
# The campaign's result is settled for these when the chair publishes the awards.
NOT_AWARDED_FROM = frozenset({NominationState.PASSED_COUNCIL, NominationState.FAILED_COUNCIL})
# Accepted dossiers that reviewers may be assigned to.
ASSIGNABLE_STATES = frozenset({NominationState.ACCEPTED, NominationState.IN_REVIEW, NominationState.SCORED})


class NominationAction(str, enum.Enum):
    SUBMIT = "submit"
    RETURN = "return"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"
    ACCEPT = "accept"
    REJECT = "reject"
    HOLD = "hold"
    RELEASE = "release"
    START_REVIEW = "start_review"
    COMPLETE_SCORING = "complete_scoring"
    REOPEN_SCORING = "reopen_scoring"
    SHORTLIST = "shortlist"
    NOT_SHORTLIST = "not_shortlist"
    REVERT_SHORTLIST = "revert_shortlist"
    PASS_COUNCIL = "pass_council"
    FAIL_COUNCIL = "fail_council"
    AWARD = "award"
    NOT_AWARD = "not_award"
    FORWARD = "forward"
    REVOKE_AWARD = "revoke_award"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    NominationAction.SUBMIT: "Nộp hồ sơ",
    NominationAction.RETURN: "Trả lại để bổ sung",
    NominationAction.RESUBMIT: "Nộp lại hồ sơ",
    NominationAction.WITHDRAW: "Rút hồ sơ",
    NominationAction.ACCEPT: "Tiếp nhận",
    NominationAction.REJECT: "Không tiếp nhận",
    NominationAction.HOLD: "Tạm dừng xét",
    NominationAction.RELEASE: "Gỡ tạm dừng xét",
    NominationAction.START_REVIEW: "Phân công chấm điểm",
    NominationAction.COMPLETE_SCORING: "Hoàn thành chấm điểm",
    NominationAction.REOPEN_SCORING: "Mở lại chấm điểm",
    NominationAction.SHORTLIST: "Đưa vào danh sách đề cử",
    NominationAction.NOT_SHORTLIST: "Không đưa vào danh sách đề cử",
    NominationAction.REVERT_SHORTLIST: "Xét lại danh sách đề cử",
    NominationAction.PASS_COUNCIL: "Hội đồng thông qua",
    NominationAction.FAIL_COUNCIL: "Hội đồng không thông qua",
    NominationAction.AWARD: "Khen thưởng theo quyết định",
    NominationAction.NOT_AWARD: "Kết luận không khen thưởng",
    NominationAction.FORWARD: "Đề nghị cấp trên khen thưởng",
    NominationAction.REVOKE_AWARD: "Thu hồi, hủy bỏ khen thưởng",
}
