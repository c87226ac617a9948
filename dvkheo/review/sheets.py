"""Paper scoring sheets ("Phiếu chấm điểm"): one sheet per reviewer and assigned dossier.

For council members who score on paper; the secretary later types the sheet in on their behalf.
`sheets_context()` turns the campaign's open assignments (active, not yet finalised, dossier
accepted or being scored) into plain values; the template never touches the ORM. The sheets are the
council's own papers, so their header follows the council's document system (dvkheo.council.issuer): the
Party's "ĐẢNG CỘNG SẢN VIỆT NAM" and "*" or the State's motto and rule.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.campaigns.models import Campaign
from dvkheo.core.pdf import render_pdf
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.council import issuer
from dvkheo.documents.letterhead import keep_last_words, letterhead
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.review.models import AssignmentStatus, ReviewAssignment

TEMPLATE = "review/scoring_sheets_pdf.html"
# A sheet is printed while the dossier can still be scored.
PRINTABLE_STATES = (NominationState.ACCEPTED, NominationState.IN_REVIEW)
COUNCIL_NAME = issuer.ISSUING_BODY


def open_assignments(campaign: Campaign, reviewer_id: int | None = None) -> list[ReviewAssignment]:
    """Active, unfinalised assignments of the campaign, by reviewer name then dossier number (one query)."""
    from dvkheo.accounts.models import User

    query = (
        sa.select(ReviewAssignment)
        .join(Nomination, Nomination.id == ReviewAssignment.nomination_id)
        .join(User, User.id == ReviewAssignment.reviewer_id)
        .options(
            so.contains_eager(ReviewAssignment.nomination).joinedload(Nomination.unit),
            so.contains_eager(ReviewAssignment.nomination).joinedload(Nomination.field),
            so.contains_eager(ReviewAssignment.reviewer),
        )
        .where(
            Nomination.campaign_id == campaign.id,
            Nomination.status.in_(PRINTABLE_STATES),
            ReviewAssignment.status == AssignmentStatus.ACTIVE,
            ReviewAssignment.finalised_at.is_(None),
        )
        .order_by(User.full_name, User.id, Nomination.id)
    )
    if reviewer_id is not None:
        query = query.where(ReviewAssignment.reviewer_id == reviewer_id)
    return list(db.session.scalars(query).unique())


def sheets_context(campaign: Campaign, assignments: list[ReviewAssignment]) -> dict:
    """Everything the sheets show, as plain values."""
    today = today_in_vietnam()
    fmt = issuer.council_format(campaign)
    criteria = [
        {"number": i, "title": c.title, "description": c.description, "max_score": c.max_score}
        for i, c in enumerate(campaign.criteria, start=1)
    ]
    sheets = [
        {
            "assignment_id": a.id,
            "reviewer_name": a.reviewer.full_name,
            "number": a.nomination.id,
            "model_label": a.nomination.kind.model_label,
            "model_title": a.nomination.display_title,
            "nominee_label": "Tập thể được đề nghị" if a.nomination.kind.value == "collective" else "Cá nhân được đề nghị",
            "nominee_name": a.nomination.nominee_name,
            "unit_name": a.nomination.unit.name,
            "field": a.nomination.field.name if a.nomination.field else "",
        }
        for a in assignments
    ]
    return {
        "header": letterhead(
            fmt,
            parent_body=issuer.parent_body(campaign),
            issuing_body=COUNCIL_NAME,
            # The reviewer writes the day and month by hand.
            place_date=f"{issuer.council_place(campaign)}, ngày ....... tháng ....... năm {today.year}",
        ),
        "format": fmt.code,
        "council_name": keep_last_words(issuer.council_name(campaign)),
        "campaign_title": keep_last_words(campaign.title),
        "criteria": criteria,
        "max_total": sum(c["max_score"] for c in criteria),
        "sheets": sheets,
    }


def scoring_sheets_pdf(campaign: Campaign, assignments: list[ReviewAssignment]) -> bytes:
    return render_pdf(TEMPLATE, d=sheets_context(campaign, assignments))
