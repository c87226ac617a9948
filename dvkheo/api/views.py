"""/api/v1: the public data as JSON (and CSV), read through the public pages' own query functions.

| endpoint | the public page it mirrors |
|---|---|
| GET /api/v1/models | /mo-hinh (same filters, same visibility: recognised, not ended unless asked) |
| GET /api/v1/models/<id> | /mo-hinh/<id> (410 once no longer recognised) |
| GET /api/v1/models/<id>/replications[/<rid>] | /mo-hinh/<id>/nhan-rong/<rid> (confirmed ones of a recognised model) |
| GET /api/v1/campaigns[/<id>] | /binh-chon/ (campaigns whose shortlist is public) |
| GET /api/v1/campaigns/<id>/results | /binh-chon/dot/<id>/ket-qua |
| GET /api/v1/campaigns/<id>/ledger | /binh-chon/dot/<id>/so-cai.json (the same document) |
| GET /api/v1/certificates/<serial> | /verify/<serial> (same rate limit) |
| GET /api/v1/openapi.json | the OpenAPI 3.1 description of all the above |
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, request

from dvkheo.api import http, serialize
from dvkheo.api.http import ApiError
from dvkheo.campaigns.models import Campaign, NomineeKind
from dvkheo.extensions import db, limiter
from dvkheo.registry import queries as registry_queries
from dvkheo.registry.models import ModelStatus, RecognitionLevel, RegisteredModel
from dvkheo.replication import queries as replication_queries
from dvkheo.certificates.verify_views import verify_limited
from dvkheo.replication.models import Replication

bp = Blueprint("api", __name__)

limiter.shared_limit(http.api_rate_limit, scope="api")(bp)  # one budget per client for the whole API
bp.after_app_request(http.add_cors)  # also on the JSON errors of the routing and the limiter


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    return http.error_response(error.code, error.message)


# --- the registry ----------------------------------------------------------------------------------


def registry_filters() -> registry_queries.RegistryFilters:
    """The page's filters (same names as /mo-hinh's query string), each checked: a wrong value is a 400."""
    return registry_queries.RegistryFilters(
        q=(request.args.get("q") or "").strip()[:200],
        field_id=http.int_arg("linh-vuc"),
        province_id=http.int_arg("tinh"),
        commune_id=http.int_arg("xa"),
        level=http.choice_arg("cap", RecognitionLevel),
        year=http.int_arg("nam", registry_queries.YEAR_MIN, registry_queries.YEAR_MAX),
        kind=http.choice_arg("loai", NomineeKind),
        status=http.choice_arg("tinh-trang", ModelStatus),
    )


def after_model(query: sa.Select, last_id: int | None) -> sa.Select:
    """Keyset on the page's order (recognised_at desc, id desc): the rows after the model `last_id`, whose sort key
    the same query looks up (one statement, answered from the recognised_at index)."""
    if last_id is None:
        return query
    other = so.aliased(RegisteredModel)
    moment = sa.select(other.recognised_at).where(other.id == last_id).scalar_subquery()
    return query.where(
        RegisteredModel.recognised_at <= moment,
        sa.or_(RegisteredModel.recognised_at < moment, RegisteredModel.id < last_id),
    )


def model_page(limit: int) -> dict:
    filters = registry_filters()
    query = after_model(registry_queries.list_query(filters), http.read_cursor("models"))
    rows = db.session.scalars(query.limit(limit + 1)).unique().all()
    return http.page(rows, limit, "models", serialize.model_item)


@bp.route("/models")
def models():
    limit = http.limit_arg()
    return http.json_conditional(model_page(limit))


@bp.route("/models/<int:model_id>")
def model(model_id: int):
    found = registry_queries.load_model(model_id)
    if found is None:
        raise ApiError(404)
    if not found.is_recognised:
        raise ApiError(410, "Mô hình này không còn được công nhận nên không còn được công khai.")
    document = serialize.model_detail(
        found, registry_queries.forwarded_from(found), registry_queries.valid_certificates(found.live_recognitions)
    )
    return http.json_conditional(document)


def _recognised_model(model_id: int) -> RegisteredModel:
    found = db.session.get(RegisteredModel, model_id)
    if found is None or not found.is_recognised:
        raise ApiError(404)
    return found


@bp.route("/models/<int:model_id>/replications")
def replications(model_id: int):
    """The model's confirmed replications, oldest declaration first (each has its own public page)."""
    limit = http.limit_arg()
    last_id = http.read_cursor("replications")
    _recognised_model(model_id)
    query = replication_queries.public_of(model_id)
    if last_id is not None:
        query = query.where(Replication.id > last_id)
    rows = db.session.scalars(query.limit(limit + 1)).unique().all()
    return http.json_conditional(http.page(rows, limit, "replications", serialize.replication_item))


