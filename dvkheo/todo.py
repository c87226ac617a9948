""""Việc cần làm": what waits for a signed-in person now, by role, as a few cards of count + links.

Each card is one query: its first `TOP` rows with the total beside them (`count(*) OVER ()`), and the
smallest and largest campaign among all its rows, so the "Xem tất cả" link can lead straight to
the campaign's own page when everything waiting belongs to one campaign. The page therefore costs
one query per card whatever the number of dossiers, and every query is scoped exactly as the list
pages are (`dvkheo.access`): a unit sees its own dossiers, the committee its own campaigns, a
council member their own sheets and ballots.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask import url_for

from dvkheo import access
from dvkheo.accounts.models import Role, User
from dvkheo.campaigns.models import Campaign, CampaignStatus
from dvkheo.core.timeutil import as_vietnam, format_date, today_in_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import SUBMITTED_STATES, NominationState

# Rows listed under each card; the rest are behind "Xem tất cả".
TOP = 5


@dataclass
class TodoItem:
    label: str
    link: str
    detail: str = ""
    # Shown in the warning tone: past its deadline, or due within three days.
    urgent: bool = False


@dataclass
class TodoCard:
    key: str
    title: str
    count: int
    empty: str
    more_link: str = ""
    items: list[TodoItem] = field(default_factory=list)
    hint: str = ""

    @property
    def has_more(self) -> bool:
        return bool(self.more_link) and self.count > len(self.items)


def _rows(query: sa.Select, campaign_column=None) -> tuple[list, int, int | None]:
    """(first TOP rows, total, the one campaign id of every row or None) of `query`, in one statement."""
    extra = [sa.func.count().over().label("_total")]
    if campaign_column is not None:
        extra += [sa.func.min(campaign_column).over().label("_lo"), sa.func.max(campaign_column).over().label("_hi")]
    rows = db.session.execute(query.add_columns(*extra).limit(TOP)).all()
    if not rows:
        return [], 0, None
    first = rows[0]
    single = None
    if campaign_column is not None and first._lo == first._hi:
        single = first._lo
    return rows, first._total, single


def _days_left(deadline: date | None, today: date) -> tuple[str, bool]:
    """("còn 3 ngày, hạn 09/12/2026", urgent) for a deadline counted in whole days, inclusive."""
    if deadline is None:
        return "", False
    days = (deadline - today).days
    if days < 0:
        return f"quá hạn {-days} ngày (hạn {format_date(deadline)})", True
    if days == 0:
        return f"hạn chót hôm nay ({format_date(deadline)})", True
    return f"còn {days} ngày, hạn {format_date(deadline)}", days <= 3


def _moment(value: datetime | None) -> str:
    return format_date(as_vietnam(value)) if value is not None else ""


# --- unit ----------------------------------------------------------------------------------------


def _unit_cards(user: User, today: date) -> list[TodoCard]:
    from dvkheo.nominations.operations import open_campaigns_for

    cards = []
    returned_rows, returned, _ = _rows(
        sa.select(Nomination.id, Nomination.title, Campaign.title.label("campaign_title"))
        .join(Campaign, Nomination.campaign_id == Campaign.id)
        .where(Nomination.unit_id == user.unit_id, Nomination.status == NominationState.RETURNED)
        .order_by(Nomination.updated_at, Nomination.id)
    )
    cards.append(TodoCard(
        "returned", "Hồ sơ bị trả lại để bổ sung", returned, "Không có hồ sơ nào bị trả lại.",
        url_for("nominations.index", status=NominationState.RETURNED.value),
        [TodoItem(row.title or "(Chưa đặt tên mô hình)", url_for("nominations.show", nomination_id=row.id),
                  f"{row.campaign_title}: sửa theo yêu cầu rồi nộp lại", urgent=True) for row in returned_rows],
        hint="Đọc nội dung cần bổ sung trong hồ sơ, sửa và bấm “Nộp lại hồ sơ”.",
    ))
    draft_rows, drafts, _ = _rows(
        sa.select(Nomination.id, Nomination.title, Campaign.nominations_close_on, Campaign.title.label("campaign_title"))
        .join(Campaign, Nomination.campaign_id == Campaign.id)
        .where(Nomination.unit_id == user.unit_id, Nomination.status == NominationState.DRAFT,
               Campaign.status == CampaignStatus.NOMINATIONS_OPEN)
        .order_by(Campaign.nominations_close_on.is_(None), Campaign.nominations_close_on, Nomination.id)
    )
    items = []
    for row in draft_rows:
        left, urgent = _days_left(row.nominations_close_on, today)
        items.append(TodoItem(row.title or "(Chưa đặt tên mô hình)", url_for("nominations.show", nomination_id=row.id),
                              f"{row.campaign_title}" + (f": {left}" if left else ""), urgent))
    cards.append(TodoCard(
        "drafts", "Hồ sơ nháp chưa nộp", drafts, "Không có hồ sơ nháp nào đang chờ nộp.",
        url_for("nominations.index", status=NominationState.DRAFT.value), items,
    ))
    campaigns = open_campaigns_for(user.unit) if user.unit is not None else []
    items = []
    for campaign in campaigns[:TOP]:
        left, urgent = _days_left(campaign.nominations_close_on, today)
        items.append(TodoItem(campaign.title, url_for("nominations.new"), left or "Đang nhận hồ sơ", urgent))
    cards.append(TodoCard(
        "open_campaigns", "Đợt bình xét đang nhận hồ sơ", len(campaigns), "Hiện không có đợt bình xét nào nhận hồ sơ của đơn vị.",
        url_for("nominations.new"), items,
    ))
    return cards


# --- committee -----------------------------------------------------------------------------------


def _own_campaigns(user: User):
    """The campaigns `user`'s committee organises (nothing when the user has no unit)."""
    return Campaign.organising_unit_id == (user.unit_id if user.unit_id is not None else -1)


