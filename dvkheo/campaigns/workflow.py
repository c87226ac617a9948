"""The campaign ("Đợt bình xét") phase workflow: one table of (state, action) -> new state.

`apply()` is the only code that changes `Campaign.status` after creation. Each row names the
roles that may take the action, a scope predicate (the user must belong to the organising
committee, or be an administrator) and guards that say, in Vietnamese, what is still missing.

Roles, by domain.md: the secretary ("Thư ký Hội đồng") runs the campaign and moves it through
its phases; the administrator may do the same as a support escape hatch; only the chair
("Chủ tịch Hội đồng") of the organising committee publishes the awards, because the chair
approves the final list and signs the decision.

`TransitionRefused` and `Problem` are shared with the nomination workflow so that callers
handle every refused move the same way.
"""
from __future__ import annotations

import enum
from typing import Callable

import sqlalchemy as sa

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.campaigns.models import Campaign
from dvkheo.campaigns.models import CampaignStatus as S
from dvkheo.core import audit
from dvkheo.core.rules import Problem, Transition, TransitionRefused
from dvkheo.core.timeutil import format_date, today_in_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination

__all__ = ["CampaignAction", "Problem", "Transition", "TransitionRefused", "TRANSITIONS", "apply", "available_actions", "blockers"]


class CampaignAction(str, enum.Enum):
    OPEN_NOMINATIONS = "open_nominations"
    REVERT_TO_DRAFT = "revert_to_draft"
    START_REVIEW = "start_review"
    OPEN_PUBLIC_VOTING = "open_public_voting"
    START_COUNCIL_DECISION = "start_council_decision"
    PUBLISH_AWARDS = "publish_awards"
    CLOSE = "close"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    CampaignAction.OPEN_NOMINATIONS: "Mở nhận hồ sơ",
    CampaignAction.REVERT_TO_DRAFT: "Trở lại chuẩn bị",
    CampaignAction.START_REVIEW: "Kết thúc nhận hồ sơ, chuyển sang sơ loại và chấm điểm",
    CampaignAction.OPEN_PUBLIC_VOTING: "Công khai lấy ý kiến, bình chọn",
    CampaignAction.START_COUNCIL_DECISION: "Chuyển Hội đồng xét chọn",
    CampaignAction.PUBLISH_AWARDS: "Công bố kết quả khen thưởng",
    CampaignAction.CLOSE: "Kết thúc đợt bình xét",
}

# What each phase change makes final, said on its confirmation (dvkheo/core/confirm.py). Going back to
# draft is absent: it undoes itself (open nominations again), so it is not asked.
CONSEQUENCES = {
    CampaignAction.OPEN_NOMINATIONS: "Các đơn vị thấy đợt bình xét và bắt đầu lập, nộp hồ sơ. "
    "Chỉ trở lại chuẩn bị được khi chưa có hồ sơ nào.",
    CampaignAction.START_REVIEW: "Các đơn vị không nộp, sửa hồ sơ được nữa và thang điểm bị khóa. "
    "Không thể quay lại giai đoạn nhận hồ sơ.",
    CampaignAction.OPEN_PUBLIC_VOTING: "Danh sách đề cử được công khai cho người dân xem, góp ý và bình chọn. "
    "Không thể quay lại sơ loại và chấm điểm.",
    CampaignAction.START_COUNCIL_DECISION: "Kết thúc sơ loại, chấm điểm và công khai lấy ý kiến: "
    "không chấm điểm, bình chọn thêm được nữa. Không thể quay lại giai đoạn trước.",
    CampaignAction.PUBLISH_AWARDS: "Kết quả khen thưởng được công bố công khai. Không thể rút lại việc công bố.",
    CampaignAction.CLOSE: "Đợt bình xét kết thúc, chỉ còn để tra cứu. Không thể mở lại.",
}

# Audit labels for the campaign history ("create"/"update" come from operations.py).
HISTORY_LABELS = {
    "create": "Tạo đợt bình xét",
    "update": "Cập nhật thông tin, thang điểm",
    **{action.value: label for action, label in ACTION_LABELS.items()},
}

Guard = Callable[[Campaign], list[Problem]]
Permission = Callable[[User, Campaign], bool]


# --- guards -------------------------------------------------------------------------------


def _has_rubric(campaign: Campaign) -> list[Problem]:
    if campaign.criteria:
        return []
    return [Problem("rubric", "Thang điểm chưa có tiêu chí nào; cần ít nhất một tiêu chí.")]


def _has_active_field(campaign: Campaign) -> list[Problem]:
    # An inactive field stays on the campaign but units can no longer choose it (see NominationForm).
    if any(field.active for field in campaign.allowed_fields):
        return []
    return [Problem("fields", "Chưa chọn lĩnh vực nào (đang sử dụng) cho đợt bình xét.")]


def _has_nominee_kind(campaign: Campaign) -> list[Problem]:
    if campaign.allowed_kinds:
        return []
    return [Problem("kinds", "Chưa chọn loại hồ sơ được nhận (tập thể hoặc cá nhân).")]


