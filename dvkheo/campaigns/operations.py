"""Business actions on campaigns and the reference lists; they flush and audit, never commit."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from dvkheo.campaigns import defaults
from dvkheo.campaigns.models import Campaign, CampaignStatus, Criterion, ReferenceItem, ReferenceKind
from dvkheo.core import audit
from dvkheo.extensions import db

_DEFAULT_LISTS = {
    ReferenceKind.FIELD: defaults.FIELDS,
    ReferenceKind.COLLECTIVE_TYPE: defaults.COLLECTIVE_TYPES,
    ReferenceKind.INDIVIDUAL_CATEGORY: defaults.INDIVIDUAL_CATEGORIES,
}


def ensure_reference_lists() -> int:
    """Add any default list item that is missing (by kind and code); never overwrites edits."""
    existing = set(db.session.execute(sa.select(ReferenceItem.kind, ReferenceItem.code)).tuples())
    added = 0
    for kind, items in _DEFAULT_LISTS.items():
        for position, (code, name) in enumerate(items, start=1):
            if (kind, code) not in existing:
                db.session.add(ReferenceItem(kind=kind, code=code, name=name, position=position))
                added += 1
    db.session.flush()
    return added


def create_campaign(
    *,
    organising_unit,
    title: str,
    year: int,
    actor=None,
    status: CampaignStatus = CampaignStatus.DRAFT,
    nominations_open_on: date | None = None,
    nominations_close_on: date | None = None,
    field_codes: list[str] | None = None,
    rubric: list[tuple[str, str, int]] | None = None,
    **attributes,
) -> Campaign:
    """A campaign with the default rubric and every active field unless told otherwise."""
    ensure_reference_lists()
    fields_query = sa.select(ReferenceItem).where(ReferenceItem.kind == ReferenceKind.FIELD, ReferenceItem.active.is_(True))
    if field_codes is not None:
        fields_query = fields_query.where(ReferenceItem.code.in_(field_codes))
    campaign = Campaign(
        organising_unit=organising_unit,
        title=title,
        year=year,
        status=status,
        nominations_open_on=nominations_open_on,
        nominations_close_on=nominations_close_on,
        allowed_fields=list(db.session.scalars(fields_query.order_by(ReferenceItem.position))),
        **attributes,
    )
    for position, (criterion_title, description, max_score) in enumerate(rubric or defaults.RUBRIC, start=1):
        campaign.criteria.append(
            Criterion(position=position, title=criterion_title, description=description, max_score=max_score)
        )
    db.session.add(campaign)
    db.session.flush()
    audit.record("campaign", campaign.id, "create", actor, to_state=campaign.status.value)
    return campaign
