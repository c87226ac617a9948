"""Assignment: balanced automatic assignment, manual assign and remove, the page's access and query count."""
from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.audit import AuditEvent
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review import assignment as ops
from dvkheo.review.models import AssignmentStatus, ReviewAssignment
from tests.review.conftest import give_scores


def active_loads() -> Counter:
    return Counter(
        db.session.scalars(sa.select(ReviewAssignment.reviewer_id).where(ReviewAssignment.status == AssignmentStatus.ACTIVE))
    )


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_auto_assignment_balances_ten_dossiers_over_three_members(client, auth, secretary, make_member, make_dossier, review_campaign):
    members = [make_member() for _ in range(3)]
    dossiers = [make_dossier(NominationState.ACCEPTED) for _ in range(10)]
    auth.login(secretary)

    response = client.post(f"/review/campaigns/{review_campaign.id}/assignments/auto", follow_redirects=True)

    assert "Đã phân công tự động 20 lượt chấm cho 10 hồ sơ." in response.get_data(as_text=True)
    loads = active_loads()
    assert sorted(loads.values()) == [6, 7, 7] and set(loads) == {m.id for m in members}
    for dossier in dossiers:
        db.session.refresh(dossier)
        reviewers = db.session.scalars(sa.select(ReviewAssignment.reviewer_id).where(ReviewAssignment.nomination_id == dossier.id)).all()
        assert len(set(reviewers)) == 2
        assert dossier.status is NominationState.IN_REVIEW
    assigned = events("assign")
    assert len(assigned) == 20 and {e.details["source"] for e in assigned} == {"auto"}
    assert len(events("start_review")) == 10


def test_auto_assignment_balances_around_conflicts_when_possible(secretary, make_member, make_dossier, make_unit, review_campaign):
    review_campaign.reviewers_per_nomination = 1
    commune = make_unit("Xã Nghĩa Kỳ", parent=review_campaign.organising_unit)
    local = make_member(unit=commune)
    make_member(), make_member()
    own_dossiers = [make_dossier(NominationState.ACCEPTED, unit=commune) for _ in range(2)]
    for _ in range(4):
        make_dossier(NominationState.ACCEPTED)

    result = ops.auto_assign(review_campaign, secretary)
    db.session.commit()

    assert result.shortfalls == []
    assert sorted(active_loads().values()) == [2, 2, 2]
    on_own = db.session.scalars(
        sa.select(ReviewAssignment.reviewer_id).where(ReviewAssignment.nomination_id.in_([d.id for d in own_dossiers]))
    ).all()
    assert local.id not in on_own


def test_auto_assignment_reports_dossiers_it_cannot_fill(client, auth, secretary, make_member, make_dossier, review_campaign):
    review_campaign.reviewers_per_nomination = 3
    make_member(), make_member()
    dossiers = [make_dossier(NominationState.ACCEPTED, title=f"Mô hình thiếu người chấm {i}") for i in range(2)]
    auth.login(secretary)

    page = client.post(f"/review/campaigns/{review_campaign.id}/assignments/auto", follow_redirects=True).get_data(as_text=True)

    assert "2 hồ sơ chưa đủ 3 thành viên chấm" in page
    assert "Mô hình thiếu người chấm 0" in page and "(2/3)" in page
    assert sorted(active_loads().values()) == [2, 2]
    for dossier in dossiers:
        db.session.refresh(dossier)
        assert dossier.status is NominationState.IN_REVIEW
    # The page keeps showing what is missing.
    page = client.get(f"/review/campaigns/{review_campaign.id}/assignments?lacking=1").get_data(as_text=True)
    assert "Thiếu 1 người chấm" in page


def test_auto_assignment_tops_up_without_touching_existing_and_skips_held_dossiers(secretary, make_member, make_dossier, review_campaign):
    first = make_member()
    make_member(), make_member()
    partly = make_dossier(NominationState.ACCEPTED)
    ops.assign(partly, first, secretary)
    held = make_dossier(NominationState.ON_HOLD)
    db.session.commit()

    result = ops.auto_assign(review_campaign, secretary)
    db.session.commit()

    assert result.created == 1
    reviewers = set(db.session.scalars(sa.select(ReviewAssignment.reviewer_id).where(ReviewAssignment.nomination_id == partly.id)))
    assert first.id in reviewers and len(reviewers) == 2
    assert db.session.scalar(sa.select(sa.func.count()).where(ReviewAssignment.nomination_id == held.id)) == 0


