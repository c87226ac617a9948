"""What the public sees: campaigns in their public phase, their published nominees, one photo each.

Publication rule (one place): a nomination is public when its campaign `access.is_public` and the
nomination is SHORTLISTED, or, once the public stage is over, PASSED_COUNCIL or FAILED_COUNCIL (what
was published stays readable). Everything else, including a nominee put on hold after an upheld
objection, is 404 on every public page.

Every read takes a whole page and issues a fixed number of queries, never one per card.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort

from dvkheo import access
from dvkheo.campaigns.models import Campaign, CampaignStatus, NomineeKind, ReferenceItem
from dvkheo.core.images import IMAGE_CONTENT_TYPES
from dvkheo.core import search
from dvkheo.core.urls import query_int
from dvkheo.extensions import db
from dvkheo.nominations.models import Attachment, Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.units.models import Unit
from dvkheo.voting.models import Objection, ObjectionStatus

PAGE_SIZE = 24
PUBLIC_CAMPAIGN_STATES = (
    CampaignStatus.PUBLIC_VOTING, CampaignStatus.COUNCIL_DECISION, CampaignStatus.AWARDED, CampaignStatus.CLOSED,
)
# During the public stage only the shortlist; afterwards the council's outcome keeps it readable.
PUBLISHED_STATES = frozenset(
    {NominationState.SHORTLISTED, NominationState.PASSED_COUNCIL, NominationState.FAILED_COUNCIL}
)
SUMMARY_CHARS = 220


# --- publication rule ---------------------------------------------------------------------------


def published_states(campaign: Campaign) -> frozenset[NominationState]:
    if campaign.status is CampaignStatus.PUBLIC_VOTING:
        return frozenset({NominationState.SHORTLISTED})
    return PUBLISHED_STATES


def is_published(nomination: Nomination) -> bool:
    campaign = nomination.campaign
    return access.is_public(campaign) and nomination.status in published_states(campaign)


def load_public_campaign(campaign_id: int) -> Campaign:
    campaign = access.get_or_404(Campaign, campaign_id)
    if not access.is_public(campaign):
        abort(404)
    return campaign


def load_public_nomination(nomination_id: int) -> Nomination:
    nomination = db.session.get(
        Nomination, nomination_id,
        options=[so.joinedload(Nomination.campaign), so.joinedload(Nomination.unit), so.joinedload(Nomination.field)],
    )
    if nomination is None or not is_published(nomination):
        abort(404)
    return nomination


def load_public_photo(attachment_id: int) -> Attachment:
    """An image evidence file of a published nominee; anything else (minutes, PDFs, drafts) is 404."""
    attachment = db.session.get(Attachment, attachment_id)
    if (
        attachment is None
        or attachment.purpose != "evidence"
        or attachment.content_type not in IMAGE_CONTENT_TYPES
        or not is_published(attachment.nomination)
    ):
        abort(404)
    return attachment


def taking_objections(campaign: Campaign) -> bool:
    """Objections ("Phản ánh, góp ý") are received for the whole public phase."""
    return campaign.status is CampaignStatus.PUBLIC_VOTING


# --- the campaigns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicCampaign:
    campaign: Campaign
    nominees: int


def public_campaigns(
    *, limit: int | None = None, after: tuple[int, int] | None = None, only_id: int | None = None
) -> list[PublicCampaign]:
    """Campaigns whose shortlist is public, newest first, with their published nominee counts (two queries).

    `after` (year, id) and `limit` read one page of them (the API's cursor), `only_id` one campaign: closed
    campaigns stay public, so the whole history is never loaded to show a few."""
    query = (
        sa.select(Campaign)
        .where(Campaign.has_public_stage.is_(True), Campaign.status.in_(PUBLIC_CAMPAIGN_STATES))
        .options(so.joinedload(Campaign.organising_unit))
        .order_by(Campaign.year.desc(), Campaign.id.desc())
    )
    if only_id is not None:
        query = query.where(Campaign.id == only_id)
    if after is not None:
        year, campaign_id = after
        query = query.where(sa.or_(Campaign.year < year, sa.and_(Campaign.year == year, Campaign.id < campaign_id)))
    if limit is not None:
        query = query.limit(limit)
    campaigns = list(db.session.scalars(query))
    if not campaigns:
        return []
    rows = db.session.execute(
        sa.select(Nomination.campaign_id, Nomination.status, sa.func.count())
        .where(Nomination.campaign_id.in_([c.id for c in campaigns]), Nomination.status.in_(PUBLISHED_STATES))
        .group_by(Nomination.campaign_id, Nomination.status)
    )
    counts: dict[int, int] = {}
    by_id = {c.id: c for c in campaigns}
    for campaign_id, status, total in rows:
        if status in published_states(by_id[campaign_id]):
            counts[campaign_id] = counts.get(campaign_id, 0) + total
    return [PublicCampaign(c, counts.get(c.id, 0)) for c in campaigns]


# --- the gallery of one campaign ----------------------------------------------------------------


@dataclass
class GalleryFilters:
    q: str = ""
    field_id: int | None = None
    kind: NomineeKind | None = None
    unit_id: int | None = None

    @classmethod
    def parse(cls, args) -> GalleryFilters:
        def number(name: str) -> int | None:
            return query_int(name, source=args)

        kind = (args.get("kind") or "").strip()
        return cls(
            q=(args.get("q") or "").strip()[:200],
            field_id=number("field"),
            kind=NomineeKind(kind) if kind in NomineeKind._value2member_map_ else None,
            unit_id=number("unit"),
        )

    def as_args(self) -> dict[str, str]:
        args = {"q": self.q, "field": self.field_id, "kind": self.kind.value if self.kind else None, "unit": self.unit_id}
        return {key: str(value) for key, value in args.items() if value}


def _published(campaign: Campaign) -> sa.Select:
    return sa.select(Nomination).where(
        Nomination.campaign_id == campaign.id, Nomination.status.in_(published_states(campaign))
    )


def gallery_query(campaign: Campaign, filters: GalleryFilters) -> sa.Select:
    """The published nominees matching the search and filters, in a neutral order (the model's name)."""
    query = _published(campaign).options(so.joinedload(Nomination.unit), so.joinedload(Nomination.field))
    if filters.q:
        # Each word in the nominee's words or in its unit's name ("nong dan tinh khe", "xa an hai").
        query = query.where(
            search.matches(
                filters.q,
                Nomination.search_text,
                lambda pattern: Nomination.unit_id.in_(sa.select(Unit.id).where(Unit.search_text.like(pattern))),
            )
        )
    if filters.field_id:
        query = query.where(Nomination.field_id == filters.field_id)
    if filters.kind:
        query = query.where(Nomination.kind == filters.kind)
    if filters.unit_id:
        query = query.where(Nomination.unit_id == filters.unit_id)
    return query.order_by(Nomination.model_key, Nomination.id)


def filter_choices(campaign: Campaign) -> tuple[list[ReferenceItem], list[Unit]]:
    """Fields and units that the published nominees actually have (two queries)."""
    published_ids = _published(campaign).with_only_columns(Nomination.id).scalar_subquery()
    fields = list(
        db.session.scalars(
            sa.select(ReferenceItem)
            .where(ReferenceItem.id.in_(sa.select(Nomination.field_id).where(Nomination.id.in_(published_ids))))
            .order_by(ReferenceItem.position, ReferenceItem.name)
        )
    )
    units = list(
        db.session.scalars(
            sa.select(Unit)
            .where(Unit.id.in_(sa.select(Nomination.unit_id).where(Nomination.id.in_(published_ids))))
            .order_by(Unit.name)
        )
    )
    return fields, units


def first_photos(nomination_ids: list[int]) -> dict[int, Attachment]:
    """Each nominee's first image evidence (lowest id), one query for the whole page."""
    if not nomination_ids:
        return {}
    first_ids = (
        sa.select(sa.func.min(Attachment.id))
        .where(
            Attachment.nomination_id.in_(nomination_ids),
            Attachment.purpose == "evidence",
            Attachment.content_type.in_(IMAGE_CONTENT_TYPES),
        )
        .group_by(Attachment.nomination_id)
    )
    return {a.nomination_id: a for a in db.session.scalars(sa.select(Attachment).where(Attachment.id.in_(first_ids)))}


def photos_of(nomination: Nomination) -> list[Attachment]:
    """All image evidence of one nominee, in upload order (never the review minutes, never PDFs)."""
    return list(
        db.session.scalars(
            sa.select(Attachment)
            .where(
                Attachment.nomination_id == nomination.id,
                Attachment.purpose == "evidence",
                Attachment.content_type.in_(IMAGE_CONTENT_TYPES),
            )
            .order_by(Attachment.id)
        )
    )


_SPACES = re.compile(r"\s+")


def summary(nomination: Nomination, limit: int = SUMMARY_CHARS) -> str:
    """Two or three lines for a card: the results (figures first catch the eye), else the method."""
    text = _SPACES.sub(" ", nomination.results or nomination.method or nomination.situation or "").strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",.;:–- ")
    return cut + "…"


# --- answers to objections --------------------------------------------------------------------


def published_answers(nomination: Nomination) -> list[Objection]:
    """Answered objections of this nominee, when the campaign publishes answers (else none)."""
    if not nomination.campaign.publish_objection_answers:
        return []
    return list(
        db.session.scalars(
            sa.select(Objection)
            .where(Objection.nomination_id == nomination.id, Objection.status == ObjectionStatus.ANSWERED)
            .order_by(Objection.answered_at, Objection.id)
        )
    )
