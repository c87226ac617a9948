"""The report's figure tables against the dashboard's figures for the same unit and period; frozen at submission;
the level above's summary sums exactly what it received."""
from __future__ import annotations

from datetime import date

from dvkheo.accounts.models import Role
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.campaigns.models import NomineeKind
from dvkheo.nominations.states import NominationState
from dvkheo.reports import report_figures, report_workflow
from dvkheo.reports.models import PeriodKind
from dvkheo.reports.periods import Period
from dvkheo.reports.statistics import STAGES, dashboard_figures
from dvkheo.core.timeutil import utcnow
from tests.reports.test_statistics import build_world  # noqa: F401  (the dashboard's own test world)
from tests.reports.periodic_fixtures import login, make_report, tree  # noqa: F401  (fixtures)

YEAR_2026 = (PeriodKind.YEAR, date(2026, 1, 1), date(2026, 12, 31))


def _table(figures: dict, number: str) -> dict:
    return next(t for t in figures["tables"] if t["number"] == number)


def _column(table: dict, label: str) -> str:
    return next(c["key"] for c in table["columns"] if c["label"] == label)


def assert_tables_match_dashboard(figures: dict, dashboard) -> None:
    units = _table(figures, "01")
    assert [row["unit"] for row in units["rows"]] == [row.name for row in dashboard.units]
    plain = {"Mô hình, điển hình đăng ký": "registered", "Được công nhận": "recognised", "Được khen thưởng": "commended",
             "Lượt nhân rộng": "replications", "Theo dõi đến hạn": "followups_due", "Theo dõi quá hạn": "followups_late"}
    for label, attribute in plain.items():
        key = _column(units, label)
        assert [row[key] for row in units["rows"]] == [getattr(row, attribute) for row in dashboard.units], label
        assert units["total"][key] == getattr(dashboard.totals, attribute), label
    for award in dashboard.award_keys:
        key = _column(units, f"{award.form_name} ({award.level_label.lower()})")
        assert [row[key] for row in units["rows"]] == [row.commended_by.get(award, 0) for row in dashboard.units]
        assert units["total"][key] == dashboard.totals.commended_by.get(award, 0)

    without = _table(figures, "02")
    assert [row["unit"] for row in without["rows"]] == [row.name for row in dashboard.without_model]

    fields = _table(figures, "03")
    assert [(row["field"], row["kind"]) for row in fields["rows"]] == [(r.field_name, r.kind_label) for r in dashboard.fields]
    for label, attribute in (("Đăng ký trong kỳ", "submitted"), ("Khen thưởng trong kỳ", "commended"),
                             (f"Đăng ký kỳ trước ({dashboard.previous.label})", "previous_submitted"),
                             (f"Khen thưởng kỳ trước ({dashboard.previous.label})", "previous_commended")):
        key = _column(fields, label)
        assert [row[key] for row in fields["rows"]] == [getattr(r, attribute) for r in dashboard.fields], label
        assert fields["total"][key] == sum(getattr(r, attribute) for r in dashboard.fields)

    funnel = _table(figures, "04")
    assert [row["campaign"] for row in funnel["rows"]] == [row.title for row in dashboard.funnel]
    for stage in STAGES + ("rejected", "returned", "on_hold", "withdrawn"):
        assert [row[stage] for row in funnel["rows"]] == [getattr(row.counts, stage) for row in dashboard.funnel]
        assert funnel["total"][stage] == getattr(dashboard.funnel_total, stage)

    totals = figures["totals"]
    assert (totals["registered"], totals["recognised"], totals["commended"], totals["replicated"]) == (
        dashboard.totals.registered, dashboard.totals.recognised, dashboard.totals.commended,
        dashboard.totals.replications)
    assert totals["units_without_model"] == len(dashboard.without_model)


def test_draft_tables_equal_the_dashboard_for_the_province(build_world, make_user, make_report):  # noqa: F811
    world = build_world()
    secretary = make_user(Role.SECRETARY, world.province)
    report = make_report(world.province, secretary, period=YEAR_2026)
    dashboard = dashboard_figures(world.province, Period.year(2026))
    figures = report_figures.figures_of(report)
    assert_tables_match_dashboard(figures, dashboard)
    # Not trivially: the world has rows in every table.
    assert dashboard.totals.registered > 10 and dashboard.without_model and dashboard.funnel and dashboard.award_keys


def test_quarter_of_a_district_equals_its_dashboard(build_world, make_user, make_report):  # noqa: F811
    world = build_world()
    district = world.districts[0]
    secretary = make_user(Role.SECRETARY, district)
    period = (PeriodKind.QUARTER, date(2026, 7, 1), date(2026, 9, 30))
    report = make_report(district, secretary, period=period, submit=True)
    assert_tables_match_dashboard(report.figures, dashboard_figures(district, Period.quarter(2026, 3)))


def test_submitted_figures_stay_frozen_while_the_dashboard_moves(build_world, make_user, make_report, client):  # noqa: F811
    world = build_world()
    district = world.districts[0]
    report = make_report(district, make_user(Role.SECRETARY, district), period=YEAR_2026, submit=True)
    frozen_registered = report.figures["totals"]["registered"]
    db.session.add(Nomination(campaign=world.campaigns[1], unit_id=district.id, kind=NomineeKind.COLLECTIVE,
                              status=NominationState.SUBMITTED, title="Hồ sơ gửi sau khi báo cáo", submitted_at=utcnow()))
    db.session.commit()
    assert dashboard_figures(district, Period.year(2026)).totals.registered == frozen_registered + 1
    db.session.expire_all()
    assert report_figures.figures_of(report)["totals"]["registered"] == frozen_registered
    # Returned for completion, the report shows live figures again, and freezes them anew when resubmitted.
    report_workflow.apply(report, report_workflow.A.RETURN, make_user(Role.SECRETARY, world.province), reason="Bổ sung.")
    db.session.commit()
    assert report_figures.figures_of(report)["totals"]["registered"] == frozen_registered + 1


