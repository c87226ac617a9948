"""The report pages: who opens what (by URL too), creating, editing with errors kept, the list and the summary."""
from __future__ import annotations

import pytest

from dvkheo.accounts.models import Role
from dvkheo.extensions import db
from dvkheo.reports.models import PeriodicReport, PeriodKind, ReportState
from tests.reports.periodic_fixtures import login, make_report, tree  # noqa: F401  (fixtures)

SUBMITTED, DRAFT = True, False


@pytest.mark.parametrize(
    ("submitted", "who", "status"),
    [
        (DRAFT, ("commune", Role.SECRETARY), 200),
        (DRAFT, ("commune", Role.CHAIR), 200),
        (DRAFT, ("district", Role.SECRETARY), 404),  # the level above never sees a draft
        (DRAFT, ("none", Role.ADMIN), 200),
        (SUBMITTED, ("district", Role.SECRETARY), 200),
        (SUBMITTED, ("district", Role.CHAIR), 200),
        (SUBMITTED, ("province", Role.SECRETARY), 404),  # two levels up: it sums the district's report instead
        (SUBMITTED, ("commune2", Role.SECRETARY), 404),  # a sibling unit opening the report by its URL
        (SUBMITTED, ("commune", Role.UNIT_SUBMITTER), 404),
        (SUBMITTED, ("district", Role.UNIT_SUBMITTER), 404),
        (SUBMITTED, ("province", Role.REVIEWER), 404),
    ],
)
def test_who_opens_a_commune_report(client, login, tree, make_report, submitted, who, status):
    report = make_report(tree.commune, tree.staff[("commune", Role.SECRETARY)], submit=submitted)
    login(tree.staff[who])
    for suffix in ("", "/bao-cao.pdf", "/bao-cao.docx", "/bieu-so-lieu.xlsx"):
        assert client.get(f"/bao-cao/{report.id}{suffix}").status_code == status, suffix


def test_lower_unit_cannot_see_its_parents_report(client, login, tree, make_report):
    report = make_report(tree.district, tree.staff[("district", Role.SECRETARY)], submit=True)
    login(tree.staff[("commune", Role.SECRETARY)])
    assert client.get(f"/bao-cao/{report.id}").status_code == 404
    assert "Huyện Sơn Tịnh" not in client.get("/bao-cao").get_data(as_text=True)
    assert client.get("/bao-cao/99999999999999999999").status_code == 404


def test_list_pages_are_for_committees(client, login, tree):
    for who, status in ((("commune", Role.UNIT_SUBMITTER), 403), (("province", Role.REVIEWER), 403),
                        (("commune", Role.SECRETARY), 200), (("none", Role.ADMIN), 200)):
        login(tree.staff[who])
        assert client.get("/bao-cao").status_code == status, who
    login(tree.staff[("commune", Role.UNIT_SUBMITTER)])
    assert client.get("/bao-cao/tong-hop").status_code == 403
    assert client.post("/bao-cao/moi", data={"p-period_kind": "year", "p-year": "2026"}).status_code == 403