def _secretary_cards(user: User, today: date) -> list[TodoCard]:
    from dvkheo.awards.models import Decision, DecisionStatus
    from dvkheo.core.audit import AuditEvent
    from dvkheo.council.models import BallotStatus
    from dvkheo.review.models import AssignmentStatus, ReviewAssignment
    from dvkheo.voting.models import Objection, ObjectionStatus

    cards = []
    rows, count, single = _rows(
        sa.select(Nomination.id, Nomination.title, Nomination.submitted_at, Nomination.status, Nomination.campaign_id,
                  Campaign.title.label("campaign_title"))
        .join(Campaign, Nomination.campaign_id == Campaign.id)
        .where(_own_campaigns(user), Nomination.status.in_(SUBMITTED_STATES))
        .order_by(Nomination.submitted_at, Nomination.id),
        Nomination.campaign_id,
    )
    cards.append(TodoCard(
        "screen", "Hồ sơ chờ sơ loại", count, "Không có hồ sơ nào chờ sơ loại.",
        url_for("review.inbox", campaign_id=single) if single else url_for("campaigns.index"),
        [TodoItem(row.title or "(Chưa đặt tên mô hình)", url_for("nominations.show", nomination_id=row.id),
                  f"{row.status.label} ngày {_moment(row.submitted_at)} · {row.campaign_title}") for row in rows],
    ))

    late = (
        sa.select(ReviewAssignment.id, Nomination.title, Nomination.campaign_id, Campaign.review_close_on,
                  User.full_name)
        .join(Nomination, ReviewAssignment.nomination_id == Nomination.id)
        .join(Campaign, Nomination.campaign_id == Campaign.id)
        .join(User, ReviewAssignment.reviewer_id == User.id)
        .where(
            _own_campaigns(user), Campaign.review_close_on < today,
            ReviewAssignment.status == AssignmentStatus.ACTIVE, ReviewAssignment.finalised_at.is_(None),
            Nomination.status == NominationState.IN_REVIEW,
        )
        .order_by(Campaign.review_close_on, ReviewAssignment.id)
    )
    rows, count, single = _rows(late, Nomination.campaign_id)
    items = []
    for row in rows:
        left, _ = _days_left(row.review_close_on, today)
        items.append(TodoItem(f"{row.full_name}: “{row.title or '(Chưa đặt tên mô hình)'}”",
                              url_for("review.progress", campaign_id=row.campaign_id), left, urgent=True))
    cards.append(TodoCard(
        "late_reviews", "Phiếu chấm quá hạn", count, "Không có phiếu chấm nào quá hạn.",
        url_for("review.progress", campaign_id=single) if single else url_for("campaigns.index"), items,
        hint="Mở “Tiến độ chấm điểm” để gửi nhắc nhở hoặc nhập phiếu giấy.",
    ))

    rows, count, single = _rows(
        sa.select(Objection.id, Objection.status, Objection.created_at, Objection.campaign_id, Nomination.title)
        .join(Nomination, Objection.nomination_id == Nomination.id)
        .join(Campaign, Objection.campaign_id == Campaign.id)
        .where(_own_campaigns(user), Objection.status.in_((ObjectionStatus.OPEN, ObjectionStatus.VERIFYING)))
        .order_by(Objection.created_at, Objection.id),
        Objection.campaign_id,
    )
    from dvkheo.voting.objections import reference

    items = [
        TodoItem(f"Số {reference(row)} về “{row.title or '(Chưa đặt tên mô hình)'}”",
                 url_for("voting.objection", objection_id=row.id), f"{row.status.label}, nhận ngày {_moment(row.created_at)}")
        for row in rows
    ]
    cards.append(TodoCard(
        "objections", "Phản ánh, góp ý chờ trả lời", count, "Không có phản ánh, góp ý nào chờ trả lời.",
        url_for("voting.objections", campaign_id=single) if single else url_for("campaigns.index"), items,
    ))

    rows, count, single = _uncounted_ballots(user)
    items = []
    for row in rows:
        what = "Đang bỏ phiếu: kiểm phiếu và kết thúc" if row.status is BallotStatus.OPEN else "Chuẩn bị: điểm danh rồi mở bỏ phiếu"
        when = f"họp ngày {format_date(row.meeting_on)}" if row.meeting_on else "chưa có ngày họp"
        items.append(TodoItem(f"{what}", url_for("council.ballot", ballot_id=row.id), f"{row.campaign_title}, {when}",
                              urgent=row.meeting_on is not None and row.meeting_on <= today))
    cards.append(TodoCard(
        "ballots", "Phiên bỏ phiếu cần chuẩn bị", count, "Không có phiên bỏ phiếu nào đang chuẩn bị.",
        url_for("council.ballots", campaign_id=single) if single else url_for("campaigns.index"), items,
    ))

    cards.append(_unballoted_card(user))
    cards.append(_undecided_card(user))

    returned = sa.exists().where(
        AuditEvent.entity_type == "decision", AuditEvent.entity_id == Decision.id, AuditEvent.action == "return"
    )
    rows, count, single = _rows(
        sa.select(Decision.id, Decision.title, Decision.updated_at, Decision.campaign_id)
        .join(Campaign, Decision.campaign_id == Campaign.id)
        .where(_own_campaigns(user), Decision.status == DecisionStatus.DRAFT, returned)
        .order_by(Decision.updated_at, Decision.id),
        Decision.campaign_id,
    )
    cards.append(TodoCard(
        "returned_drafts", "Dự thảo quyết định bị trả lại", count, "Không có dự thảo nào bị Chủ tịch trả lại.",
        url_for("awards.decisions", campaign_id=single) if single else url_for("campaigns.index"),
        [TodoItem(row.title, url_for("awards.decision", decision_id=row.id), "Sửa theo ý kiến của Chủ tịch Hội đồng", urgent=True)
         for row in rows],
    ))
    cards.append(_data_requests_card(user, today))
    return cards


