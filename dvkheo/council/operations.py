"""Business actions of the council: membership and the secret ballot ("Bỏ phiếu kín").

Each function checks who acts and the campaign phase, changes objects, audits and flushes;
none commits (the view commits once, or rolls back and shows the problems).

Secrecy: no table, audit event or log line records what a member chose. A member's vote
sets `has_voted` on their attendance row and adds one to anonymous counters on the ballot's
items, in the same transaction; the audit event of a vote names the voter and nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from dvkheo import access
from dvkheo.accounts.models import User
from dvkheo.awards.models import AwardForm
from dvkheo.campaigns.models import Campaign, CampaignStatus
from dvkheo.core import audit
from dvkheo.core.numbering import next_number
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.timeutil import utcnow
from dvkheo.council.clock import normalise_clock
from dvkheo.council.models import (
    BallotAttendance,
    BallotItem,
    BallotStatus,
    CouncilBallot,
    CouncilMember,
    CouncilRole,
)
from dvkheo.council.voting import RULE_FIELDS, Decision, Rule, decide, format_fraction, quorum_met, quorum_needed
from dvkheo.extensions import db
from dvkheo.nominations import workflow
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationAction, NominationState
from dvkheo.review.models import ReviewAssignment

ELECTRONIC, PAPER = "electronic", "paper"
VOTE_MODE_LABELS = {ELECTRONIC: "Bỏ phiếu điện tử", PAPER: "Bỏ phiếu giấy", "": ""}

NOT_ALLOWED = "Bạn không có quyền thực hiện thao tác này với Hội đồng xét chọn."


def _refuse(rule: str, message: str, field: str | None = None):
    raise RuleRefused([Problem(rule, message, field)])


def _require_manager(actor: User, campaign: Campaign) -> None:
    if not access.can_manage_review(actor, campaign):
        _refuse("permission", NOT_ALLOWED)


def _require_council_phase(campaign: Campaign) -> None:
    if campaign.status is not CampaignStatus.COUNCIL_DECISION:
        _refuse(
            "phase",
            f"Chỉ bỏ phiếu kín khi đợt bình xét ở giai đoạn “{CampaignStatus.COUNCIL_DECISION.label}”; "
            f"hiện đang ở giai đoạn “{campaign.status.label}”.",
        )


def _require_status(ballot: CouncilBallot, status: BallotStatus, doing: str) -> None:
    if ballot.status is not status:
        _refuse("ballot_status", f"Không thể {doing} khi phiếu bầu đang ở trạng thái “{ballot.status.label}”.")


# --- membership ---------------------------------------------------------------------------------


def _member_details(member: CouncilMember) -> dict:
    return {
        "user_id": member.user_id,
        "full_name": member.user.full_name,
        "council_role": member.council_role.value,
        "scores_nominations": member.scores_nominations,
    }


def _check_single_chair(campaign_id: int, council_role: CouncilRole, member_id: int | None) -> None:
    if council_role is not CouncilRole.CHAIR:
        return
    query = sa.select(CouncilMember).where(
        CouncilMember.campaign_id == campaign_id, CouncilMember.council_role == CouncilRole.CHAIR
    )
    if member_id is not None:
        query = query.where(CouncilMember.id != member_id)
    other = db.session.scalar(query)
    if other is not None:
        _refuse(
            "chair",
            f"Hội đồng đã có Chủ tịch Hội đồng ({other.user.full_name}); mỗi Hội đồng chỉ có một Chủ tịch.",
            "council_role",
        )


def add_member(
    campaign: Campaign, user: User, council_role: CouncilRole, scores_nominations: bool, actor: User
) -> CouncilMember:
    """Put `user` (a reviewer or chair account) on the campaign's council.

    Side effects: checks the actor, the account's role, duplicates and the single chair; adds the
    member; flushes; audits "add_member" on the council ("council", campaign id).
    """
    _require_manager(actor, campaign)
    if user is None or user.role not in access.COUNCIL_ROLES or not user.active:
        _refuse("user", "Chỉ thêm được tài khoản Thành viên Hội đồng hoặc Chủ tịch Hội đồng đang hoạt động.", "user_id")
    if db.session.scalar(
        sa.select(CouncilMember.id).where(CouncilMember.campaign_id == campaign.id, CouncilMember.user_id == user.id)
    ):
        _refuse("duplicate", f"{user.full_name} đã là thành viên Hội đồng của đợt bình xét này.", "user_id")
    _check_single_chair(campaign.id, council_role, None)
    member = CouncilMember(
        campaign_id=campaign.id, user_id=user.id, council_role=council_role, scores_nominations=scores_nominations
    )
    member.user = user
    db.session.add(member)
    db.session.flush()
    audit.record("council", campaign.id, "add_member", actor, details=_member_details(member))
    return member


def update_member(member: CouncilMember, council_role: CouncilRole, scores_nominations: bool, actor: User) -> bool:
    """Change a member's council role or whether they score dossiers; audits "update_member". Returns whether it changed."""
    _require_manager(actor, member.campaign)
    if member.council_role is council_role and member.scores_nominations == scores_nominations:
        return False
    _check_single_chair(member.campaign_id, council_role, member.id)
    member.council_role = council_role
    member.scores_nominations = scores_nominations
    audit.record("council", member.campaign_id, "update_member", actor, details=_member_details(member))
    return True


