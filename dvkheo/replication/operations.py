"""Business actions on replications besides their moves: declare, edit, attach files, write a dossier from one.
They change objects, flush and audit; they never commit."""
from __future__ import annotations

from flask import current_app

from dvkheo.accounts.models import User
from dvkheo.campaigns.models import Campaign
from dvkheo.core import audit
from dvkheo.core.storage import StoredFile, UploadRejected
from dvkheo.extensions import db
from dvkheo.nominations.dossier import vn_number
from dvkheo.replication.models import Replication, ReplicationFile, ReplicationState, quoted

FIELDS = ("started_on", "adaptation", "scale", "people_reached", "first_results")


def declare(model, actor: User) -> Replication:
    """A new draft declaration of `actor`'s unit applying `model` (the caller checked the permission)."""
    from dvkheo.registry.recognition import places

    province_id, commune_id = places(actor.unit)
    replication = Replication(
        source_model=model, unit_id=actor.unit_id, province_id=province_id, commune_id=commune_id,
        status=ReplicationState.DRAFT, created_by_id=actor.id,
    )
    db.session.add(replication)
    db.session.flush()
    audit.record("replication", replication.id, "create", actor, to_state=ReplicationState.DRAFT.value,
                 details={"source_model_id": model.id})
    return replication


def update(replication: Replication, values: dict, actor: User) -> list[str]:
    """Write the typed values; returns the names that changed (audited as one "update")."""
    changed = []
    for name in FIELDS:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, str):
            value = value.strip()
        elif value is None and name in ("adaptation", "scale", "first_results"):
            value = ""
        if getattr(replication, name) != value:
            setattr(replication, name, value)
            changed.append(name)
    if changed:
        audit.record("replication", replication.id, "update", actor, details={"fields": changed})
    db.session.flush()
    return changed


def attach_files(replication: Replication, files: list[StoredFile], actor: User) -> list[ReplicationFile]:
    """Attach stored files; refuses past the same total a nomination may hold."""
    cap = current_app.config["MAX_NOMINATION_BYTES"]
    if replication.total_file_bytes + sum(f.size_bytes for f in files) > cap:
        raise UploadRejected(
            f"Tổng dung lượng tệp của một bản kê khai tối đa {cap // (1024 * 1024)} MB; các tệp vừa chọn làm vượt giới hạn này."
        )
    added = []
    for stored in files:
        item = ReplicationFile(
            original_name=stored.original_name, stored_name=stored.stored_name, content_type=stored.content_type,
            size_bytes=stored.size_bytes, sha256=stored.sha256, uploaded_by_id=actor.id,
        )
        replication.files.append(item)
        added.append(item)
    db.session.flush()
    for item in added:
        audit.record("replication", replication.id, "attach", actor, details={"file_id": item.id, "name": item.original_name})
    return added


def remove_file(replication: Replication, item: ReplicationFile, actor: User) -> None:
    replication.files.remove(item)
    audit.record("replication", replication.id, "detach", actor, details={"file_id": item.id, "name": item.original_name})
    db.session.flush()


def nominate_from(replication: Replication, campaign: Campaign, actor: User):
    """A draft dossier in `campaign` written from a confirmed replication: its report pre-filled from the
    declaration, its lineage (`source_model_id`, `source_replication_id`) kept for the registry."""
    from dvkheo.nominations import operations as nomination_ops

    model = replication.source_model
    nomination = nomination_ops.create_draft(campaign, model.kind, replication.unit, actor)
    nomination.source_model_id = model.id
    nomination.source_replication_id = replication.id
    field_id = model.field_id if any(f.id == model.field_id for f in campaign.allowed_fields) else None
    values = {
        "title": f"Nhân rộng mô hình {quoted(model.title)} tại {replication.unit.name}"[:300],
        "nominee_name": replication.unit.name if model.kind.value == "collective" else "",
        "locality": replication.place[:255],
        "started_on": replication.started_on,
        "method": replication.adaptation,
        "results": replication.first_results,
        "replication": (
            f"Mô hình được nhân rộng từ mô hình {quoted(model.title)} của {model.unit.name}. Quy mô: {replication.scale}"
            + (f"; {vn_number(replication.people_reached)} người được hưởng lợi, tham gia." if replication.people_reached else ".")
        ),
        "field_id": field_id,
    }
    nomination_ops.update_report(nomination, values, actor)
    audit.record(
        "nomination", nomination.id, "from_replication", actor,
        details={"source_model_id": model.id, "source_replication_id": replication.id},
    )
    return nomination