def _unballoted_card(user: User) -> TodoCard:
    """Shortlisted dossiers of a campaign in its council phase that no ballot yet carries: a ballot to prepare."""
    from dvkheo.council.models import BallotItem, BallotStatus, CouncilBallot

    on_ballot = (
        sa.select(BallotItem.id)
        .join(CouncilBallot, BallotItem.ballot_id == CouncilBallot.id)
        .where(BallotItem.nomination_id == Nomination.id, CouncilBallot.status != BallotStatus.CLOSED)
        .exists()
    )
    rows, count, single = _rows(
        sa.select(Nomination.id, Nomination.title, Nomination.campaign_id, Campaign.title.label("campaign_title"))
        .join(Campaign, Nomination.campaign_id == Campaign.id)
        .where(_own_campaigns(user), Campaign.status == CampaignStatus.COUNCIL_DECISION,
               Nomination.status == NominationState.SHORTLISTED, ~on_ballot)
        .order_by(Nomination.campaign_id, Nomination.title, Nomination.id),
        Nomination.campaign_id,
    )
    return TodoCard(
        "unballoted", "Hồ sơ đề cử chưa có phiên bỏ phiếu", count, "Mọi hồ sơ đề cử đã có phiên bỏ phiếu.",
        url_for("council.ballots", campaign_id=single) if single else url_for("campaigns.index"),
        [TodoItem(row.title or "(Chưa đặt tên mô hình)", url_for("council.ballots", campaign_id=row.campaign_id),
                  f"{row.campaign_title}: lập phiên bỏ phiếu của Hội đồng") for row in rows],
    )


