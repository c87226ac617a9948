"""Business actions on forms of commendation ("hình thức khen thưởng"); they flush and audit, never commit."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from dvkheo.awards.models import AwardForm, ThresholdBase
from dvkheo.core import audit
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.text import fold
from dvkheo.extensions import db

# Seeded the first time a campaign's award forms are looked at: the common commune/district rule.
DEFAULT_FORMS = (
    dict(
        name="Giấy khen",
        quorum_numerator=2,
        quorum_denominator=3,
        threshold_numerator=1,
        threshold_denominator=2,
        threshold_inclusive=False,
        threshold_base=ThresholdBase.PRESENT,
        count_written_opinions=False,
    ),
)


@dataclass(frozen=True)
class AwardFormInput:
    """What the award-form editor sends: a name and a voting rule."""

    name: str
    quorum_numerator: int
    quorum_denominator: int
    threshold_numerator: int
    threshold_denominator: int
    threshold_inclusive: bool
    threshold_base: ThresholdBase
    count_written_opinions: bool
    position: int = 0


def award_forms(campaign_id: int) -> list[AwardForm]:
    return list(
        db.session.scalars(
            sa.select(AwardForm).where(AwardForm.campaign_id == campaign_id).order_by(AwardForm.position, AwardForm.id)
        )
    )


def ensure_default_award_forms(campaign, actor=None) -> list[AwardForm]:
    """The campaign's award forms; when it has none, add the default "Giấy khen" (audited) first."""
    forms = award_forms(campaign.id)
    if forms:
        return forms
    for position, values in enumerate(DEFAULT_FORMS, start=1):
        form = AwardForm(campaign_id=campaign.id, position=position, **values)
        db.session.add(form)
        db.session.flush()
        audit.record("award_form", form.id, "create", actor, details={"name": form.name, "default": True})
        forms.append(form)
    return forms


def _values(form: AwardForm) -> dict:
    return {name: getattr(form, name) for name in AwardFormInput.__dataclass_fields__}


def _check_name(campaign_id: int, name: str, exclude_id: int | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise RuleRefused([Problem("name", "Vui lòng nhập tên hình thức khen thưởng.", "name")])
    query = sa.select(AwardForm.id, AwardForm.name).where(AwardForm.campaign_id == campaign_id)
    if exclude_id is not None:
        query = query.where(AwardForm.id != exclude_id)
    if any(fold(other) == fold(name) for _, other in db.session.execute(query)):
        raise RuleRefused([Problem("name", f"Đợt bình xét đã có hình thức khen thưởng “{name}”.", "name")])
    return name


def create_award_form(campaign, data: AwardFormInput, actor) -> AwardForm:
    """Add an award form with its voting rule; side effects: flush, audit "create"."""
    name = _check_name(campaign.id, data.name, None)
    values = {**data.__dict__, "name": name}
    if not values["position"]:
        highest = db.session.scalar(sa.select(sa.func.max(AwardForm.position)).where(AwardForm.campaign_id == campaign.id))
        values["position"] = (highest or 0) + 1
    form = AwardForm(campaign_id=campaign.id, **values)
    db.session.add(form)
    db.session.flush()
    audit.record("award_form", form.id, "create", actor, details={"name": name})
    return form


def update_award_form(form: AwardForm, data: AwardFormInput, actor) -> bool:
    """Change an award form's name or rule; ballots already opened keep the rule they copied.

    Side effects: sets the attributes, audits "update" with the changed names. Returns whether anything changed.
    """
    name = _check_name(form.campaign_id, data.name, form.id)
    before = _values(form)
    after = {**data.__dict__, "name": name}
    if not after["position"]:
        after["position"] = form.position
    changed = sorted(key for key, value in after.items() if before[key] != value)
    if not changed:
        return False
    for key in changed:
        setattr(form, key, after[key])
    audit.record("award_form", form.id, "update", actor, details={"changed": changed})
    return True


def settle_not_awarded(campaign, actor) -> int:
    """Publishing the awards: every nomination the council passed or failed but no issued decision names
    becomes "not awarded" (through the workflow, audited). Returns how many."""
    from dvkheo.nominations import workflow
    from dvkheo.nominations.models import Nomination
    from dvkheo.nominations.states import NOT_AWARDED_FROM, NominationAction

    settled = list(
        db.session.scalars(
            sa.select(Nomination).where(Nomination.campaign_id == campaign.id, Nomination.status.in_(NOT_AWARDED_FROM))
        )
    )
    for nomination in settled:
        workflow.apply(nomination, NominationAction.NOT_AWARD, actor, details={"campaign_published": True})
    return len(settled)