def test_summary_rows_are_the_received_reports_totals(build_world, make_user, make_report, client, login):  # noqa: F811
    world = build_world()
    province_secretary = make_user(Role.SECRETARY, world.province)
    sent = []
    for district in world.districts[:2]:
        sent.append(make_report(district, make_user(Role.SECRETARY, district), period=YEAR_2026, submit=True))
    make_report(world.districts[2], make_user(Role.SECRETARY, world.districts[2]), period=YEAR_2026)  # draft
    login(province_secretary)
    page = client.get("/bao-cao/tong-hop?p-period_kind=year&p-year=2026").get_data(as_text=True)
    expected_total = sum(r.figures["totals"]["registered"] for r in sent)
    for report in sent:
        assert f"{report.unit.name}</td>" in page
    assert f"Đã nhận <strong>2</strong>/{len(world.districts)} báo cáo." in page
    total_line = page[page.index('<tr class="total">'):]
    assert f">{report_figures.vn_number(expected_total)}</td>" in total_line
    # Each row is that report's own frozen total, and they add up to the total line.
    summary = report_figures.received_summary(world.province, world.districts, sent)
    assert [row["values"].get("registered") for row in summary["rows"]][:2] == [
        r.figures["totals"]["registered"] for r in sent]
    assert summary["total"]["registered"] == expected_total
    assert [u.name for u in summary["missing"]] == [u.name for u in world.districts[2:]]


def test_prefilled_sentences_use_vietnamese_numbers(tree, make_report):
    sentence = report_figures.prefill(
        tree.province, PeriodKind.HALF, date(2026, 1, 1), date(2026, 6, 30),
        {"totals": {"registered": 1234, "collective": 1000, "individual": 234, "previous_registered": 1102,
                    "previous_words": "6 tháng cuối năm 2025", "recognised": 56, "commended": 12,
                    "commended_by_form": "2 Bằng khen cấp tỉnh, 10 Giấy khen cấp xã", "replicated": 9}},
        "Ban Dân vận Tỉnh ủy",
    )["results"].splitlines()[0]
    assert sentence == (
        "Trong 6 tháng đầu năm 2026, toàn tỉnh có 1.234 mô hình, điển hình “Dân vận khéo” đăng ký (1.000 tập thể, "
        "234 cá nhân), tăng 12% so với 6 tháng cuối năm 2025; 56 mô hình, điển hình được công nhận; 12 lượt được "
        "khen thưởng (2 Bằng khen cấp tỉnh, 10 Giấy khen cấp xã); 9 lượt nhân rộng mô hình."
    )


def test_prefill_with_nothing_before_says_so(tree):
    sections = report_figures.prefill(
        tree.district, PeriodKind.YEAR, date(2026, 1, 1), date(2026, 12, 31),
        {"totals": {"registered": 3, "collective": 3, "individual": 0, "previous_registered": 0,
                    "previous_words": "năm 2025", "campaigns": 2, "submitted": 4, "units_without_model": 1,
                    "units_without_model_names": ["Xã Tịnh Hòa"], "followups_late": 2}},
        "Ban Dân vận Huyện ủy",
    )
    assert "toàn huyện có 3 mô hình, điển hình “Dân vận khéo” đăng ký (3 tập thể, 0 cá nhân), trong khi năm 2025 " \
        "chưa có mô hình nào đăng ký;" in sections["results"]
    assert "Trong năm 2026, 2 đợt bình xét mô hình, điển hình “Dân vận khéo” đã nhận 4 hồ sơ đề nghị của các đơn vị " \
        "trong huyện." in sections["situation"]
    assert sections["shortcomings"].splitlines() == [
        "Còn 1 đơn vị chưa có mô hình, điển hình “Dân vận khéo”: Xã Tịnh Hòa.",
        "Có 2 báo cáo theo dõi mô hình đã quá hạn mà đơn vị chưa gửi.",
    ]


def test_a_draft_reads_the_statistics_cache_and_a_submission_counts_afresh(build_world, make_user, make_report):  # noqa: F811
    """A draft is opened and downloaded many times: it shows what the statistics page shows (at most the stated
    interval old) instead of counting every dossier again; what is sent upward is counted at the moment it is sent."""
    world = build_world()
    district = world.districts[0]
    secretary = make_user(Role.SECRETARY, district)
    report = make_report(district, secretary, period=YEAR_2026)
    shown = report_figures.figures_of(report)["totals"]["registered"]
    db.session.add(Nomination(campaign=world.campaigns[1], unit_id=district.id, kind=NomineeKind.COLLECTIVE,
                              status=NominationState.SUBMITTED, title="Hồ sơ gửi sau khi mở bản nháp", submitted_at=utcnow()))
    db.session.commit()
    assert report_figures.figures_of(report)["totals"]["registered"] == shown  # the page's cached figure
    report_workflow.apply(report, report_workflow.A.SUBMIT, secretary)
    db.session.commit()
    assert report.figures["totals"]["registered"] == shown + 1