def _undecided_card(user: User) -> TodoCard:
    """Dossiers the council passed that no draft, approved or issued decision carries yet: a decision to draft."""
    from dvkheo.awards.decisions import _in_live_decision

    rows, count, single = _rows(
        sa.select(Nomination.id, Nomination.title, Nomination.campaign_id, Campaign.title.label("campaign_title"))
        .join(Campaign, Nomination.campaign_id == Campaign.id)
        .where(_own_campaigns(user), Nomination.status == NominationState.PASSED_COUNCIL,
               Nomination.id.not_in(_in_live_decision()))
        .order_by(Nomination.campaign_id, Nomination.id),
        Nomination.campaign_id,
    )
    return TodoCard(
        "undecided", "Hồ sơ chờ lập quyết định khen thưởng", count, "Mọi hồ sơ Hội đồng thông qua đã có trong quyết định.",
        url_for("awards.decisions", campaign_id=single) if single else url_for("campaigns.index"),
        [TodoItem(row.title or "(Chưa đặt tên mô hình)", url_for("awards.decisions", campaign_id=row.campaign_id),
                  f"{row.campaign_title}: Hội đồng đã thông qua, lập dự thảo quyết định") for row in rows],
        hint="Mở “Quyết định khen thưởng” của đợt, lập dự thảo rồi gửi Chủ tịch Hội đồng duyệt.",
    )


def _data_requests_card(user: User, today: date) -> TodoCard:
    """Personal-data requests (Law 91/2025) still to answer, the nearest legal deadline first."""
    from dvkheo.privacy.models import OPEN_STATUSES, DataRequest

    rows, count, _ = _rows(
        access.visible_data_requests(user)
        .with_only_columns(DataRequest.id, DataRequest.kind, DataRequest.due_at)
        .where(DataRequest.status.in_(OPEN_STATUSES))
        .order_by(DataRequest.due_at, DataRequest.id)
    )
    items = []
    for row in rows:
        left, urgent = _days_left(as_vietnam(row.due_at).date() if row.due_at is not None else None, today)
        items.append(TodoItem(f"Yêu cầu số {row.id}: {row.kind.label}", url_for("privacy.request_detail", request_id=row.id),
                              left, urgent))
    return TodoCard(
        "data_requests", "Yêu cầu về dữ liệu cá nhân chờ xử lý", count, "Không có yêu cầu nào chờ xử lý.",
        url_for("privacy.queue"), items,
    )


def _chair_cards(user: User, today: date) -> list[TodoCard]:
    from dvkheo.awards.models import Decision, DecisionStatus

    cards = []
    rows, count, single = _rows(
        sa.select(Decision.id, Decision.title, Decision.status, Decision.updated_at, Decision.campaign_id)
        .join(Campaign, Decision.campaign_id == Campaign.id)
        .where(_own_campaigns(user), Decision.status.in_((DecisionStatus.DRAFT, DecisionStatus.APPROVED)))
        .order_by(Decision.status != DecisionStatus.DRAFT, Decision.updated_at, Decision.id),
        Decision.campaign_id,
    )
    cards.append(TodoCard(
        "decisions", "Quyết định chờ duyệt, ban hành", count, "Không có dự thảo quyết định nào chờ duyệt.",
        url_for("awards.decisions", campaign_id=single) if single else url_for("campaigns.index"),
        [TodoItem(row.title, url_for("awards.decision", decision_id=row.id),
                  "Dự thảo chờ Chủ tịch duyệt" if row.status is DecisionStatus.DRAFT else "Đã duyệt, chờ ban hành",
                  urgent=row.status is DecisionStatus.DRAFT) for row in rows],
    ))
    cards.append(_meetings_card(user, today))
    return cards


