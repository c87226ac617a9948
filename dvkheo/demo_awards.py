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

from dvkheo.accounts.models import Role, User
from dvkheo.campaigns import operations as campaign_ops
from dvkheo.campaigns import workflow as campaign_workflow
from dvkheo.campaigns.models import Campaign, CampaignStatus, ReferenceItem
from dvkheo.core.storage import store_upload
from dvkheo.campaigns.models import NomineeKind
from dvkheo.council.models import CouncilMember, CouncilRole
from dvkheo.documents.models import system_by_code
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
    # A Party body: its decisions follow Hướng dẫn 36-HD/VPTW ("Số 05-QĐ/BDVTU", "K/T TRƯỞNG BAN").
    issuer_in_text="Ban Dân vận Tỉnh ủy",
    archive="VT, HĐXC",
)

# The commune's People's Committee issues its own Giấy khen in the State format (Nghị định 30/2020/NĐ-CP).
COMMUNE_SIGNER = dict(
    parent_body="",
    issuing_body="ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ",
    issuer_code="UBND",
    place_name="Tịnh Khê",
    signer_authority="CHỦ TỊCH",
    signer_title="PHÓ CHỦ TỊCH",
    signer_name="Lê Thanh Hải",
    issuer_in_text="Chủ tịch Ủy ban nhân dân xã Tịnh Khê",  # under the 2022 law the Chairman grants the commune's Giấy khen
    archive="VT, VP",
)
# The issuer's competence first (issue 11): the Party's Statute and the Ban's own mandate, then the law on commendation.
PARTY_BASES = (
    "Căn cứ Điều lệ Đảng Cộng sản Việt Nam",
    "Căn cứ Quy định của Ban Thường vụ Tỉnh ủy về chức năng, nhiệm vụ, quyền hạn, tổ chức bộ máy của Ban Dân vận Tỉnh ủy",
)
COMMUNE_BASES = (
    "Căn cứ Luật Tổ chức chính quyền địa phương số 72/2025/QH15 ngày 16/6/2025",
)
# Two dossiers of Thôn Trường Thọ; the commune council (its chair and one member) passes both.
COMMUNE_DOSSIERS = [
    (
        NomineeKind.COLLECTIVE, "new_rural_civilised_urban", "commune_body",
        dict(
            title="Đường làng “xanh - sạch - sáng” do Nhân dân thôn Trường Thọ tự quản",
            nominee_name="Tổ tự quản đường làng thôn Trường Thọ",
            locality="Thôn Trường Thọ, xã Tịnh Khê",
            started_on=date(2024, 2, 1), duration="2 năm",
            situation="Đường làng tối, rác thải ven đường, cống thoát nước bị lấp sau mùa mưa.",
            method="Mỗi tổ dân cư nhận một đoạn đường; trồng hoa, lắp đèn năng lượng mặt trời; tổng vệ sinh sáng Chủ nhật đầu tháng.",
            participation="Dân bàn mức góp và cách chia đoạn đường; dân tự làm; Ban Công tác Mặt trận thôn công khai thu chi.",
            results="3,2 km đường có đèn và hoa; 96 triệu đồng và 650 ngày công do người dân đóng góp.",
            households_count=215, money_contributed_vnd=96_000_000, working_days=650,
            replication="Ủy ban nhân dân xã đã phát động ở 5 thôn còn lại.",
        ),
    ),
    (
        NomineeKind.INDIVIDUAL, "new_rural_civilised_urban", "party_member",
        dict(
            title="Bí thư chi bộ vận động các hộ hiến đất mở rộng đường bê tông liên xóm",
            nominee_name="Huỳnh Văn Thành", nominee_position="Bí thư Chi bộ thôn Trường Thọ", nominee_birth_year=1972,
            locality="Thôn Trường Thọ, xã Tịnh Khê",
            started_on=date(2024, 5, 10), duration="2 năm",
            situation="Đường liên xóm rộng 2 m, xe cứu thương và xe chở nông sản không vào được.",
            method="Gặp từng hộ, họp xóm công khai phương án; cán bộ, đảng viên hiến đất trước.",
            participation="37 hộ tự nguyện hiến 1.450 m² đất, tự tháo dỡ tường rào; dân giám sát thi công.",
            results="1,8 km đường bê tông rộng 5 m hoàn thành, không có khiếu nại.",
            households_count=37, working_days=420,
            replication="Đảng ủy xã biểu dương, giới thiệu cách làm cho các thôn.",
        ),
    ),
]
COMMUNE_SCORES = [[23, 22, 23, 13, 9], [22, 21, 22, 13, 8]]


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
        files = [(picture, "evidence", None)]
        if number == 1:  # the model whose summary is approved shows two photos on its page and sheet
            files.append((store_upload(io.BytesIO(evidence_png(350)), "Ảnh hiện trường sau khi hoàn thành.png"), "evidence", None))
        operations.attach_files(nomination, files, submitter)
        workflow.apply(nomination, A.SUBMIT, submitter)
        dossiers.append(nomination)
    db.session.flush()

    campaign.nominations_close_on = today - timedelta(days=60)
    review_and_shortlist(campaign, dossiers, AWARD_SCORES, secretary, "Đạt điểm cao, đề nghị Hội đồng bỏ phiếu.")
    _hold_public_vote(campaign, dossiers, secretary, today)
    # The final batch's head (sealed at the close) is printed on the council's minutes and in the decision's annex.
    campaign_workflow.apply(campaign, campaign_workflow.CampaignAction.START_COUNCIL_DECISION, secretary)
    db.session.flush()

    award_form = ensure_default_award_forms(campaign, secretary)[0]
    for key, value in DEMO_SIGNER.items():
        setattr(award_form, key, value)
    award_form.signer_prefix = SignerPrefix.DEPUTY
    award_form.document_system = system_by_code("party")
    from dvkheo.awards.models import LegalBasis

    party_bases = [LegalBasis(position=0, text=text) for text in PARTY_BASES] + list(award_form.legal_bases)
    for position, basis in enumerate(party_bases, start=1):
        basis.position = position
    award_form.legal_bases = party_bases
    db.session.flush()
    _hold_council_ballot(
        campaign, award_form, dossiers, secretary, [users["chutich"], users["hoidong1"], users["hoidong2"]],
        "Phòng họp Ban Dân vận Tỉnh ủy", today,
    )

    decision = decisions.draft_award_decision(campaign, award_form, [n.id for n in dossiers[:AWARDED_NOW]], secretary)
    db.session.flush()
    decision_workflow.apply(decision, decision_workflow.DecisionAction.APPROVE, chair)
    decision_workflow.apply(
        decision, decision_workflow.DecisionAction.ISSUE, chair, decided_on=today - timedelta(days=2),
        acknowledge_warnings=True,
    )
    db.session.flush()
    _approve_a_public_summary(dossiers[0], users, chair)
    return len(dossiers)


