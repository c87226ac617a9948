"""Publishing a campaign's awards settles every dossier the council decided on."""
from __future__ import annotations

import pytest

from dvkheo.campaigns import workflow as campaign_workflow
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.audit import history
from dvkheo.core.rules import TransitionRefused
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState as S


def test_publishing_marks_the_rest_not_awarded_and_keeps_the_awarded(make_council_result, make_issued_decision):
    result = make_council_result(passed=3, failed=2)
    awarded, left_out = result.passed[:2], result.passed[2]
    make_issued_decision(result, awarded)

    campaign_workflow.apply(result.campaign, campaign_workflow.CampaignAction.PUBLISH_AWARDS, result.chair)
    db.session.commit()

    statuses = {n.id: db.session.get(Nomination, n.id).status for n in result.passed + result.failed}
    assert [statuses[n.id] for n in awarded] == [S.AWARDED, S.AWARDED]
    assert statuses[left_out.id] is S.NOT_AWARDED
    assert [statuses[n.id] for n in result.failed] == [S.NOT_AWARDED, S.NOT_AWARDED]
    event = history("nomination", left_out.id)[-1]
    assert (event.action, event.actor_id, event.from_state, event.to_state) == (
        "not_award", None, "passed_council", "not_awarded",  # an automatic step: under the system
    )
    assert db.session.get(type(result.campaign), result.campaign.id).status is CampaignStatus.AWARDED


def test_publishing_waits_for_an_issued_decision(make_council_result):
    result = make_council_result(passed=1)
    with pytest.raises(TransitionRefused) as refused:
        campaign_workflow.apply(result.campaign, campaign_workflow.CampaignAction.PUBLISH_AWARDS, result.chair)
    assert [p.message for p in refused.value.problems] == ["Chưa có quyết định khen thưởng nào được ban hành."]
    db.session.rollback()
    assert db.session.get(Nomination, result.passed[0].id).status is S.PASSED_COUNCIL


def test_publishing_waits_for_pending_drafts(make_council_result, make_issued_decision):
    from dvkheo.awards.models import Decision, DecisionKind, DecisionStatus

    result = make_council_result(passed=2)
    issued = make_issued_decision(result, result.passed[:1])
    db.session.add(Decision(
        campaign_id=result.campaign.id, award_form_id=result.award_form.id, kind=DecisionKind.AWARD,
        status=DecisionStatus.DRAFT, issuer_code=issued.issuer_code, symbol=issued.symbol,
        issuing_body=issued.issuing_body, title="Dự thảo bổ sung",
    ))
    db.session.commit()
    with pytest.raises(TransitionRefused) as refused:
        campaign_workflow.apply(result.campaign, campaign_workflow.CampaignAction.PUBLISH_AWARDS, result.chair)
    assert "Còn 1 dự thảo quyết định chưa ban hành hoặc chưa hủy." in str(refused.value)