def _uncounted_ballots(user: User):
    """The committee's ballots being prepared or open, nearest meeting first: one list for the secretary and the chair."""
    from dvkheo.council.models import BallotStatus, CouncilBallot

    return _rows(
        sa.select(CouncilBallot.id, CouncilBallot.status, CouncilBallot.meeting_on, CouncilBallot.campaign_id,
                  Campaign.title.label("campaign_title"))
        .join(Campaign, CouncilBallot.campaign_id == Campaign.id)
        .where(_own_campaigns(user), CouncilBallot.status.in_((BallotStatus.PREPARING, BallotStatus.OPEN)))
        .order_by(CouncilBallot.meeting_on.is_(None), CouncilBallot.meeting_on, CouncilBallot.id),
        CouncilBallot.campaign_id,
    )


def _meetings_card(user: User, today: date) -> TodoCard:
    """The council's ballots of the chair's committee not yet counted: the meeting to preside, the vote under way."""
    from dvkheo.council.models import BallotStatus

    rows, count, single = _uncounted_ballots(user)
    items = []
    for row in rows:
        what = "Đang bỏ phiếu" if row.status is BallotStatus.OPEN else "Chờ mở bỏ phiếu"
        when = f"họp ngày {format_date(row.meeting_on)}" if row.meeting_on else "chưa có ngày họp"
        items.append(TodoItem(f"{what}: {row.campaign_title}", url_for("council.ballot", ballot_id=row.id), when,
                              urgent=row.meeting_on is not None and row.meeting_on <= today))
    return TodoCard(
        "meetings", "Phiên họp, bỏ phiếu của Hội đồng", count, "Không có phiên bỏ phiếu nào sắp diễn ra.",
        url_for("council.ballots", campaign_id=single) if single else url_for("campaigns.index"), items,
    )


# --- council members -----------------------------------------------------------------------------


def _scoring_card(user: User, today: date) -> TodoCard:
    from dvkheo.review.models import AssignmentStatus, ReviewAssignment

    rows, count, _ = _rows(
        sa.select(ReviewAssignment.id, Nomination.title, Campaign.review_close_on, Campaign.title.label("campaign_title"))
        .join(Nomination, ReviewAssignment.nomination_id == Nomination.id)
        .join(Campaign, Nomination.campaign_id == Campaign.id)
        .where(
            ReviewAssignment.reviewer_id == user.id, ReviewAssignment.status == AssignmentStatus.ACTIVE,
            ReviewAssignment.finalised_at.is_(None), Nomination.status == NominationState.IN_REVIEW,
        )
        .order_by(Campaign.review_close_on.is_(None), Campaign.review_close_on, ReviewAssignment.assigned_at, ReviewAssignment.id)
    )
    items = []
    for row in rows:
        left, urgent = _days_left(row.review_close_on, today)
        items.append(TodoItem(row.title or "(Chưa đặt tên mô hình)", url_for("review.score", assignment_id=row.id),
                              f"{row.campaign_title}" + (f": {left}" if left else ""), urgent))
    return TodoCard(
        "to_score", "Hồ sơ cần chấm điểm", count, "Không có hồ sơ nào chờ bạn chấm điểm.",
        url_for("review.queue"), items,
    )


def _votes_card(user: User, today: date) -> TodoCard:
    from dvkheo.council.models import BallotAttendance, BallotStatus, CouncilBallot

    rows, count, _ = _rows(
        sa.select(CouncilBallot.id, CouncilBallot.meeting_on, Campaign.title.label("campaign_title"))
        .join(BallotAttendance, BallotAttendance.ballot_id == CouncilBallot.id)
        .join(Campaign, CouncilBallot.campaign_id == Campaign.id)
        .where(
            BallotAttendance.member_id == user.id, BallotAttendance.present.is_(True),
            BallotAttendance.vote_mode == "electronic", BallotAttendance.has_voted.is_(False),
            CouncilBallot.status == BallotStatus.OPEN,
        )
        .order_by(CouncilBallot.opened_at, CouncilBallot.id)
    )
    return TodoCard(
        "to_vote", "Phiếu kín chờ bạn bỏ", count, "Không có phiên bỏ phiếu nào chờ bạn.",
        "", [TodoItem(row.campaign_title, url_for("council.cast", ballot_id=row.id),
                      f"họp ngày {format_date(row.meeting_on)}" if row.meeting_on else "", urgent=True) for row in rows],
    )


# --- administrator -------------------------------------------------------------------------------


