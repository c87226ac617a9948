"""The model's public page: its status, the chart and table of accepted figures, nothing internal, a fixed cost."""
from __future__ import annotations

import re

from dvkheo.extensions import db
from dvkheo.followup.models import FollowUpFile, FollowUpState as S
from dvkheo.registry.models import ModelStatus

from .conftest import add_followup, login


def accepted(world, year: int, people: int, money: int, days: int, status=ModelStatus.MAINTAINED, **extra):
    return add_followup(world.model, world.province, state=S.ACCEPTED, year=year, round_year=year, reported_status=status,
                        people_reached=people, money_vnd=money, working_days=days, **extra)


def test_chart_and_table_show_the_accepted_figures(client, world):
    accepted(world, 2024, 800, 120_000_000, 300, other_results="Xây 2 nhà văn hóa thôn.")
    accepted(world, 2025, 1200, 350_000_000, 640, ModelStatus.SCALED_UP)
    world.model.status = ModelStatus.SCALED_UP
    add_followup(world.model, world.province, state=S.SUBMITTED, year=2026, round_year=2026,
                 reported_status=ModelStatus.PAUSED, people_reached=99_999)
    db.session.commit()

    page = client.get(f"/mo-hinh/{world.model.id}").get_data(as_text=True)

    assert "Nhân rộng, phát triển" in page and "theo đánh giá năm 2025" in page
    svg = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(svg) == 3  # people, money, working days
    people_bars = re.findall(r'<rect x="\d+" y="(\d+)" width="\d+" height="(\d+)" class="chart-bar"/>', svg[0])
    assert [int(h) for _, h in people_bars] == [71, 106]  # 800 and 1.200 on a 106-unit scale
    assert ">1.200<" in svg[0] and ">800<" in svg[0] and ">350<" in svg[1]  # money in millions
    table = re.search(r'<table class="list followup-figures">.*?</table>', page, re.S).group(0)
    rows = re.findall(r'<tr><th scope="row">(\d+)</th><td[^>]*>([^<]+)</td>\s*<td class="num"[^>]*>([^<]+)</td>\s*'
                      r'<td class="num"[^>]*>([^<]+)</td>\s*<td class="num"[^>]*>([^<]+)</td>', table)
    assert rows == [("2025", "Nhân rộng, phát triển", "1.200", "350.000.000", "640"),
                    ("2024", "Duy trì", "800", "120.000.000", "300")]
    assert "Xây 2 nhà văn hóa thôn." in table
    assert "99.999" not in page and "Tạm dừng" not in page  # a report not yet accepted is not public
    assert "style=" not in page


def test_internal_note_reason_and_evidence_are_never_public(client, world):
    followup = accepted(world, 2025, 500, 0, 10, internal_note="Ghi chú nội bộ: hộ ông A chưa đóng góp.",
                        return_reason="Lý do trả lại cũ")
    followup.files.append(FollowUpFile(stored_name="abc.pdf", original_name="Sổ thu chi bí mật.pdf",
                                       content_type="application/pdf", size_bytes=10, sha256="0" * 64))
    db.session.commit()
    for viewer in (None, world.secretary):
        if viewer is not None:
            login(client, viewer)
        page = client.get(f"/mo-hinh/{world.model.id}").get_data(as_text=True)
        assert "500" in page
        for secret in ("Ghi chú nội bộ", "Lý do trả lại cũ", "Sổ thu chi bí mật", "/tep/"):
            assert secret not in page


def test_an_ended_model_keeps_its_page_but_leaves_the_default_list(client, world, make_model):
    make_model(world.other_commune, title="Mô hình còn hoạt động")
    world.model.status = ModelStatus.ENDED
    db.session.commit()
    page = client.get(f"/mo-hinh/{world.model.id}")
    assert page.status_code == 200 and "Mô hình đã kết thúc hoạt động" in page.get_data(as_text=True)
    default = client.get("/mo-hinh").get_data(as_text=True)
    assert "Mô hình còn hoạt động" in default and world.model.title not in default
    assert world.model.title in client.get("/mo-hinh?tinh-trang=ended").get_data(as_text=True)
    login(client, world.secretary)
    assert "Yêu cầu đơn vị báo cáo theo dõi" not in client.get(f"/mo-hinh/{world.model.id}").get_data(as_text=True)


def test_model_page_costs_the_same_with_2_and_12_periods(client, world, count_queries):
    def cost() -> int:
        with count_queries() as counter:
            page = client.get(f"/mo-hinh/{world.model.id}").get_data(as_text=True)
        return counter.count, page

    for year in (2014, 2015):
        accepted(world, year, 100 * year, 1_000_000, 5)
    few, _ = cost()
    for year in range(2016, 2026):
        accepted(world, year, 100 * year, 1_000_000, 5)
    many, page = cost()
    assert many == few
    table = re.search(r'<table class="list followup-figures">.*?</table>', page, re.S).group(0)
    assert re.findall(r'<th scope="row">(\d+)</th>', table) == [str(y) for y in range(2025, 2015, -1)]  # the last 10
    login(client, world.secretary)
    committee_few, _ = cost()
    add_followup(world.model, world.province)
    assert cost()[0] == committee_few