def _approve_a_public_summary(nomination: Nomination, users: dict[str, User], chair: User) -> None:
    """The first awarded model's unit writes its public summary, chooses its evidence pictures for the public page
    and the committee approves both, so the registry shows one model with its summary and photos (and the others
    without them yet: evidence is never public unless chosen and approved)."""
    from dvkheo.registry import queries as registry_queries
    from dvkheo.registry import workflow as summary_workflow
    from dvkheo.registry.models import Recognition, RegisteredModel

    model = db.session.scalar(
        sa.select(RegisteredModel).join(Recognition).where(Recognition.nomination_id == nomination.id)
    )
    writer = next(
        (user for user in users.values() if user.role is Role.UNIT_SUBMITTER and user.unit_id == model.unit_id), None
    ) if model is not None else None
    if writer is None:
        return
    text = " ".join(part for part in (nomination.method, nomination.results) if part).strip()
    photo_ids = [photo.id for photo in registry_queries.candidate_photos(model)]
    summary_workflow.apply(
        model, summary_workflow.A.EDIT, writer, text=text[:summary_workflow.MAX_SUMMARY], photo_ids=photo_ids
    )
    summary_workflow.apply(model, summary_workflow.A.SUBMIT, writer)
    summary_workflow.apply(model, summary_workflow.A.APPROVE, chair)
    db.session.flush()


