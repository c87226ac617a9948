"""Proposing an awarded nomination to a campaign of a parent unit ("đề nghị cấp trên khen thưởng").

The proposing level (the lower campaign's organising unit) becomes the nominating unit of a new,
already submitted dossier in the upper campaign: the report is copied, the evidence files are
copied as new stored files (each dossier owns its files), and a snapshot of the lower level's
scores, council ballot, award and public vote travels with it, so nothing is typed twice.

Functions here change objects, flush and audit; they never commit.
"""
from __future__ import annotations

import io

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo import access
from dvkheo.accounts.models import User
from dvkheo.awards.models import DecisionAwardee, NominationForward
from dvkheo.campaigns.models import Campaign, CampaignStatus
from dvkheo.certificates.models import Certificate, CertificateStatus
from dvkheo.core import audit, storage
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.timeutil import format_date, format_datetime, today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.nominations.models import Attachment, Nomination
from dvkheo.nominations.operations import CHOICE_FIELDS, REPORT_FIELDS
from dvkheo.nominations.states import LIVE_STATES, NominationAction, NominationState
from dvkheo.units.models import Unit

ATTACHMENTS_NOTE = (
    "Các tệp minh chứng được sao chép sang hồ sơ mới; liên kết tệp với tiêu chí của đợt cấp dưới "
    "đã được bỏ vì thang điểm của đợt bình xét cấp trên khác."
)


def _refuse(rule: str, message: str, field_name: str | None = None) -> RuleRefused:
    return RuleRefused([Problem(rule, message, field_name)])


def _window_not_over(campaign: Campaign) -> bool:
    return campaign.nominations_close_on is None or today_in_vietnam() <= campaign.nominations_close_on


def _strict_ancestor_ids(campaign: Campaign) -> list[int]:
    organiser = campaign.organising_unit
    return [unit_id for unit_id in organiser.ancestor_ids if unit_id != organiser.id]


def open_campaigns_above(campaign: Campaign) -> list[Campaign]:
    """Campaigns taking nominations whose organiser is a strict ancestor of `campaign`'s; nearest level first, one query."""
    ancestors = _strict_ancestor_ids(campaign)
    if not ancestors:
        return []
    candidates = db.session.scalars(
        sa.select(Campaign)
        .join(Unit, Campaign.organising_unit_id == Unit.id)
        .where(Campaign.organising_unit_id.in_(ancestors), Campaign.status == CampaignStatus.NOMINATIONS_OPEN)
        .options(so.contains_eager(Campaign.organising_unit))
        .order_by(Unit.depth.desc(), Campaign.year.desc(), Campaign.id.desc())
    )
    return [c for c in candidates if _window_not_over(c)]


def target_campaigns(nomination: Nomination, above: list[Campaign] | None = None) -> list[Campaign]:
    """Open campaigns of a strict ancestor of the nomination's organising unit that take its kind.

    `above` is `open_campaigns_above(nomination.campaign)` when the caller already has it.
    """
    above = open_campaigns_above(nomination.campaign) if above is None else above
    return [c for c in above if nomination.kind in c.allowed_kinds]


def _why_not_target(nomination: Nomination, campaign: Campaign) -> str:
    if campaign.organising_unit_id not in _strict_ancestor_ids(nomination.campaign):
        return (
            f"Đợt bình xét “{campaign.title}” không do cấp trên của {nomination.campaign.organising_unit.name} tổ chức; "
            "chỉ đề nghị lên đợt bình xét của cấp trên."
        )
    if campaign.status is not CampaignStatus.NOMINATIONS_OPEN or not _window_not_over(campaign):
        return f"Đợt bình xét “{campaign.title}” hiện không nhận hồ sơ."
    return f"Đợt bình xét “{campaign.title}” không nhận hồ sơ {nomination.kind.label.lower()}."


def _live_duplicate(nomination: Nomination, campaign: Campaign) -> Nomination | None:
    same = [Nomination.nominee_key == nomination.nominee_key]
    if nomination.model_key:
        same.append(Nomination.model_key == nomination.model_key)
    return db.session.scalar(
        sa.select(Nomination)
        .where(Nomination.campaign_id == campaign.id, Nomination.status.in_(LIVE_STATES), sa.or_(*same))
        .order_by(Nomination.id)
        .limit(1)
    )


