"""A draft decision reaches the chair who approves it; a returned draft reaches the secretary, with the reason."""
from __future__ import annotations

from dvkheo.accounts.models import Role
from dvkheo.awards import decisions as ops
from dvkheo.awards import workflow
from dvkheo.extensions import db
from tests.mail_outbox import PUBLIC_BASE_URL, notices_of, outbox  # noqa: F401


def test_a_new_draft_reaches_the_chair_once_in_app_and_by_email(app, make_council_result, make_user, make_unit, outbox):
    result = make_council_result(passed=2)
    elsewhere = make_user(Role.CHAIR, make_unit("Tỉnh Bình Định", kind="province", code="52"))

    with app.test_request_context():
        decision = ops.draft_award_decision(result.campaign, result.award_form, [n.id for n in result.passed], result.secretary)
    db.session.commit()

    [notice] = notices_of(result.chair)
    assert notice.link == f"/awards/decisions/{decision.id}"
    assert "chờ Chủ tịch Hội đồng duyệt" in notice.message and decision.title in notice.message
    [mail] = outbox(result.chair)
    assert f"{PUBLIC_BASE_URL}/awards/decisions/{decision.id}" in mail.body
    assert notices_of(result.secretary) == [] and notices_of(elsewhere) == []


def test_an_amendment_draft_also_reaches_the_chair(app, make_council_result, make_issued_decision, outbox):
    result = make_council_result(passed=1)
    issued = make_issued_decision(result)

    with app.test_request_context():
        amendment = ops.draft_amendment(issued, result.secretary)
    db.session.commit()

    [notice] = notices_of(result.chair)
    assert "Dự thảo quyết định sửa đổi, bổ sung" in notice.message and notice.link == f"/awards/decisions/{amendment.id}"


def test_returning_an_approved_draft_tells_the_secretary_why(app, make_council_result, outbox):
    result = make_council_result(passed=2)
    with app.test_request_context():
        decision = ops.draft_award_decision(result.campaign, result.award_form, [n.id for n in result.passed], result.secretary)
        workflow.apply(decision, workflow.DecisionAction.APPROVE, result.chair)
        workflow.apply(decision, workflow.DecisionAction.RETURN, result.chair, reason="Sửa lại trích yếu cho đúng thể thức.")
    db.session.commit()

    [notice] = notices_of(result.secretary)
    assert "trả lại dự thảo quyết định khen thưởng" in notice.message
    assert notice.message.endswith("Lý do: Sửa lại trích yếu cho đúng thể thức.")
    assert notice.link == f"/awards/decisions/{decision.id}"
    [mail] = outbox(result.secretary)
    assert f"{PUBLIC_BASE_URL}/awards/decisions/{decision.id}" in mail.body
    # Approving is the chair's own act: nobody is told of it; the chair had one notice, for the draft.
    assert len(notices_of(result.chair)) == 1


def test_a_draft_made_outside_a_request_links_to_its_page_too(app, make_council_result):
    result = make_council_result(passed=1)

    decision = ops.draft_award_decision(result.campaign, result.award_form, [result.passed[0].id], result.secretary)
    db.session.commit()

    assert [n.link for n in notices_of(result.chair)] == [f"/awards/decisions/{decision.id}"]
