"""The award stage of the demo: a campaign whose council has voted and whose decision is issued, so that
the decision, its PDF, the certificates (plain and on blanks), batch printing and public verification
all have something to show; one passed dossier still waits for a supplementary decision.

As in `dvkheo.demo_review`, every row is made by the app's own operations (scoring, shortlist, the
council's secret ballot, drafting, approving and issuing the decision), so the demo obeys the rules
real data does. Idempotent: the campaign is found by its title.
"""
from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from dvkheo.accounts.models import User
from dvkheo.campaigns import operations as campaign_ops
from dvkheo.campaigns import workflow as campaign_workflow
from dvkheo.campaigns.models import Campaign, CampaignStatus, ReferenceItem
from dvkheo.core.storage import store_upload
from dvkheo.council.models import CouncilMember, CouncilRole
from dvkheo.extensions import db
from dvkheo.nominations import operations, workflow
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationAction as A
from dvkheo.units.models import Unit

# (points per criterion of the three reviewers' sheets, council votes agree of 3) per dossier of DOSSIERS
AWARD_SCORES = [[24, 23, 24, 14, 9], [23, 22, 22, 13, 9], [22, 21, 21, 13, 8], [21, 20, 20, 12, 8], [18, 17, 18, 10, 7]]
COUNCIL_AGREES = [3, 3, 3, 2, 1]
AWARDED_NOW = 3  # the first three go into the issued decision; the fourth waits for a supplementary one
DEMO_SIGNER = dict(
    parent_body="TỈNH ỦY QUẢNG NGÃI",
    issuing_body="BAN DÂN VẬN",
    issuer_code="BDVTU",
    place_name="Quảng Ngãi",
    signer_authority="TRƯỞNG BAN",
    signer_title="PHÓ TRƯỞNG BAN",
    signer_name="Đinh Thị Hồng Minh",
)


def award_campaign_title(year: int) -> str:
    return f"Xét khen thưởng mô hình, điển hình “Dân vận khéo” tiêu biểu năm {year}"


def seed_award_stage(province: Unit, users: dict[str, User], today: date, evidence_png) -> int:
    """Add the awarded campaign if it is missing; returns the number of dossiers added."""
    from dvkheo.awards import decisions
    from dvkheo.awards import workflow as decision_workflow
    from dvkheo.awards.models import SignerPrefix
    from dvkheo.awards.operations import ensure_default_award_forms
    from dvkheo.demo_review import DOSSIERS, review_and_shortlist

    title = award_campaign_title(today.year)
    if db.session.scalar(sa.select(Campaign.id).where(Campaign.title == title)) is not None:
        return 0
    secretary, chair = users["thuky"], users["chutich"]
    campaign = campaign_ops.create_campaign(
        organising_unit=province, title=title, year=today.year, actor=secretary,
        status=CampaignStatus.NOMINATIONS_OPEN, nominations_open_on=today - timedelta(days=120),
        nominations_close_on=today, review_close_on=today - timedelta(days=30), decision_on=today - timedelta(days=3),
        reviewers_per_nomination=3, has_public_stage=False,
        description="Hội đồng xét chọn đã họp, bỏ phiếu kín; quyết định khen thưởng đã ban hành, giấy khen đã cấp.",
    )
    members = (("chutich", CouncilRole.CHAIR), ("hoidong1", CouncilRole.MEMBER), ("hoidong2", CouncilRole.MEMBER))
    for local_part, role in members:
        db.session.add(CouncilMember(campaign=campaign, user=users[local_part], council_role=role))
    reference = {(item.kind.value, item.code): item for item in db.session.scalars(sa.select(ReferenceItem))}
    dossiers: list[Nomination] = []
    for number, (submitter_key, kind, field_code, category_code, report, _) in enumerate(
        DOSSIERS[: len(AWARD_SCORES)], start=1
    ):
        submitter = users[submitter_key]
        nomination = operations.create_draft(campaign, kind, submitter.unit, submitter)
        category = "collective_type" if kind.value == "collective" else "individual_category"
        values = dict(report, field_id=reference[("field", field_code)].id)
        values.update(
            {f"{category}_id": reference[(category, category_code)].id},
            review_held_on=today - timedelta(days=110 - number), review_attendees=45 + number,
            review_votes_cast=44 + number, review_votes_for=41 + number,
        )
        operations.update_report(nomination, values, submitter)
        picture = store_upload(io.BytesIO(evidence_png(300 + number)), f"Ảnh minh chứng - {report['nominee_name']}.png")
        operations.attach_files(nomination, [(picture, "evidence", None)], submitter)
        workflow.apply(nomination, A.SUBMIT, submitter)
        dossiers.append(nomination)
    db.session.flush()

    campaign.nominations_close_on = today - timedelta(days=60)
    review_and_shortlist(campaign, dossiers, AWARD_SCORES, secretary, "Đạt điểm cao, đề nghị Hội đồng bỏ phiếu.")
    campaign_workflow.apply(campaign, campaign_workflow.CampaignAction.START_COUNCIL_DECISION, secretary)
    db.session.flush()

    award_form = ensure_default_award_forms(campaign, secretary)[0]
    for key, value in DEMO_SIGNER.items():
        setattr(award_form, key, value)
    award_form.signer_prefix = SignerPrefix.DEPUTY
    db.session.flush()
    _hold_council_ballot(campaign, award_form, dossiers, users, today)

    decision = decisions.draft_award_decision(campaign, award_form, [n.id for n in dossiers[:AWARDED_NOW]], secretary)
    db.session.flush()
    decision_workflow.apply(decision, decision_workflow.DecisionAction.APPROVE, chair)
    decision_workflow.apply(
        decision, decision_workflow.DecisionAction.ISSUE, chair, decided_on=today - timedelta(days=2),
        acknowledge_warnings=True,
    )
    db.session.flush()
    return len(dossiers)


def _hold_council_ballot(campaign, award_form, dossiers, users, today: date) -> None:
    from dvkheo.council import operations as council

    secretary = users["thuky"]
    ballot = council.create_ballot(
        campaign, award_form, meeting_on=today - timedelta(days=5), meeting_time="14 giờ 00",
        meeting_place="Phòng họp Ban Dân vận Tỉnh ủy", nominations=dossiers, actor=secretary,
    )
    db.session.flush()
    rows = [council.AttendanceInput(a.id, True, "electronic", "", None) for a in ballot.attendances]
    council.update_attendance(ballot, rows, secretary)
    # Opening notifies the members with a link to their ballot; seeding runs outside any request.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        council.open_ballot(ballot, secretary)
    db.session.flush()
    voters = [users["chutich"], users["hoidong1"], users["hoidong2"]]
    for position, voter in enumerate(voters):
        choices = {item.id: position < COUNCIL_AGREES[index] for index, item in enumerate(ballot.items)}
        council.cast_vote(ballot, voter, choices)
        db.session.flush()
    council.close_ballot(ballot, secretary)
