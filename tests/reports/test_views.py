"""The statistics page: who sees what, what it shows, and a query count that does not grow with the data."""
from __future__ import annotations

import re

import pytest

from dvkheo.accounts.models import Role
from dvkheo.extensions import db
from dvkheo.reports.cache import figure_cache
from dvkheo.reports.periods import Period
from dvkheo.reports.statistics import dashboard_figures
from tests.reports.test_statistics import build_world  # noqa: F401  (the three-level world of the figure tests)

YEAR_2026 = "ky=year&nam=2026"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.mark.parametrize(
    "role, where, status",
    [
        (Role.UNIT_SUBMITTER, "own", 200),
        (Role.UNIT_SUBMITTER, "below", 200),
        (Role.UNIT_SUBMITTER, "sibling", 403),
        (Role.UNIT_SUBMITTER, "above", 403),
        (Role.SECRETARY, "own", 200),
        (Role.SECRETARY, "below", 200),
        (Role.SECRETARY, "above", 403),
        (Role.CHAIR, "below", 200),
        (Role.REVIEWER, "own", 200),
        (Role.CITIZEN, "own", 403),
        (Role.ADMIN, "above", 200),
        (Role.ADMIN, "whole", 200),
        (Role.SECRETARY, "whole", 403),
    ],
)
def test_who_may_see_which_unit(build_world, login_as, client, role, where, status):
    world = build_world(dossiers=10)
    district = world.districts[0]
    target = {"own": district, "below": world.communes[0], "sibling": world.districts[1], "above": world.province}.get(where)
    login_as(role, None if role is Role.ADMIN else district)
    unit_arg = 0 if where == "whole" else target.id
    response = client.get(f"/thong-ke?don-vi={unit_arg}&{YEAR_2026}")
    assert response.status_code == status


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/thong-ke")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("arg", ["99999", "2147483648", "abc"])
def test_unit_argument_is_range_checked(build_world, login_as, client, arg):
    world = build_world(dossiers=5)
    login_as(Role.ADMIN)
    response = client.get(f"/thong-ke?don-vi={arg}")
    # No such unit, or a number no id can be: 404; text that is not a number is ignored (the default root).
    assert response.status_code == (200 if arg == "abc" else 404)


def test_nav_link_for_staff_only(build_world, login_as, client):
    world = build_world(dossiers=5)
    login_as(Role.SECRETARY, world.province)
    assert ">Thống kê</a>" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login_as(Role.CITIZEN)
    assert ">Thống kê</a>" not in client.get("/").get_data(as_text=True)


def test_page_shows_the_figures_the_module_computes(build_world, login_as, client):
    world = build_world()
    login_as(Role.SECRETARY, world.province)
    response = client.get(f"/thong-ke?{YEAR_2026}")
    assert response.status_code == 200
    page = text_of(response)
    html = response.get_data(as_text=True)
    figures = dashboard_figures(world.province, Period.year(2026))
    assert "Tỉnh Thử Nghiệm · Năm 2026" in page
    assert re.search(r"Số liệu tính lúc \d\d:\d\d \d\d/\d\d/\d{4} \(cập nhật tối đa mỗi 60 giây\)", page)
    # Per unit: each district's row, linked to its own dashboard for the same period.
    for row in figures.units:
        if row.is_root_itself:
            continue
        assert f'href="/thong-ke?ky=year&amp;nam=2026&amp;don-vi={row.unit_id}">{row.name}</a>' in html
    # The units without model, listed by name.
    section = page.split("Đơn vị chưa có mô hình (2)")[1]
    assert "Huyện Số 3" in section and "Huyện Không Có Mô Hình 1" in section
    # Totals as the module counts them, and every campaign of the funnel (the commune's own included).
    assert f"{figures.totals.registered} hồ sơ đã nộp" in page  # a forwarded copy once, as in the unit table
    assert "Đợt do xã tự tổ chức" in page and "Đợt của huyện" in page
    # The charts' tables carry what charts.js reads.
    assert 'data-chart="bar"' in html and 'data-chart="line"' in html
    assert "/static/vendor/chartjs/chart.umd.min.js" in html and "<script>" not in html and " style=" not in html


def test_drill_down_to_a_district_shows_its_communes(build_world, login_as, client):
    world = build_world()
    login_as(Role.SECRETARY, world.province)
    district = world.districts[0]
    page = text_of(client.get(f"/thong-ke?don-vi={district.id}&ky=quarter&nam=2026&quy=3"))
    assert "Huyện Số 1 · Quý III/2026" in page
    assert "Xã Số 1.1" in page and "Xã Số 1.3" in page and "Xã Số 2.1" not in page
    assert "Tỉnh Thử Nghiệm" in page  # the trail back up to the user's own level