def test_plan_balanced_keeps_loads_within_one_at_provincial_scale():
    members = list(range(1, 51))
    nominations = [(n, 2) for n in range(1000, 6000)]
    eligible = {n: [m for m in members if (n + m) % 17 != 0] for n, _ in nominations}
    loads = {m: 0 for m in members}

    plan = ops.plan_balanced(nominations, members, loads, eligible)

    assert all(len(chosen) == 2 and len(set(chosen)) == 2 for chosen in plan.values())
    assert all((n + m) % 17 != 0 for n, chosen in plan.items() for m in chosen)
    assert max(loads.values()) - min(loads.values()) <= 1
    assert sum(loads.values()) == 10000


def test_auto_assignment_is_refused_outside_the_review_phase(client, auth, secretary, make_member, make_dossier, review_campaign):
    make_member()
    make_dossier(NominationState.ACCEPTED)
    review_campaign.status = CampaignStatus.NOMINATIONS_OPEN
    db.session.commit()
    auth.login(secretary)

    page = client.post(f"/review/campaigns/{review_campaign.id}/assignments/auto", follow_redirects=True).get_data(as_text=True)

    assert "Chỉ phân công chấm điểm khi đợt bình xét đang ở giai đoạn" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewAssignment)) == 0


def test_manual_assign_starts_review_and_is_audited(client, auth, secretary, make_member, make_dossier, review_campaign):
    reviewer = make_member(full_name="Hồ Văn Chấm")
    dossier = make_dossier(NominationState.ACCEPTED)
    auth.login(secretary)

    page = client.post(
        f"/review/campaigns/{review_campaign.id}/assignments/assign",
        data={"nomination_id": dossier.id, "reviewer_id": reviewer.id},
        follow_redirects=True,
    ).get_data(as_text=True)

    assert "Đã phân công Hồ Văn Chấm chấm hồ sơ" in page
    db.session.refresh(dossier)
    assert dossier.status is NominationState.IN_REVIEW
    [event] = events("assign")
    assert (event.entity_id, event.actor_id, event.details) == (dossier.id, secretary.id, {"reviewer_id": reviewer.id, "source": "manual"})
    assert [e.to_state for e in events("start_review")] == ["in_review"]


def test_new_reviewer_on_scored_dossier_reopens_scoring(secretary, make_member, make_dossier):
    first, second = make_member(), make_member()
    dossier = make_dossier(NominationState.SCORED)
    give_scores(dossier, first, [20, 20, 20, 10, 8])

    ops.assign(dossier, second, secretary)
    db.session.commit()

    assert dossier.status is NominationState.IN_REVIEW
    assert [e.action for e in events("reopen_scoring")] == ["reopen_scoring"]


def test_remove_assignment_marks_it_removed_unless_finalised(client, auth, secretary, make_member, make_dossier, review_campaign):
    open_reviewer, done_reviewer = make_member(full_name="Người Chưa Chấm"), make_member(full_name="Người Đã Chấm")
    dossier = make_dossier(NominationState.ACCEPTED)
    pending = ops.assign(dossier, open_reviewer, secretary)
    db.session.commit()
    done = give_scores(dossier, done_reviewer, [20, 20, 20, 10, 8])
    auth.login(secretary)

    page = client.post(f"/review/assignments/{done.id}/remove", follow_redirects=True).get_data(as_text=True)
    assert "Người Đã Chấm đã hoàn tất chấm điểm hồ sơ này; không thể thu hồi phân công." in page
    db.session.refresh(done)
    assert done.status is AssignmentStatus.ACTIVE

    page = client.post(f"/review/assignments/{pending.id}/remove", follow_redirects=True).get_data(as_text=True)
    assert "Đã thu hồi phân công của Người Chưa Chấm." in page
    db.session.refresh(pending)
    assert pending.status is AssignmentStatus.REMOVED
    [event] = events("unassign")
    assert event.details == {"reviewer_id": open_reviewer.id}
    # The only remaining sheet is final: the dossier's scoring is complete.
    db.session.refresh(dossier)
    assert dossier.status is NominationState.SCORED


@pytest.mark.parametrize(
    "who, get_status, post_status",
    [("secretary", 200, 302), ("chair", 200, 403), ("admin", 200, 403), ("reviewer", 404, 404), ("other_secretary", 404, 404)],
)
def test_assignment_page_role_table(client, login_as, make_unit, make_member, make_dossier, review_campaign, who, get_status, post_status):
    make_member(), make_member()
    make_dossier(NominationState.ACCEPTED)
    units = {
        "secretary": (Role.SECRETARY, review_campaign.organising_unit),
        "chair": (Role.CHAIR, review_campaign.organising_unit),
        "admin": (Role.ADMIN, None),
        "reviewer": (Role.REVIEWER, review_campaign.organising_unit),
        "other_secretary": (Role.SECRETARY, make_unit("Tỉnh Bình Định", kind="province")),
    }
    login_as(*units[who])

    assert client.get(f"/review/campaigns/{review_campaign.id}/assignments").status_code == get_status
    assert client.post(f"/review/campaigns/{review_campaign.id}/assignments/auto").status_code == post_status
    expected_rows = 2 if post_status == 302 else 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewAssignment)) == expected_rows


