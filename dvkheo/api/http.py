"""What every API answer shares: JSON errors in Vietnamese, the opaque page cursor, the `limit` argument, ETag and
Last-Modified with 304, the per-client rate limit, and CORS for GET/HEAD/OPTIONS.

- Errors are `{"error": {"code": 400, "message": "…"}}`, also for a 404 of the routing and a 429 of the limiter
  (`dvkheo.core.errors` hands /api/ paths to `error_response`).
- A cursor is the last item's id, signed with the app's secret and the endpoint's name: a forged, truncated or
  borrowed cursor is a 400. The list reads on from that item's place in its order (keyset on the sort key and id,
  the sort key being looked up in the same query), so a page costs one query whatever its depth.
- Last-Modified is the moment this process first served the representation (its ETag): the data carry no
  reliable "changed at" for every figure a page shows (a follow-up changes a model's status, a vote a count).
  An unchanged answer keeps its date; a changed one gets a new date. ETag (a hash of the body) takes precedence.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from datetime import datetime, timezone

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from dvkheo.core.urls import parse_int
from dvkheo.extensions import limiter

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
DEFAULT_API_RATE_LIMIT = "300 per minute"

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    404: "Không tìm thấy dữ liệu được yêu cầu.",
    405: "Phương thức không được hỗ trợ; API chỉ cho phép GET, HEAD và OPTIONS.",
    410: "Dữ liệu này không còn được công khai.",
    429: "Quá nhiều yêu cầu trong thời gian ngắn. Vui lòng đợi rồi thử lại (xem tiêu đề Retry-After).",
    500: "Hệ thống gặp sự cố; vui lòng thử lại sau.",
    503: "Hệ thống tạm thời gián đoạn; vui lòng thử lại sau.",
}
BAD_CURSOR = "Con trỏ phân trang (cursor) không hợp lệ; hãy dùng đúng giá trị next_cursor của trang trước."
BAD_LIMIT = f"Tham số limit phải là số nguyên từ 1 đến {MAX_LIMIT}."


class ApiError(Exception):
    def __init__(self, code: int, message: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message or MESSAGES.get(code, MESSAGES[400])


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(code: int, message: str | None = None) -> Response:
    headers = {"Cache-Control": "no-store"}
    if code == 429:
        limit = limiter.current_limit
        wait = max(1, int(limit.reset_at - time.time())) if limit is not None else 60
        headers["Retry-After"] = str(wait)
    return json_response({"error": {"code": code, "message": message or MESSAGES.get(code, MESSAGES[500])}}, code, headers)


# --- arguments --------------------------------------------------------------------------------------


def limit_arg() -> int:
    raw = request.args.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    value = parse_int(raw, minimum=1, maximum=MAX_LIMIT)
    if value is None:
        raise ApiError(400, BAD_LIMIT)
    return value


def int_arg(name: str, minimum: int = 0, maximum: int = 2**31 - 1) -> int | None:
    """An integer filter: absent or empty is none; anything else out of [minimum, maximum] is a 400 (the page
    ignores text and answers 404 past the range; an API says what is wrong)."""
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return None
    value = parse_int(raw, minimum=minimum, maximum=maximum)
    if value is None:
        raise ApiError(400, f"Tham số {name} phải là số nguyên từ {minimum} đến {maximum}.")
    return value


def choice_arg(name: str, enum_cls):
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    if raw not in enum_cls._value2member_map_:
        allowed = ", ".join(enum_cls._value2member_map_)
        raise ApiError(400, f"Tham số {name} chỉ nhận một trong các giá trị: {allowed}.")
    return enum_cls(raw)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="dvkheo-api-cursor")


def make_cursor(scope: str, last_id: int) -> str:
    return _serializer().dumps([scope, last_id])


def read_cursor(scope: str) -> int | None:
    """The id of the previous page's last item, or None for the first page; 400 for a cursor not ours."""
    raw = request.args.get("cursor")
    if raw is None or raw == "":
        return None
    if len(raw) > 200:
        raise ApiError(400, BAD_CURSOR)
    try:
        payload = _serializer().loads(raw)
    except (BadSignature, UnicodeError, ValueError):
        raise ApiError(400, BAD_CURSOR) from None
    if (
        not isinstance(payload, list) or len(payload) != 2 or payload[0] != scope
        or not isinstance(payload[1], int) or isinstance(payload[1], bool) or not 0 <= payload[1] <= 2**31 - 1
    ):
        raise ApiError(400, BAD_CURSOR)
    return payload[1]


def page(items: list, limit: int, scope: str, serialize) -> dict:
    """`items` holds up to limit + 1 rows: the extra one only says that a next page exists."""
    more = len(items) > limit
    shown = items[:limit]
    return {
        "items": [serialize(item) for item in shown],
        "limit": limit,
        "next_cursor": make_cursor(scope, shown[-1].id) if more and shown else None,
    }


# --- validators ---------------------------------------------------------------------------------------


class _FirstSeen:
    """ETag -> the moment this process first served it (bounded: the oldest are forgotten first)."""

    def __init__(self, size: int = 20000):
        self.size = size
        self.moments: OrderedDict[str, datetime] = OrderedDict()
        self.lock = threading.Lock()

    def __call__(self, tag: str) -> datetime:
        with self.lock:
            moment = self.moments.get(tag)
            if moment is None:
                moment = datetime.now(timezone.utc).replace(microsecond=0)
                self.moments[tag] = moment
                if len(self.moments) > self.size:
                    self.moments.popitem(last=False)
            else:
                self.moments.move_to_end(tag)
            return moment


first_seen = _FirstSeen()


def conditional(response: Response, tag: str | None = None) -> Response:
    """ETag (the body's hash unless given), Last-Modified, and 304 for If-None-Match / If-Modified-Since."""
    if tag is None:
        tag = hashlib.sha256(response.get_data()).hexdigest()[:40]
    response.set_etag(tag)
    response.last_modified = first_seen(tag)
    # Shared caches may keep public data but must ask again: a status or a count can change any time.
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(request)


def json_conditional(payload, headers: dict | None = None) -> Response:
    return conditional(json_response(payload, headers=headers))


# --- rate limit and CORS ---------------------------------------------------------------------------------


def api_rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT") or DEFAULT_API_RATE_LIMIT


CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Retry-After, Content-Disposition",
    "Access-Control-Max-Age": "86400",
}


# The staff API answers only its token's owner: no page of another site is invited to call it.
NO_CORS = ("/api/v1/staff",)


def add_cors(response: Response) -> Response:
    """Any origin may read the public data; no credentials (no cookie is ever needed or allowed)."""
    if request.path.startswith("/api/") and not request.path.startswith(NO_CORS):
        for name, value in CORS_HEADERS.items():
            response.headers[name] = value
        response.headers.pop("Access-Control-Allow-Credentials", None)
    return response
