"""/du-lieu-mo: the API and the open data described for people, rendered from the OpenAPI document itself (so
the page and /api/v1/openapi.json never disagree), with curl lines that work against this server."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from dvkheo.extensions import db
from dvkheo.voting.publication import LICENCE

bp = Blueprint("open_data", __name__)


def _examples() -> dict[str, str]:
    """Real ids for the examples' placeholders, when there is something public to name (a few small queries)."""
    from dvkheo.campaigns.models import Campaign
    from dvkheo.registry.models import RegisteredModel
    from dvkheo.replication.models import Replication, ReplicationState
    from dvkheo.voting.gallery import PUBLIC_CAMPAIGN_STATES

    model_id = db.session.scalar(
        sa.select(RegisteredModel.id).where(RegisteredModel.is_recognised.is_(True))
        .order_by(RegisteredModel.recognised_at.desc(), RegisteredModel.id.desc()).limit(1)
    )
    replication = db.session.execute(
        sa.select(Replication.source_model_id, Replication.id)
        .join(RegisteredModel, RegisteredModel.id == Replication.source_model_id)
        .where(Replication.status == ReplicationState.CONFIRMED, RegisteredModel.is_recognised.is_(True))
        .order_by(Replication.id.desc()).limit(1)
    ).first()
    campaign_id = db.session.scalar(
        sa.select(Campaign.id).where(Campaign.has_public_stage.is_(True), Campaign.status.in_(PUBLIC_CAMPAIGN_STATES))
        .order_by(Campaign.year.desc(), Campaign.id.desc()).limit(1)
    )
    values = {"campaign_id": campaign_id, "serial": "DVK26-XXXX-XXXX"}
    if replication is not None:
        values.update(model_id=replication[0], replication_id=replication[1])
    elif model_id is not None:
        values.update(model_id=model_id, replication_id=1)
    return {key: str(value) for key, value in values.items() if value is not None}


@bp.route("/du-lieu-mo")
def index():
    from dvkheo.api import openapi

    base = request.host_url.rstrip("/") + "/api/v1"
    doc = openapi.document(server_url=base)
    values = _examples()
    operations = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if operation.get("security"):  # the staff API (a personal token): described in its own README section
                continue
            example = operation.get("x-example", path)
            complete = all("{" + key + "}" not in example or key in values for key in ("model_id", "replication_id", "campaign_id", "serial"))
            for key, value in values.items():
                example = example.replace("{" + key + "}", value)
            operations.append({
                "method": method.upper(), "path": path, "operation": operation,
                "curl": f"curl -i '{base}{example}'" if complete else "",
                "is_csv": path.endswith(".csv"),
            })
    return render_template("api/index.html", doc=doc, operations=operations, base=base, licence=LICENCE,
                           openapi_url=base + "/openapi.json")