def already_forwarded(nomination_id: int, campaign_id: int) -> NominationForward | None:
    return db.session.scalar(
        sa.select(NominationForward)
        .join(Nomination, NominationForward.target_nomination_id == Nomination.id)
        .where(NominationForward.source_nomination_id == nomination_id, Nomination.campaign_id == campaign_id)
    )


def forward(nomination: Nomination, target: Campaign, actor: User) -> NominationForward:
    """Propose the awarded `nomination` to `target`, a campaign of a parent unit.

    Refuses: another actor than the campaign's secretary, a nomination not AWARDED, a campaign
    not of an ancestor / closed / not taking the kind, a field the target does not list, a
    nominee or model already live there, a second forward to the same campaign. Side effects:
    source FORWARDED through the workflow (audited "forward"), a new SUBMITTED nomination in
    `target` (audited "create" with "forwarded_from"), its files copied, the forward recorded.
    """
    from dvkheo.awards import queries
    from dvkheo.nominations import workflow

    if not access.can_forward_nomination(actor, nomination):
        raise _refuse("permission", "Bạn không có quyền đề nghị cấp trên khen thưởng hồ sơ này.")
    if already_forwarded(nomination.id, target.id) is not None:
        raise _refuse("forwarded", f"Hồ sơ này đã được đề nghị lên đợt bình xét “{target.title}”.")
    if nomination.status is not NominationState.AWARDED:
        raise _refuse(
            "status",
            f"Chỉ đề nghị cấp trên đối với hồ sơ đã được khen thưởng; hồ sơ đang ở trạng thái “{nomination.status.label}”.",
        )
    if target.id not in {c.id for c in target_campaigns(nomination)}:
        raise _refuse("target", _why_not_target(nomination, target))
    problems = []
    if nomination.field is not None and nomination.field not in target.allowed_fields:
        problems.append(
            Problem("field", f"Lĩnh vực “{nomination.field.name}” của hồ sơ không thuộc các lĩnh vực của đợt bình xét “{target.title}”.")
        )
    duplicate = _live_duplicate(nomination, target)
    if duplicate is not None:
        problems.append(
            Problem(
                "duplicate",
                f"“{nomination.nominee_name}” hoặc mô hình “{nomination.display_title}” đã có hồ sơ đang được xét "
                f"trong đợt “{target.title}” (hồ sơ số {duplicate.id}, {duplicate.unit.name}).",
            )
        )
    line = queries.issued_award_line(nomination.id)
    if line is None:
        problems.append(Problem("decision", "Hồ sơ chưa có trong quyết định khen thưởng đã ban hành."))
    if problems:
        raise RuleRefused(problems)

    history = history_snapshot(nomination, line)
    workflow.apply(
        nomination,
        NominationAction.FORWARD,
        actor,
        details={"target_campaign_id": target.id, "target_campaign": target.title},
    )
    copy = Nomination(
        campaign=target,
        unit_id=nomination.campaign.organising_unit_id,
        created_by=actor,
        kind=nomination.kind,
        status=NominationState.SUBMITTED,
        submitted_at=utcnow(),
        **{name: getattr(nomination, name) for name in REPORT_FIELDS + CHOICE_FIELDS},
    )
    copy.refresh_derived()
    db.session.add(copy)
    db.session.flush()
    _copy_attachments(nomination, copy, actor)
    history["forwarded_at"] = format_datetime(utcnow())
    history["forwarded_by"] = actor.full_name
    record = NominationForward(source=nomination, target=copy, forwarded_by_id=actor.id, history=history)
    db.session.add(record)
    db.session.flush()
    audit.record(
        "nomination",
        copy.id,
        "create",
        actor,
        to_state=NominationState.SUBMITTED.value,
        details={"forwarded_from": nomination.id, "forward_id": record.id, "source_campaign": nomination.campaign.title},
    )
    return record