@bp.route("/models/<int:model_id>/replications/<int:replication_id>")
def replication(model_id: int, replication_id: int):
    found = replication_queries.load_public(model_id, replication_id)
    if found is None:
        raise ApiError(404)
    return http.json_conditional(serialize.replication_item(found))


# --- campaigns, results, ledger ---------------------------------------------------------------------


@bp.route("/campaigns")
def campaigns():
    """The campaigns whose shortlist is public, newest first (the page's order: year, then id)."""
    from dvkheo.voting import gallery

    limit = http.limit_arg()
    last_id = http.read_cursor("campaigns")
    after = None
    if last_id is not None:
        last = db.session.get(Campaign, last_id)
        if last is None or not (last.has_public_stage and last.status in gallery.PUBLIC_CAMPAIGN_STATES):
            raise ApiError(400, http.BAD_CURSOR)  # the campaign left the public list since: nothing sensible follows it
        after = (last.year, last.id)
    listed = gallery.public_campaigns(limit=limit + 1, after=after)

    class Row:
        def __init__(self, item):
            self.id, self.item = item.campaign.id, item

    rows = [Row(item) for item in listed[: limit + 1]]
    return http.json_conditional(
        http.page(rows, limit, "campaigns", lambda row: serialize.campaign_item(row.item.campaign, row.item.nominees))
    )


def _public_campaign(campaign_id: int) -> Campaign:
    from dvkheo import access

    campaign = db.session.get(Campaign, campaign_id, options=[so.joinedload(Campaign.organising_unit)])
    if campaign is None or not access.is_public(campaign):
        raise ApiError(404)
    return campaign


@bp.route("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    from dvkheo.voting import gallery

    found = _public_campaign(campaign_id)
    item = next(iter(gallery.public_campaigns(only_id=found.id)), None)
    if item is None:
        raise ApiError(404)
    return http.json_conditional(serialize.campaign_item(item.campaign, item.nominees))


@bp.route("/campaigns/<int:campaign_id>/results")
def campaign_results(campaign_id: int):
    from dvkheo.voting import results

    found = _public_campaign(campaign_id)
    shown = results.public_results(found)
    return http.json_conditional(serialize.results_document(found, shown))


@bp.route("/campaigns/<int:campaign_id>/ledger")
def campaign_ledger(campaign_id: int):
    """The published vote ledger, the very document /binh-chon/dot/<id>/so-cai.json serves (same ETag)."""
    from dvkheo.voting import ledger_views

    _public_campaign(campaign_id)
    response = ledger_views.ledger_json(campaign_id)
    if response.status_code == 200:
        response.headers.pop("Content-Disposition", None)
    response.last_modified = http.first_seen(response.get_etag()[0] or "")
    return response.make_conditional(request)


# --- certificates --------------------------------------------------------------------------------------


@bp.route("/certificates/<serial>")
@verify_limited  # the check page's budget per address, shared with it: serials are not enumerated faster here
def certificate(serial: str):
    from dvkheo.certificates import verify_views

    wanted = verify_views.canonical_serial(serial)
    found = verify_views.find_certificate(wanted)
    if found is None:
        raise ApiError(404, "Không tìm thấy giấy khen mang số hiệu này. Vui lòng kiểm tra lại số hiệu in trên giấy khen.")
    response = http.json_conditional(serialize.certificate_document(verify_views.public_answer(found)))
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# --- the description ------------------------------------------------------------------------------------


@bp.route("/openapi.json")
def openapi():
    from dvkheo.api import openapi as spec

    return http.json_conditional(spec.document(server_url=request.host_url.rstrip("/") + "/api/v1"))


from dvkheo.api import csv_views  # noqa: E402,F401  (routes on this blueprint)
