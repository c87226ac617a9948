"""Security events for the operators' log (ASVS 5.0 V16): failed and throttled logins, refused
access, failed CSRF checks, rate limits. One line per event, `key=value`, on the `dvkheo.security`
logger, so that a log search or a fail2ban filter can use it.

Lines never carry a password, a token, a cookie, a code or a typed address: the route pattern stands
in for the path (a reset link's token is part of its path), and an email is given as the first
hex digits of its SHA-256, which is how the login throttle names it too.
"""
from __future__ import annotations

import hashlib
import logging

from flask import g, has_request_context, request, session

log = logging.getLogger("dvkheo.security")


def email_tag(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:12]


def _account_id() -> str:
    # From the session (or the staff API's bearer token) only: loading the user could run a query in an error handler.
    if not has_request_context():
        return "-"
    token = g.get("api_token")
    user_id = token.user_id if token is not None else session.get("_user_id", "")
    return str(user_id).split(":", 1)[0] or "-"


def _clean(value: object) -> str:
    return str(value).replace("\n", " ").replace("\r", " ").replace(" ", "_")[:80] or "-"


def event(name: str, level: int = logging.WARNING, **fields: object) -> None:
    """Log one security event with the request's address, account, method and route pattern."""
    parts = {"event": name}
    if has_request_context():
        rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
        parts.update(ip=request.remote_addr or "-", account=_account_id(), method=request.method, route=rule)
        # The same id as the request's JSON line (dvkheo.requests) and its X-Request-ID header.
        parts["request_id"] = g.get("request_id") or "-"
    parts.update({key: value for key, value in fields.items() if value is not None})
    log.log(level, "security " + " ".join(f"{key}={_clean(value)}" for key, value in parts.items()))
