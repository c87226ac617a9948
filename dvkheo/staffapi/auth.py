"""Bearer authentication of the staff API, and its answers when refusing.

Only `Authorization: Bearer dvk_…` identifies the caller on /api/v1/staff/…: `NoCookies` removes the
Cookie header from those requests before Flask sees them (no session, no remember cookie, so no
cross-site request can act with a browser's sign-in) and drops any Set-Cookie from the answer.
"""
from __future__ import annotations

import hashlib
import json

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from dvkheo.accounts import api_tokens
from dvkheo.core import security_log

PREFIX = "/api/v1/staff"
REALM = "dvkheo-staff-api"

MISSING = "Thiếu khóa truy cập: gửi tiêu đề “Authorization: Bearer <khóa>” với khóa tạo ở trang “Khóa truy cập API” của tài khoản."
INVALID = (
    "Khóa truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi (tài khoản bị khóa, đổi mật khẩu, "
    "đổi vai trò hoặc đơn vị cũng làm khóa hết hiệu lực)."
)
NO_SCOPE = "Khóa truy cập này không có quyền “{label}”. Tạo khóa mới có quyền đó ở trang “Khóa truy cập API”."


class NoCookies:
    """WSGI middleware: requests under `prefix` reach the app without cookies, answers leave without Set-Cookie.

    Also wrapped around the whole public API (/api/v1, dvkheo/__init__.py): its answers may be kept by shared
    caches, so they must never carry a visitor's session, and a session's state (to renew, idle too long,
    password to change first) must not turn the data into a redirect to a page."""

    def __init__(self, wsgi_app, prefix: str = PREFIX):
        self.wsgi_app = wsgi_app
        self.prefix = prefix

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            return self.wsgi_app(environ, start_response)
        environ.pop("HTTP_COOKIE", None)

        def start_without_cookies(status, headers, exc_info=None):
            return start_response(status, [(k, v) for k, v in headers if k.lower() != "set-cookie"], exc_info)

        return self.wsgi_app(environ, start_without_cookies)


def presented_secret() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    return secret if scheme.lower() == "bearer" and secret else None


def rate_limit_key() -> str:
    """Per token (its hash: the secret never reaches the counters' store); per address without one."""
    secret = presented_secret()
    if secret and api_tokens.looks_like_secret(secret):
        return "staffapi-token:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:32]
    return "staffapi-ip:" + get_remote_address()


def as_json(body: dict, status: int = 200):
    """JSON with Vietnamese letters as they are (a person reading curl's output reads them too)."""
    return current_app.response_class(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")), status=status, mimetype="application/json",
    )


def error(status: int, code: str, message: str, **extra):
    return as_json({"error": code, "message": message, **extra}, status)


def unauthorized(message: str, invalid: bool):
    response = error(401, "unauthorized", message)
    challenge = f'Bearer realm="{REALM}"'
    if invalid:
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def authenticate():
    """The blueprint's first hook: sets g.api_token and g.api_user, or answers 401."""
    secret = presented_secret()
    if secret is None:
        return unauthorized(MISSING, invalid=False)
    token = api_tokens.authenticate(secret)
    if token is None:
        security_log.event("api_token_refused")
        return unauthorized(INVALID, invalid=True)
    g.api_token, g.api_user = token, token.user
    api_tokens.touch(token)
    return None


def insufficient_scope(scope: str):
    response = error(403, "insufficient_scope", NO_SCOPE.format(label=api_tokens.SCOPE_LABELS[scope]))
    response.headers["WWW-Authenticate"] = f'Bearer realm="{REALM}", error="insufficient_scope", scope="{scope}"'
    return response
