"""Read-only questions about decisions and their lines, shared by workflows, views and PDFs."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.awards.models import Decision, DecisionAwardee, DecisionKind, DecisionStatus, RevocationItem, RevocationScope
from dvkheo.extensions import db


def issued_award_line(nomination_id: int) -> DecisionAwardee | None:
    """The nomination's latest line in an issued award or amending decision (the award as it now reads)."""
    return db.session.scalar(
        sa.select(DecisionAwardee)
        .join(Decision, DecisionAwardee.decision_id == Decision.id)
        .where(
            DecisionAwardee.nomination_id == nomination_id,
            Decision.status == DecisionStatus.ISSUED,
            Decision.kind.in_((DecisionKind.AWARD, DecisionKind.AMENDMENT)),
        )
        .order_by(Decision.issued_at.desc(), DecisionAwardee.id.desc())
        .limit(1)
    )


def award_revoked(nomination_id: int) -> bool:
    """Whether an issued revoking decision revokes the nomination's award (not only a certificate)."""
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RevocationItem)
            .join(Decision, RevocationItem.decision_id == Decision.id)
            .join(DecisionAwardee, RevocationItem.awardee_id == DecisionAwardee.id)
            .where(
                DecisionAwardee.nomination_id == nomination_id,
                RevocationItem.scope == RevocationScope.AWARD,
                Decision.status == DecisionStatus.ISSUED,
            )
        )
    )