def _hold_public_vote(campaign: Campaign, dossiers: list[Nomination], secretary: User, today: date) -> None:
    """The awarded campaign's public stage, long over: 48 citizens voted online over three weeks, the
    ledger was sealed in batches along the way (each from many people, as the timer would)."""
    from dvkheo.voting import ledger, sealing
    from dvkheo.voting.identity import email_hash
    from dvkheo.voting.models import VoteChannel, Voter

    campaign.has_public_stage = True
    campaign.public_voting_open_on = today - timedelta(days=40)
    campaign.public_voting_close_on = today - timedelta(days=20)
    campaign_workflow.apply(campaign, campaign_workflow.CampaignAction.OPEN_PUBLIC_VOTING, secretary)
    db.session.flush()
    opens, _ = campaign.voting_window()
    patterns = ([0, 1], [1, 2], [0], [0, 3], [2, 0], [1], [0, 2], [3, 1])
    for number in range(1, 49):
        voter = Voter(campaign_id=campaign.id, identity_key="email:" + email_hash(f"cutri{number}@example.vn"))
        db.session.add(voter)
        db.session.flush()
        at = opens + timedelta(hours=9 * number)
        for index in patterns[number % len(patterns)]:
            ledger.cast(campaign, voter, dossiers[index], VoteChannel.ONLINE, at=at + timedelta(minutes=7 * index))
        if number in (18, 36):
            sealing.seal(campaign.id, final=False, at=at + timedelta(hours=2))
    # The timer sealed the rest just after the close, weeks before the council met.
    _, closes = campaign.voting_window()
    sealing.seal(campaign.id, final=True, at=closes + timedelta(minutes=2))


def _hold_council_ballot(campaign, award_form, dossiers, secretary, voters, place: str, today: date) -> None:
    from dvkheo.council import operations as council

    ballot = council.create_ballot(
        campaign, award_form, meeting_on=today - timedelta(days=5), meeting_time="14 giờ 00",
        meeting_place=place, nominations=dossiers, actor=secretary,
    )
    db.session.flush()
    rows = [council.AttendanceInput(a.id, True, "electronic", "", None) for a in ballot.attendances]
    council.update_attendance(ballot, rows, secretary)
    # Opening notifies the members with a link to their ballot; seeding runs outside any request.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        council.open_ballot(ballot, secretary)
    db.session.flush()
    for position, voter in enumerate(voters):
        choices = {item.id: position < COUNCIL_AGREES[index] for index, item in enumerate(ballot.items)}
        council.cast_vote(ballot, voter, choices)
        db.session.flush()
    council.close_ballot(ballot, secretary, {"meeting_end_time": "16:30"})  # as the secretary types it at the close


def commune_award_campaign_title(year: int) -> str:
    return f"Xét khen thưởng mô hình “Dân vận khéo” xã Tịnh Khê năm {year}"


