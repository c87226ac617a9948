"""Conflicts of interest: the tree rule, refusals on manual assignment, declared conflicts."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.core.audit import AuditEvent
from dvkheo.core.notifications import Notification
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review import assignment as ops
from dvkheo.review.models import AssignmentStatus, ReviewAssignment
from tests.conftest import PASSWORD


def switch_to(client, user):
    client.post("/logout")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def tree(make_unit, province):
    """Province (organiser) > district > commune > village; a sibling commune; a unit above the province."""
    centre = make_unit("Ban Dân vận Trung ương", kind="agency")
    district = make_unit("Huyện Sơn Tịnh", parent=province, kind="district")
    commune = make_unit("Xã Tịnh Hà", parent=district)
    village = make_unit("Thôn Phú Lộc", parent=commune, kind="village")
    sibling = make_unit("Xã Tịnh Sơn", parent=district)
    return dict(centre=centre, province=province, district=district, commune=commune, village=village, sibling=sibling)


@pytest.mark.parametrize(
    "reviewer_unit, conflicted, words",
    [
        ("commune", True, "chính đơn vị đề nghị"),
        ("district", True, "cấp trên"),
        ("village", True, "trực thuộc"),
        ("province", False, None),
        ("centre", False, None),
        ("sibling", False, None),
        (None, False, None),
    ],
)
def test_conflict_reason_follows_the_tree(tree, reviewer_unit, conflicted, words):
    unit = tree[reviewer_unit] if reviewer_unit else None
    reason = ops.conflict_reason(unit, tree["commune"], tree["province"])
    assert (reason is not None) == conflicted
    if words:
        assert words in reason and "Xung đột lợi ích" in reason


def test_conflict_reason_exempts_organising_unit_even_when_organised_below_the_province(tree):
    # A district-organised campaign: the district's own staff may score its communes.
    assert ops.conflict_reason(tree["district"], tree["commune"], tree["district"]) is None
    assert ops.conflict_reason(tree["province"], tree["commune"], tree["district"]) is None
    assert ops.conflict_reason(tree["commune"], tree["commune"], tree["district"]) is not None


def test_manual_assign_of_conflicted_member_is_refused_with_reason(client, auth, secretary, make_member, make_dossier, make_unit, review_campaign):
    district = make_unit("Huyện Bình Sơn", parent=review_campaign.organising_unit, kind="district")
    commune = make_unit("Xã Bình Châu", parent=district)
    dossier = make_dossier(NominationState.ACCEPTED, unit=commune)
    district_reviewer = make_member(unit=district, full_name="Lê Văn Huyện")
    auth.login(secretary)

    response = client.post(
        f"/review/campaigns/{review_campaign.id}/assignments/assign",
        data={"nomination_id": dossier.id, "reviewer_id": district_reviewer.id},
        follow_redirects=True,
    )

    page = response.get_data(as_text=True)
    assert "Không thể phân công Lê Văn Huyện" in page and "cấp trên của đơn vị đề nghị" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewAssignment)) == 0
    db.session.refresh(dossier)
    assert dossier.status is NominationState.ACCEPTED


def test_automatic_assignment_never_picks_a_conflicted_member(secretary, make_member, make_dossier, make_unit, review_campaign):
    commune = make_unit("Xã Tịnh Kỳ", parent=review_campaign.organising_unit)
    own = make_member(unit=commune)
    others = [make_member(), make_member()]
    dossier = make_dossier(NominationState.ACCEPTED, unit=commune)

    ops.auto_assign(review_campaign, secretary)
    db.session.commit()

    reviewers = set(db.session.scalars(sa.select(ReviewAssignment.reviewer_id).where(ReviewAssignment.nomination_id == dossier.id)))
    assert reviewers == {u.id for u in others}
    assert own.id not in reviewers


def test_declared_conflict_reassigns_to_another_member_and_never_back(client, auth, secretary, make_member, make_dossier, review_campaign):
    review_campaign.reviewers_per_nomination = 1
    first, second = make_member(full_name="Trần Văn Một"), make_member(full_name="Võ Thị Hai")
    dossier = make_dossier(NominationState.ACCEPTED)
    sheet = ops.assign(dossier, first, secretary)
    db.session.commit()

    auth.login(first)
    response = client.post(f"/review/assignments/{sheet.id}/conflict", data={"reason": "Tôi là người nhà của trưởng thôn"})
    assert response.status_code == 302

    db.session.refresh(sheet)
    assert sheet.status is AssignmentStatus.CONFLICT
    assert sheet.conflict_reason == "Tôi là người nhà của trưởng thôn" and sheet.conflict_declared_at is not None
    replacement = db.session.scalar(
        sa.select(ReviewAssignment).where(ReviewAssignment.nomination_id == dossier.id, ReviewAssignment.status == AssignmentStatus.ACTIVE)
    )
    assert replacement.reviewer_id == second.id and replacement.source == "auto"
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity_type == "nomination", AuditEvent.entity_id == dossier.id).order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["declare_conflict", "assign"]
    notice = db.session.scalar(sa.select(Notification).where(Notification.user_id == secretary.id))
    assert "Trần Văn Một khai báo xung đột lợi ích" in notice.message and "Võ Thị Hai" in notice.message
    # The conflicted reviewer no longer opens the sheet.
    assert client.get(f"/review/assignments/{sheet.id}").status_code == 404

    # Removing the replacement and re-running the automatic assignment never brings the first back.
    ops.unassign(replacement, secretary)
    result = ops.auto_assign(review_campaign, secretary)
    db.session.commit()
    assert [s.nomination_id for s in result.shortfalls] == []
    db.session.refresh(sheet)
    assert sheet.status is AssignmentStatus.CONFLICT
    active = db.session.scalars(
        sa.select(ReviewAssignment.reviewer_id).where(ReviewAssignment.nomination_id == dossier.id, ReviewAssignment.status == AssignmentStatus.ACTIVE)
    ).all()
    assert active == [second.id]
    with pytest.raises(ops.RuleRefused, match="đã khai báo xung đột lợi ích"):
        ops.assign(dossier, first, secretary)


def test_declared_conflict_without_eligible_member_tells_secretary_the_dossier_lacks_a_reviewer(client, auth, secretary, make_member, make_dossier, review_campaign):
    only = make_member(full_name="Đặng Văn Duy")
    dossier = make_dossier(NominationState.ACCEPTED)
    sheet = ops.assign(dossier, only, secretary)
    db.session.commit()
    auth.login(only)

    client.post(f"/review/assignments/{sheet.id}/conflict", data={"reason": "Từng công tác tại xã này"})

    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(ReviewAssignment).where(ReviewAssignment.status == AssignmentStatus.ACTIVE)
    ) == 0
    notice = db.session.scalar(sa.select(Notification).where(Notification.user_id == secretary.id))
    assert "thiếu người chấm" in notice.message


def test_declaring_conflict_requires_a_reason(client, auth, secretary, make_member, make_dossier):
    reviewer = make_member()
    dossier = make_dossier(NominationState.ACCEPTED)
    sheet = ops.assign(dossier, reviewer, secretary)
    db.session.commit()
    auth.login(reviewer)

    page = client.post(f"/review/assignments/{sheet.id}/conflict", data={"reason": "  "}, follow_redirects=True).get_data(as_text=True)

    assert "Vui lòng nêu lý do xung đột lợi ích." in page
    db.session.refresh(sheet)
    assert sheet.status is AssignmentStatus.ACTIVE


def test_other_reviewer_cannot_declare_conflict_on_a_sheet_not_theirs(client, auth, secretary, make_member, make_dossier):
    owner, intruder = make_member(), make_member()
    dossier = make_dossier(NominationState.ACCEPTED)
    sheet = ops.assign(dossier, owner, secretary)
    db.session.commit()
    switch_to(client, intruder)

    assert client.post(f"/review/assignments/{sheet.id}/conflict", data={"reason": "x"}).status_code == 404
    db.session.refresh(sheet)
    assert sheet.status is AssignmentStatus.ACTIVE


def test_member_role_must_be_reviewer_or_chair(make_user, secretary, make_dossier, review_campaign):
    from dvkheo.council.models import CouncilMember

    submitter = make_user(Role.UNIT_SUBMITTER, review_campaign.organising_unit)
    db.session.add(CouncilMember(campaign=review_campaign, user=submitter))
    db.session.commit()
    with pytest.raises(ops.RuleRefused, match="không phải Thành viên Hội đồng"):
        ops.assign(make_dossier(NominationState.ACCEPTED), submitter, secretary)