def _has_open_window(campaign: Campaign) -> list[Problem]:
    if campaign.nominations_open_on is None or campaign.nominations_close_on is None:
        return [Problem("window", "Chưa đặt thời hạn nhận hồ sơ (ngày bắt đầu và ngày kết thúc).")]
    if campaign.nominations_close_on < today_in_vietnam():
        return [
            Problem(
                "window",
                f"Hạn nhận hồ sơ đã qua ({format_date(campaign.nominations_close_on)}); vui lòng sửa thời hạn trước khi mở.",
            )
        ]
    return []


def _no_nominations(campaign: Campaign) -> list[Problem]:
    # Units' drafts count too: going back to draft would strand them in a campaign they cannot submit to.
    count = db.session.scalar(sa.select(sa.func.count()).where(Nomination.campaign_id == campaign.id))
    if not count:
        return []
    return [Problem("nominations", f"Đã có {count} hồ sơ đề nghị trong đợt bình xét; không thể trở lại chuẩn bị.")]


def _nomination_window_over(campaign: Campaign) -> list[Problem]:
    # Units rely on the published deadline: ending the window early would be unfair to them.
    # To close early, the secretary first shortens the deadline on the edit form (audited).
    close_on = campaign.nominations_close_on
    if close_on is not None and today_in_vietnam() <= close_on:
        return [
            Problem(
                "window",
                f"Chưa hết hạn nhận hồ sơ ({format_date(close_on)}); chỉ chuyển sang sơ loại sau ngày này.",
            )
        ]
    return []


def _has_public_voting_dates(campaign: Campaign) -> list[Problem]:
    if campaign.public_voting_open_on is None or campaign.public_voting_close_on is None:
        return [Problem("public_voting", "Chưa đặt thời gian công khai lấy ý kiến, bình chọn (ngày bắt đầu và kết thúc).")]
    return []


def _public_voting_over(campaign: Campaign) -> list[Problem]:
    # The public review period must run its full course so that every objection can be heard.
    close_on = campaign.public_voting_close_on
    if close_on is not None and today_in_vietnam() <= close_on:
        return [
            Problem(
                "public_voting",
                f"Chưa hết thời gian công khai lấy ý kiến ({format_date(close_on)}); chỉ chuyển Hội đồng sau ngày này.",
            )
        ]
    return []


def _has_public_stage(campaign: Campaign) -> list[Problem]:
    if campaign.has_public_stage:
        return []
    return [
        Problem(
            "public_stage",
            "Đợt bình xét không có giai đoạn công khai lấy ý kiến, bình chọn; "
            "sau danh sách đề cử, chuyển thẳng Hội đồng xét chọn.",
        )
    ]


def _no_public_stage(campaign: Campaign) -> list[Problem]:
    if not campaign.has_public_stage:
        return []
    return [
        Problem(
            "public_stage",
            "Đợt bình xét có giai đoạn công khai lấy ý kiến, bình chọn; "
            "hãy công khai danh sách đề cử trước khi chuyển Hội đồng xét chọn.",
        )
    ]


def _has_shortlist(campaign: Campaign) -> list[Problem]:
    from dvkheo.nominations.states import NominationState

    count = db.session.scalar(
        sa.select(sa.func.count()).where(
            Nomination.campaign_id == campaign.id, Nomination.status == NominationState.SHORTLISTED
        )
    )
    if count:
        return []
    return [Problem("shortlist", "Chưa có hồ sơ nào vào danh sách đề cử; Hội đồng chưa có hồ sơ để xét chọn.")]


def _has_issued_award_decision(campaign: Campaign) -> list[Problem]:
    from dvkheo.awards.models import Decision, DecisionKind, DecisionStatus

    issued = db.session.scalar(
        sa.select(sa.func.count()).where(
            Decision.campaign_id == campaign.id,
            Decision.kind == DecisionKind.AWARD,
            Decision.status == DecisionStatus.ISSUED,
        )
    )
    if issued:
        return []
    return [Problem("decision", "Chưa có quyết định khen thưởng nào được ban hành.")]


def _no_pending_decision(campaign: Campaign) -> list[Problem]:
    from dvkheo.awards.models import Decision, DecisionStatus

    pending = db.session.scalar(
        sa.select(sa.func.count()).where(
            Decision.campaign_id == campaign.id,
            Decision.status.in_((DecisionStatus.DRAFT, DecisionStatus.APPROVED)),
        )
    )
    if not pending:
        return []
    return [Problem("decision", f"Còn {pending} dự thảo quyết định chưa ban hành hoặc chưa hủy.")]


# --- effects --------------------------------------------------------------------------------


def _settle_not_awarded(campaign: Campaign, actor: User) -> None:
    # Publishing the awards settles every dossier the council passed or failed but no decision named.
    from dvkheo.awards.operations import settle_not_awarded

    settle_not_awarded(campaign, actor)


def _stamp_publication(campaign: Campaign, actor: User) -> None:
    # Retention periods of personal data count from here (dvkheo/privacy/purge.py).
    from dvkheo.core.timeutil import utcnow

    campaign.results_published_at = utcnow()


# --- permissions ----------------------------------------------------------------------------


