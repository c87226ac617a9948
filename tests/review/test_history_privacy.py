"""Who scores a dossier is the committee's business: the unit's page shows the dossier's path, not its reviewers."""
from __future__ import annotations

from dvkheo.accounts.models import Role
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review import assignment
from tests.conftest import PASSWORD


def test_assignment_events_name_the_reviewer_for_the_committee_only(client, make_dossier, make_member, make_user, secretary):
    nomination = make_dossier(NominationState.ACCEPTED)
    reviewer = make_member(full_name="Hoàng Văn Thẩm Định")
    assignment.assign(nomination, reviewer, secretary)
    db.session.commit()

    client.post("/login", data={"email": secretary.email, "password": PASSWORD})
    committee_view = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Phân công thành viên chấm điểm" in committee_view
    assert "Thành viên: Hoàng Văn Thẩm Định" in committee_view
    assert "Đang chấm điểm" in committee_view
    client.post("/logout")

    submitter = make_user(Role.UNIT_SUBMITTER, nomination.unit)
    client.post("/login", data={"email": submitter.email, "password": PASSWORD})
    unit_view = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Đang chấm điểm" in unit_view
    assert "Hoàng Văn Thẩm Định" not in unit_view
    assert "Phân công thành viên chấm điểm" not in unit_view


# --- no page, PDF, export or notice a unit can reach names a reviewer, from scoring to the award -------

REVIEWER_NAMES = ("Đỗ Thị Hạnh Ẩn Danh", "Võ Chủ Tịch Chấm Kín")


def _pdf_text(data: bytes) -> str:
    from io import BytesIO

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(data)).pages)


def _unit_sees_no_reviewer(client, nomination, *, certificate=None) -> str:
    """Every page and PDF the unit reaches for its dossier; returns the dossier page."""
    page = client.get(f"/nominations/{nomination.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    pdf = client.get(f"/nominations/{nomination.id}/dossier.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    texts = {
        "dossier": html,
        "dossier.pdf": _pdf_text(pdf.data),
        "list": client.get("/nominations/").get_data(as_text=True),
        "notifications": client.get("/notifications").get_data(as_text=True),
    }
    if certificate is not None:
        response = client.get(f"/certificates/{certificate.id}.pdf?output=plain")
        assert response.status_code == 200
        texts["certificate.pdf"] = _pdf_text(response.data)
    for where, text in texts.items():
        for name in REVIEWER_NAMES:
            assert name not in text, (where, name)
    return html


def test_unit_never_sees_a_reviewer_from_scoring_to_award(
    client, auth, make_dossier, make_member, make_user, make_commune, secretary, make_award_form
):
    import sqlalchemy as sa

    from dvkheo.awards import decisions, forwarding
    from dvkheo.awards import workflow as decision_workflow
    from dvkheo.awards.models import DecisionAwardee
    from dvkheo.campaigns.models import CampaignStatus
    from dvkheo.certificates.models import Certificate
    from dvkheo.core.audit import AuditEvent
    from dvkheo.core.timeutil import today_in_vietnam, utcnow
    from dvkheo.council.models import BallotItem, BallotStatus, CouncilBallot, CouncilRole
    from dvkheo.nominations import workflow
    from dvkheo.nominations.states import NominationAction as A
    from dvkheo.review import scoring
    from dvkheo.review.screening import return_for_completion

    reviewer = make_member(full_name=REVIEWER_NAMES[0])
    # The chair scores as a council member, finalises last, and later issues the decision.
    chair = make_member(unit=secretary.unit, role=Role.CHAIR, council_role=CouncilRole.CHAIR, full_name=REVIEWER_NAMES[1])
    nomination = make_dossier(NominationState.SUBMITTED)
    campaign = nomination.campaign
    submitter = make_user(Role.UNIT_SUBMITTER, nomination.unit)
    # A notice to the unit (returned, then accepted after resubmission).
    return_for_completion(nomination, secretary, "Bổ sung biên bản họp")
    workflow.apply(nomination, A.RESUBMIT, submitter)
    workflow.apply(nomination, A.ACCEPT, secretary)
    db.session.commit()
    sheets = {user: assignment.assign(nomination, user, secretary) for user in (reviewer, chair)}
    db.session.commit()
    for user in (reviewer, chair):
        entries = {c.id: scoring.Entry(c.max_score - 1, "Tốt") for c in campaign.criteria}
        scoring.save_scores(sheets[user], entries, user, finalise=True)
        db.session.commit()
    assert nomination.status is NominationState.SCORED

    # The step that completed scoring is the system's, not the chair's who finalised last.
    complete = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == A.COMPLETE_SCORING.value))
    assert complete.actor_id is None

    auth.login(submitter)
    html = _unit_sees_no_reviewer(client, nomination)
    assert "Hệ thống</strong>:\n      Hoàn thành chấm điểm" in html
    assert "Nguyễn Thị Thư Ký</strong>:\n      Trả lại để bổ sung" in html  # the secretary does not score: named
    assert "Bổ sung biên bản họp" in client.get("/notifications").get_data(as_text=True)
    for url in (f"/review/assignments/{sheets[chair].id}", f"/review/campaigns/{campaign.id}/ranking"):
        assert client.get(url).status_code == 404
    auth.logout()

    # The committee reads the same history with the reviewers named, and the system's step as such.
    auth.login(secretary)
    committee = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert f"Thành viên: {REVIEWER_NAMES[1]}" in committee and "Hệ thống</strong>:\n      Hoàn thành chấm điểm" in committee
    auth.logout()

    # Shortlist, council ballot, decision issued by the chair who scored the dossier.
    workflow.apply(nomination, A.SHORTLIST, secretary, reason="Đứng đầu nhóm")
    campaign.status = CampaignStatus.COUNCIL_DECISION
    award_form = make_award_form(campaign)
    ballot = CouncilBallot(
        campaign=campaign, award_form=award_form, status=BallotStatus.CLOSED, meeting_on=today_in_vietnam(),
        minutes_year=today_in_vietnam().year, minutes_number=1, opened_at=utcnow(), closed_at=utcnow(),
    )
    ballot.items.append(BallotItem(nomination_id=nomination.id, position=1, agree_electronic=2, passed=True))
    db.session.add(ballot)
    workflow.apply(nomination, A.PASS_COUNCIL, secretary)
    db.session.commit()
    decision = decisions.draft_award_decision(campaign, award_form, [nomination.id], secretary)
    db.session.commit()
    decision_workflow.apply(decision, decision_workflow.DecisionAction.APPROVE, chair)
    decision_workflow.apply(decision, decision_workflow.DecisionAction.ISSUE, chair, decided_on=today_in_vietnam())
    db.session.commit()
    assert nomination.status is NominationState.AWARDED
    award = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == A.AWARD.value))
    assert award.actor_id is None
    certificate = db.session.scalar(
        sa.select(Certificate).join(DecisionAwardee).where(DecisionAwardee.nomination_id == nomination.id)
    )

    auth.login(submitter)
    html = _unit_sees_no_reviewer(client, nomination, certificate=certificate)
    assert "Số hiệu giấy khen" in html and certificate.serial in html
    assert client.get(f"/council/ballots/{ballot.id}/minutes.pdf").status_code == 404
    auth.logout()
    other_unit = make_user(Role.UNIT_SUBMITTER, make_commune("Xã Khác Hẳn"))
    auth.login(other_unit)
    assert client.get(f"/nominations/{nomination.id}").status_code == 404
    assert client.get(f"/nominations/{nomination.id}/dossier.pdf").status_code == 404
    auth.logout()
    assert client.get(f"/nominations/{nomination.id}/dossier.pdf").status_code == 302  # anonymous: to the login page

    # The history that travels upward numbers the reviewers anonymously.
    line = db.session.scalar(sa.select(DecisionAwardee).where(DecisionAwardee.nomination_id == nomination.id))
    snapshot = repr(forwarding.history_snapshot(nomination, line))
    assert "Thành viên 1" in snapshot and all(name not in snapshot for name in REVIEWER_NAMES)


