"""The shortlist ("Danh sách đề cử"): by cut-off per group, by hand, and reverted.

Every move goes through `workflow.apply` (which checks the secretary's scope, the state and the
reason, and audits); these functions add the campaign-phase rule and the generated reasons.
They never commit: the view commits once, so a cut-off is all or nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from dvkheo.accounts.models import User
from dvkheo.campaigns.models import Campaign, CampaignStatus
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.extensions import db
from dvkheo.nominations import workflow
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationAction as A
from dvkheo.nominations.states import NominationState as S
from dvkheo.review.ranking import Ranking

# The shortlist is drawn up while scoring; it may be revised (a dossier taken off after an
# objection, say) until the council decides.
SHORTLIST_PHASES = frozenset({CampaignStatus.REVIEW})
REVERT_PHASES = frozenset({CampaignStatus.REVIEW, CampaignStatus.PUBLIC_VOTING, CampaignStatus.COUNCIL_DECISION})

WRONG_PHASE = "Chỉ lập danh sách đề cử khi đợt bình xét đang ở giai đoạn “Sơ loại và chấm điểm” (hiện tại: “{label}”)."
WRONG_PHASE_REVERT = "Không thể xét lại danh sách đề cử khi đợt bình xét đang ở giai đoạn “{label}”."
REASON_REQUIRED = "Vui lòng ghi rõ lý do."


def can_shortlist(campaign: Campaign) -> bool:
    return campaign.status in SHORTLIST_PHASES


def can_revert(campaign: Campaign) -> bool:
    return campaign.status in REVERT_PHASES


def _require_phase(campaign: Campaign, phases: frozenset, message: str) -> None:
    if campaign.status not in phases:
        raise RuleRefused([Problem("phase", message.format(label=campaign.status.label))])


def decide(nomination: Nomination, shortlisted: bool, actor: User, reason: str) -> S:
    """Put one scored dossier on the shortlist or leave it off, with the secretary's reason.

    Side effects: the phase rule, then `workflow.apply` (state, scope, audit event with the reason).
    """
    _require_phase(nomination.campaign, SHORTLIST_PHASES, WRONG_PHASE)
    reason = (reason or "").strip()
    if not reason:
        raise RuleRefused([Problem("reason", REASON_REQUIRED, "reason")])
    action = A.SHORTLIST if shortlisted else A.NOT_SHORTLIST
    return workflow.apply(nomination, action, actor, reason=reason, details={"source": "manual"})


def revert(nomination: Nomination, actor: User, reason: str) -> S:
    """Take a dossier off the shortlist (or out of "not shortlisted") back to scored; the workflow
    refuses while it sits on an unclosed council ballot."""
    _require_phase(nomination.campaign, REVERT_PHASES, WRONG_PHASE_REVERT)
    return workflow.apply(nomination, A.REVERT_SHORTLIST, actor, reason=reason)


@dataclass
class CutoffResult:
    shortlisted: int = 0
    not_shortlisted: int = 0
    groups: int = 0


def cutoff(campaign: Campaign, ranking: Ranking, top_n: int, actor: User, *, mark_rest: bool = False) -> CutoffResult:
    """Shortlist the scored dossiers ranked 1..`top_n` in every group of `ranking`.

    With `mark_rest`, the other scored dossiers of those groups are marked not shortlisted.
    Dossiers already decided (shortlisted or not) keep their decision and still hold their rank.
    A group with dossiers still being scored is refused: its ranks are not final yet.
    Side effects: one `workflow.apply` per moved dossier, each audited with a generated reason.
    """
    _require_phase(campaign, SHORTLIST_PHASES, WRONG_PHASE)
    if top_n < 1:
        raise RuleRefused([Problem("top_n", "Số hồ sơ lấy ở mỗi nhóm phải từ 1 trở lên.", "top_n")])
    unfinished = [g for g in ranking.groups if g.incomplete_count]
    if unfinished:
        raise RuleRefused(
            [
                Problem(
                    "incomplete",
                    f"Nhóm “{g.label}” còn {g.incomplete_count} hồ sơ chưa đủ điểm: chưa thể lấy hồ sơ đứng đầu nhóm. "
                    "Hãy chờ chấm xong hoặc chọn từng hồ sơ.",
                )
                for g in unfinished
            ]
        )
    moves: list[tuple[int, A, str, dict]] = []
    touched_groups = 0
    for group in ranking.groups:
        before = len(moves)
        for row in group.ranked:
            if row.status is not S.SCORED:
                continue
            details = {"source": "cutoff", "rank": row.rank, "top_n": top_n, "group": group.label}
            if row.rank <= top_n:
                reason = f"Xếp thứ {row.rank} trong nhóm “{group.label}”, lấy {top_n} hồ sơ đứng đầu"
                moves.append((row.nomination_id, A.SHORTLIST, reason, details))
            elif mark_rest:
                reason = f"Xếp thứ {row.rank} trong nhóm “{group.label}”, ngoài {top_n} hồ sơ đứng đầu"
                moves.append((row.nomination_id, A.NOT_SHORTLIST, reason, details))
        touched_groups += len(moves) > before
    if not moves:
        raise RuleRefused([Problem("nothing", "Không có hồ sơ đã chấm điểm nào cần đưa vào hoặc loại khỏi danh sách đề cử.")])

    nominations = {
        n.id: n
        for n in db.session.scalars(
            sa.select(Nomination).where(Nomination.campaign_id == campaign.id, Nomination.id.in_([m[0] for m in moves]))
        )
    }
    result = CutoffResult(groups=touched_groups)
    for nomination_id, action, reason, details in moves:
        workflow.apply(nominations[nomination_id], action, actor, reason=reason, details=details)
        if action is A.SHORTLIST:
            result.shortlisted += 1
        else:
            result.not_shortlisted += 1
    db.session.flush()
    return result