def remove_member(member: CouncilMember, actor: User) -> None:
    """Take a member off the council, refused once they have review assignments or a ballot's attendance.

    Side effects: deletes the membership, audits "remove_member".
    """
    _require_manager(actor, member.campaign)
    assignments = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ReviewAssignment)
        .join(Nomination, ReviewAssignment.nomination_id == Nomination.id)
        .where(Nomination.campaign_id == member.campaign_id, ReviewAssignment.reviewer_id == member.user_id)
    )
    attendances = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(BallotAttendance)
        .join(CouncilBallot, BallotAttendance.ballot_id == CouncilBallot.id)
        .where(CouncilBallot.campaign_id == member.campaign_id, BallotAttendance.member_id == member.user_id)
    )
    problems = []
    if assignments:
        problems.append(
            Problem(
                "assignments",
                f"Không thể bỏ {member.user.full_name} khỏi Hội đồng: thành viên đã được phân công chấm {assignments} hồ sơ.",
            )
        )
    if attendances:
        problems.append(
            Problem(
                "attendance",
                f"Không thể bỏ {member.user.full_name} khỏi Hội đồng: thành viên đã có tên trong danh sách dự họp "
                f"của {attendances} phiên bỏ phiếu.",
            )
        )
    if problems:
        raise RuleRefused(problems)
    details = _member_details(member)
    db.session.delete(member)
    db.session.flush()
    audit.record("council", member.campaign_id, "remove_member", actor, details=details)


# --- ballots ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceInput:
    attendance_id: int
    present: bool
    vote_mode: str
    written_opinion: str
    written_opinion_on: date | None