def test_public_gallery_names_no_reviewer(client, make_dossier, make_member, secretary):
    from dvkheo.campaigns.models import CampaignStatus
    from dvkheo.review import scoring

    reviewer = make_member(full_name=REVIEWER_NAMES[0])
    nomination = make_dossier(NominationState.ACCEPTED)
    sheet = assignment.assign(nomination, reviewer, secretary)
    db.session.commit()
    scoring.save_scores(sheet, {c.id: scoring.Entry(c.max_score, "Tốt") for c in nomination.campaign.criteria}, reviewer, finalise=True)
    nomination.campaign.status = CampaignStatus.PUBLIC_VOTING
    nomination.campaign.has_public_stage = True
    from dvkheo.nominations import workflow
    from dvkheo.nominations.states import NominationAction as A

    workflow.apply(nomination, A.SHORTLIST, secretary, reason="Đứng đầu nhóm")
    db.session.commit()
    for url in (f"/binh-chon/dot/{nomination.campaign_id}", f"/binh-chon/ho-so/{nomination.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert REVIEWER_NAMES[0] not in response.get_data(as_text=True)


def test_a_reviewer_who_acts_on_the_dossier_is_not_named_to_the_unit(client, make_dossier, make_member, make_user, secretary):
    """Defence in depth: should a reviewer of the dossier ever appear as the actor of an event the
    unit may read, the unit reads "Hội đồng xét chọn" instead of the name."""
    from dvkheo.core import audit

    reviewer = make_member(full_name=REVIEWER_NAMES[0])
    nomination = make_dossier(NominationState.ACCEPTED)
    assignment.assign(nomination, reviewer, secretary)
    audit.record("nomination", nomination.id, "update", reviewer, details={"fields": ["results"]})
    db.session.commit()
    submitter = make_user(Role.UNIT_SUBMITTER, nomination.unit)
    client.post("/login", data={"email": submitter.email, "password": PASSWORD})
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert REVIEWER_NAMES[0] not in page
    assert "Hội đồng xét chọn</strong>:\n      Cập nhật nội dung" in page
