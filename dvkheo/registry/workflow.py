"""The public summary of a model: one table of (state, action) -> new state, who may take it, what must hold.

The owning unit's staff write a draft and submit it; the committee that issued an award of the model
approves it (the draft becomes the public text) or returns it with a reason. A new draft never replaces
the public text until it is approved. A committee importing recognitions made elsewhere may bring a
model's first summary along: it is the approver, and it approved the text when it confirmed the file's
preview (IMPORT, only while the model has no summary at all). `apply()` is the only code that changes `summary_state`.
"""
from __future__ import annotations

import enum
from typing import Callable

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.core import audit
from dvkheo.core.rules import Problem, Transition, TransitionRefused
from dvkheo.core.timeutil import utcnow
from dvkheo.registry.models import RegisteredModel, SummaryState

MAX_SUMMARY = 4000


class SummaryAction(str, enum.Enum):
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    IMPORT = "import"

    @property
    def label(self) -> str:
        return {
            SummaryAction.EDIT: "Lưu bản nháp",
            SummaryAction.SUBMIT: "Gửi duyệt",
            SummaryAction.APPROVE: "Duyệt, công khai",
            SummaryAction.RETURN: "Trả lại để sửa",
            SummaryAction.IMPORT: "Nhập tóm tắt từ tệp",
        }[self]

    @property
    def done(self) -> str:
        return {
            SummaryAction.EDIT: "Đã lưu bản nháp tóm tắt.",
            SummaryAction.SUBMIT: "Đã gửi tóm tắt để Hội đồng duyệt.",
            SummaryAction.APPROVE: "Đã duyệt; tóm tắt được công khai.",
            SummaryAction.RETURN: "Đã trả lại tóm tắt để đơn vị sửa.",
            SummaryAction.IMPORT: "Đã nhập và công khai tóm tắt.",
        }[self]


A = SummaryAction
S = SummaryState
Guard = Callable[[RegisteredModel, User, dict], list[Problem]]


def _text_given(model: RegisteredModel, actor: User, options: dict) -> list[Problem]:
    text = (options.get("text") or "").strip()
    if not text:
        return [Problem("text", "Vui lòng nhập nội dung tóm tắt.", "text")]
    if len(text) > MAX_SUMMARY:
        return [Problem("text", f"Tóm tắt không dài quá {MAX_SUMMARY} ký tự.", "text")]
    return []


def _photos_are_evidence(model: RegisteredModel, actor: User, options: dict) -> list[Problem]:
    from dvkheo.registry.queries import candidate_photos

    chosen = options.get("photo_ids")
    if chosen is not None and not set(chosen) <= {photo.id for photo in candidate_photos(model)}:
        return [Problem("photos", "Chỉ chọn được ảnh minh chứng trong hồ sơ của mô hình.", "photos")]
    return []


def _draft_present(model: RegisteredModel, actor: User, options: dict) -> list[Problem]:
    if not (model.summary_draft or "").strip():
        return [Problem("text", "Bản nháp tóm tắt còn trống.")]
    return []


def _still_recognised(model: RegisteredModel, actor: User, options: dict) -> list[Problem]:
    if not model.is_recognised:
        return [Problem("recognised", "Mô hình không còn được công nhận.")]
    return []


UNIT = frozenset({Role.UNIT_SUBMITTER})
COMMITTEE = frozenset({Role.SECRETARY, Role.CHAIR})
_unit = access.can_edit_model_summary
_committee = access.can_review_model_summary

TRANSITIONS: dict[tuple[S, A], Transition] = {
    **{(state, A.EDIT): Transition(S.DRAFT, UNIT, _unit, (_text_given, _photos_are_evidence)) for state in (S.NONE, S.DRAFT, S.RETURNED, S.APPROVED)},
    (S.DRAFT, A.SUBMIT): Transition(S.SUBMITTED, UNIT, _unit, (_draft_present, _still_recognised)),
    (S.SUBMITTED, A.APPROVE): Transition(S.APPROVED, COMMITTEE, _committee, (_draft_present, _still_recognised)),
    (S.SUBMITTED, A.RETURN): Transition(S.RETURNED, COMMITTEE, _committee, reason_required=True),
    (S.NONE, A.IMPORT): Transition(S.APPROVED, COMMITTEE, _committee, (_text_given, _still_recognised)),
}