def create_ballot(
    campaign: Campaign,
    award_form: AwardForm,
    *,
    meeting_on: date,
    meeting_time: str,
    meeting_place: str,
    nominations: list[Nomination],
    actor: User,
    meeting_end_time: str = "",
) -> CouncilBallot:
    """Prepare a council meeting's secret ballot.

    Side effects: checks the actor and phase; checks each dossier is shortlisted in this campaign
    and on no unclosed ballot; adds the ballot, one item per dossier and one attendance row per
    current council member (a snapshot: later membership changes do not touch it); flushes;
    audits "create".
    """
    _require_manager(actor, campaign)
    _require_council_phase(campaign)
    problems: list[Problem] = []
    if award_form is None or award_form.campaign_id != campaign.id:
        problems.append(Problem("award_form", "Vui lòng chọn hình thức khen thưởng của đợt bình xét này.", "award_form_id"))
    if not nominations:
        problems.append(Problem("items", "Vui lòng chọn ít nhất một hồ sơ đưa vào phiếu bầu.", "nomination_ids"))
    from dvkheo.council import queries

    for nomination in nominations:
        if nomination.campaign_id != campaign.id or nomination.status is not NominationState.SHORTLISTED:
            problems.append(
                Problem("items", f"Hồ sơ “{nomination.display_title}” không ở trạng thái “{NominationState.SHORTLISTED.label}”.", "nomination_ids")
            )
        elif queries.on_unclosed_ballot(nomination.id):
            problems.append(
                Problem("items", f"Hồ sơ “{nomination.display_title}” đã có trong một phiếu bầu chưa kiểm phiếu.", "nomination_ids")
            )
    council = list(db.session.scalars(sa.select(CouncilMember).where(CouncilMember.campaign_id == campaign.id).order_by(CouncilMember.id)))
    if not council:
        problems.append(Problem("council", "Hội đồng chưa có thành viên nào; hãy thêm thành viên Hội đồng trước."))
    if problems:
        raise RuleRefused(problems)

    ballot = CouncilBallot(
        campaign_id=campaign.id,
        award_form_id=award_form.id,
        meeting_on=meeting_on,
        meeting_time=normalise_clock(meeting_time),
        meeting_end_time=normalise_clock(meeting_end_time),
        meeting_place=meeting_place.strip(),
        created_by_id=actor.id,
        **{name: getattr(award_form, name) for name in RULE_FIELDS},
    )
    ordered = sorted(council, key=lambda m: (m.council_role is not CouncilRole.CHAIR, m.id))
    for member in ordered:
        ballot.attendances.append(
            BallotAttendance(member_id=member.user_id, council_role=member.council_role, present=True, vote_mode=ELECTRONIC)
        )
    for position, nomination in enumerate(nominations, start=1):
        ballot.items.append(BallotItem(nomination_id=nomination.id, position=position))
    db.session.add(ballot)
    db.session.flush()
    audit.record(
        "council_ballot",
        ballot.id,
        "create",
        actor,
        to_state=BallotStatus.PREPARING.value,
        details={"award_form": award_form.name, "nominations": [n.id for n in nominations], "members": len(ordered)},
    )
    _tell_chair_of_meeting(ballot, campaign, [member.user for member in ordered if member.council_role is CouncilRole.CHAIR])
    return ballot


def _tell_chair_of_meeting(ballot: CouncilBallot, campaign: Campaign, council_chairs: list[User]) -> None:
    """The committee's chair (and the council's, when another person) learns of the meeting to preside."""
    from dvkheo.accounts.models import Role
    from dvkheo.core.notifications import notice_link, notify_all
    from dvkheo.core.timeutil import format_date

    when = f" ngày {format_date(ballot.meeting_on)}" if ballot.meeting_on else ""
    notify_all(
        [*access.campaign_staff(campaign, Role.CHAIR), *council_chairs],
        f"Thư ký đã chuẩn bị phiên họp bỏ phiếu kín{when} của Hội đồng (đợt {campaign.title}): "
        f"{len(ballot.items)} hồ sơ đề cử.",
        notice_link("council.ballot", ballot_id=ballot.id),
        subject="Phiên họp bỏ phiếu của Hội đồng xét chọn",
    )


MEETING_FIELDS = ("meeting_on", "meeting_time", "meeting_end_time", "meeting_end_on", "meeting_place")


def _set_meeting(ballot: CouncilBallot, values: dict) -> dict[str, list]:
    """Apply the typed meeting values; returns {field: [old, new]} as text, for the audit trail."""
    changes: dict[str, list] = {}
    for name in MEETING_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name in ("meeting_time", "meeting_end_time"):
            value = normalise_clock(value)
        elif name == "meeting_place":
            value = (value or "").strip()
        old = getattr(ballot, name)
        if name == "meeting_end_on" and value is not None and value == ballot.meeting_on:
            value = None  # a one-day meeting keeps no separate end date
        if old != value:
            changes[name] = [_audit_text(old), _audit_text(value)]
            setattr(ballot, name, value)
    return changes


