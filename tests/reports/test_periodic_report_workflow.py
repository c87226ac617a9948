"""The periodic report's workflow: who may save, submit and return it, in which state, and what each move does."""
from __future__ import annotations

from datetime import date

import pytest

from dvkheo.accounts.models import Role
from dvkheo.core.audit import history
from dvkheo.core.rules import RuleRefused, TransitionRefused
from dvkheo.extensions import db
from dvkheo.reports import report_workflow
from dvkheo.reports.models import PeriodKind, ReportState
from dvkheo.reports.report_workflow import A
from tests.reports.periodic_fixtures import make_report, tree  # noqa: F401  (fixtures)

S = ReportState


@pytest.mark.parametrize(
    ("state", "action", "who", "allowed"),
    [
        (S.DRAFT, A.SAVE, ("commune", Role.SECRETARY), True),
        (S.DRAFT, A.SAVE, ("commune", Role.CHAIR), True),
        (S.DRAFT, A.SUBMIT, ("commune", Role.SECRETARY), True),
        (S.DRAFT, A.SAVE, ("commune", Role.UNIT_SUBMITTER), False),
        (S.DRAFT, A.SAVE, ("commune2", Role.SECRETARY), False),
        (S.DRAFT, A.SAVE, ("district", Role.SECRETARY), False),
        (S.DRAFT, A.SUBMIT, ("district", Role.SECRETARY), False),
        (S.DRAFT, A.RETURN, ("district", Role.SECRETARY), False),
        (S.DRAFT, A.SAVE, ("none", Role.ADMIN), False),
        (S.SUBMITTED, A.SAVE, ("commune", Role.SECRETARY), False),
        (S.SUBMITTED, A.SUBMIT, ("commune", Role.SECRETARY), False),
        (S.SUBMITTED, A.RETURN, ("commune", Role.SECRETARY), False),
        (S.SUBMITTED, A.RETURN, ("district", Role.SECRETARY), True),
        (S.SUBMITTED, A.RETURN, ("district", Role.CHAIR), True),
        (S.SUBMITTED, A.RETURN, ("province", Role.SECRETARY), False),
        (S.SUBMITTED, A.RETURN, ("commune2", Role.SECRETARY), False),
        (S.SUBMITTED, A.RETURN, ("district", Role.UNIT_SUBMITTER), False),
        (S.RETURNED, A.SAVE, ("commune", Role.SECRETARY), True),
        (S.RETURNED, A.SUBMIT, ("commune", Role.SECRETARY), True),
        (S.RETURNED, A.RETURN, ("district", Role.SECRETARY), False),
    ],
)
def test_transition_table(tree, make_report, state, action, who, allowed):
    secretary = tree.staff[("commune", Role.SECRETARY)]
    report = make_report(tree.commune, secretary, submit=state is not S.DRAFT)
    if state is S.RETURNED:
        report_workflow.apply(report, A.RETURN, tree.staff[("district", Role.SECRETARY)], reason="Bổ sung số liệu xã.")
        db.session.commit()
    assert report.state is state
    actor = tree.staff[who]
    assert (action in report_workflow.available_actions(report, actor)) is allowed
    if allowed:
        report_workflow.apply(report, action, actor, reason="Bổ sung.")
    else:
        with pytest.raises(TransitionRefused):
            report_workflow.apply(report, action, actor, reason="Bổ sung.")
        db.session.rollback()
        assert report.state is state


def test_submit_freezes_figures_and_letterhead_numbers_once_and_audits(tree, make_report):
    secretary = tree.staff[("commune", Role.SECRETARY)]
    report = make_report(tree.commune, secretary)
    assert (report.figures, report.letterhead) == (None, None)
    report_workflow.apply(report, A.SUBMIT, secretary, results="Kết quả đã sửa.")
    db.session.commit()
    assert report.state is S.SUBMITTED
    assert report.results == "Kết quả đã sửa."
    assert report.figures is not None and "tables" in report.figures
    number = report.letterhead["number"]
    assert number == 1
    district_secretary = tree.staff[("district", Role.SECRETARY)]
    report_workflow.apply(report, A.RETURN, district_secretary, reason="Thiếu số liệu thôn.")
    db.session.commit()
    assert (report.state, report.return_reason) == (S.RETURNED, "Thiếu số liệu thôn.")
    report_workflow.apply(report, A.SUBMIT, secretary)
    db.session.commit()
    assert report.letterhead["number"] == number
    assert report.submissions == 2
    assert report.return_reason is None
    events = [(e.action, e.from_state, e.to_state, e.actor_id, e.reason) for e in history("periodic_report", report.id)]
    assert events == [
        ("create", None, "draft", secretary.id, None),
        ("submit", "draft", "submitted", secretary.id, None),
        ("return", "submitted", "returned", district_secretary.id, "Thiếu số liệu thôn."),
        ("submit", "returned", "submitted", secretary.id, None),
    ]


