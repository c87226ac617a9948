"""Who may read and write a scoring sheet, blind scoring, and the reviewer's queue."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review import assignment as ops
from dvkheo.review.models import Score
from tests.conftest import PASSWORD
from tests.review.conftest import give_scores


def switch_to(client, user):
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def sheet_data(campaign, points):
    data = {"save": "1"}
    for criterion, value in zip(campaign.criteria, points):
        data[f"points_{criterion.id}"] = str(value)
        data[f"comment_{criterion.id}"] = "Ghi đè"
    return data


@pytest.fixture
def pair(secretary, make_member, make_dossier):
    """Two reviewers on one dossier; the first has saved partial scores."""
    first, second = make_member(full_name="Châu Văn Một"), make_member(full_name="Tạ Thị Hai")
    dossier = make_dossier(NominationState.ACCEPTED)
    mine = ops.assign(dossier, first, secretary)
    theirs = ops.assign(dossier, second, secretary)
    db.session.commit()
    for criterion in dossier.campaign.criteria:
        mine.scores.append(Score(criterion=criterion, points=3, comment="Nháp của người một"))
    db.session.commit()
    return {"dossier": dossier, "first": first, "second": second, "mine": mine, "theirs": theirs}


def scores_of(assignment) -> list:
    return db.session.scalars(sa.select(Score.points).where(Score.assignment_id == assignment.id).order_by(Score.id)).all()


def test_reviewer_of_same_campaign_cannot_read_or_write_another_sheet(client, make_member, pair):
    outsider = make_member()
    for user in (outsider, pair["second"]):
        switch_to(client, user)
        url = f"/review/assignments/{pair['mine'].id}"
        assert client.get(url).status_code == 404
        assert client.post(url, data=sheet_data(pair["dossier"].campaign, [1, 1, 1, 1, 1])).status_code == 404
        assert client.post(f"{url}/conflict", data={"reason": "x"}).status_code == 404
    assert scores_of(pair["mine"]) == [3, 3, 3, 3, 3]


def test_reviewer_not_assigned_cannot_open_the_dossier(client, make_member, pair):
    switch_to(client, make_member())
    assert client.get(f"/nominations/{pair['dossier'].id}").status_code == 404


@pytest.mark.parametrize(
    "role, same_committee, score_status, paper_status",
    [
        (Role.SECRETARY, True, 404, 200),
        (Role.CHAIR, True, 404, 403),
        (Role.ADMIN, False, 404, 403),
        (Role.SECRETARY, False, 404, 404),
        (Role.UNIT_SUBMITTER, False, 404, 404),
    ],
)
def test_sheet_pages_role_table(client, login_as, make_unit, pair, review_campaign, role, same_committee, score_status, paper_status):
    unit = review_campaign.organising_unit if same_committee else (None if role is Role.ADMIN else make_unit("Tỉnh Khác", kind="province"))
    login_as(role, unit)
    sheet = pair["mine"]
    assert client.get(f"/review/assignments/{sheet.id}").status_code == score_status
    assert client.get(f"/review/assignments/{sheet.id}/paper").status_code == paper_status
    if paper_status != 200:
        assert client.post(f"/review/assignments/{sheet.id}/paper", data=sheet_data(review_campaign, [9, 9, 9, 9, 9])).status_code == paper_status
    assert scores_of(sheet) == [3, 3, 3, 3, 3]


def test_blind_campaign_hides_colleague_scores_until_own_sheet_is_final(client, pair):
    campaign = pair["dossier"].campaign
    assert campaign.blind_scoring
    switch_to(client, pair["second"])
    url = f"/review/assignments/{pair['theirs'].id}"

    page = client.get(url).get_data(as_text=True)
    assert "Điểm của các thành viên khác" not in page and "Nháp của người một" not in page
    assert "chấm điểm độc lập" in page

    data = sheet_data(campaign, [20, 20, 20, 10, 8])
    data.pop("save")
    data["finalise"] = "1"
    data["confirmed"] = "1"
    client.post(url, data=data)
    page = client.get(url).get_data(as_text=True)
    assert "Điểm của các thành viên khác" in page and "Châu Văn Một" in page and "Nháp của người một" in page


def test_open_campaign_shows_colleague_scores_before_own_finalisation(client, pair):
    campaign = pair["dossier"].campaign
    campaign.blind_scoring = False
    db.session.commit()
    switch_to(client, pair["second"])

    page = client.get(f"/review/assignments/{pair['theirs'].id}").get_data(as_text=True)

    assert "Điểm của các thành viên khác" in page and "Châu Văn Một" in page and "Nháp của người một" in page


def test_queue_lists_own_live_sheets_with_progress(client, secretary, make_member, make_dossier, pair):
    first = pair["first"]
    done_dossier = make_dossier(NominationState.SCORED, title="Mô hình đã chấm xong")
    give_scores(done_dossier, first, [20, 20, 20, 10, 8])
    not_mine = make_dossier(NominationState.ACCEPTED, title="Mô hình của người khác")
    ops.assign(not_mine, pair["second"], secretary)
    db.session.commit()
    switch_to(client, first)

    page = client.get("/review/queue").get_data(as_text=True)

    assert "Đã chấm 1/2 hồ sơ" in page
    assert "Đang chấm dở" in page and "Đã hoàn tất" in page
    assert "Mô hình đã chấm xong" in page and "Mô hình của người khác" not in page
    assert f"/review/assignments/{pair['mine'].id}" in page


def test_queue_is_for_council_roles_only(client, login_as, review_campaign):
    login_as(Role.SECRETARY, review_campaign.organising_unit)
    assert client.get("/review/queue").status_code == 403


def test_queue_query_count_does_not_grow_with_rows(client, secretary, make_member, make_dossier, count_queries):
    reviewer = make_member()

    def add(n):
        for _ in range(n):
            ops.assign(make_dossier(NominationState.ACCEPTED), reviewer, secretary)
        db.session.commit()

    add(2)
    switch_to(client, reviewer)
    with count_queries() as small:
        assert client.get("/review/queue").status_code == 200
    add(8)
    with count_queries() as large:
        assert client.get("/review/queue").status_code == 200
    assert large.count == small.count


def test_queue_lists_campaigns_with_work_waiting_before_finished_ones(
    client, secretary, make_member, make_dossier, make_campaign, make_nomination, review_campaign
):
    from datetime import timedelta

    from dvkheo.campaigns.models import CampaignStatus
    from dvkheo.core.timeutil import today_in_vietnam
    from dvkheo.council.models import CouncilMember, CouncilRole

    reviewer = make_member(full_name="Lâm Văn Việc Chờ")
    waiting = make_dossier(NominationState.ACCEPTED, title="Mô hình đang chờ chấm")
    ops.assign(waiting, reviewer, secretary)
    # A later campaign (larger id) in which this reviewer has finished everything.
    today = today_in_vietnam()
    finished_campaign = make_campaign(
        title="Đợt đã chấm xong", status=CampaignStatus.REVIEW,
        nominations_open_on=today - timedelta(days=40), nominations_close_on=today - timedelta(days=1),
    )
    db.session.add(CouncilMember(campaign=finished_campaign, user=reviewer, council_role=CouncilRole.MEMBER))
    done = make_nomination(unit=waiting.unit, campaign=finished_campaign, status=NominationState.SCORED, title="Mô hình đã xong")
    give_scores(done, reviewer, [20, 20, 20, 10, 8])
    assert finished_campaign.id > review_campaign.id
    switch_to(client, reviewer)

    page = client.get("/review/queue").get_data(as_text=True)

    assert page.index(review_campaign.title) < page.index("Đợt đã chấm xong")
    assert "Còn 1 hồ sơ cần chấm" in page
