"""Rate limits for the busiest public routes, counted straight in the limiter's storage.

Flask-Limiter's route decorators re-resolve every limit of the endpoint on each request (callables,
exemption scopes, key functions, the limit strings parsed again): on the vote route that was about
0.45 ms of Python per request, more than the rest of the vote's own work outside the database
(issue 14, item 7; bench/votes.py and its profile). `direct_limit` counts the same way with the
same pieces (the app's limiter, its storage, strategy and key prefix, so `limiter.reset()`
and RATELIMIT_ENABLED apply) and does only what a hit needs: one key, one `hit` per limit item.

A storage that fails (Redis down) is not a reason to refuse a citizen or to stop counting: as
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED does for the other routes, the hits go to process memory, and
the storage is tried again after `RETRY_SECONDS`.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache, wraps

from flask import abort, current_app, request
from limits import RateLimitItem, parse_many
from limits.strategies import STRATEGIES

from dvkheo.core.rate_limit_storage import SweptMemoryStorage
from dvkheo.extensions import limiter

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


@lru_cache(maxsize=128)
def limit_items(text: str) -> tuple[RateLimitItem, ...]:
    """'120 per minute; 2000 per day' parsed once per distinct text (config may change in tests)."""
    return tuple(sorted(parse_many(text)))


def check_limit_settings(config) -> None:
    """Refuse to start on a rate limit that does not parse ("120 per minit"): every `*_RATE_LIMIT*`
    setting. Unchecked, Flask-Limiter would log the error on each request and limit nothing, and
    `direct_limit` would answer every vote with a 500."""
    wrong = []
    for name in sorted(config):
        if "RATE_LIMIT" not in name or name.startswith("RATELIMIT_"):
            continue
        text = config[name]
        try:
            if not isinstance(text, str) or not limit_items(text):
                raise ValueError(text)
        except ValueError:
            wrong.append(f"{name} = “{text}”")
    if wrong:
        raise RuntimeError(
            "Giới hạn tần suất không hợp lệ: " + "; ".join(wrong)
            + ". Viết dạng “120 per minute” hoặc “5 per 10 minutes; 100 per day”."
        )


class _Fallback:
    """Process-memory counting while the configured storage is unreachable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._strategies: dict[str, object] = {}
        self.storage_down_until = 0.0

    def strategy(self, name: str):
        with self._lock:
            if name not in self._strategies:
                self._strategies[name] = STRATEGIES[name](SweptMemoryStorage("dvkheo-memory://"))
            return self._strategies[name]


_fallback = _Fallback()

DIRECTLY_LIMITED = "_dvkheo_directly_limited"


@limiter.request_filter
def _counted_directly() -> bool:
    """Flask-Limiter's own check before every request resolves the endpoint's limits (none here:
    `direct_limit` counts them): a view marked by `direct_limit` skips it."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, DIRECTLY_LIMITED, False)


def _hit(item: RateLimitItem, identifiers: tuple[str, ...]) -> bool:
    if time.monotonic() >= _fallback.storage_down_until:
        try:
            return limiter.limiter.hit(item, *identifiers)
        except Exception:  # any storage error: redis' own, a timeout, a refused connection
            if not current_app.config.get("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True):
                if current_app.config.get("RATELIMIT_SWALLOW_ERRORS", True):
                    logger.exception("Rate-limit storage unreachable; request let through")
                    return True
                raise
            logger.warning("Rate-limit storage unreachable: counting in memory for %.0f s", RETRY_SECONDS)
            _fallback.storage_down_until = time.monotonic() + RETRY_SECONDS
    strategy_name = current_app.config.get("RATELIMIT_STRATEGY") or "fixed-window"
    return _fallback.strategy(strategy_name).hit(item, *identifiers)


def direct_limit(config_key: str, key_func: Callable[[], str | None], *, scope: str):
    """Decorate a view: refuse with 429 (the usual Vietnamese page) past `app.config[config_key]`
    requests per `key_func()` value, counted for each view apart under `scope` and the view's name
    (one limit object may decorate several views, as Flask-Limiter's per-route limits do). A
    request for which `key_func()` returns None is not counted.

    Items of a multi-item limit are hit from the shortest window up, stopping at the first one
    exhausted, as Flask-Limiter does."""

    def decorate(view):
        view_scope = f"{scope}:{view.__name__}"

        @wraps(view)
        def limited(*args, **kwargs):
            if limiter.enabled:
                key = key_func()
                if key is not None:
                    config = current_app.config
                    prefix = config.get("RATELIMIT_KEY_PREFIX") or ""
                    identifiers = (prefix, key, view_scope) if prefix else (key, view_scope)
                    for item in limit_items(config[config_key]):
                        if not _hit(item, identifiers):
                            logger.info("ratelimit %s (%s) exceeded at %s", item, key, scope)
                            abort(429)
            return view(*args, **kwargs)

        setattr(limited, DIRECTLY_LIMITED, True)
        return limited

    return decorate