def test_return_needs_a_reason(tree, make_report):
    report = make_report(tree.commune, tree.staff[("commune", Role.SECRETARY)], submit=True)
    with pytest.raises(TransitionRefused) as refused:
        report_workflow.apply(report, A.RETURN, tree.staff[("district", Role.SECRETARY)], reason="  ")
    assert refused.value.problems[0].message == "Vui lòng ghi rõ nội dung cần bổ sung."


def test_submit_refused_without_results_or_level_above(tree, make_report):
    report = make_report(tree.commune, tree.staff[("commune", Role.SECRETARY)], results="")
    with pytest.raises(TransitionRefused) as refused:
        report_workflow.apply(report, A.SUBMIT, tree.staff[("commune", Role.SECRETARY)])
    assert [p.field for p in refused.value.problems] == ["results"]
    top = make_report(tree.province, tree.staff[("province", Role.SECRETARY)])
    with pytest.raises(TransitionRefused) as refused:
        report_workflow.apply(top, A.SUBMIT, tree.staff[("province", Role.SECRETARY)])
    assert [p.message for p in refused.value.problems] == ["Đơn vị không có cấp trên để gửi báo cáo."]


def test_one_report_per_unit_and_period(tree, make_report):
    secretary = tree.staff[("commune", Role.SECRETARY)]
    make_report(tree.commune, secretary)
    with pytest.raises(RuleRefused):
        report_workflow.create(tree.commune, PeriodKind.HALF, date(2026, 1, 1), date(2026, 6, 30), secretary, {})


def test_only_the_units_own_committee_creates(tree):
    with pytest.raises(TransitionRefused):
        report_workflow.create(tree.commune, PeriodKind.YEAR, date(2026, 1, 1), date(2026, 12, 31),
                               tree.staff[("district", Role.SECRETARY)], {})
    with pytest.raises(TransitionRefused):
        report_workflow.create(tree.commune, PeriodKind.YEAR, date(2026, 1, 1), date(2026, 12, 31),
                               tree.staff[("commune", Role.UNIT_SUBMITTER)], {})


def test_submit_and_return_notify_the_other_committee(tree, make_report):
    from dvkheo.core.notifications import Notification

    report = make_report(tree.commune, tree.staff[("commune", Role.SECRETARY)], submit=True)
    notices = {(n.user_id, n.message, n.link) for n in db.session.query(Notification)}
    link = f"/bao-cao/{report.id}"
    message = "Xã Tịnh Khê đã gửi báo cáo sơ kết 6 tháng đầu năm 2026 phong trào thi đua “Dân vận khéo”."
    assert notices == {(tree.staff[("district", role)].id, message, link) for role in (Role.SECRETARY, Role.CHAIR)}
    report_workflow.apply(report, A.RETURN, tree.staff[("district", Role.CHAIR)], reason="Thiếu biểu số 02.")
    db.session.commit()
    returned = {(n.user_id, n.message) for n in db.session.query(Notification)} - {(u, m) for u, m, _ in notices}
    message = ("Cấp trên trả lại báo cáo sơ kết 6 tháng đầu năm 2026 phong trào thi đua “Dân vận khéo” để bổ sung: "
               "Thiếu biểu số 02.")
    assert returned == {(tree.staff[("commune", role)].id, message) for role in (Role.SECRETARY, Role.CHAIR)}


def test_each_issuer_numbers_its_own_reports_even_when_bodies_share_a_symbol(tree, make_report):
    """Every commune's People's Committee writes "BC-UBND" (every province's Ban Dân vận "BC/BDVTU"): the symbol is
    shared, the register is each body's own. The second commune's first report is its number 01, not the next
    number of the first commune's register."""
    first = make_report(tree.commune, tree.staff[("commune", Role.SECRETARY)], submit=True)
    second = make_report(tree.commune2, tree.staff[("commune2", Role.SECRETARY)], submit=True)
    assert first.letterhead["code"] == second.letterhead["code"]
    assert (first.letterhead["number"], second.letterhead["number"]) == (1, 1)
    again = make_report(tree.commune, tree.staff[("commune", Role.SECRETARY)], submit=True,
                        period=(PeriodKind.QUARTER, date(2026, 1, 1), date(2026, 3, 31)))
    assert again.letterhead["number"] == 2