def _admin_cards(user: User, today: date) -> list[TodoCard]:
    from dvkheo.units.models import Unit

    cards = [_data_requests_card(user, today)]
    staffed = sa.exists().where(User.unit_id == Unit.id, User.active.is_(True))
    rows, count, _ = _rows(
        sa.select(Unit.id, Unit.name, Unit.code, Unit.kind).where(Unit.active.is_(True), ~staffed).order_by(Unit.depth, Unit.path)
    )
    from dvkheo.units.models import UNIT_KIND_LABELS

    cards.append(TodoCard(
        "units_without_accounts", "Đơn vị chưa có tài khoản", count, "Đơn vị nào cũng đã có tài khoản.",
        url_for("accounts.users"),
        [TodoItem(f"{row.name} ({row.code})", url_for("accounts.user_create", unit_code=row.code), UNIT_KIND_LABELS.get(row.kind, row.kind))
         for row in rows],
        hint="Tạo tài khoản cho cán bộ của đơn vị để đơn vị tự lập và nộp hồ sơ.",
    ))
    return cards


# --- the registry of models: public summaries --------------------------------------------------------


def _summaries_card(user: User) -> TodoCard:
    """For a committee, the summaries its awarded models' units submitted; for a unit, those returned to it."""
    from dvkheo.registry.models import RegisteredModel, SummaryState

    if user.role is Role.UNIT_SUBMITTER:
        scope, state = access.editable_models(user), SummaryState.RETURNED
        title, empty, detail = "Tóm tắt mô hình bị trả lại", "Không có tóm tắt nào bị trả lại.", "Sửa theo yêu cầu rồi gửi duyệt lại"
    else:
        scope, state = access.reviewable_models(user), SummaryState.SUBMITTED
        title, empty, detail = "Tóm tắt mô hình chờ duyệt", "Không có tóm tắt mô hình nào chờ duyệt.", "Duyệt để công khai hoặc trả lại"
    ids = scope.with_only_columns(RegisteredModel.id).where(RegisteredModel.summary_state == state)
    rows, count, _ = _rows(
        sa.select(RegisteredModel.id, RegisteredModel.title).where(RegisteredModel.id.in_(ids)).order_by(RegisteredModel.id)
    )
    return TodoCard(
        "summaries", title, count, empty, url_for("registry.summaries"),
        [TodoItem(row.title, url_for("registry.summary", model_id=row.id), detail) for row in rows],
    )


# --- follow-up of recognised models ----------------------------------------------------------------------


def _followup_answer_card(user: User, today: date) -> TodoCard:
    """For a unit: the follow-up requests it has to answer (returned ones too), nearest deadline first."""
    from dvkheo.followup.models import AWAITING_UNIT, FollowUp, FollowUpState
    from dvkheo.registry.models import RegisteredModel

    rows, count, _ = _rows(
        sa.select(FollowUp.id, FollowUp.period_year, FollowUp.due_on, FollowUp.state, RegisteredModel.title)
        .join(RegisteredModel, FollowUp.model_id == RegisteredModel.id)
        .where(RegisteredModel.unit_id == user.unit_id, FollowUp.state.in_(AWAITING_UNIT))
        .order_by(FollowUp.due_on, FollowUp.id)
    )
    items = []
    for row in rows:
        left, urgent = _days_left(row.due_on, today)
        what = "bị trả lại, sửa rồi gửi lại" if row.state is FollowUpState.RETURNED else f"báo cáo năm {row.period_year}"
        items.append(TodoItem(row.title, url_for("followup.show", followup_id=row.id), f"{what}: {left}",
                              urgent or row.state is FollowUpState.RETURNED))
    return TodoCard(
        "followups", "Báo cáo theo dõi mô hình cần gửi", count, "Không có yêu cầu báo cáo theo dõi nào.",
        url_for("followup.index"), items,
        hint="Báo cáo tình trạng mô hình và kết quả đạt được để Hội đồng đánh giá.",
    )


def _followup_review_card(user: User) -> TodoCard:
    """For a committee: the follow-up reports its units sent, waiting for its decision."""
    from dvkheo.followup.models import FollowUp, FollowUpState
    from dvkheo.registry.models import RegisteredModel

    rows, count, _ = _rows(
        sa.select(FollowUp.id, FollowUp.period_year, RegisteredModel.title)
        .join(RegisteredModel, FollowUp.model_id == RegisteredModel.id)
        .where(FollowUp.committee_unit_id == user.unit_id, FollowUp.state == FollowUpState.SUBMITTED)
        .order_by(FollowUp.submitted_at, FollowUp.id)
    )
    return TodoCard(
        "followup_review", "Báo cáo theo dõi chờ xem xét", count, "Không có báo cáo theo dõi nào chờ xem xét.",
        url_for("followup.index", **{"trang-thai": FollowUpState.SUBMITTED.value}),
        [TodoItem(row.title, url_for("followup.show", followup_id=row.id), f"Báo cáo năm {row.period_year}: chấp nhận hoặc trả lại")
         for row in rows],
    )