def seed_commune_award_stage(province: Unit, users: dict[str, User], today: date, evidence_png) -> int:
    """The commune's own campaign: Ủy ban nhân dân xã Tịnh Khê commends two dossiers of Thôn Trường Thọ with a
    Giấy khen issued in the State format, so the demo shows a Party decision and a State one side by side.
    Added once (found by its title); returns the number of dossiers added."""
    from dvkheo.awards import decisions
    from dvkheo.awards import workflow as decision_workflow
    from dvkheo.awards.models import LegalBasis, SignerPrefix
    from dvkheo.awards.operations import ensure_default_award_forms
    from dvkheo.demo import TINH_KHE
    from dvkheo.demo_review import review_and_shortlist

    title = commune_award_campaign_title(today.year)
    if db.session.scalar(sa.select(Campaign.id).where(Campaign.title == title)) is not None:
        return 0
    commune = db.session.scalar(sa.select(Unit).where(Unit.code == TINH_KHE))
    secretary, chair, member, submitter = users["thukyxa"], users["chutichxa"], users["hoidongxa"], users["truongthon"]
    campaign = campaign_ops.create_campaign(
        organising_unit=commune, title=title, year=today.year, actor=secretary,
        status=CampaignStatus.NOMINATIONS_OPEN, nominations_open_on=today - timedelta(days=90),
        nominations_close_on=today, review_close_on=today - timedelta(days=20), decision_on=today - timedelta(days=2),
        reviewers_per_nomination=2, has_public_stage=False,
        description="Các thôn đề nghị; Hội đồng thi đua - khen thưởng xã đã họp; Ủy ban nhân dân xã đã tặng Giấy khen.",
    )
    for user, role in ((chair, CouncilRole.CHAIR), (member, CouncilRole.MEMBER)):
        db.session.add(CouncilMember(campaign=campaign, user=user, council_role=role))
    reference = {(item.kind.value, item.code): item for item in db.session.scalars(sa.select(ReferenceItem))}
    dossiers: list[Nomination] = []
    for number, (kind, field_code, category_code, report) in enumerate(COMMUNE_DOSSIERS, start=1):
        nomination = operations.create_draft(campaign, kind, submitter.unit, submitter)
        category = "collective_type" if kind is NomineeKind.COLLECTIVE else "individual_category"
        values = dict(report, field_id=reference[("field", field_code)].id)
        values.update(
            {f"{category}_id": reference[(category, category_code)].id},
            review_held_on=today - timedelta(days=80 - number), review_attendees=60 + number,
            review_votes_cast=58 + number, review_votes_for=55 + number,
        )
        operations.update_report(nomination, values, submitter)
        picture = store_upload(io.BytesIO(evidence_png(400 + number)), f"Ảnh minh chứng - {report['nominee_name']}.png")
        operations.attach_files(nomination, [(picture, "evidence", None)], submitter)
        workflow.apply(nomination, A.SUBMIT, submitter)
        dossiers.append(nomination)
    db.session.flush()

    campaign.nominations_close_on = today - timedelta(days=40)
    review_and_shortlist(campaign, dossiers, COMMUNE_SCORES, secretary, "Đạt điểm cao, đề nghị Hội đồng biểu quyết.")
    campaign_workflow.apply(campaign, campaign_workflow.CampaignAction.START_COUNCIL_DECISION, secretary)
    db.session.flush()

    award_form = ensure_default_award_forms(campaign, secretary)[0]
    for key, value in COMMUNE_SIGNER.items():
        setattr(award_form, key, value)
    award_form.signer_prefix = SignerPrefix.DEPUTY
    award_form.document_system = system_by_code("state")
    # A People's Committee states its competence first: the law that organises local government.
    bases = [LegalBasis(position=0, text=text) for text in COMMUNE_BASES] + list(award_form.legal_bases)
    for position, basis in enumerate(bases, start=1):
        basis.position = position
    award_form.legal_bases = bases
    db.session.flush()
    _hold_council_ballot(
        campaign, award_form, dossiers, secretary, [chair, member], "Hội trường Ủy ban nhân dân xã Tịnh Khê", today,
    )

    decision = decisions.draft_award_decision(campaign, award_form, [n.id for n in dossiers], secretary)
    db.session.flush()
    decision_workflow.apply(decision, decision_workflow.DecisionAction.APPROVE, chair)
    decision_workflow.apply(
        decision, decision_workflow.DecisionAction.ISSUE, chair, decided_on=today - timedelta(days=1),
        acknowledge_warnings=True,
    )
    db.session.flush()
    _approve_a_public_summary(dossiers[0], users, chair)
    return len(dossiers)