def test_assignment_page_shows_members_loads_and_reviewers(client, auth, secretary, make_member, make_dossier, review_campaign):
    first = make_member(full_name="Phan Văn Nhất")
    make_member(full_name="Lý Thị Nhì")
    dossier = make_dossier(NominationState.ACCEPTED, title="Mô hình đường hoa nông thôn mới")
    ops.assign(dossier, first, secretary)
    db.session.commit()
    auth.login(secretary)

    page = client.get(f"/review/campaigns/{review_campaign.id}/assignments").get_data(as_text=True)

    assert "Phan Văn Nhất" in page and "Lý Thị Nhì" in page
    assert "Mô hình đường hoa nông thôn mới" in page and "Chưa chấm" in page and "Thiếu 1 người chấm" in page


def _populate(make_member, make_dossier, secretary, members: int, dossiers: int):
    people = [make_member() for _ in range(members)]
    for _ in range(dossiers):
        dossier = make_dossier(NominationState.ACCEPTED)
        for person in people[:2]:
            ops.assign(dossier, person, secretary)
    db.session.commit()


def test_assignment_page_query_count_does_not_grow_with_rows(client, auth, secretary, make_member, make_dossier, review_campaign, count_queries):
    auth.login(secretary)
    _populate(make_member, make_dossier, secretary, members=2, dossiers=2)
    with count_queries() as small:
        assert client.get(f"/review/campaigns/{review_campaign.id}/assignments").status_code == 200
    _populate(make_member, make_dossier, secretary, members=4, dossiers=8)
    with count_queries() as large:
        assert client.get(f"/review/campaigns/{review_campaign.id}/assignments").status_code == 200
    assert large.count == small.count


def test_progress_page_query_count_does_not_grow_with_rows(client, auth, secretary, make_member, make_dossier, review_campaign, count_queries):
    auth.login(secretary)
    _populate(make_member, make_dossier, secretary, members=2, dossiers=2)
    with count_queries() as small:
        assert client.get(f"/review/campaigns/{review_campaign.id}/progress").status_code == 200
    _populate(make_member, make_dossier, secretary, members=4, dossiers=8)
    with count_queries() as large:
        assert client.get(f"/review/campaigns/{review_campaign.id}/progress").status_code == 200
    assert large.count == small.count


def test_progress_bar_is_a_native_progress_of_finalised_sheets(client, auth, secretary, make_member, make_dossier, review_campaign):
    """The bar's fill comes from value/max, not an inline width (the CSP refuses those: the bar showed full)."""
    from dvkheo.core.timeutil import utcnow

    auth.login(secretary)
    page = client.get(f"/review/campaigns/{review_campaign.id}/progress").get_data(as_text=True)
    assert "Đã hoàn tất 0/0 phiếu chấm (0%)" in page
    assert '<progress class="meter" max="1" value="0"' in page

    _populate(make_member, make_dossier, secretary, members=2, dossiers=6)
    for assignment in db.session.scalars(sa.select(ReviewAssignment).order_by(ReviewAssignment.id).limit(7)):
        assignment.finalised_at = utcnow()
    db.session.commit()
    page = client.get(f"/review/campaigns/{review_campaign.id}/progress").get_data(as_text=True)

    assert "Đã hoàn tất 7/12 phiếu chấm (58%)" in page
    assert '<progress class="meter" max="12" value="7"' in page
    assert "style=" not in page


def test_progress_lists_members_in_vietnamese_order_of_given_names(client, auth, secretary, make_member, review_campaign):
    """"Đỗ Thị Hạnh" before "Phạm Văn Hùng" before "Võ Minh Quang": by given name, đ after d, as Vietnamese lists read."""
    for name in ("Võ Minh Quang", "Phạm Văn Hùng", "Đỗ Thị Hạnh", "Trần Văn Dũng"):
        make_member(full_name=name)
    auth.login(secretary)
    page = client.get(f"/review/campaigns/{review_campaign.id}/progress").get_data(as_text=True)
    positions = [page.index(name) for name in ("Trần Văn Dũng", "Đỗ Thị Hạnh", "Phạm Văn Hùng", "Võ Minh Quang")]
    assert positions == sorted(positions)
