"""Issuing an award decision recognises its models; revoking the award withdraws the recognition."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from dvkheo.awards import decisions as ops
from dvkheo.awards import revocation
from dvkheo.awards import workflow as decision_workflow
from dvkheo.awards.models import NominationForward
from dvkheo.certificates.models import Certificate
from dvkheo.core.audit import history
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.registry.models import ModelStatus, RecognitionLevel, RegisteredModel, SummaryState

from .conftest import issue_award, model_of, revoke_award


def test_issuing_registers_each_awarded_model_with_public_fields_only(client, recognised):
    result, decision = recognised
    individual, collective = result.passed  # the first passed one is the individual
    model = model_of(collective)

    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegisteredModel)) == 2
    assert (model.title, model.nominee_name, model.kind.value) == (collective.title, collective.nominee_name, "collective")
    assert (model.unit_id, model.province_id, model.commune_id) == (collective.unit_id, result.campaign.organising_unit_id, collective.unit_id)
    assert (model.field_id, model.locality) == (collective.field_id, collective.locality)
    assert (model.first_year, model.last_year, model.highest_level) == (2026, 2026, RecognitionLevel.PROVINCE)
    assert model.is_recognised and model.status is ModelStatus.MAINTAINED and model.recognised_at is not None
    # The report's texts are internal until the unit writes a summary and the committee approves it.
    assert (model.public_summary, model.summary_state) == ("", SummaryState.NONE)
    [recognition] = model.recognitions
    line = next(line for line in decision.awardees if line.nomination_id == collective.id)
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.awardee_id == line.id))
    assert (recognition.awardee_id, recognition.decision_id, recognition.certificate_id) == (line.id, decision.id, certificate.id)
    assert (recognition.decision_number, recognition.decided_on.isoformat(), recognition.award_form_name) == (
        decision.number_label, "2026-11-20", result.award_form.name,
    )
    assert [e.action for e in history("registered_model", model.id)] == ["create", "recognise"]

    page = client.get(f"/mo-hinh/{model.id}").get_data(as_text=True)
    assert collective.title in page and f"/verify/{certificate.serial}" in page
    assert collective.method not in page and collective.results not in page


def test_a_forwarded_nomination_awarded_above_is_the_same_model(make_council_result, recognised):
    result, decision = recognised
    origin = result.passed[1]
    above = make_council_result(passed=1)
    copy = above.passed[0]
    db.session.add(NominationForward(source=origin, target=copy, history={}))
    db.session.commit()

    issue_award(above)

    model = model_of(origin)
    assert model_of(copy).id == model.id
    assert model.unit_id == origin.unit_id  # the unit that built it, not the committee that forwarded it
    assert len(model.live_recognitions) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegisteredModel)) == 2


def test_revoking_the_only_award_takes_the_model_off_the_registry(client, recognised):
    result, decision = recognised
    individual, collective = result.passed
    line = next(line for line in decision.awardees if line.nomination_id == collective.id)
    model = model_of(collective)
    kept = model_of(individual)

    revoke_award(result, decision, line)

    db.session.refresh(model)
    assert not model.is_recognised and model.recognitions[0].revoked_at is not None
    assert [e.action for e in history("registered_model", model.id)][-2:] == ["revoke_recognition", "unrecognise"]
    listing = client.get("/mo-hinh").get_data(as_text=True)
    assert collective.title not in listing and individual.title in listing
    gone = client.get(f"/mo-hinh/{model.id}")
    assert gone.status_code == 410 and "không còn được công nhận" in gone.get_data(as_text=True)
    assert client.get(f"/mo-hinh/{kept.id}").status_code == 200
    assert f"/mo-hinh/{model.id}" not in client.get("/mo-hinh/moi.atom").get_data(as_text=True)


def test_a_lost_certificate_revoked_and_reissued_keeps_the_model_and_links_the_new_one(client, recognised):
    result, decision = recognised
    collective = result.passed[1]
    line = next(line for line in decision.awardees if line.nomination_id == collective.id)
    old = db.session.scalar(sa.select(Certificate).where(Certificate.awardee_id == line.id))
    draft = revocation.draft_revocation(decision, [(line.id, "certificate", old.id)], "Giấy khen bị hư hỏng do ngập lụt.", result.secretary)
    db.session.commit()
    decision_workflow.apply(draft, decision_workflow.DecisionAction.APPROVE, result.chair)
    decision_workflow.apply(draft, decision_workflow.DecisionAction.ISSUE, result.chair, decided_on=today_in_vietnam())
    new = revocation.reissue_certificate(line, result.secretary)
    db.session.commit()

    model = model_of(collective)
    assert model.is_recognised and model.recognitions[0].revoked_at is None
    page = client.get(f"/mo-hinh/{model.id}").get_data(as_text=True)
    assert f"/verify/{new.serial}" in page and f"/verify/{old.serial}" not in page


def test_an_amendment_corrects_the_named_recipient_and_recognises_an_added_one(client, make_council_result):
    result = make_council_result(passed=2)
    corrected, added = result.passed
    original = issue_award(result, [corrected])
    amendment = ops.draft_amendment(original, result.secretary)
    db.session.commit()
    [copy] = amendment.awardees
    ops.update_draft(
        amendment,
        ops.DraftInput(
            lines=[ops.LineInput(copy.id, "Ban Công tác Mặt trận thôn Phú Lộc Mới", copy.recipient_detail, copy.reason)],
            add_nomination_ids=[added.id],
        ),
        result.secretary,
    )
    db.session.commit()
    decision_workflow.apply(amendment, decision_workflow.DecisionAction.APPROVE, result.chair)
    decision_workflow.apply(amendment, decision_workflow.DecisionAction.ISSUE, result.chair, decided_on=date(2026, 11, 21))
    db.session.commit()

    model = model_of(corrected)
    [recognition] = model.recognitions
    line = next(line for line in amendment.awardees if line.nomination_id == corrected.id)
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.awardee_id == line.id))
    assert (recognition.awardee_id, recognition.decision_number) == (line.id, original.number_label)
    assert model.nominee_name == "Ban Công tác Mặt trận thôn Phú Lộc Mới"
    assert f"/verify/{certificate.serial}" in client.get(f"/mo-hinh/{model.id}").get_data(as_text=True)
    assert "Phú Lộc Mới" in client.get("/mo-hinh?q=phu+loc+moi").get_data(as_text=True)
    added_model = model_of(added)
    assert added_model.is_recognised and added_model.recognitions[0].decision_number == amendment.number_label