def _audit_text(value) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def update_meeting(ballot: CouncilBallot, values: dict, actor: User) -> dict[str, list]:
    """Record the meeting's day, start and end times and place as the secretary typed them (the minutes quote
    them). Allowed until the ballot is closed.

    Side effects: sets the fields; audits "update_meeting" with the changes (nothing when nothing changed).
    """
    _require_manager(actor, ballot.campaign)
    if ballot.status is BallotStatus.CLOSED:
        raise RuleRefused([Problem("status", "Phiên bỏ phiếu đã kết thúc; không sửa thông tin cuộc họp được nữa.")])
    changes = _set_meeting(ballot, values)
    if changes:
        db.session.flush()
        audit.record("council_ballot", ballot.id, "update_meeting", actor, details=changes)
    return changes


def update_council_issuer(campaign: Campaign, values: dict, actor: User) -> dict[str, list]:
    """The council as its documents name it: full name, the agency above it, its code, its system, "Nơi nhận".

    Side effects: sets the campaign's council fields; audits "council/update_issuer" with the changes."""
    _require_manager(actor, campaign)
    changes: dict[str, list] = {}
    for name in ("council_name", "council_parent_body", "council_code", "council_document_system_id", "council_recipients"):
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, str):
            value = value.strip()
            if name in ("council_parent_body", "council_code"):
                value = value.upper()
        if getattr(campaign, name) != value:
            changes[name] = [getattr(campaign, name), value]
            setattr(campaign, name, value)
    if changes:
        db.session.flush()
        db.session.expire(campaign, ["council_document_system"])
        audit.record("council", campaign.id, "update_issuer", actor, details=changes)
    return changes


def delete_ballot(ballot: CouncilBallot, actor: User) -> None:
    """Drop a ballot still being prepared (its dossiers become free for another ballot); audited."""
    _require_manager(actor, ballot.campaign)
    _require_status(ballot, BallotStatus.PREPARING, "hủy phiếu bầu")
    audit.record(
        "council_ballot", ballot.id, "delete", actor, from_state=ballot.status.value,
        details={"nominations": [item.nomination_id for item in ballot.items]},
    )
    db.session.delete(ballot)
    db.session.flush()


def update_attendance(ballot: CouncilBallot, rows: list[AttendanceInput], actor: User) -> None:
    """Record who is present and how they vote, and absent members' written opinions (before opening).

    Side effects: sets the attendance rows; audits "update_attendance" with the counts only.
    """
    _require_manager(actor, ballot.campaign)
    _require_council_phase(ballot.campaign)
    _require_status(ballot, BallotStatus.PREPARING, "sửa danh sách dự họp")
    by_id = {attendance.id: attendance for attendance in ballot.attendances}
    problems: list[Problem] = []
    for row in rows:
        attendance = by_id.get(row.attendance_id)
        if attendance is None:
            continue
        name = attendance.member.full_name
        opinion = (row.written_opinion or "").strip()
        if row.present:
            if row.vote_mode not in (ELECTRONIC, PAPER):
                problems.append(Problem("vote_mode", f"Vui lòng chọn cách bỏ phiếu của {name}.", f"att-{attendance.id}"))
                continue
            attendance.present, attendance.vote_mode = True, row.vote_mode
            attendance.written_opinion, attendance.written_opinion_on = "", None
        else:
            if opinion and row.written_opinion_on is None:
                problems.append(
                    Problem("written_opinion", f"Vui lòng nhập ngày nhận ý kiến bằng văn bản của {name}.", f"att-{attendance.id}")
                )
                continue
            if row.written_opinion_on is not None and not opinion:
                problems.append(
                    Problem("written_opinion", f"Vui lòng ghi số, ngày văn bản ý kiến của {name}.", f"att-{attendance.id}")
                )
                continue
            attendance.present, attendance.vote_mode = False, ""
            attendance.written_opinion, attendance.written_opinion_on = opinion, row.written_opinion_on
    if problems:
        raise RuleRefused(problems)
    present = sum(1 for a in ballot.attendances if a.present)
    audit.record(
        "council_ballot", ballot.id, "update_attendance", actor,
        details={"members": len(ballot.attendances), "present": present},
    )


