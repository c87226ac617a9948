"""Council membership: the secretary manages, the chair and an administrator read, outsiders see nothing."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.core import audit
from dvkheo.council.models import CouncilMember, CouncilRole
from dvkheo.extensions import db
from tests.council.helpers import create_ballot
from tests.review.conftest import give_scores


def _members(campaign) -> dict[str, CouncilMember]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(CouncilMember).where(CouncilMember.campaign_id == campaign.id)).all()
    return {m.user.full_name: m for m in rows}


def test_search_ignores_diacritics_and_adds_a_member(client, become, secretary, council_campaign, make_user, make_unit):
    agency = make_unit("Sở Nội vụ", parent=council_campaign.organising_unit, kind="agency")
    expert = make_user(Role.REVIEWER, agency, full_name="Nguyễn Văn Đức")
    make_user(Role.UNIT_SUBMITTER, agency, full_name="Nguyễn Văn Đạt")  # not a council role
    elsewhere = make_unit("Tỉnh Khác", kind="province")
    make_user(Role.REVIEWER, elsewhere, full_name="Nguyễn Văn Định")  # outside the organising unit's tree
    become(secretary)
    html = client.get(f"/council/campaigns/{council_campaign.id}/members?q=nguyen van duc").get_data(as_text=True)
    assert "Nguyễn Văn Đức" in html and "Nguyễn Văn Đạt" not in html and "Nguyễn Văn Định" not in html

    response = client.post(
        f"/council/campaigns/{council_campaign.id}/members/add",
        data={"user_id": str(expert.id), "council_role": "member", "scores_nominations": "y"},
    )
    assert response.status_code == 302
    member = _members(council_campaign)["Nguyễn Văn Đức"]
    assert (member.council_role, member.scores_nominations) == (CouncilRole.MEMBER, True)
    event = audit.history("council", council_campaign.id)[-1]
    assert (event.action, event.actor_id, event.details["user_id"]) == ("add_member", secretary.id, expert.id)
    html = client.get(f"/council/campaigns/{council_campaign.id}/members").get_data(as_text=True)
    assert "Thêm thành viên — Nguyễn Văn Đức" in html


def test_a_unit_submitter_cannot_be_added(client, become, secretary, council_campaign, make_user, make_unit):
    submitter = make_user(Role.UNIT_SUBMITTER, make_unit(parent=council_campaign.organising_unit), full_name="Lê Văn Cơ Sở")
    become(secretary)
    response = client.post(f"/council/campaigns/{council_campaign.id}/members/add", data={"user_id": str(submitter.id), "council_role": "member"})
    assert response.status_code == 422
    assert "Chỉ thêm được tài khoản Thành viên Hội đồng hoặc Chủ tịch Hội đồng đang hoạt động." in response.get_data(as_text=True)
    assert _members(council_campaign) == {}


def test_only_one_chair(client, become, secretary, council_campaign, make_member, make_user, make_unit):
    make_member("Trần Văn Chủ Tọa", role=Role.CHAIR, council_role=CouncilRole.CHAIR)
    second = make_member("Lê Thị Thành Viên")
    newcomer = make_user(Role.CHAIR, make_unit(parent=council_campaign.organising_unit, kind="agency"), full_name="Phan Văn Mới")
    become(secretary)
    response = client.post(f"/council/campaigns/{council_campaign.id}/members/add", data={"user_id": str(newcomer.id), "council_role": "chair"})
    assert response.status_code == 422
    message = "Hội đồng đã có Chủ tịch Hội đồng (Trần Văn Chủ Tọa); mỗi Hội đồng chỉ có một Chủ tịch."
    assert message in response.get_data(as_text=True)
    member = _members(council_campaign)["Lê Thị Thành Viên"]
    response = client.post(f"/council/members/{member.id}", data={f"m{member.id}-council_role": "chair"}, follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert _members(council_campaign)["Lê Thị Thành Viên"].council_role is CouncilRole.MEMBER
    # Not scoring dossiers any more is a plain change.
    client.post(f"/council/members/{member.id}", data={f"m{member.id}-council_role": "member"})
    assert _members(council_campaign)["Lê Thị Thành Viên"].scores_nominations is False
    assert second.id == member.user_id


def test_remove_refused_once_the_member_has_work(client, become, secretary, council_campaign, make_member, make_shortlisted):
    scorer = make_member("Võ Văn Chấm Điểm")
    voter = make_member("Đỗ Thị Biểu Quyết")
    nomination = make_shortlisted()
    give_scores(nomination, scorer, [20, 20, 20, 10, 8])
    become(secretary)
    create_ballot(client, nomination.campaign, [nomination])
    idle = make_member("Bùi Văn Rảnh")  # joined after the meeting's attendance list was drawn up
    members = _members(council_campaign)
    response = client.post(f"/council/members/{members['Võ Văn Chấm Điểm'].id}/remove", follow_redirects=True)
    assert "Không thể bỏ Võ Văn Chấm Điểm khỏi Hội đồng: thành viên đã được phân công chấm 1 hồ sơ." in response.get_data(as_text=True)
    response = client.post(f"/council/members/{members['Đỗ Thị Biểu Quyết'].id}/remove", follow_redirects=True)
    assert "thành viên đã có tên trong danh sách dự họp của 1 phiên bỏ phiếu" in response.get_data(as_text=True)
    assert client.post(f"/council/members/{members['Bùi Văn Rảnh'].id}/remove").status_code == 302
    assert set(_members(council_campaign)) == {"Võ Văn Chấm Điểm", "Đỗ Thị Biểu Quyết"}
    assert audit.history("council", council_campaign.id)[-1].details["full_name"] == "Bùi Văn Rảnh"
    assert idle.id and voter.id


def test_who_sees_and_who_manages_the_members_page(client, become, login_as, secretary, chair, council_campaign, make_member, make_unit):
    member = make_member("Trịnh Văn Thành Viên")
    council_row = _members(council_campaign)["Trịnh Văn Thành Viên"]
    url = f"/council/campaigns/{council_campaign.id}/members"
    become(chair)
    html = client.get(url).get_data(as_text=True)
    assert "Trịnh Văn Thành Viên" in html and "Thêm thành viên" not in html
    assert client.post(f"{url}/add", data={"user_id": str(member.id)}).status_code == 403
    assert client.post(f"/council/members/{council_row.id}/remove").status_code == 403
    client.post("/logout")
    login_as(Role.ADMIN)
    assert client.get(url).status_code == 200
    assert client.post(f"/council/members/{council_row.id}/remove").status_code == 403
    become(member)
    assert client.get(url).status_code == 404
    client.post("/logout")
    login_as(Role.SECRETARY, make_unit("Huyện Khác", kind="district"))
    assert client.get(url).status_code == 404
    assert client.post(f"/council/members/{council_row.id}/remove").status_code == 404
    assert "Trịnh Văn Thành Viên" in _members(council_campaign)


def test_members_page_query_count_does_not_grow(client, become, secretary, council_campaign, make_member, count_queries):
    become(secretary)
    url = f"/council/campaigns/{council_campaign.id}/members"

    def measure(extra: int) -> int:
        for _ in range(extra):
            make_member()
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    assert measure(2) == measure(10)
