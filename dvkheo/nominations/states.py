"""Nomination states and the actions people take on them (kept apart, as in pretalx/Indico)."""
from __future__ import annotations

import enum


class NominationState(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    WITHDRAWN = "withdrawn"

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
}

STATE_TONES = {
    NominationState.DRAFT: "neutral",
    NominationState.SUBMITTED: "info",
    NominationState.RETURNED: "warning",
    NominationState.RESUBMITTED: "info",
    NominationState.WITHDRAWN: "muted",
}

# The unit may change the dossier only in these states.
EDITABLE_STATES = frozenset({NominationState.DRAFT, NominationState.RETURNED})
# States in which a nomination still competes: a second nomination of the same nominee is refused.
LIVE_STATES = frozenset({NominationState.SUBMITTED, NominationState.RETURNED, NominationState.RESUBMITTED})
# States the committee has in its inbox.
SUBMITTED_STATES = frozenset({NominationState.SUBMITTED, NominationState.RESUBMITTED})


class NominationAction(str, enum.Enum):
    SUBMIT = "submit"
    RETURN = "return"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    NominationAction.SUBMIT: "Nộp hồ sơ",
    NominationAction.RETURN: "Trả lại để bổ sung",
    NominationAction.RESUBMIT: "Nộp lại hồ sơ",
    NominationAction.WITHDRAW: "Rút hồ sơ",
}
