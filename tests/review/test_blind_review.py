"""Blind review holds for everyone who scores: before finalising their own sheet, a person who
scores a dossier sees no colleague's score or comment on it, on any page or export they can
reach, whatever other role they hold (the chair scoring as a council member included)."""
from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from dvkheo.accounts.models import Role
from dvkheo.core.rules import RuleRefused
from dvkheo.council.models import CouncilMember, CouncilRole
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review import assignment as ops
from dvkheo.review import scoring
from dvkheo.review.ranking import HIDDEN_ROW_NOTE

COLLEAGUE_COMMENT = "NHẬN-XÉT-ĐỒNG-NGHIỆP"
COLLEAGUE_DRAFT = "NHÁP-CỦA-ĐỒNG-NGHIỆP"
COLLEAGUE_NAME = "Lê Thị Đồng Nghiệp Kín"
OTHER_DOSSIER_COMMENT = "NHẬN-XÉT-HỒ-SƠ-KHÁC"


def _points(campaign, minus: int) -> list[int]:
    return [max(criterion.max_score - minus, 0) for criterion in campaign.criteria]


def _finalise(sheet, user, points, comment):
    entries = {c.id: scoring.Entry(p, comment) for c, p in zip(sheet.nomination.campaign.criteria, points)}
    scoring.save_scores(sheet, entries, user, finalise=True)
    db.session.commit()


def _form(campaign, points, comment, button="finalise"):
    data = {button: "1", "confirmed": "1"}
    for criterion, value in zip(campaign.criteria, points):
        data[f"points_{criterion.id}"] = str(value)
        data[f"comment_{criterion.id}"] = comment
    return data


def _mean(total: int) -> str:
    return f"{total},00"


@pytest.fixture
def scene(review_campaign, secretary, make_member, make_dossier):
    """Dossier A: the chair (also a council member) and a plain reviewer still score it, a colleague
    has finalised (comment COLLEAGUE_COMMENT). Dossier B: fully scored by others (the chair may see it)."""
    campaign = review_campaign
    chair = make_member(
        unit=campaign.organising_unit, role=Role.CHAIR, council_role=CouncilRole.CHAIR, full_name="Võ Văn Chủ Tịch Chấm"
    )
    colleague = make_member(full_name=COLLEAGUE_NAME)
    plain = make_member(full_name="Đinh Văn Thành Viên Thường")
    drafter = make_member(full_name="Mai Thị Chấm Dở")
    third = make_member(full_name="Kha Văn Thứ Ba")
    dossier = make_dossier(NominationState.ACCEPTED, title="Mô hình hồ sơ A chấm độc lập")
    other = make_dossier(NominationState.ACCEPTED, title="Mô hình hồ sơ B đã chấm xong")
    sheets = {user: ops.assign(dossier, user, secretary) for user in (chair, colleague, plain, drafter)}
    other_sheets = [ops.assign(other, user, secretary) for user in (colleague, third)]
    db.session.commit()

    colleague_points = _points(campaign, 3)
    _finalise(sheets[colleague], colleague, colleague_points, COLLEAGUE_COMMENT)
    # A colleague's draft (saved, not finalised) is hidden as well.
    entries = {c.id: scoring.Entry(1, COLLEAGUE_DRAFT) for c in campaign.criteria}
    scoring.save_scores(sheets[drafter], entries, drafter)
    db.session.commit()
    other_points = _points(campaign, 1)
    for sheet, user in zip(other_sheets, (colleague, third)):
        _finalise(sheet, user, other_points, OTHER_DOSSIER_COMMENT)
    db.session.refresh(other)
    assert other.status is NominationState.SCORED
    return {
        "campaign": campaign, "dossier": dossier, "other": other, "chair": chair, "plain": plain,
        "colleague": colleague, "sheets": sheets,
        "colleague_total": sum(colleague_points), "other_total": sum(other_points),
    }