def _permitted(model: RegisteredModel, action: A, actor: User | None) -> Transition | None:
    rule = TRANSITIONS.get((model.summary_state, action))
    if rule is None or actor is None or getattr(actor, "role", None) not in rule.roles or not rule.permission(actor, model):
        return None
    return rule


def _choose_photos(model: RegisteredModel, chosen: set[int]) -> None:
    from dvkheo.registry.models import ModelPhoto

    rows = {row.attachment_id: row for row in model.photo_choices}
    for attachment_id in chosen - rows.keys():
        model.photo_choices.append(ModelPhoto(attachment_id=attachment_id, in_draft=True, is_public=False))
    for attachment_id, row in rows.items():
        row.in_draft = attachment_id in chosen
        if not row.in_draft and not row.is_public:
            model.photo_choices.remove(row)


def _publish_photos(model: RegisteredModel) -> None:
    for row in list(model.photo_choices):
        row.is_public = row.in_draft
        if not row.is_public:
            model.photo_choices.remove(row)


def draft_photo_ids(model: RegisteredModel) -> set[int]:
    return {row.attachment_id for row in model.photo_choices if row.in_draft}


def available_actions(model: RegisteredModel, actor: User | None) -> list[A]:
    """The buttons of the summary page (an import brings its summary only through the import)."""
    return [action for action in A if action is not A.IMPORT and _permitted(model, action, actor)]


def apply(model: RegisteredModel, action: A, actor: User, reason: str | None = None, **options) -> S:
    """Move the summary by `action` (EDIT takes `text` and, to change the chosen photos, `photo_ids`; IMPORT takes
    `text`; APPROVE publishes the text and the chosen photos together). Audits ("registered_model", id, "summary_<action>",
    from, to, reason). Does not commit."""
    action = A(action)
    rule = TRANSITIONS.get((model.summary_state, action))
    if rule is None:
        raise TransitionRefused(
            [Problem("transition", f"Không thể “{action.label.lower()}” khi tóm tắt đang ở trạng thái “{model.summary_state.label}”.")]
        )
    if _permitted(model, action, actor) is None:
        raise TransitionRefused([Problem("permission", "Bạn không có quyền thực hiện thao tác này với tóm tắt của mô hình.")])
    reason = (reason or "").strip() or None
    if rule.reason_required and not reason:
        raise TransitionRefused([Problem("reason", "Vui lòng ghi rõ lý do trả lại.", "reason")])
    problems = [problem for guard in rule.guards for problem in guard(model, actor, options)]
    if problems:
        raise TransitionRefused(problems)
    previous = model.summary_state
    if action is A.EDIT:
        model.summary_draft = options["text"].strip()
        if options.get("photo_ids") is not None:
            _choose_photos(model, set(options["photo_ids"]))
    elif action is A.IMPORT:
        model.summary_draft = model.public_summary = options["text"].strip()
        model.summary_approved_at = utcnow()
        model.refresh_search_text()
    elif action is A.APPROVE:
        model.public_summary = model.summary_draft
        _publish_photos(model)
        model.summary_approved_at = utcnow()
        model.summary_return_reason = None
        model.refresh_search_text()
    elif action is A.RETURN:
        model.summary_return_reason = reason
    model.summary_state = rule.target
    audit.record(
        "registered_model", model.id, f"summary_{action.value}", actor,
        from_state=previous.value, to_state=rule.target.value, reason=reason,
        details={"photo_ids": sorted(draft_photo_ids(model))} if action in (A.EDIT, A.APPROVE) else None,
    )
    return rule.target
