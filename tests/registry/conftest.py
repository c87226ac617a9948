"""Models recognised through the real issue path: a council result, a drafted decision, approved and issued."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from dvkheo.awards import decisions, revocation, workflow
from dvkheo.awards.workflow import DecisionAction as A
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.registry.models import RegisteredModel

ISSUE_DAY = date(2026, 11, 20)
REASON = "Qua kiểm tra, thành tích kê khai trong hồ sơ đề nghị không đúng sự thật."


def issue_award(result, nominations=None, decided_on: date = ISSUE_DAY):
    chosen = [n.id for n in (nominations if nominations is not None else result.passed)]
    decision = decisions.draft_award_decision(result.campaign, result.award_form, chosen, result.secretary)
    db.session.commit()
    workflow.apply(decision, A.APPROVE, result.chair)
    workflow.apply(decision, A.ISSUE, result.chair, decided_on=decided_on)
    db.session.commit()
    return decision


def revoke_award(result, decision, line):
    draft = revocation.draft_revocation(decision, [(line.id, "award", None)], REASON, result.secretary)
    db.session.commit()
    workflow.apply(draft, A.APPROVE, result.chair)
    workflow.apply(draft, A.ISSUE, result.chair, decided_on=today_in_vietnam())
    db.session.commit()
    return draft


def model_of(nomination) -> RegisteredModel:
    from dvkheo.registry.models import Recognition

    return db.session.scalar(
        sa.select(RegisteredModel).join(Recognition).where(Recognition.nomination_id == nomination.id)
    )


@pytest.fixture
def recognised(make_council_result):
    """Two recognised models (a collective, an individual) of one issued province decision."""
    result = make_council_result(passed=2, individuals=1)
    decision = issue_award(result)
    return result, decision