def test_query_count_of_the_page_does_not_grow_with_data(build_world, login_as, client, count_queries, app):
    app.config["STATS_CACHE_SECONDS"] = 0
    try:
        small = build_world(seed=3, dossiers=10, communes_per_district=(1, 1, 1))
        user = login_as(Role.SECRETARY, small.province)
        with count_queries() as few:
            assert client.get(f"/thong-ke?{YEAR_2026}").status_code == 200
        large = build_world(seed=4, dossiers=150, communes_per_district=(5, 4, 2), extra_districts=2)
        with count_queries() as again:  # the same page again, the database larger elsewhere
            assert client.get(f"/thong-ke?{YEAR_2026}").status_code == 200
        assert again.count == few.count
        user.unit_id = large.province.id  # now the large province's secretary
        db.session.commit()
        with count_queries() as many:
            response = client.get(f"/thong-ke?{YEAR_2026}")
        assert response.status_code == 200 and "Huyện Không Có Mô Hình 2" in text_of(response)
        assert many.count == few.count, "\n".join(many.statements)
    finally:
        app.config["STATS_CACHE_SECONDS"] = 60
        app.extensions.pop("dvkheo_figure_cache", None)


def test_many_campaigns_run_below_are_summed_per_subordinate_unit(build_world, login_as, client, make_campaign):
    from datetime import datetime, timezone

    from dvkheo.campaigns.models import NomineeKind
    from dvkheo.nominations.models import Nomination
    from dvkheo.nominations.states import NominationState

    world = build_world(dossiers=10)
    for number, commune in enumerate(world.communes[:4] * 4):  # sixteen more campaigns, run by four communes
        campaign = make_campaign(organising_unit=commune, title=f"Đợt riêng số {number} của {commune.name}", year=2026)
        db.session.add(Nomination(campaign=campaign, unit_id=commune.id, kind=NomineeKind.COLLECTIVE,
                                  status=NominationState.ACCEPTED, title=f"Hồ sơ đợt riêng {number}",
                                  submitted_at=datetime(2026, 5, 2, tzinfo=timezone.utc)))
    db.session.commit()
    login_as(Role.SECRETARY, world.province)
    response = client.get(f"/thong-ke?{YEAR_2026}")
    page, html = text_of(response), response.get_data(as_text=True)
    figures = dashboard_figures(world.province, Period.year(2026))
    assert len(figures.funnel) > 15
    assert "Đợt riêng số" not in page  # not listed one by one...
    # ...but summed under the district whose communes ran them, with a link down to it.
    district = world.districts[0]
    assert f'<a href="/thong-ke?ky=year&amp;nam=2026&amp;don-vi={district.id}">Các đợt do Huyện Số 1 và cấp dưới tổ chức</a>' in html
    assert "Đợt của tỉnh" in page  # the province's own campaign stays on its own line
    assert f"Tổng cộng {figures.funnel_total.submitted} " in page


def test_unit_chooser_offers_only_the_users_subtree(build_world, login_as, client):
    world = build_world(dossiers=5)
    district = world.districts[0]
    login_as(Role.UNIT_SUBMITTER, district)
    html = client.get(f"/thong-ke?{YEAR_2026}").get_data(as_text=True)
    chooser = html.split('<select id="don-vi" name="don-vi">')[1].split("</select>")[0]
    offered = set(re.findall(r'value="(\d+)"', chooser))
    below = {str(c.id) for c in world.communes if world.parent[c.id] == district.id}
    assert offered == {str(district.id)} | below
    assert "Toàn quốc" not in chooser and world.province.name not in chooser


@pytest.mark.parametrize(
    "query, notice",
    [
        ("ky=quarter&nam=2026&quy=4", None),
        ("ky=range&tu=01/03/2026&den=31/05/2026", None),
        ("ky=range&tu=31/12/2026&den=01/01/2026", "Khoảng thời gian chưa hợp lệ"),
        ("ky=range&tu=30/02/2026&den=01/03/2026", "Khoảng thời gian chưa hợp lệ"),
        ("ky=range&tu=01/01/2000&den=31/12/2100", "dài quá 10 năm"),
        ("ky=quarter&nam=2026&quy=9", "Kỳ thống kê chưa hợp lệ"),
        ("ky=year&nam=99999", "Kỳ thống kê chưa hợp lệ"),
        ("ky=decade", "Kỳ thống kê chưa hợp lệ"),
    ],
)
def test_a_period_not_understood_or_cut_is_said_not_silently_replaced(build_world, login_as, client, query, notice):
    """Dates typed wrong on a phone used to give the current year's figures with the typed dates replaced, and
    nothing said: the reader took them for the period asked. The page now says what it shows instead."""
    world = build_world(dossiers=5)
    login_as(Role.SECRETARY, world.province)
    response = client.get(f"/thong-ke?{query}")
    assert response.status_code == 200
    page = text_of(response)
    if notice is None:
        assert "chưa hợp lệ" not in page and "dài quá" not in page
    else:
        assert notice in page
        assert "đang hiển thị" in page or "chỉ thống kê" in page
