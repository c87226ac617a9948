"""The staff API (/api/v1/staff): a unit's own system reads its dossiers and creates drafts.

Every answer is JSON. The caller is the owner of the bearer token (dvkheo/staffapi/auth.py) and
gets exactly what the pages give that person: the list is `access.visible_nominations`, one dossier
is `access.load_nomination` (another unit's: 404, as on the page), a draft is created only where
"Tạo hồ sơ đề nghị" would be allowed, validated by the page's own form, and audited the same way.
Shapes: dvkheo/staffapi/spec.py.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, abort, current_app, g, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from dvkheo import access
from dvkheo.accounts import api_tokens
from dvkheo.campaigns.models import Campaign, NomineeKind
from dvkheo.core import audit, security_log
from dvkheo.core.errors import ERROR_TEXT
from dvkheo.core.urls import parse_int
from dvkheo.extensions import csrf, db, limiter
from dvkheo.nominations import operations
from dvkheo.nominations.forms import build_form
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.staffapi import auth
from dvkheo.staffapi.auth import as_json, error

bp = Blueprint("staffapi", __name__)
csrf.exempt(bp)  # no cookie is read here (auth.NoCookies): a cross-site form cannot carry the bearer token

DEFAULT_LIMIT, MAX_LIMIT = 50, 100

# Per token; and per address for refused tokens (guessing is pointless against 256-bit secrets, but
# a flood of refusals is worth slowing down and logging).
limiter.limit(lambda: current_app.config["STAFF_API_RATE_LIMIT"], key_func=auth.rate_limit_key, scope="staffapi")(bp)
limiter.limit(
    lambda: current_app.config["STAFF_API_REFUSED_RATE_LIMIT"], key_func=auth.get_remote_address,
    scope="staffapi-refused", deduct_when=lambda response: response.status_code == 401,
)(bp)

bp.before_request(auth.authenticate)


@bp.after_request
def _never_cached(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Authorization"
    return response


def _http_error(exc: HTTPException):
    code = exc.code or 500
    if code in (403, 429):  # as the pages' handler logs them (core/errors.py)
        security_log.event("access_denied" if code == 403 else "rate_limited")
    _title, message = ERROR_TEXT.get(code, (exc.name, exc.description))
    if code == 404:
        message = "Không tìm thấy hồ sơ hoặc địa chỉ này, hoặc bạn không có quyền xem."
    response = error(code, {404: "not_found", 403: "forbidden", 405: "method_not_allowed", 429: "rate_limited",
                            413: "too_large", 400: "bad_request"}.get(code, "error"), message)
    if code == 429:
        response.headers["Retry-After"] = "60"
    return response


# By code: the app's HTML pages are registered by code too, and Flask prefers a code's handler to a class's.
for _code in (400, 403, 404, 405, 413, 429, 500):
    bp.register_error_handler(_code, _http_error)


@bp.errorhandler(sa.exc.OperationalError)
def _database_unavailable(exc):
    db.session.rollback()
    response = error(503, "unavailable", ERROR_TEXT[503][1])
    response.headers["Retry-After"] = "30"
    return response


def _need(scope: str):
    return None if g.api_token.has_scope(scope) else auth.insufficient_scope(scope)


# --- representation ----------------------------------------------------------------------------


def _ref(item) -> dict | None:
    return None if item is None else {"id": item.id, "name": item.name}


def _iso(value) -> str | None:
    """A date as yyyy-mm-dd; a moment as RFC 3339 in UTC (SQLite hands back naive UTC datetimes)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    return value.isoformat()


def nomination_summary(n: Nomination) -> dict:
    return {
        "id": n.id,
        "campaign": {"id": n.campaign.id, "title": n.campaign.title, "year": n.campaign.year},
        "unit": {"id": n.unit.id, "name": n.unit.name},
        "kind": n.kind.value,
        "status": n.status.value,
        "status_label": n.status.label,
        "title": n.title,
        "nominee_name": n.nominee_name,
        "field": _ref(n.field),
        "created_at": _iso(n.created_at),
        "updated_at": _iso(n.updated_at),
        "submitted_at": _iso(n.submitted_at),
        "url": url_for("staffapi.nomination", nomination_id=n.id),
        "page_url": url_for("nominations.show", nomination_id=n.id),
    }


NUMBER_FIELDS = (
    "nominee_birth_year", "households_count", "money_contributed_vnd", "working_days", "road_length_m", "area_m2",
    "cases_resolved", "review_attendees", "review_votes_cast", "review_votes_for",
)
DATE_FIELDS = ("started_on", "review_held_on")
TEXT_FIELDS = tuple(name for name in operations.REPORT_FIELDS if name not in NUMBER_FIELDS + DATE_FIELDS)