def _xlsx_text(client, campaign) -> str:
    response = client.get(f"/review/campaigns/{campaign.id}/ranking.xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data), read_only=True)
    return "\n".join(
        str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for value in row if value is not None
    )


def _reachable_pages(client, s, user) -> dict[str, str]:
    """Every page about the dossier `user` can reach (status 200), by name."""
    campaign, dossier = s["campaign"], s["dossier"]
    urls = {
        "scoring": f"/review/assignments/{s['sheets'][user].id}",
        "dossier": f"/nominations/{dossier.id}",
        "ranking": f"/review/campaigns/{campaign.id}/ranking",
        "progress": f"/review/campaigns/{campaign.id}/progress",
        "assignments": f"/review/campaigns/{campaign.id}/assignments",
        "queue": "/review/queue",
        "notifications": "/notifications",
    }
    pages = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code in (200, 404), (name, response.status_code)
        if response.status_code == 200:
            pages[name] = response.get_data(as_text=True)
    return pages


def test_chair_scoring_as_council_member_sees_no_colleague_score_before_finalising(client, auth, scene):
    s = scene
    chair, campaign = s["chair"], s["campaign"]
    auth.login(chair)

    pages = _reachable_pages(client, s, chair)
    assert {"scoring", "dossier", "ranking", "progress", "assignments", "queue"} <= set(pages)
    for name, page in pages.items():
        for secret in (COLLEAGUE_COMMENT, COLLEAGUE_DRAFT):
            assert secret not in page, name
    assert "Điểm của các thành viên khác" not in pages["scoring"]
    assert "chấm điểm độc lập" in pages["scoring"]
    ranking = pages["ranking"]
    assert _mean(s["colleague_total"]) not in ranking
    assert "Chấm điểm độc lập: đồng chí còn phiếu chấm chưa hoàn tất ở 1 hồ sơ" in ranking
    assert HIDDEN_ROW_NOTE in ranking
    # Dossiers the chair does not score keep their scores.
    assert _mean(s["other_total"]) in ranking
    workbook = _xlsx_text(client, campaign)
    assert COLLEAGUE_COMMENT not in workbook and COLLEAGUE_DRAFT not in workbook
    assert HIDDEN_ROW_NOTE in workbook
    assert OTHER_DOSSIER_COMMENT in workbook
    # The paper sheets are blank forms, printed by the secretary only.
    assert client.get(f"/review/campaigns/{campaign.id}/scoring-sheets.pdf").status_code == 403

    response = client.post(
        f"/review/assignments/{s['sheets'][chair].id}", data=_form(campaign, _points(campaign, 5), "Ý kiến chủ tịch"),
        follow_redirects=True,
    )
    assert "Đã hoàn tất chấm điểm hồ sơ." in response.get_data(as_text=True)

    pages = _reachable_pages(client, s, chair)
    assert "Điểm của các thành viên khác" in pages["scoring"]
    assert COLLEAGUE_COMMENT in pages["scoring"] and COLLEAGUE_NAME in pages["scoring"] and COLLEAGUE_DRAFT in pages["scoring"]
    assert HIDDEN_ROW_NOTE not in pages["ranking"] and "Chấm điểm độc lập: đồng chí" not in pages["ranking"]
    expected_mean = (s["colleague_total"] + sum(_points(campaign, 5))) / 2
    assert f"{expected_mean:.2f}".replace(".", ",") in pages["ranking"]
    workbook = _xlsx_text(client, campaign)
    assert COLLEAGUE_COMMENT in workbook and COLLEAGUE_NAME in workbook and HIDDEN_ROW_NOTE not in workbook


def test_plain_reviewer_sees_no_colleague_score_before_finalising(client, auth, scene):
    s = scene
    plain, campaign = s["plain"], s["campaign"]
    auth.login(plain)

    pages = _reachable_pages(client, s, plain)
    # The committee's pages stay closed to a plain council member.
    assert set(pages) == {"scoring", "dossier", "queue", "notifications"}
    for name, page in pages.items():
        assert COLLEAGUE_COMMENT not in page and COLLEAGUE_DRAFT not in page, name
        assert COLLEAGUE_NAME not in page, name
    assert client.get(f"/review/campaigns/{campaign.id}/ranking.xlsx").status_code == 404

    client.post(f"/review/assignments/{s['sheets'][plain].id}", data=_form(campaign, _points(campaign, 2), "Ý kiến riêng"))
    page = client.get(f"/review/assignments/{s['sheets'][plain].id}").get_data(as_text=True)
    assert COLLEAGUE_COMMENT in page and COLLEAGUE_NAME in page


def test_secretary_and_admin_do_not_score_and_always_see_scores(client, auth, login_as, scene, secretary):
    s = scene
    campaign, dossier = s["campaign"], s["dossier"]
    # The app lets only council members (reviewers, the chair) score: a secretary or an
    # administrator is never assigned, even when put on the council.
    admin = login_as(Role.ADMIN)
    client.post("/logout")
    for user in (secretary, admin):
        db.session.add(CouncilMember(campaign=campaign, user=user, council_role=CouncilRole.MEMBER))
        db.session.commit()
        with pytest.raises(RuleRefused):
            ops.assign(dossier, user, secretary)
        db.session.rollback()

    for user in (secretary, admin):
        auth.login(user)
        ranking = client.get(f"/review/campaigns/{campaign.id}/ranking").get_data(as_text=True)
        assert _mean(s["colleague_total"]) in ranking and HIDDEN_ROW_NOTE not in ranking
        assert COLLEAGUE_COMMENT in _xlsx_text(client, campaign)
        client.post("/logout")

    # The secretary typing in a paper sheet sees the colleagues' sheets: she does not score.
    auth.login(secretary)
    page = client.get(f"/review/assignments/{s['sheets'][s['plain']].id}/paper").get_data(as_text=True)
    assert COLLEAGUE_COMMENT in page


def test_paper_entry_of_the_chairs_sheet_keeps_the_chair_blind(client, auth, scene, secretary):
    """The secretary types in the chair's paper sheet: the chair still sees nothing until it is final."""
    s = scene
    chair, campaign = s["chair"], s["campaign"]
    auth.login(chair)
    assert COLLEAGUE_COMMENT not in client.get(f"/review/assignments/{s['sheets'][chair].id}").get_data(as_text=True)
    client.post("/logout")
    auth.login(secretary)
    client.post(f"/review/assignments/{s['sheets'][chair].id}/paper", data=_form(campaign, _points(campaign, 4), "Phiếu giấy"))
    client.post("/logout")
    auth.login(chair)
    assert COLLEAGUE_COMMENT in client.get(f"/review/assignments/{s['sheets'][chair].id}").get_data(as_text=True)


def test_open_scoring_campaign_lets_the_chair_see_colleagues_before_finalising(client, auth, scene):
    """A campaign that chose open scoring (blind_scoring off) shows colleagues' scores to every scorer."""
    s = scene
    s["campaign"].blind_scoring = False
    db.session.commit()
    auth.login(s["chair"])
    assert COLLEAGUE_COMMENT in client.get(f"/review/assignments/{s['sheets'][s['chair']].id}").get_data(as_text=True)
    ranking = client.get(f"/review/campaigns/{s['campaign'].id}/ranking").get_data(as_text=True)
    assert _mean(s["colleague_total"]) in ranking and HIDDEN_ROW_NOTE not in ranking


@pytest.mark.parametrize("who", ["unit", "other_unit", "anonymous"])
def test_outsiders_reach_no_score_page(client, login_as, make_commune, scene, who):
    s = scene
    if who == "unit":
        login_as(Role.UNIT_SUBMITTER, s["dossier"].unit)
    elif who == "other_unit":
        login_as(Role.UNIT_SUBMITTER, make_commune("Xã Bên Cạnh"))
    campaign = s["campaign"]
    for url in (
        f"/review/assignments/{s['sheets'][s['chair']].id}",
        f"/review/campaigns/{campaign.id}/ranking",
        f"/review/campaigns/{campaign.id}/ranking.xlsx",
        f"/review/campaigns/{campaign.id}/progress",
        f"/review/campaigns/{campaign.id}/scoring-sheets.pdf",
    ):
        response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:
            assert response.status_code == 404, url
    page = client.get(f"/nominations/{s['dossier'].id}")
    assert page.status_code == {"unit": 200, "other_unit": 404, "anonymous": 302}[who]
    assert COLLEAGUE_COMMENT not in page.get_data(as_text=True)


def test_ranking_query_count_does_not_grow_with_hidden_dossiers(client, auth, count_queries, scene, secretary, make_dossier):
    s = scene
    auth.login(s["chair"])
    url = f"/review/campaigns/{s['campaign'].id}/ranking"
    client.get(url)
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    before = counter.count
    for index in range(5):
        extra = make_dossier(NominationState.ACCEPTED, title=f"Hồ sơ thêm {index}")
        ops.assign(extra, s["chair"], secretary)
        ops.assign(extra, s["colleague"], secretary)
    db.session.commit()
    with count_queries() as counter:
        page = client.get(url).get_data(as_text=True)
    assert counter.count == before
    assert "chưa hoàn tất ở 6 hồ sơ" in page
