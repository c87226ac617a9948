"""The API's items: each one field for a fact its public page shows, nothing else (tests/api check every value
against the rendered page). Dates are ISO 8601 (the page writes dd/mm/yyyy); moments are in Vietnam time."""
from __future__ import annotations

from datetime import date, datetime

from urllib.parse import urljoin

from flask import request, url_for

from dvkheo.core.timeutil import as_vietnam


def iso_date(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return as_vietnam(value).date().isoformat()
    return value.isoformat()


def iso_moment(value: datetime | None) -> str | None:
    return as_vietnam(value).isoformat(timespec="seconds") if value is not None else None


def model_item(m, registry_url: str | None = None) -> dict:
    """A model as its card on /mo-hinh and the facts at the top of /mo-hinh/<id> show it. `registry_url` (the
    absolute /mo-hinh) lets a CSV stream build links outside the request."""
    return {
        "id": m.id,
        "url": f"{registry_url}/{m.id}" if registry_url else url_for("registry.model", model_id=m.id, _external=True),
        "title": m.title,
        "kind": m.kind.value,
        "kind_label": m.kind.label,
        "nominee_name": m.nominee_name,
        "unit_name": m.unit.name,
        "locality": m.locality,
        "field": {"id": m.field.id, "name": m.field.name} if m.field else None,
        "summary": m.public_summary,
        "highest_level": m.highest_level.value if m.highest_level else None,
        "highest_level_label": m.highest_level.label if m.highest_level else None,
        "first_year": m.first_year,
        "last_year": m.last_year,
        "status": m.status.value,
        "status_label": m.status.label,
        "replication_count": m.replication_count,
    }


def recognition_item(r, model, certificate) -> dict:
    return {
        "award_form": r.award_form_name or f"Công nhận {model.kind.model_label.lower()} “Dân vận khéo”",
        "level": r.level.value,
        "level_label": r.level.label,
        "issuing_body": r.issuing_body,
        "decision_number": r.decision_number,
        "decided_on": iso_date(r.decided_on),
        "certificate_serial": certificate.serial if certificate is not None else None,
    }


def model_detail(m, recognitions, certificates) -> dict:
    item = model_item(m)
    source = m.source_model if m.source_model_id and m.source_model and m.source_model.is_recognised else None
    item.update({
        "source_model": {"id": source.id, "title": source.title} if source else None,
        "recognitions": [recognition_item(r, m, certificates.get(r.id)) for r in recognitions],
        "replications_url": url_for("api.replications", model_id=m.id, _external=True),
    })
    return item


def replication_item(r, registry_url: str | None = None) -> dict:
    """A confirmed replication as /mo-hinh/<id>/nhan-rong/<rid> shows it."""
    return {
        "id": r.id,
        "model_id": r.source_model_id,
        "url": (f"{registry_url}/{r.source_model_id}/nhan-rong/{r.id}" if registry_url
                else url_for("replication.public", model_id=r.source_model_id, replication_id=r.id, _external=True)),
        "unit_name": r.unit.name,
        "place": r.place,
        "started_on": iso_date(r.started_on),
        "scale": r.scale,
        "people_reached": r.people_reached,
        "confirmed_on": iso_date(r.confirmed_at),
        "adaptation": r.adaptation,
        "first_results": r.first_results,
    }


def campaign_item(campaign, nominees: int) -> dict:
    """A campaign as the list of public campaigns (/binh-chon/) shows it."""
    opens, closes = campaign.voting_window()
    return {
        "id": campaign.id,
        "title": campaign.title,
        "organising_unit": campaign.organising_unit.name,
        "status": campaign.status.value,
        "status_label": campaign.status.label,
        "nominees": nominees,
        "voting_opens": iso_moment(opens),
        "voting_closes": iso_moment(closes),
        "gallery_url": url_for("voting.campaign_gallery", campaign_id=campaign.id, _external=True),
        "results_url": url_for("voting.results", campaign_id=campaign.id, _external=True),
        "ledger_url": url_for("voting.ledger", campaign_id=campaign.id, _external=True),
        "api_results_url": url_for("api.campaign_results", campaign_id=campaign.id, _external=True),
        "api_ledger_url": url_for("api.campaign_ledger", campaign_id=campaign.id, _external=True),
    }


def results_document(campaign, shown) -> dict:
    """The public results page (/binh-chon/dot/<id>/ket-qua) as data: places and counts only when the page shows them."""
    return {
        "campaign": {"id": campaign.id, "title": campaign.title},
        "voting_opens": iso_moment(shown.opens),
        "voting_closes": iso_moment(shown.closes),
        "counts_visible": shown.visible,
        "final": shown.final,
        "total_votes": shown.total if shown.visible else None,
        "pending": shown.pending if shown.visible and not shown.final else None,
        "rows": [
            {
                "place": row.place if shown.visible else None,
                "nomination_id": row.nominee.nomination_id,
                "title": row.nominee.title or row.nominee.nominee_name,
                "nominee_name": row.nominee.nominee_name,
                "unit_name": row.nominee.unit_name,
                "votes": row.votes if shown.visible else None,
            }
            for row in shown.rows
        ],
        "chain": {"seq": shown.chain_seq, "head_hash": shown.chain_head},
        "recent_batches": [
            {"seq": b.seq, "sealed_at": iso_moment(b.sealed_at), "hash": b.hash} for b in shown.recent_batches
        ],
        "ledger_url": url_for("api.campaign_ledger", campaign_id=campaign.id, _external=True),
    }


def certificate_document(facts: dict) -> dict:
    """The certificate check page's facts (`verify_views.public_facts`), the status also as its label."""
    status = facts["status"]

    def signed(item):
        if not item:
            return None
        return {
            "url": urljoin(request.host_url, item["url"]),
            "signer": item["signer"],
            "signed_at": item["signed_at"] or None,
            "trusted": bool(item["trusted"]),
            "decision_signer": item["decision_signer"] or None,
        }

    return {
        "serial": facts["serial"],
        "status": status.value,
        "status_label": status.label,
        "recipient_name": facts["recipient_name"],
        "recipient_detail": facts["recipient_detail"],
        "reason": facts["reason"],
        "award_form": facts["award_form"],
        "issuer": facts["issuer"],
        "decision": facts["decision"],
        "campaign_title": facts["campaign_title"],
        "revoked_by": facts["revoked_by"] or None,
        # The page gives the day only when no revoking decision is named (the decision carries its own date).
        "revoked_on": (facts["revoked_on"] or None) if not facts["revoked_by"] else None,
        "revocation_reason": facts["revocation_reason"] or None,
        "replaced_by": facts["replaced_by"] or None,
        "reissue_note": facts["reissue_note"] or None,
        "award_revoked": bool(facts["award_revoked"]),
        "decision_signed_copy": signed(facts.get("decision_signed")),
        "revoking_decision_signed_copy": signed(facts.get("revoked_by_signed")),
    }
