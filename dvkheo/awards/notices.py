"""Notices of the decision workflow: a draft waits for the chair's approval; the chair returned it to the secretary.

The drafts are the chair's work queue (`dvkheo.todo`): each reaches the chair once, when drafted, in the
app and by email when mail is configured. A returned draft reaches the campaign's secretaries the same way.
"""
from __future__ import annotations

from dvkheo import access
from dvkheo.accounts.models import Role
from dvkheo.awards.models import Decision, DecisionKind
from dvkheo.core.notifications import notice_link, notify_all

KIND_NAMES = {
    DecisionKind.AWARD: "Dự thảo quyết định khen thưởng",
    DecisionKind.AMENDMENT: "Dự thảo quyết định sửa đổi, bổ sung",
    DecisionKind.REVOCATION: "Dự thảo quyết định thu hồi",
}


def draft_awaiting_approval(decision: Decision) -> None:
    """Tell the campaign's chairs that a new draft waits for their approval."""
    campaign = decision.campaign
    notify_all(
        access.campaign_staff(campaign, Role.CHAIR),
        f"{KIND_NAMES[decision.kind]} “{decision.title}” (đợt {campaign.title}) chờ Chủ tịch Hội đồng duyệt.",
        notice_link("awards.decision", decision_id=decision.id),
        subject="Dự thảo quyết định chờ duyệt",
    )


def draft_returned(decision: Decision, reason: str | None) -> None:
    """Tell the campaign's secretaries that the chair returned the draft, and why."""
    campaign = decision.campaign
    why = (reason or "").strip().rstrip(".")
    notify_all(
        access.campaign_staff(campaign, Role.SECRETARY),
        f"Chủ tịch Hội đồng trả lại {KIND_NAMES[decision.kind][0].lower()}{KIND_NAMES[decision.kind][1:]} "
        f"“{decision.title}” (đợt {campaign.title}) để sửa" + (f". Lý do: {why}." if why else "."),
        notice_link("awards.decision", decision_id=decision.id),
        subject="Dự thảo quyết định bị trả lại",
    )
