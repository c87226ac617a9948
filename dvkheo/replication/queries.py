"""Reading replications: the public ones of a model (a capped list, one query), one public page, a history."""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.core.audit import AuditEvent
from dvkheo.extensions import db
from dvkheo.registry.models import RegisteredModel
from dvkheo.replication.models import Replication, ReplicationState

# Places listed on a model's page; the count beside them says how many there are in all.
SHOWN_ON_MODEL_PAGE = 10


def confirmed_of(model: RegisteredModel, limit: int = SHOWN_ON_MODEL_PAGE) -> list[Replication]:
    """The model's confirmed replications, the most recent start first, with their unit and places (one query)."""
    return list(
        db.session.scalars(
            sa.select(Replication)
            .where(Replication.source_model_id == model.id, Replication.status == ReplicationState.CONFIRMED)
            .options(so.joinedload(Replication.unit), so.joinedload(Replication.province), so.joinedload(Replication.commune))
            .order_by(Replication.started_on.desc().nulls_last(), Replication.id.desc())
            .limit(limit)
        )
    )


def load_public(model_id: int, replication_id: int) -> Replication | None:
    """A confirmed replication of a model still recognised, else None."""
    replication = db.session.get(
        Replication, replication_id,
        options=[so.joinedload(Replication.source_model), so.joinedload(Replication.unit), so.selectinload(Replication.files)],
    )
    if (
        replication is None
        or replication.source_model_id != model_id
        or replication.status is not ReplicationState.CONFIRMED
        or not replication.source_model.is_recognised
    ):
        return None
    return replication


def history(replication: Replication) -> list[AuditEvent]:
    """The declaration's moves, oldest first (who sent, returned, confirmed, and why)."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity_type == "replication", AuditEvent.entity_id == replication.id,
                   AuditEvent.action.in_(("create", "submit", "resubmit", "confirm", "return", "withdraw")))
            .options(so.joinedload(AuditEvent.actor))
            .order_by(AuditEvent.id)
        )
    )


def public_of(model_id: int) -> sa.Select:
    """Every confirmed replication of a model, by id (each has its public page); the caller checks the model is
    recognised. The API pages through it; the model's page shows the newest `SHOWN_ON_MODEL_PAGE`."""
    return (
        sa.select(Replication)
        .where(Replication.source_model_id == model_id, Replication.status == ReplicationState.CONFIRMED)
        .options(so.joinedload(Replication.unit), so.joinedload(Replication.province), so.joinedload(Replication.commune))
        .order_by(Replication.id)
    )


def all_public() -> sa.Select:
    """Every confirmed replication of a recognised model, by id (the open data's CSV)."""
    return (
        sa.select(Replication)
        .join(RegisteredModel, RegisteredModel.id == Replication.source_model_id)
        .where(Replication.status == ReplicationState.CONFIRMED, RegisteredModel.is_recognised.is_(True))
        .options(so.joinedload(Replication.unit), so.joinedload(Replication.province), so.joinedload(Replication.commune),
                 so.contains_eager(Replication.source_model))
        .order_by(Replication.id)
    )