def _seal_final_batch(campaign: Campaign, actor: User) -> None:
    """The vote is over: whatever is not yet in a sealed batch is sealed now, as the final batch,
    so that the chain head printed on the council's minutes covers every vote."""
    if campaign.has_public_stage:
        from dvkheo.voting import sealing

        sealing.seal(campaign.id, final=True)


def _manager(user: User, campaign: Campaign) -> bool:
    return access.can_manage_campaign(user, campaign)


def _committee_chair(user: User, campaign: Campaign) -> bool:
    return user.role is Role.CHAIR and access.is_campaign_staff(user, campaign)


A = CampaignAction
MANAGERS = frozenset({Role.SECRETARY, Role.ADMIN})
CHAIR = frozenset({Role.CHAIR})

TRANSITIONS: dict[tuple[S, CampaignAction], Transition] = {
    (S.DRAFT, A.OPEN_NOMINATIONS): Transition(
        S.NOMINATIONS_OPEN, MANAGERS, _manager, (_has_rubric, _has_active_field, _has_nominee_kind, _has_open_window)
    ),
    (S.NOMINATIONS_OPEN, A.REVERT_TO_DRAFT): Transition(S.DRAFT, MANAGERS, _manager, (_no_nominations,)),
    (S.NOMINATIONS_OPEN, A.START_REVIEW): Transition(S.REVIEW, MANAGERS, _manager, (_nomination_window_over,)),
    (S.REVIEW, A.OPEN_PUBLIC_VOTING): Transition(
        S.PUBLIC_VOTING, MANAGERS, _manager, (_has_public_stage, _has_public_voting_dates)
    ),
    # A campaign without a public stage goes to the council right after the shortlist.
    (S.REVIEW, A.START_COUNCIL_DECISION): Transition(
        S.COUNCIL_DECISION, MANAGERS, _manager, (_no_public_stage, _has_shortlist)
    ),
    (S.PUBLIC_VOTING, A.START_COUNCIL_DECISION): Transition(
        S.COUNCIL_DECISION, MANAGERS, _manager, (_public_voting_over,)
    ),
    (S.COUNCIL_DECISION, A.PUBLISH_AWARDS): Transition(
        S.AWARDED, CHAIR, _committee_chair, (_has_issued_award_decision, _no_pending_decision)
    ),
    (S.AWARDED, A.CLOSE): Transition(S.CLOSED, MANAGERS, _manager),
}


# What a move does besides changing the phase, in the same transaction.
EFFECTS: dict[CampaignAction, tuple[Callable[[Campaign, User], None], ...]] = {
    A.PUBLISH_AWARDS: (_settle_not_awarded, _stamp_publication),
    A.START_COUNCIL_DECISION: (_seal_final_batch,),
}


def _permitted(campaign: Campaign, action: CampaignAction, actor: User | None) -> Transition | None:
    rule = TRANSITIONS.get((campaign.status, action))
    if rule is None or actor is None or getattr(actor, "role", None) not in rule.roles:
        return None
    if not rule.permission(actor, campaign):
        return None
    return rule


def available_actions(campaign: Campaign, actor: User | None) -> list[CampaignAction]:
    """Actions `actor` may attempt now; guards are not run (see `blockers`)."""
    return [action for action in CampaignAction if _permitted(campaign, action, actor)]


def blockers(campaign: Campaign, action: CampaignAction) -> list[Problem]:
    """What stops `action` right now (guards only, no permission check). May query the database."""
    rule = TRANSITIONS.get((campaign.status, action))
    if rule is None:
        return [_wrong_state(campaign, action)]
    return [problem for guard in rule.guards for problem in guard(campaign)]


def _wrong_state(campaign: Campaign, action: CampaignAction) -> Problem:
    return Problem(
        "transition",
        f"Không thể “{action.label.lower()}” khi đợt bình xét đang ở giai đoạn “{campaign.status.label}”.",
    )


def apply(campaign: Campaign, action: CampaignAction, actor: User, reason: str | None = None) -> S:
    """Move the campaign by `action`.

    Side effects, in order: checks the state, the role and the organising-unit scope, runs
    the guards, sets the new status, adds an audit event ("campaign", id, action, from, to)
    to the session, then runs the action's `EFFECTS`. It does not commit: the request commits once.
    Raises `TransitionRefused`; a problem with rule "permission" means the actor may not act.
    """
    rule = TRANSITIONS.get((campaign.status, action))
    if rule is None:
        raise TransitionRefused([_wrong_state(campaign, action)])
    if _permitted(campaign, action, actor) is None:
        raise TransitionRefused([Problem("permission", "Bạn không có quyền chuyển giai đoạn của đợt bình xét này.")])
    problems = [problem for guard in rule.guards for problem in guard(campaign)]
    if problems:
        raise TransitionRefused(problems)

    previous = campaign.status
    campaign.status = rule.target
    audit.record(
        "campaign",
        campaign.id,
        action.value,
        actor,
        from_state=previous.value,
        to_state=rule.target.value,
        reason=(reason or "").strip() or None,
    )
    for effect in EFFECTS.get(action, ()):
        effect(campaign, actor)
    return rule.target