def _copy_attachments(source: Nomination, copy: Nomination, actor: User) -> None:
    """Each file is stored again under a new name: removing one dossier's file never breaks the other's."""
    for attachment in source.attachments:
        try:
            data = storage.read_stored(attachment.stored_name)
        except (OSError, ValueError):
            raise _refuse("attachment", f"Không đọc được tệp “{attachment.original_name}” của hồ sơ gốc; vui lòng kiểm tra lại tệp.")
        try:
            stored = storage.store_upload(io.BytesIO(data), attachment.original_name, max_bytes=max(len(data), 1))
        except storage.UploadRejected as rejected:
            raise _refuse("attachment", str(rejected))
        copy.attachments.append(
            Attachment(
                original_name=attachment.original_name,
                stored_name=stored.stored_name,
                content_type=stored.content_type,
                size_bytes=stored.size_bytes,
                sha256=stored.sha256,
                purpose=attachment.purpose,
                criterion_id=None,
                uploaded_by_id=actor.id,
            )
        )
    db.session.flush()


# --- the history that travels with the dossier ----------------------------------------------------


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _scores(nomination: Nomination) -> dict:
    from dvkheo.review.models import AssignmentStatus, ReviewAssignment

    criteria = list(nomination.campaign.criteria)
    sheets = list(
        db.session.scalars(
            sa.select(ReviewAssignment)
            .where(
                ReviewAssignment.nomination_id == nomination.id,
                ReviewAssignment.status == AssignmentStatus.ACTIVE,
                ReviewAssignment.finalised_at.is_not(None),
            )
            .options(so.selectinload(ReviewAssignment.scores))
            .order_by(ReviewAssignment.id)
        )
    )
    per_criterion = []
    for criterion in criteria:
        points = [
            score.points for sheet in sheets for score in sheet.scores
            if score.criterion_id == criterion.id and score.points is not None
        ]
        per_criterion.append(
            {"title": criterion.title, "max": criterion.max_score, "mean": _round(sum(points) / len(points)) if points else None}
        )
    # Reviewers stay anonymous beyond their committee: numbered in the order they were assigned.
    reviewers = [{"label": f"Thành viên {index}", "total": sheet.total} for index, sheet in enumerate(sheets, start=1)]
    totals = [sheet.total for sheet in sheets]
    return {
        "criteria": per_criterion,
        "reviewers": reviewers,
        "mean_total": _round(sum(totals) / len(totals)) if totals else None,
        "max_total": sum(c.max_score for c in criteria),
    }


def _ballot(nomination: Nomination, line: DecisionAwardee | None) -> dict | None:
    from dvkheo.council import operations as council_ops
    from dvkheo.council.issuer import minutes_number
    from dvkheo.council.models import BallotItem, BallotStatus, CouncilBallot
    from dvkheo.council.voting import rule_in_words

    item = db.session.get(BallotItem, line.ballot_item_id) if line is not None and line.ballot_item_id else None
    if item is None:
        item = db.session.scalar(
            sa.select(BallotItem)
            .join(CouncilBallot, BallotItem.ballot_id == CouncilBallot.id)
            .where(BallotItem.nomination_id == nomination.id, CouncilBallot.status == BallotStatus.CLOSED)
            .order_by(CouncilBallot.closed_at.desc(), BallotItem.id.desc())
            .limit(1)
        )
    if item is None:
        return None
    ballot = item.ballot
    decision = next((d for i, d in council_ops.results(ballot) if i.id == item.id), None)
    minutes = None
    if ballot.minutes_number:
        minutes = minutes_number(ballot) + (f" năm {ballot.minutes_year}" if ballot.minutes_year else "")
    return {
        "award_form": ballot.award_form.name,
        "meeting_on": format_date(ballot.meeting_on),
        "minutes": minutes,
        "rule": rule_in_words(ballot),
        "membership": decision.membership if decision else None,
        "present": decision.present if decision else None,
        "agree": decision.agree if decision else item.agree_electronic + item.agree_paper,
        "disagree": decision.disagree if decision else item.disagree_electronic + item.disagree_paper,
        "base": decision.base if decision else None,
        "passed": item.passed,
        "explanation": decision.explanation if decision else "",
    }


def _award(line: DecisionAwardee | None) -> dict | None:
    if line is None:
        return None
    decision = line.decision
    certificate = db.session.scalar(
        sa.select(Certificate)
        .where(Certificate.awardee_id == line.id)
        .order_by((Certificate.status == CertificateStatus.VALID).desc(), Certificate.id.desc())
        .limit(1)
    )
    return {
        "decision_number": decision.number_label,
        "decided_on": format_date(decision.decided_on),
        # As the issuer's system cites it; histories copied before this key existed print the three parts instead.
        "citation": decision.citation().replace("Quyết định số ", "Số ", 1),
        "parent_body": decision.parent_body,
        "issuing_body": decision.issuing_body,
        "signer": " ".join(filter(None, [decision.signer_title.capitalize() if decision.signer_title else "", decision.signer_name])),
        "award_form": line.award_form.name,
        "reason": line.reason,
        "certificate_serial": certificate.serial if certificate else None,
    }