def _unfollowed_card(user: User, today: date) -> TodoCard:
    """For a committee: the models of its tree without an accepted follow-up for two periods."""
    from dvkheo.followup.queries import UNFOLLOWED_PERIODS, unfollowed_query
    from dvkheo.registry.models import RegisteredModel

    query = unfollowed_query(user, today.year)
    rows, count, _ = _rows(
        query.with_only_columns(RegisteredModel.id, RegisteredModel.title, RegisteredModel.last_year).options()
    )
    return TodoCard(
        "unfollowed", "Mô hình chưa được theo dõi", count, "Mọi mô hình đều được theo dõi đúng kỳ.",
        url_for("followup.unfollowed"),
        [TodoItem(row.title, url_for("registry.model", model_id=row.id),
                  f"Không có kết quả theo dõi {UNFOLLOWED_PERIODS} kỳ; công nhận năm {row.last_year}", urgent=True)
         for row in rows],
        hint="Gửi yêu cầu báo cáo theo dõi từ trang mô hình, hoặc mở đợt theo dõi hằng năm.",
    )


def _committee_followup_cards(user: User, today: date) -> list[TodoCard]:
    if user.unit_id is None:
        return []
    return [_followup_review_card(user), _unfollowed_card(user, today)]


def _replications_card(user: User) -> TodoCard:
    """For a committee, the replications its units below declared and wait for confirmation; for a unit, its
    declarations returned to it."""
    from dvkheo.registry.models import RegisteredModel
    from dvkheo.replication.models import Replication, ReplicationState, quoted
    from dvkheo.units.models import Unit

    if user.role is Role.UNIT_SUBMITTER:
        state = ReplicationState.RETURNED
        title, empty, detail = "Bản kê khai nhân rộng bị trả lại", "Không có bản kê khai nhân rộng nào bị trả lại.", "Bổ sung theo yêu cầu rồi gửi lại"
    else:
        state = ReplicationState.SUBMITTED
        title, empty, detail = "Bản nhân rộng chờ xác nhận", "Không có bản kê khai nhân rộng nào chờ xác nhận.", "Xác nhận hoặc trả lại"
    ids = access.visible_replications(user).with_only_columns(Replication.id).where(Replication.status == state)
    rows, count, _ = _rows(
        sa.select(Replication.id, RegisteredModel.title, Unit.name.label("unit_name"))
        .join(RegisteredModel, Replication.source_model_id == RegisteredModel.id)
        .join(Unit, Replication.unit_id == Unit.id)
        .where(Replication.id.in_(ids))
        .order_by(Replication.updated_at, Replication.id)
    )
    return TodoCard(
        "replications", title, count, empty, url_for("replication.index"),
        [TodoItem(f"{row.unit_name}: {quoted(row.title)}", url_for("replication.show", replication_id=row.id), detail,
                  urgent=state is ReplicationState.RETURNED) for row in rows],
    )


def cards_for(user: User) -> list[TodoCard]:
    """The cards of `user`'s "Việc cần làm" page, most pressing first within each role."""
    today = today_in_vietnam()
    if user.role is Role.UNIT_SUBMITTER:
        return [*_unit_cards(user, today), _followup_answer_card(user, today), _summaries_card(user), _replications_card(user)] if user.unit_id is not None else []
    if user.role is Role.SECRETARY:
        return [*_secretary_cards(user, today), _summaries_card(user), _replications_card(user), *_committee_followup_cards(user, today)]
    if user.role is Role.CHAIR:
        return [*_chair_cards(user, today), _summaries_card(user), _replications_card(user), *_committee_followup_cards(user, today),
                _scoring_card(user, today), _votes_card(user, today)]
    if user.role is Role.REVIEWER:
        return [_scoring_card(user, today), _votes_card(user, today)]
    if user.role is Role.ADMIN:
        return _admin_cards(user, today)
    return []