def nomination_detail(n: Nomination, user) -> dict:
    report = {name: getattr(n, name) for name in TEXT_FIELDS + NUMBER_FIELDS}
    report.update({name: _iso(getattr(n, name)) for name in DATE_FIELDS})
    return {
        **nomination_summary(n),
        **report,
        "collective_type": _ref(n.collective_type),
        "individual_category": _ref(n.individual_category),
        "nominee_consent": n.nominee_consent_at is not None,
        "editable": access.can_edit_nomination(user, n),
        "attachments": [
            {"id": a.id, "name": a.original_name, "purpose": a.purpose, "content_type": a.content_type,
             "size_bytes": a.size_bytes, "criterion_id": a.criterion_id}
            for a in n.attachments
        ],
    }


# --- nominations -------------------------------------------------------------------------------


def _bad_parameter(name: str, message: str):
    return error(400, "bad_request", message, errors={name: [message]})


@bp.get("/nominations")
def nominations():
    """The dossiers the token's owner may list, newest first, `limit` at a time after `cursor`."""
    user = g.api_user
    query = access.visible_nominations(user).options(
        so.joinedload(Nomination.campaign), so.joinedload(Nomination.field), so.joinedload(Nomination.unit),
    )
    status = request.args.get("status", "").strip()
    if status:
        if status not in NominationState._value2member_map_:
            return _bad_parameter("status", "Trạng thái không hợp lệ; các giá trị: " + ", ".join(s.value for s in NominationState) + ".")
        query = query.where(Nomination.status == NominationState(status))
    for name in ("campaign", "cursor", "limit"):
        raw = request.args.get(name, "").strip()
        if raw and parse_int(raw, minimum=1) is None:
            return _bad_parameter(name, f"“{name}” phải là một số nguyên dương không quá 2147483647.")
    campaign_id = parse_int(request.args.get("campaign", ""), minimum=1)
    if campaign_id is not None:
        query = query.where(Nomination.campaign_id == campaign_id)
    cursor = parse_int(request.args.get("cursor", ""), minimum=1)
    if cursor is not None:
        query = query.where(Nomination.id < cursor)
    limit = min(parse_int(request.args.get("limit", ""), minimum=1) or DEFAULT_LIMIT, MAX_LIMIT)
    rows = db.session.scalars(query.order_by(Nomination.id.desc()).limit(limit + 1)).unique().all()
    items, more = rows[:limit], len(rows) > limit
    next_cursor = str(items[-1].id) if more else None
    body = {"items": [nomination_summary(n) for n in items], "next_cursor": next_cursor}
    if next_cursor:
        args = {k: v for k, v in request.args.items() if k in ("status", "campaign", "limit") and v}
        body["next"] = url_for("staffapi.nominations", cursor=next_cursor, **args)
    return as_json(body)


@bp.get("/nominations/<nomination_id>")
def nomination(nomination_id: str):
    # Read as text and range-checked here (core/urls.parse_int), not by `<int:…>`: an id past 2³¹−1 fails
    # that converter inside routing, before this blueprint, and the answer would be the HTML 404 page.
    number = parse_int(nomination_id, minimum=1)
    if number is None:
        abort(404)
    user = g.api_user
    n = access.load_nomination(number, user=user)  # 404 when the page would say 404
    return as_json(nomination_detail(n, user))


KNOWN_INPUT = frozenset(("campaign_id", "kind", "nominee_consent") + operations.REPORT_FIELDS + operations.CHOICE_FIELDS)
NOT_LISTED = "Không có trong danh mục của đợt bình xét này (xem GET /api/v1/staff/campaigns)."
INVALID_FORM = "Hồ sơ chưa được lưu: vui lòng sửa các trường được nêu trong “errors”."


def _refused(errors: dict[str, list[str]]):
    return error(422, "invalid", INVALID_FORM, errors=errors)


