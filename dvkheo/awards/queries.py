"""Read-only questions about decisions and their lines, shared by workflows, views and PDFs."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from dvkheo.awards.models import (
    Decision,
    DecisionAwardee,
    DecisionKind,
    DecisionStatus,
    NominationForward,
    RevocationItem,
    RevocationScope,
)
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


@dataclass(frozen=True)
class AwardSummary:
    """What a nomination's page says about its commendation."""

    line: DecisionAwardee
    decision: Decision
    certificate: "Certificate | None"  # noqa: F821  (the valid one, else the latest)


def award_summary(nomination_id: int) -> AwardSummary | None:
    """The nomination's award as it now reads, with its certificate; two queries."""
    from dvkheo.certificates.models import Certificate, CertificateStatus

    line = issued_award_line(nomination_id)
    if line is None:
        return None
    certificates = list(
        db.session.scalars(
            sa.select(Certificate)
            .join(DecisionAwardee, Certificate.awardee_id == DecisionAwardee.id)
            .where(DecisionAwardee.nomination_id == nomination_id)
            .order_by(Certificate.id.desc())
        )
    )
    valid = [c for c in certificates if c.status is CertificateStatus.VALID]
    return AwardSummary(line, line.decision, (valid or certificates or [None])[0])


def forward_into(nomination_id: int) -> NominationForward | None:
    """The forward that created this nomination (it came up from a lower level), if any."""
    return db.session.scalar(sa.select(NominationForward).where(NominationForward.target_nomination_id == nomination_id))


def forwards_from(nomination_id: int) -> list[NominationForward]:
    """Where this nomination was proposed upward."""
    return list(
        db.session.scalars(
            sa.select(NominationForward)
            .where(NominationForward.source_nomination_id == nomination_id)
            .order_by(NominationForward.id)
        )
    )
