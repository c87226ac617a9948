"""The council's secret ballot over HTTP: preparing, opening on quorum, voting once, paper tally, closing."""
from __future__ import annotations

import re

import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core import audit
from dvkheo.core.rules import RuleRefused
from dvkheo.council import operations
from dvkheo.council.models import BallotStatus, CouncilBallot
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from tests.council.helpers import create_ballot, set_attendance, tally_data, vote


def offered(html: str) -> list[int]:
    """Dossiers offered by the create-ballot form."""
    return [int(v) for v in re.findall(r'name="nomination_ids" type="checkbox" value="(\d+)"', html)]


def _ballot(ballot_id) -> CouncilBallot:
    db.session.expire_all()
    return db.session.get(CouncilBallot, ballot_id)


def test_full_ballot_passes_and_fails_dossiers(client, become, secretary, council, make_shortlisted):
    road = make_shortlisted("Hiến đất mở đường thôn Phú Lộc")
    market = make_shortlisted("Mô hình chợ văn minh xã Tịnh Hà")  # listed after the road (by name)
    become(secretary)
    ballot = create_ballot(client, road.campaign, [road, market])
    assert ballot.status is BallotStatus.PREPARING
    assert [a.member_id for a in ballot.attendances] == [u.id for u in council]
    paper_member, absent_member = council[4], council[5]
    response = set_attendance(client, ballot, {paper_member.id: "paper", absent_member.id: "absent"})
    assert response.status_code == 302
    assert client.post(f"/council/ballots/{ballot.id}/open").status_code == 302
    assert _ballot(ballot.id).status is BallotStatus.OPEN

    for member, choices in zip(council[:4], ([True, True], [True, False], [True, False], [False, False])):
        become(member)
        assert client.get(f"/council/ballots/{ballot.id}/vote").status_code == 200
        response = vote(client, ballot, choices)
        assert response.status_code == 302
    # While open, the secretary sees how many voted, never a running count.
    become(secretary)
    html = client.get(f"/council/ballots/{ballot.id}").get_data(as_text=True)
    assert "4/5</span> thành viên có mặt đã bỏ phiếu" in html
    assert "Kết quả bỏ phiếu" not in html and "Không đồng ý</th>" not in html

    response = client.post(f"/council/ballots/{ballot.id}/tally", data=tally_data(ballot, 1, [(1, 0), (0, 1)]))
    assert response.status_code == 302
    # Counting cannot be undone: the first post only asks, saying what becomes final.
    response = client.post(f"/council/ballots/{ballot.id}/close", data={"meeting_end_time": "11:30"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Kiểm phiếu và kết thúc phiên bỏ phiếu?" in html
    assert "Không thể hoàn tác." in html and "không thể mở lại phiên bỏ phiếu" in html
    assert "Phiếu đã nhận: 5 của 5 thành viên có mặt" in html and "kết thúc lúc 11 giờ 30 phút" in html
    assert 'name="meeting_end_time" value="11:30"' in html
    assert _ballot(ballot.id).status is BallotStatus.OPEN
    assert client.post(f"/council/ballots/{ballot.id}/close", data={"meeting_end_time": "11:30", "confirmed": "1"}).status_code == 302

    ballot = _ballot(ballot.id)
    assert ballot.status is BallotStatus.CLOSED and ballot.minutes_number == 1 and ballot.minutes_year == 2026
    road_item, market_item = ballot.items
    assert (road_item.nomination_id, market_item.nomination_id) == (road.id, market.id)
    assert (road_item.agree_electronic, road_item.disagree_electronic, road_item.agree_paper) == (3, 1, 1)
    assert (market_item.agree_electronic, market_item.disagree_electronic, market_item.disagree_paper) == (1, 3, 1)
    assert (road_item.passed, market_item.passed) == (True, False)
    assert road_item.nomination.status is NominationState.PASSED_COUNCIL
    assert market_item.nomination.status is NominationState.FAILED_COUNCIL
    assert [e.action for e in audit.history("nomination", road.id)][-1] == "pass_council"
    assert [e.action for e in audit.history("nomination", market.id)][-1] == "fail_council"
    actions = [e.action for e in audit.history("council_ballot", ballot.id)]
    assert actions == ["create", "update_attendance", "open"] + ["cast_ballot"] * 4 + ["record_tally", "close"]

    html = client.get(f"/council/ballots/{ballot.id}").get_data(as_text=True)
    assert "Kết quả bỏ phiếu" in html and "4/5 phiếu biểu quyết đồng ý (80,0%)" in html
    assert "1/5 phiếu biểu quyết đồng ý (20,0%)" in html


def test_second_submission_by_one_member_counts_once(client, become, secretary, council, make_shortlisted):
    nomination = make_shortlisted()
    become(secretary)
    ballot = create_ballot(client, nomination.campaign, [nomination])
    client.post(f"/council/ballots/{ballot.id}/open")
    become(council[1])
    assert vote(client, ballot, [True]).status_code == 302
    response = vote(client, ballot, [True])
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bạn đã bỏ phiếu" in follow
    item = _ballot(ballot.id).items[0]
    assert (item.agree_electronic, item.disagree_electronic) == (1, 0)
    assert [e.action for e in audit.history("council_ballot", ballot.id)].count("cast_ballot") == 1


def test_parallel_posts_with_stale_rows_count_once(client, become, secretary, council, make_shortlisted):
    """Two requests that both read "not voted yet": the conditional UPDATE lets only one through."""
    nomination = make_shortlisted()
    become(secretary)
    ballot = create_ballot(client, nomination.campaign, [nomination])
    client.post(f"/council/ballots/{ballot.id}/open")
    ballot = _ballot(ballot.id)
    member = council[2]
    item_id = ballot.items[0].id
    operations.cast_vote(ballot, member, {item_id: False})
    # The in-memory attendance still says has_voted = False, as a parallel request would have read it.
    assert operations.attendance_of(ballot, member).has_voted is False
    try:
        operations.cast_vote(ballot, member, {item_id: False})
    except RuleRefused as refused:
        assert refused.problems[0].message == "Bạn đã bỏ phiếu trong phiên này; mỗi thành viên chỉ bỏ phiếu một lần."
    else:
        raise AssertionError("the second vote was counted")
    db.session.commit()
    item = _ballot(ballot.id).items[0]
    assert (item.agree_electronic, item.disagree_electronic) == (0, 1)


def test_only_present_electronic_members_cast_their_own_vote(
    client, become, login_as, secretary, chair, council, make_shortlisted, make_user, make_unit
):
    nomination = make_shortlisted()
    become(secretary)
    ballot = create_ballot(client, nomination.campaign, [nomination])
    set_attendance(client, ballot, {council[4].id: "paper", council[5].id: "absent"})
    client.post(f"/council/ballots/{ballot.id}/open")
    url = f"/council/ballots/{ballot.id}/vote"
    data = {f"item-{ballot.items[0].id}": "agree"}

    assert client.get(url).status_code == 403 and client.post(url, data=data).status_code == 403  # the secretary
    for user, expected in ((council[4], 403), (council[5], 403), (chair, 403)):
        become(user)
        assert client.get(url).status_code == expected
        assert client.post(url, data=data).status_code == expected
    outsider_unit = make_unit("Cơ quan ngoài Hội đồng", parent=nomination.campaign.organising_unit, kind="agency")
    for role in (Role.REVIEWER, Role.CHAIR):
        client.post("/logout")
        login_as(role, outsider_unit)
        assert client.get(url).status_code == 404
        assert client.post(url, data=data).status_code == 404
        assert client.get(f"/council/ballots/{ballot.id}").status_code == 404
    client.post("/logout")
    login_as(Role.ADMIN)
    assert client.post(url, data=data).status_code == 403
    item = _ballot(ballot.id).items[0]
    assert (item.agree_electronic, item.disagree_electronic) == (0, 0)


def test_ballot_paper_needs_a_choice_for_every_dossier(client, become, secretary, council, make_shortlisted):
    first, second = make_shortlisted(), make_shortlisted()
    become(secretary)
    ballot = create_ballot(client, first.campaign, [first, second])
    client.post(f"/council/ballots/{ballot.id}/open")
    become(council[0])
    response = client.post(f"/council/ballots/{ballot.id}/vote", data={f"item-{ballot.items[0].id}": "agree"})
    assert response.status_code == 422
    assert "Vui lòng chọn “Đồng ý” hoặc “Không đồng ý”." in response.get_data(as_text=True)
    ballot = _ballot(ballot.id)
    assert not any(a.has_voted for a in ballot.attendances)
    assert all(i.agree_electronic == 0 for i in ballot.items)


def test_opening_without_quorum_is_refused(client, become, secretary, council, make_shortlisted):
    nomination = make_shortlisted()
    become(secretary)
    ballot = create_ballot(client, nomination.campaign, [nomination])
    set_attendance(client, ballot, {u.id: "absent" for u in council[3:]})
    response = client.post(f"/council/ballots/{ballot.id}/open", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert 'checked id="rows-2-presence-0"' in html and 'checked id="rows-3-presence-1"' in html
    assert (
        "Chưa đủ số thành viên dự họp: mới có 3/6 thành viên có mặt, cần ít nhất 4 (2/3 tổng số thành viên Hội đồng)."
        in response.get_data(as_text=True)
    )
    assert _ballot(ballot.id).status is BallotStatus.PREPARING
    set_attendance(client, ballot, {u.id: "absent" for u in council[4:]})
    client.post(f"/council/ballots/{ballot.id}/open")
    assert _ballot(ballot.id).status is BallotStatus.OPEN


def test_ballots_only_at_the_council_stage(client, become, secretary, council, make_shortlisted, council_campaign):
    nomination = make_shortlisted()
    council_campaign.status = CampaignStatus.REVIEW
    db.session.commit()
    become(secretary)
    html = client.get(f"/council/campaigns/{council_campaign.id}/ballots").get_data(as_text=True)
    assert "Chỉ lập phiếu bầu khi đợt bình xét ở giai đoạn “Hội đồng xét chọn”" in html
    award_form = operations.AwardForm(campaign_id=council_campaign.id, name="Giấy khen")
    db.session.add(award_form)
    db.session.flush()
    try:
        operations.create_ballot(council_campaign, award_form, meeting_on=None, meeting_time="", meeting_place="x",
                                 nominations=[nomination], actor=secretary)
    except RuleRefused as refused:
        assert refused.problems[0].message == (
            "Chỉ bỏ phiếu kín khi đợt bình xét ở giai đoạn “Hội đồng xét chọn”; hiện đang ở giai đoạn “Sơ loại và chấm điểm”."
        )
    else:
        raise AssertionError("a ballot was created outside the council stage")


def test_dossier_on_an_unclosed_ballot_is_not_offered_again(client, become, secretary, council, make_shortlisted):
    first, second = make_shortlisted("Mô hình thứ nhất"), make_shortlisted("Mô hình thứ hai")
    become(secretary)
    create_ballot(client, first.campaign, [first])
    html = client.get(f"/council/campaigns/{first.campaign_id}/ballots").get_data(as_text=True)
    assert offered(html) == [second.id]
    response = client.post(
        f"/council/campaigns/{first.campaign_id}/ballots",
        data={"award_form_id": "1", "meeting_on": "05/11/2026", "meeting_place": "Hội trường", "nomination_ids": [str(first.id)]},
    )
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CouncilBallot)) == 1


def test_create_form_errors_are_shown_beside_fields(client, become, secretary, council, make_shortlisted):
    nomination = make_shortlisted()
    become(secretary)
    client.post(f"/council/campaigns/{nomination.campaign_id}/award-forms/default")
    response = client.post(
        f"/council/campaigns/{nomination.campaign_id}/ballots",
        data={"award_form_id": "1", "meeting_on": "31/02/2026", "meeting_place": "", "meeting_time": "08 giờ"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ngày không hợp lệ; vui lòng nhập theo dạng ngày/tháng/năm" in html
    assert "Vui lòng nhập địa điểm họp." in html and "Vui lòng chọn ít nhất một hồ sơ." in html
    assert 'value="08 giờ"' in html


def test_paper_tally_is_bounded(client, become, secretary, council, make_shortlisted):
    nomination = make_shortlisted()
    become(secretary)
    ballot = create_ballot(client, nomination.campaign, [nomination])
    set_attendance(client, ballot, {council[5].id: "paper"})
    client.post(f"/council/ballots/{ballot.id}/open")
    response = client.post(f"/council/ballots/{ballot.id}/tally", data=tally_data(ballot, 2, [(1, 0)]))
    assert response.status_code == 422
    assert "Số phiếu giấy thu về (2) không được vượt quá số thành viên có mặt bỏ phiếu giấy (1)." in response.get_data(as_text=True)
    response = client.post(f"/council/ballots/{ballot.id}/tally", data=tally_data(ballot, 1, [(1, 1)]))
    assert response.status_code == 422
    assert "số phiếu giấy đồng ý và không đồng ý (2) vượt quá số phiếu giấy thu về (1)" in response.get_data(as_text=True)
    assert _ballot(ballot.id).paper_ballots == 0


def test_written_opinions_count_when_the_rule_says_so(client, become, secretary, council, make_shortlisted):
    nomination = make_shortlisted()
    become(secretary)
    response = client.post(
        f"/council/campaigns/{nomination.campaign_id}/award-forms",
        data={"name": "Bằng khen", "quorum": "1/2", "threshold": "1/2", "threshold_inclusive": "more",
              "threshold_base": "membership", "count_written_opinions": "y"},
    )
    assert response.status_code == 302
    from dvkheo.awards.models import AwardForm

    form = db.session.scalar(sa.select(AwardForm).where(AwardForm.name == "Bằng khen"))
    ballot = create_ballot(client, nomination.campaign, [nomination], award_form=form)
    response = set_attendance(client, ballot, {council[4].id: ("absent", "Công văn số 12/CV ngày 01/11/2026", "01/11/2026"),
                                               council[5].id: ("absent", "Công văn", "")})
    assert response.status_code == 422
    assert "Vui lòng nhập ngày nhận ý kiến bằng văn bản của Đặng Thị Ngọc Ánh." in response.get_data(as_text=True)
    set_attendance(client, ballot, {council[4].id: ("absent", "Công văn số 12/CV ngày 01/11/2026", "01/11/2026"),
                                    council[5].id: "absent"})
    client.post(f"/council/ballots/{ballot.id}/open")
    for member, agree in zip(council[:4], (True, True, False, False)):
        become(member)
        vote(client, ballot, [agree])
    become(secretary)
    response = client.post(f"/council/ballots/{ballot.id}/tally", data=tally_data(ballot, 0, [(0, 0)], written=[(2, 0)]))
    assert response.status_code == 422
    client.post(f"/council/ballots/{ballot.id}/tally", data=tally_data(ballot, 0, [(0, 0)], written=[(1, 0)]))
    client.post(f"/council/ballots/{ballot.id}/close", data={"meeting_end_time": "11:30", "confirmed": "1"})
    item = _ballot(ballot.id).items[0]
    # 2 electronic + 1 written of the whole council of 6: not more than half.
    assert (item.agree_written, item.passed) == (1, False)


def test_deleting_a_prepared_ballot_frees_its_dossiers(client, become, secretary, council, make_shortlisted):
    nomination = make_shortlisted()
    become(secretary)
    ballot_id, campaign_id, nomination_id = create_ballot(client, nomination.campaign, [nomination]).id, nomination.campaign_id, nomination.id
    assert client.post(f"/council/ballots/{ballot_id}/delete").status_code == 302
    db.session.expunge_all()
    assert db.session.get(CouncilBallot, ballot_id) is None
    assert [e.action for e in audit.history("council_ballot", ballot_id)][-1] == "delete"
    assert offered(client.get(f"/council/campaigns/{campaign_id}/ballots").get_data(as_text=True)) == [nomination_id]


def test_chair_reads_but_cannot_run_the_ballot(client, become, secretary, chair, council, make_shortlisted):
    nomination = make_shortlisted()
    become(secretary)
    ballot = create_ballot(client, nomination.campaign, [nomination])
    become(chair)
    assert client.get(f"/council/ballots/{ballot.id}").status_code == 200
    assert client.post(f"/council/ballots/{ballot.id}/open").status_code == 403
    assert client.post(f"/council/campaigns/{nomination.campaign_id}/ballots", data={}).status_code == 403
    assert _ballot(ballot.id).status is BallotStatus.PREPARING


def test_ballot_page_query_count_does_not_grow(client, become, secretary, make_member, make_shortlisted, count_queries):
    def measure(members: int, items: int) -> int:
        council = [make_member() for _ in range(members)]
        dossiers = [make_shortlisted() for _ in range(items)]
        become(secretary)
        ballot = create_ballot(client, dossiers[0].campaign, dossiers)
        client.post(f"/council/ballots/{ballot.id}/open")
        become(council[0])
        vote(client, ballot, [True] * items)
        become(secretary)
        client.post(f"/council/ballots/{ballot.id}/close", data={"meeting_end_time": "11:30", "confirmed": "1"})
        with count_queries() as counter:
            assert client.get(f"/council/ballots/{ballot.id}").status_code == 200
        return counter.count

    small = measure(2, 1)
    assert measure(8, 6) == small


def test_opening_invites_electronic_voters_and_their_queue_offers_the_ballot(client, become, secretary, council, make_shortlisted):
    from dvkheo.core.notifications import Notification

    nomination = make_shortlisted()
    become(secretary)
    ballot = create_ballot(client, nomination.campaign, [nomination])
    paper_member, voter = council[0], council[1]
    set_attendance(client, ballot, {paper_member.id: "paper"})
    client.post(f"/council/ballots/{ballot.id}/open")

    invited = set(db.session.scalars(sa.select(Notification.user_id).where(Notification.message.contains("Mời đồng chí bỏ phiếu"))))
    assert voter.id in invited and paper_member.id not in invited
    become(voter)
    queue = client.get("/review/queue").get_data(as_text=True)
    assert "Phiếu bầu đang chờ bạn" in queue and f"/council/ballots/{ballot.id}/vote" in queue
    vote(client, ballot, [True])
    assert "Phiếu bầu đang chờ bạn" not in client.get("/review/queue").get_data(as_text=True)
