"""Issued decisions recognise models; revoking decisions withdraw the recognition.

Runs as an effect of issuing (`dvkheo.awards.workflow.EFFECTS`), after the decision's own effects
(nominations awarded, certificates created, revocations applied), in the same transaction. Never commits.
"""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.awards.models import Decision, DecisionAwardee, DecisionKind, NominationForward, RevocationScope
from dvkheo.core import audit
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.registry.models import COMMUNE_KINDS, Recognition, RecognitionLevel, RegisteredModel
from dvkheo.units.models import Unit

RECOGNISED = "recognised"
NOT_RECOGNISED = "not_recognised"


def origin_of(nomination: Nomination) -> Nomination:
    """The first nomination of a lineage: a forwarded copy's source, back to the one its unit wrote."""
    seen = {nomination.id}
    while True:
        source = db.session.scalar(
            sa.select(Nomination)
            .join(NominationForward, NominationForward.source_nomination_id == Nomination.id)
            .where(NominationForward.target_nomination_id == nomination.id)
        )
        if source is None or source.id in seen:
            return nomination
        seen.add(source.id)
        nomination = source


def places(unit: Unit) -> tuple[int | None, int | None]:
    """The province and the commune (xã, phường, đặc khu...) the unit is in or is, for the filters."""
    ids = [int(part) for part in (unit.path or "").strip("/").split("/") if part] or [unit.id]
    units = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)))}
    province = next((i for i in ids if units.get(i) is not None and units[i].kind == "province"), None)
    commune = next((i for i in reversed(ids) if units.get(i) is not None and units[i].kind in COMMUNE_KINDS), None)
    return province, commune


def _model_for(nomination: Nomination, actor) -> RegisteredModel:
    origin = origin_of(nomination)
    model = db.session.scalar(sa.select(RegisteredModel).where(RegisteredModel.origin_nomination_id == origin.id))
    if model is not None:
        return model
    province_id, commune_id = places(origin.unit)
    # Public fields only: never scores, reviewers' notes, contact details or files.
    model = RegisteredModel(
        origin_nomination_id=origin.id,
        kind=nomination.kind,
        title=nomination.display_title,
        nominee_name=nomination.nominee_name or "",
        unit_id=origin.unit_id,
        province_id=province_id,
        commune_id=commune_id,
        locality=nomination.locality or "",
        field_id=nomination.field_id,
        source_model_id=origin.source_model_id,
    )
    model.refresh_search_text()
    db.session.add(model)
    db.session.flush()
    audit.record(
        "registered_model", model.id, "create", actor,
        details={"origin_nomination_id": origin.id, "source_model_id": origin.source_model_id},
    )
    return model


def _certificate_id(awardee_id: int) -> int | None:
    from dvkheo.certificates.models import Certificate, CertificateStatus

    return db.session.scalar(
        sa.select(Certificate.id).where(Certificate.awardee_id == awardee_id, Certificate.status == CertificateStatus.VALID)
    )


def _recognise(line: DecisionAwardee, decision: Decision, actor) -> None:
    model = _model_for(line.nomination, actor)
    level = RecognitionLevel.of_unit_kind(decision.campaign.organising_unit.kind)
    recognition = Recognition(
        model=model,
        nomination_id=line.nomination_id,
        awardee_id=line.id,
        decision_id=decision.id,
        certificate_id=_certificate_id(line.id),
        award_form_name=line.award_form.name,
        issuing_body=(decision.issuer_in_text or decision.issuing_body or "")[:255],
        decision_number=decision.number_label,
        decided_on=decision.decided_on,
        year=decision.decided_on.year if decision.decided_on else decision.year,
        level=level,
    )
    db.session.add(recognition)
    db.session.flush()
    refresh(model, actor)


def _correct(line: DecisionAwardee, actor) -> None:
    recognition = db.session.scalar(sa.select(Recognition).where(Recognition.nomination_id == line.nomination_id))
    if recognition is None:
        return
    recognition.awardee_id = line.id
    recognition.award_form_name = line.award_form.name
    recognition.certificate_id = _certificate_id(line.id)
    model = recognition.model
    if line.recipient_name and line.recipient_name != model.nominee_name:
        # The decision corrected the name it awards: the registry names the model as the decision now does.
        audit.record(
            "registered_model", model.id, "correct", actor,
            details={"nominee_name": [model.nominee_name, line.recipient_name], "decision_id": line.decision_id},
        )
        model.nominee_name = line.recipient_name
        model.refresh_search_text()


def _withdraw(decision: Decision, actor) -> None:
    for item in decision.revocation_items:
        if item.scope is not RevocationScope.AWARD:
            continue
        recognition = db.session.scalar(
            sa.select(Recognition).where(Recognition.nomination_id == item.awardee.nomination_id)
        )
        if recognition is None or recognition.revoked_at is not None:
            continue
        recognition.revoked_at = utcnow()
        audit.record(
            "registered_model", recognition.model_id, "revoke_recognition", actor,
            reason=decision.revocation_reason or None,
            details={"recognition_id": recognition.id, "decision_id": decision.id, "decision_number": decision.number_label},
        )
        db.session.flush()
        refresh(recognition.model, actor)


def on_issue(decision: Decision, actor) -> None:
    """The registry's part of issuing `decision` (see the module docstring)."""
    if decision.kind is DecisionKind.REVOCATION:
        _withdraw(decision, actor)
        return
    for line in sorted(decision.awardees, key=lambda line: line.position):
        if line.corrects_id is not None:
            _correct(line, actor)
        else:
            _recognise(line, decision, actor)
    db.session.flush()


def refresh(model: RegisteredModel, actor) -> None:
    """Years, highest level and whether the model is recognised, from its standing recognitions; audited when
    the model enters or leaves the registry (the system's move, caused by `actor`'s decision)."""
    db.session.refresh(model, ["recognitions"])
    recount(model, actor)


def recount(model: RegisteredModel, actor) -> None:
    """`refresh` on recognitions already loaded in the session (an import adds many without reading each back)."""
    live = model.live_recognitions
    was = model.is_recognised
    model.is_recognised = bool(live)
    model.first_year = min((r.year for r in live), default=None)
    model.last_year = max((r.year for r in live), default=None)
    model.highest_level = max((r.level for r in live), key=lambda level: level.rank, default=None)
    if model.is_recognised and model.recognised_at is None:
        model.recognised_at = utcnow()
    if was != model.is_recognised:
        audit.record(
            "registered_model", model.id, "recognise" if model.is_recognised else "unrecognise", None,
            from_state=RECOGNISED if was else NOT_RECOGNISED,
            to_state=RECOGNISED if model.is_recognised else NOT_RECOGNISED,
            details={"caused_by": getattr(actor, "id", None)},
        )