def has_written_opinion(attendance: BallotAttendance) -> bool:
    return not attendance.present and bool(attendance.written_opinion.strip())


def open_ballot(ballot: CouncilBallot, actor: User) -> None:
    """Open the vote: the award form's rule is copied onto the ballot, then the quorum is checked.

    Side effects: copies the rule; refuses without quorum or with a dossier no longer shortlisted;
    sets status OPEN and `opened_at`; audits "open".
    """
    _require_manager(actor, ballot.campaign)
    _require_council_phase(ballot.campaign)
    _require_status(ballot, BallotStatus.PREPARING, "mở bỏ phiếu")
    for name in RULE_FIELDS:
        setattr(ballot, name, getattr(ballot.award_form, name))
    membership = len(ballot.attendances)
    present = sum(1 for a in ballot.attendances if a.present)
    problems: list[Problem] = []
    if not quorum_met(ballot, present, membership):
        problems.append(
            Problem(
                "quorum",
                f"Chưa đủ số thành viên dự họp: mới có {present}/{membership} thành viên có mặt, cần ít nhất "
                f"{quorum_needed(ballot, membership)} ({format_fraction(ballot.quorum_numerator, ballot.quorum_denominator)} "
                "tổng số thành viên Hội đồng).",
            )
        )
    for item in ballot.items:
        if item.nomination.status is not NominationState.SHORTLISTED:
            problems.append(
                Problem(
                    "items",
                    f"Hồ sơ “{item.nomination.display_title}” đang ở trạng thái “{item.nomination.status.label}”, "
                    "không thể đưa ra bỏ phiếu.",
                )
            )
    if problems:
        raise RuleRefused(problems)
    ballot.status = BallotStatus.OPEN
    ballot.opened_at = utcnow()
    audit.record(
        "council_ballot", ballot.id, "open", actor,
        from_state=BallotStatus.PREPARING.value, to_state=BallotStatus.OPEN.value,
        details={"members": membership, "present": present},
    )
    _invite_electronic_voters(ballot)


def _invite_electronic_voters(ballot: CouncilBallot) -> None:
    from flask import url_for

    from dvkheo.core.notifications import notify

    for attendance in ballot.attendances:
        if attendance.present and attendance.vote_mode == "electronic":
            notify(
                attendance.member,
                f"Hội đồng mở bỏ phiếu kín “{ballot.award_form.name}” của đợt “{ballot.campaign.title}”: "
                f"{len(ballot.items)} hồ sơ đề cử. Mời đồng chí bỏ phiếu.",
                url_for("council.cast", ballot_id=ballot.id),
            )


def attendance_of(ballot: CouncilBallot, user: User | None) -> BallotAttendance | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return next((a for a in ballot.attendances if a.member_id == user.id), None)