def _as_form_text(value) -> str | None:
    """A JSON value as the text a person would type in the page's field; None when it has no such text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    return None


@bp.post("/nominations")
def create_nomination():
    """Create a draft ("Bản nháp") for the token owner's unit: the page's rules, form and audit.

    Side effects (one transaction): the draft and its report as `operations.create_draft`,
    `update_report` and `record_nominee_consent` write them for the page (audited `nomination/create`,
    `nomination/update`, `nomination/nominee_consent`), plus an `api_token/create_nomination` event
    naming the token; one commit.
    """
    refused = _need(api_tokens.SCOPE_DRAFT)
    if refused:
        return refused
    user = g.api_user
    if not access.can_nominate(user):
        return error(403, "forbidden", "Chỉ cán bộ đơn vị cơ sở tạo được hồ sơ đề nghị cho đơn vị mình.")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested past the parser's depth: not a ValueError, so `silent` lets it through
        body = None
    if not isinstance(body, dict):
        return error(400, "bad_request", "Nội dung gửi lên phải là một đối tượng JSON (Content-Type: application/json).")

    errors: dict[str, list[str]] = {}
    for name in sorted(set(body) - KNOWN_INPUT):
        errors[name] = ["Trường này không có trong hồ sơ đề nghị (tệp minh chứng tải lên ở trang sửa hồ sơ)."]
    campaign_id = body.get("campaign_id")
    campaign = None
    if isinstance(campaign_id, bool) or not isinstance(campaign_id, int) or not 1 <= campaign_id <= 2**31 - 1:
        errors["campaign_id"] = ["Vui lòng chọn đợt bình xét (số hiệu đợt, một số nguyên dương)."]
    else:
        campaign = db.session.get(Campaign, campaign_id)
        # Unknown or not open to this unit: one message, as the page's, so nothing else is learnt.
        if campaign is None or campaign not in operations.open_campaigns_for(user.unit):
            errors["campaign_id"] = ["Đợt bình xét này hiện không nhận hồ sơ từ đơn vị của bạn."]
            campaign = None
    kind_text = body.get("kind")
    kind = NomineeKind(kind_text) if isinstance(kind_text, str) and kind_text in NomineeKind._value2member_map_ else None
    if kind is None:
        errors["kind"] = ["Loại hồ sơ phải là “collective” (tập thể) hoặc “individual” (cá nhân)."]
    elif campaign is not None and kind not in campaign.allowed_kinds:
        errors["kind"] = [f"Đợt bình xét này không nhận hồ sơ {kind.label.lower()}."]
    consent = body.get("nominee_consent", False)
    if not isinstance(consent, bool):
        errors["nominee_consent"] = ["Giá trị phải là true hoặc false."]

    formdata = MultiDict()
    for name in operations.REPORT_FIELDS + operations.CHOICE_FIELDS:
        if name not in body:
            continue
        text = _as_form_text(body[name])
        if text is None:
            errors[name] = ["Giá trị phải là chuỗi, số nguyên hoặc null."]
        else:
            formdata[name] = text
    for name in operations.CHOICE_FIELDS:
        formdata[name] = formdata.get(name) or "0"  # "— Chọn —", as the page posts an untouched list
    if consent is True:
        formdata["nominee_consent"] = "y"
    if campaign is None or kind is None:
        return _refused(errors)

    # The page's form, whole: every field's own message at once, with the errors found above.
    form = build_form(campaign, kind, operations.reference_lists(), formdata=formdata, meta={"csrf": False})
    if not form.validate() or errors:
        found = {name: list(messages) for name, messages in form.errors.items()}
        for name in operations.CHOICE_FIELDS:
            if name in found:  # WTForms' own "Not a valid choice", which no page shows a person who picks from a list
                found[name] = [NOT_LISTED]
        return _refused({**found, **errors})
    values = operations.form_values(form)
    if not values.get("locality"):
        values["locality"] = user.unit.name  # the page's form starts with the unit's name there too

    n = operations.create_draft(campaign, kind, user.unit, user)
    operations.update_report(n, values, user)
    operations.record_nominee_consent(n, bool(form.nominee_consent.data), user)
    audit.record(
        "api_token", g.api_token.id, "create_nomination", user,
        details={"nomination_id": n.id, "prefix": g.api_token.prefix},
    )
    db.session.commit()
    response = as_json(nomination_detail(n, user), 201)
    response.headers["Location"] = url_for("staffapi.nomination", nomination_id=n.id)
    return response


# --- campaigns -------------------------------------------------------------------------------


@bp.get("/campaigns")
def campaigns():
    """Campaigns now taking dossiers from the owner's unit (empty for anyone who may not nominate)."""
    user = g.api_user
    open_campaigns = operations.open_campaigns_for(user.unit) if access.can_nominate(user) else []
    reference = operations.reference_lists()
    return as_json({
        "items": [
            {
                "id": c.id, "title": c.title, "year": c.year,
                "organising_unit": {"id": c.organising_unit.id, "name": c.organising_unit.name},
                "nominations_open_on": _iso(c.nominations_open_on),
                "nominations_close_on": _iso(c.nominations_close_on),
                "kinds": [k.value for k in c.allowed_kinds],
                "fields": [_ref(f) for f in c.allowed_fields if f.active],
            }
            for c in open_campaigns
        ],
        "collective_types": [_ref(i) for i in reference["collective_type"]],
        "individual_categories": [_ref(i) for i in reference["individual_category"]],
    })


# --- anything else under the prefix: JSON too ------------------------------------------------

_OWN_PATHS = re.compile(r"(nominations(/[0-9]+)?|campaigns)/?")


@bp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_here(rest: str):
    if _OWN_PATHS.fullmatch(rest):
        response = error(405, "method_not_allowed", ERROR_TEXT[405][1])
        response.headers["Allow"] = "GET, POST" if rest.rstrip("/") == "nominations" else "GET"
        return response
    return error(404, "not_found", "Không có địa chỉ này trong API dành cho cán bộ.")


def init_app(app) -> None:
    """Register the blueprint at /api/v1/staff and keep cookies away from it."""
    app.register_blueprint(bp, url_prefix=auth.PREFIX)
    app.wsgi_app = auth.NoCookies(app.wsgi_app)