def test_secretary_creates_a_prefilled_report_and_a_second_one_is_refused(client, login, tree):
    login(tree.staff[("commune", Role.SECRETARY)])
    response = client.post("/bao-cao/moi", data={"p-period_kind": "half", "p-year": "2026", "p-half": "1"})
    report = db.session.query(PeriodicReport).one()
    assert response.headers["Location"].endswith(f"/bao-cao/{report.id}")
    assert (report.period_kind, report.starts_on.isoformat(), report.ends_on.isoformat()) == (
        PeriodKind.HALF, "2026-01-01", "2026-06-30")
    assert report.results.startswith("Trong 6 tháng đầu năm 2026, toàn xã có 0 mô hình, điển hình “Dân vận khéo” đăng ký")
    page = client.get(f"/bao-cao/{report.id}").get_data(as_text=True)
    assert "Báo cáo sơ kết 6 tháng đầu năm 2026 phong trào thi đua “Dân vận khéo”" in page
    again = client.post("/bao-cao/moi", data={"p-period_kind": "half", "p-year": "2026", "p-half": "1"})
    assert again.headers["Location"].endswith(f"/bao-cao/{report.id}")
    assert db.session.query(PeriodicReport).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"p-period_kind": "year", "p-year": "1800"}, "Giá trị không được nhỏ hơn 2000."),
        ({"p-period_kind": "range", "p-first_day": "01/07/2026", "p-last_day": "01/01/2026"},
         "Ngày kết thúc phải sau ngày bắt đầu."),
        ({"p-period_kind": "week", "p-year": "2026"}, "Vui lòng chọn kỳ báo cáo."),
    ],
)
def test_a_wrong_period_is_told(client, login, tree, data, message):
    login(tree.staff[("commune", Role.SECRETARY)])
    response = client.post("/bao-cao/moi", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert db.session.query(PeriodicReport).count() == 0
    for name, value in data.items():  # shown again as chosen and typed
        if name != "p-period_kind":
            assert f'value="{value}"' in page, name


def test_editing_keeps_what_was_typed_on_error(client, login, tree, make_report):
    report = make_report(tree.commune, tree.staff[("commune", Role.SECRETARY)])
    login(tree.staff[("commune", Role.SECRETARY)])
    typed = {"n-situation": "Đã triển khai tới 12 thôn.", "n-results": "", "n-shortcomings": "Còn 1.234 hộ chưa tham gia.",
             "n-directions": "Nhân rộng.", "action": "submit"}
    response = client.post(f"/bao-cao/{report.id}", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vui lòng viết phần “II. Kết quả thực hiện” trước khi gửi." in page
    assert "Còn 1.234 hộ chưa tham gia." in page and "Đã triển khai tới 12 thôn." in page
    db.session.refresh(report)
    assert (report.state, report.situation) == (ReportState.DRAFT, "Tình hình.")
    saved = client.post(f"/bao-cao/{report.id}", data={**typed, "n-results": "Có 3 mô hình.", "action": "save"})
    assert saved.status_code == 302
    db.session.refresh(report)
    assert (report.results, report.shortcomings) == ("Có 3 mô hình.", "Còn 1.234 hộ chưa tham gia.")


def test_submit_and_return_through_the_pages(client, login, tree, make_report):
    report = make_report(tree.commune, tree.staff[("commune", Role.SECRETARY)])
    login(tree.staff[("commune", Role.SECRETARY)])
    client.post(f"/bao-cao/{report.id}", data={"n-results": "Kết quả.", "action": "submit"})
    db.session.refresh(report)
    assert report.state is ReportState.SUBMITTED
    # Nobody else changes it: the sibling commune gets 404, the district's unit staff too.
    login(tree.staff[("commune2", Role.SECRETARY)])
    assert client.post(f"/bao-cao/{report.id}", data={"r-reason": "x", "action": "return"}).status_code == 404
    login(tree.staff[("district", Role.SECRETARY)])
    page = client.get(f"/bao-cao/{report.id}").get_data(as_text=True)
    assert "Trả lại để bổ sung" in page and 'name="n-results"' not in page
    refused = client.post(f"/bao-cao/{report.id}", data={"n-results": "Sửa hộ.", "action": "save"})
    assert refused.status_code == 422
    assert "Không thể “lưu nháp” khi báo cáo đang ở trạng thái “Đã gửi cấp trên”." in refused.get_data(as_text=True)
    client.post(f"/bao-cao/{report.id}", data={"r-reason": "Thiếu biểu số 02.", "action": "return"})
    db.session.refresh(report)
    assert (report.state, report.return_reason, report.results) == (ReportState.RETURNED, "Thiếu biểu số 02.", "Kết quả.")
    # Returned to its unit, it leaves the district's sight until sent again.
    assert client.get(f"/bao-cao/{report.id}").status_code == 404


def test_summary_sums_the_received_reports_and_names_the_missing(client, login, tree, make_report):
    first = make_report(tree.commune, tree.staff[("commune", Role.SECRETARY)], submit=True)
    make_report(tree.commune2, tree.staff[("commune2", Role.SECRETARY)])  # a draft: not received
    first.figures = dict(first.figures, totals={"registered": 1234, "recognised": 56, "commended": 7, "replicated": 8,
                                                "units_without_model": 2})
    db.session.commit()
    login(tree.staff[("district", Role.SECRETARY)])
    page = client.get("/bao-cao/tong-hop?p-period_kind=half&p-year=2026&p-half=1").get_data(as_text=True)
    assert "Đã nhận <strong>1</strong>/2 báo cáo." in page
    assert "1.234" in page
    assert "Đơn vị chưa gửi báo cáo (1)" in page and "<li>Xã Tịnh Hòa</li>" in page


def test_list_query_count_does_not_grow(client, login, tree, make_report, make_unit, make_user, count_queries):
    district_secretary = tree.staff[("district", Role.SECRETARY)]
    make_report(tree.commune, tree.staff[("commune", Role.SECRETARY)], submit=True)
    login(district_secretary)
    client.get("/bao-cao")  # the first page of a session loads what later pages reuse
    with count_queries() as few:
        assert client.get("/bao-cao").status_code == 200
    for number in range(6):
        unit = make_unit(f"Xã Thêm {number}", parent=tree.district)
        make_report(unit, make_user(Role.SECRETARY, unit), submit=True)
        make_report(tree.district, district_secretary,
                    period=(PeriodKind.QUARTER, *report_workflow_quarter(number)))
    with count_queries() as many:
        page = client.get("/bao-cao")
    assert page.get_data(as_text=True).count("/bao-cao/") >= 13
    # Never more (the user's own unit may come with the rows instead of on its own).
    assert many.count <= few.count


def report_workflow_quarter(number: int):
    from dvkheo.reports import report_period

    return report_period.bounds(PeriodKind.QUARTER, 2020 + number // 4, number % 4 + 1)


def test_summary_query_count_does_not_grow(client, login, tree, make_report, make_unit, make_user, count_queries):
    url = "/bao-cao/tong-hop?p-period_kind=half&p-year=2026&p-half=1"
    make_report(tree.commune, tree.staff[("commune", Role.SECRETARY)], submit=True)
    login(tree.staff[("district", Role.SECRETARY)])
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for number in range(5):
        unit = make_unit(f"Xã Thêm {number}", parent=tree.district)
        make_report(unit, make_user(Role.SECRETARY, unit), submit=number % 2 == 0)
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert "Đã nhận <strong>4</strong>/7 báo cáo." in page
    assert many.count <= few.count