def cast_vote(ballot: CouncilBallot, actor: User, choices: dict[int, bool]) -> None:
    """A present member's electronic secret vote, counted exactly once.

    `choices` maps every item id of the ballot to agree (True) or disagree (False). Side effects,
    in one transaction: a conditional UPDATE marks the member's attendance as voted (0 rows when
    they already voted: refused, nothing counted); one UPDATE per item adds 1 to its anonymous
    agree or disagree counter; an audit event "cast_ballot" names the voter, never the choice.
    """
    attendance = attendance_of(ballot, actor)
    if not access.can_cast_ballot(actor, ballot, attendance):
        _refuse("permission", "Bạn không thể bỏ phiếu điện tử trong phiên bỏ phiếu này.")
    _require_council_phase(ballot.campaign)
    item_ids = {item.id for item in ballot.items}
    if set(choices) != item_ids or not all(isinstance(choice, bool) for choice in choices.values()):
        _refuse("choices", "Vui lòng chọn “Đồng ý” hoặc “Không đồng ý” cho mọi hồ sơ trên phiếu bầu.")
    marked = db.session.execute(
        sa.update(BallotAttendance)
        .where(BallotAttendance.id == attendance.id, BallotAttendance.has_voted.is_(False))
        .values(has_voted=True)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:
        _refuse("voted", "Bạn đã bỏ phiếu trong phiên này; mỗi thành viên chỉ bỏ phiếu một lần.")
    for item_id in sorted(choices):
        column = BallotItem.agree_electronic if choices[item_id] else BallotItem.disagree_electronic
        db.session.execute(
            sa.update(BallotItem)
            .where(BallotItem.id == item_id, BallotItem.ballot_id == ballot.id)
            .values({column: column + 1})
            .execution_options(synchronize_session=False)
        )
    audit.record("council_ballot", ballot.id, "cast_ballot", actor)


@dataclass(frozen=True)
class ItemTally:
    item_id: int
    agree_paper: int
    disagree_paper: int
    agree_written: int = 0
    disagree_written: int = 0


def paper_voters(ballot: CouncilBallot) -> int:
    return sum(1 for a in ballot.attendances if a.present and a.vote_mode == PAPER)


def written_opinions(ballot: CouncilBallot) -> int:
    return sum(1 for a in ballot.attendances if has_written_opinion(a))


def record_tally(ballot: CouncilBallot, paper_ballots: int, tallies: list[ItemTally], actor: User) -> None:
    """The secretary's count of paper ballots and, when the rule counts them, absent members' written opinions.

    Side effects: checks the bounds (paper ballots ≤ present paper-mode members; per item agree +
    disagree ≤ paper ballots, written ≤ absent members with a written opinion); sets the counts;
    audits "record_tally" with the number of paper ballots only (no running result while open).
    """
    _require_manager(actor, ballot.campaign)
    _require_council_phase(ballot.campaign)
    _require_status(ballot, BallotStatus.OPEN, "nhập kết quả kiểm phiếu giấy")
    problems: list[Problem] = []
    allowed_paper = paper_voters(ballot)
    if paper_ballots < 0 or paper_ballots > allowed_paper:
        problems.append(
            Problem(
                "paper_ballots",
                f"Số phiếu giấy thu về ({paper_ballots}) không được vượt quá số thành viên có mặt bỏ phiếu giấy ({allowed_paper}).",
                "paper_ballots",
            )
        )
    allowed_written = written_opinions(ballot) if ballot.count_written_opinions else 0
    items = {item.id: item for item in ballot.items}
    for tally in tallies:
        item = items.get(tally.item_id)
        if item is None:
            continue
        title = item.nomination.display_title
        if min(tally.agree_paper, tally.disagree_paper, tally.agree_written, tally.disagree_written) < 0:
            problems.append(Problem("tally", f"Số phiếu của hồ sơ “{title}” không được âm.", f"item-{item.id}"))
            continue
        if tally.agree_paper + tally.disagree_paper > paper_ballots:
            problems.append(
                Problem(
                    "tally",
                    f"Hồ sơ “{title}”: số phiếu giấy đồng ý và không đồng ý ({tally.agree_paper + tally.disagree_paper}) "
                    f"vượt quá số phiếu giấy thu về ({paper_ballots}).",
                    f"item-{item.id}",
                )
            )
        if tally.agree_written + tally.disagree_written > allowed_written:
            problems.append(
                Problem(
                    "tally",
                    f"Hồ sơ “{title}”: số ý kiến bằng văn bản ({tally.agree_written + tally.disagree_written}) "
                    f"vượt quá số thành viên vắng mặt có ý kiến bằng văn bản được tính ({allowed_written}).",
                    f"item-{item.id}",
                )
            )
        if not problems:
            item.agree_paper, item.disagree_paper = tally.agree_paper, tally.disagree_paper
            item.agree_written, item.disagree_written = tally.agree_written, tally.disagree_written
    if problems:
        raise RuleRefused(problems)
    ballot.paper_ballots = paper_ballots
    audit.record("council_ballot", ballot.id, "record_tally", actor, details={"paper_ballots": paper_ballots})


def votes_received(ballot: CouncilBallot) -> int:
    """How many present members have voted: electronic votes plus paper ballots counted (never what they chose)."""
    return sum(1 for a in ballot.attendances if a.present and a.has_voted) + ballot.paper_ballots


def results(ballot: CouncilBallot) -> list[tuple[BallotItem, Decision]]:
    """Each item with its decision under the rule copied onto the ballot."""
    rule = Rule.of(ballot)
    membership = len(ballot.attendances)
    present = sum(1 for a in ballot.attendances if a.present)
    electronic = sum(1 for a in ballot.attendances if a.present and a.vote_mode == ELECTRONIC and a.has_voted)
    opinions = written_opinions(ballot)
    return [
        (
            item,
            decide(
                rule,
                membership=membership,
                present=present,
                ballots_cast=electronic + ballot.paper_ballots,
                written_opinions=opinions,
                agree=item.agree_electronic + item.agree_paper,
                disagree=item.disagree_electronic + item.disagree_paper,
                agree_written=item.agree_written,
                disagree_written=item.disagree_written,
            ),
        )
        for item in ballot.items
    ]


def close_ballot(ballot: CouncilBallot, actor: User, meeting: dict | None = None) -> int:
    """Count the votes and record the council's decision.

    Side effects, in order: checks actor, phase and status; decides each item with the ballot's
    rule and sets `passed`; moves each still-shortlisted dossier by PASS_COUNCIL or FAIL_COUNCIL
    through the nomination workflow (audited there); a dossier withdrawn or on hold meanwhile
    keeps `passed` empty and is not moved; takes the minutes number from the council's own
    series for the meeting's year; sets status CLOSED and `closed_at`; audits "close" with the
    totals and any change to the meeting's end typed beside the button (`meeting`: MEETING_FIELDS values).
    Returns the minutes number. `closed_at` is the app's own moment; the minutes print the typed times.
    """
    _require_manager(actor, ballot.campaign)
    _require_council_phase(ballot.campaign)
    _require_status(ballot, BallotStatus.OPEN, "kiểm phiếu")
    meeting_changes = _set_meeting(ballot, meeting or {})
    db.session.flush()
    db.session.refresh(ballot, attribute_names=["paper_ballots"])
    for item in ballot.items:
        db.session.refresh(item)
    for attendance in ballot.attendances:
        db.session.refresh(attendance, attribute_names=["has_voted"])
    summary = []
    for item, decision in results(ballot):
        nomination = item.nomination
        if nomination.status is NominationState.SHORTLISTED:
            item.passed = decision.passed
            action = NominationAction.PASS_COUNCIL if decision.passed else NominationAction.FAIL_COUNCIL
            workflow.apply(
                nomination, action, actor, details={"ballot_id": ballot.id, "agree": decision.agree, "base": decision.base}
            )
        else:
            item.passed = None
        summary.append(
            {"nomination_id": item.nomination_id, "agree": decision.agree, "disagree": decision.disagree,
             "base": decision.base, "passed": item.passed}
        )
    year = (ballot.meeting_on or utcnow().date()).year
    ballot.minutes_year = year
    ballot.minutes_number = next_number(f"council-{ballot.campaign_id}", year, "council_ballot", ballot.id)
    ballot.status = BallotStatus.CLOSED
    ballot.closed_at = utcnow()
    from dvkheo.council.issuer import freeze_letterhead
    from dvkheo.voting import checkpoint

    freeze_letterhead(ballot)
    # The vote ledger's head as the minutes print it: a batch sealed later never changes closed minutes.
    ballot.ledger_head = checkpoint.capture(ballot.campaign)
    audit.record(
        "council_ballot", ballot.id, "close", actor,
        from_state=BallotStatus.OPEN.value, to_state=BallotStatus.CLOSED.value,
        details={"minutes_number": ballot.minutes_number, "year": year, "items": summary, "meeting": meeting_changes},
    )
    return ballot.minutes_number