def _public_votes(nomination: Nomination) -> int | None:
    if not nomination.campaign.has_public_stage:
        return None
    from dvkheo.voting.models import Vote

    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(Vote).where(
            Vote.campaign_id == nomination.campaign_id, Vote.nomination_id == nomination.id, Vote.withdrawn_at.is_(None)
        )
    )
    return int(total or 0)


def history_snapshot(nomination: Nomination, line: DecisionAwardee | None) -> dict:
    """What the lower level decided, as plain values that read the same forever."""
    campaign = nomination.campaign
    return {
        "source": {
            "campaign_title": campaign.title,
            "campaign_year": campaign.year,
            "organising_unit": campaign.organising_unit.name,
            "nomination_id": nomination.id,
            "nominating_unit": nomination.unit.name,
            "kind": nomination.kind.label,
            "title": nomination.display_title,
            "nominee_name": nomination.nominee_name,
        },
        "scores": _scores(nomination),
        "ballot": _ballot(nomination, line),
        "award": _award(line),
        "public_votes": _public_votes(nomination),
        "attachments": [
            {
                "name": attachment.original_name,
                "purpose": attachment.purpose,
                "former_criterion": attachment.criterion.title if attachment.criterion else None,
            }
            for attachment in nomination.attachments
        ],
        "attachments_note": ATTACHMENTS_NOTE,
    }


# --- the awarded list of a campaign ----------------------------------------------------------------


class AwardedRow:
    def __init__(self, line: DecisionAwardee):
        self.line = line
        self.nomination: Nomination = line.nomination
        self.decision = line.decision
        self.certificate: Certificate | None = None
        self.forwards: list[NominationForward] = []


def awarded_rows(campaign_id: int) -> list[AwardedRow]:
    """Each commended nomination of the campaign with its latest issued line, certificate and forwards.

    Four queries whatever the number of rows.
    """
    from dvkheo.awards.models import Decision, DecisionKind, DecisionStatus

    lines = db.session.scalars(
        sa.select(DecisionAwardee)
        .join(Decision, DecisionAwardee.decision_id == Decision.id)
        .join(Nomination, DecisionAwardee.nomination_id == Nomination.id)
        .where(
            Decision.campaign_id == campaign_id,
            Decision.status == DecisionStatus.ISSUED,
            Decision.kind.in_((DecisionKind.AWARD, DecisionKind.AMENDMENT)),
            Nomination.status.in_((NominationState.AWARDED, NominationState.FORWARDED, NominationState.REVOKED)),
        )
        .options(
            so.contains_eager(DecisionAwardee.decision),
            so.contains_eager(DecisionAwardee.nomination),
            so.joinedload(DecisionAwardee.award_form),
        )
        .order_by(Decision.issued_at, DecisionAwardee.id)
    ).unique()
    latest: dict[int, DecisionAwardee] = {}
    for line in lines:
        latest[line.nomination_id] = line  # ordered by issue: the last one is the award as it now reads
    rows = {nomination_id: AwardedRow(line) for nomination_id, line in latest.items()}
    if not rows:
        return []
    by_line = {row.line.id: row for row in rows.values()}
    for certificate in db.session.scalars(
        sa.select(Certificate).where(Certificate.awardee_id.in_(list(by_line))).order_by(Certificate.id)
    ):
        row = by_line[certificate.awardee_id]
        # The valid certificate if there is one, else the latest.
        if row.certificate is None or row.certificate.status is not CertificateStatus.VALID:
            row.certificate = certificate
    for record in db.session.scalars(
        sa.select(NominationForward)
        .where(NominationForward.source_nomination_id.in_(list(rows)))
        .options(so.joinedload(NominationForward.target).joinedload(Nomination.campaign))
        .order_by(NominationForward.id)
    ):
        rows[record.source_nomination_id].forwards.append(record)
    return sorted(rows.values(), key=lambda r: (r.decision.decided_on, r.decision.id, r.line.position, r.line.id))

