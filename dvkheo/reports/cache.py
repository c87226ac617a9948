"""A short-lived cache of dashboard figures, shared by every worker.

Figures for one (root, period) are computed at most once per `STATS_CACHE_SECONDS` (default 60): a figure shown
never lags the data by more than that. With REDIS_URL the cache is Redis (all gunicorn workers share it; the
entry expires in Redis after the same number of seconds); without it, the process's memory (the app then runs one
process, see the Makefile). `STATS_CACHE_SECONDS = 0` turns caching off (the bench's "cold" figures).

Refreshed ahead: once an entry is older than `STATS_REFRESH_AHEAD` (default half) of the interval, the request
that reads it is still served from it, and the figures are computed again in the background (one refresh per
entry at a time: a claim in the store, shared through Redis by every worker), so that someone who looks at a
page at least once per interval (the whole country's included, a second's computation) never waits for it.
Only an entry nobody read for a whole interval is computed while the reader waits. The bound is unchanged: an
entry is never served once it is as old as the interval.

Entries are JSON, never pickles: whoever can write to Redis cannot make the app run code.
The freshness check does not trust the store's own expiry alone: an entry older than the interval by `clock()`
is recomputed even if the store still holds it.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, fields
from datetime import date, datetime
from typing import Callable

from flask import current_app

from dvkheo.core import timeutil
from dvkheo.reports.periods import Period
from dvkheo.reports.statistics import (
    AwardKey, DashboardFigures, FieldRow, FunnelRow, StageCounts, TrendPoint, UnitRow, dashboard_figures,
)

DEFAULT_SECONDS = 60
DEFAULT_REFRESH_AHEAD = 0.5  # of the interval
logger = logging.getLogger(__name__)
KEY_PREFIX = "dvkheo:thongke:"


# --- JSON -----------------------------------------------------------------------------------------


def _unit_row_json(row: UnitRow) -> dict:
    data = {f.name: getattr(row, f.name) for f in fields(row)}  # not asdict(): its dict keys are dataclasses
    data["commended_by"] = [[asdict(key), count] for key, count in row.commended_by.items()]
    return data


def _unit_row(data: dict) -> UnitRow:
    data = dict(data)
    data["commended_by"] = {AwardKey(**key): count for key, count in data["commended_by"]}
    return UnitRow(**data)


def _period_json(period: Period) -> list:
    return [period.kind, period.start.isoformat(), period.end.isoformat()]


def _period(data: list) -> Period:
    return Period(data[0], date.fromisoformat(data[1]), date.fromisoformat(data[2]))


def to_json(figures: DashboardFigures) -> str:
    units = [_unit_row_json(row) for row in figures.units]
    return json.dumps({
        "root_id": figures.root_id, "root_name": figures.root_name,
        "period": _period_json(figures.period), "previous": _period_json(figures.previous),
        "computed_at": figures.computed_at.isoformat(),
        "funnel": [asdict(row) for row in figures.funnel], "funnel_total": asdict(figures.funnel_total),
        "units": units, "without_model": [figures.units.index(row) for row in figures.without_model],
        "award_keys": [asdict(key) for key in figures.award_keys],
        "fields": [asdict(row) for row in figures.fields],
        "trend": [{**asdict(point), "start": point.start.isoformat(), "end": point.end.isoformat()} for point in figures.trend],
        "totals": _unit_row_json(figures.totals),
    }, ensure_ascii=False)


def from_json(text: str) -> DashboardFigures:
    data = json.loads(text)
    units = [_unit_row(row) for row in data["units"]]
    return DashboardFigures(
        root_id=data["root_id"], root_name=data["root_name"], period=_period(data["period"]),
        previous=_period(data["previous"]), computed_at=datetime.fromisoformat(data["computed_at"]),
        funnel=[FunnelRow(**{**row, "counts": StageCounts(**row["counts"])}) for row in data["funnel"]],
        funnel_total=StageCounts(**data["funnel_total"]), units=units,
        without_model=[units[index] for index in data["without_model"]],
        award_keys=[AwardKey(**key) for key in data["award_keys"]],
        fields=[FieldRow(**row) for row in data["fields"]],
        trend=[TrendPoint(**{**p, "start": date.fromisoformat(p["start"]), "end": date.fromisoformat(p["end"])})
               for p in data["trend"]],
        totals=_unit_row(data["totals"]),
    )


# --- stores ---------------------------------------------------------------------------------------


class MemoryStore:
    """The process's own dictionary (one process serves when there is no Redis)."""

    def __init__(self) -> None:
        self._entries: dict[str, str] = {}
        self._claims: dict[str, float] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._entries.get(key)

    def set(self, key: str, value: str, seconds: int) -> None:
        with self._lock:
            if len(self._entries) > 500:  # a bound on memory: many roots and periods, each a few kB
                self._entries.clear()
            self._entries[key] = value

    def claim(self, key: str, seconds: int) -> bool:
        """True for the first caller until `release` (or `seconds` later, should the holder die)."""
        now = time.monotonic()
        with self._lock:
            if self._claims.get(key, 0) > now:
                return False
            self._claims[key] = now + max(1, seconds)
            return True

    def release(self, key: str) -> None:
        with self._lock:
            self._claims.pop(key, None)


class RedisStore:
    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def get(self, key: str) -> str | None:
        try:
            value = self._redis.get(key)
        except Exception:  # Redis down: compute, as without a cache
            return None
        return value.decode("utf-8") if value is not None else None

    def set(self, key: str, value: str, seconds: int) -> None:
        try:
            self._redis.set(key, value.encode("utf-8"), ex=max(1, seconds))
        except Exception:
            pass

    def claim(self, key: str, seconds: int) -> bool:
        try:
            return bool(self._redis.set(f"{key}:refresh", b"1", nx=True, ex=max(1, seconds)))
        except Exception:  # Redis down: no refresh ahead (the reader computes when the entry expires)
            return False

    def release(self, key: str) -> None:
        try:
            self._redis.delete(f"{key}:refresh")
        except Exception:
            pass


def in_background(job: Callable[[], None]) -> None:
    """Run `job` in a thread of its own with the app's context (and so a database session of its own)."""
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            job()

    threading.Thread(target=run, name="dvkheo-figures-refresh", daemon=True).start()


class FigureCache:
    def __init__(self, store, seconds: int, clock: Callable[[], datetime] = timeutil.utcnow,
                 prefix: str = KEY_PREFIX, refresh_ahead: float = 0.0,
                 runner: Callable[[Callable[[], None]], None] = in_background) -> None:
        """`refresh_ahead`: the fraction of the interval after which a read also refreshes the entry, by `runner`
        (a background thread; tests run it in place); 0 or 1 and above: never ahead."""
        self.store, self.seconds, self.clock, self.prefix = store, seconds, clock, prefix
        self.refresh_after = seconds * refresh_ahead if 0 < refresh_ahead < 1 else None
        self.runner = runner

    def key(self, root_id: int | None, period: Period, today: date) -> str:
        return f"{self.prefix}{root_id if root_id is not None else 'all'}:{period.kind}:{period.start}:{period.end}:{today}"

    def figures(self, root, period: Period, today: date) -> DashboardFigures:
        """The figures of `root` and `period`: from the cache when computed less than `seconds` ago."""
        if self.seconds <= 0:
            return self._compute(root, period, today)
        key = self.key(root.id if root is not None else None, period, today)
        cached = self.store.get(key)
        if cached is not None:
            figures = from_json(cached)
            age = (self.clock() - figures.computed_at).total_seconds()
            if 0 <= age < self.seconds:
                if self.refresh_after is not None and age >= self.refresh_after and self.store.claim(key, self.seconds):
                    self._refresh_ahead(key, root.id if root is not None else None, period, today)
                return figures
        figures = self._compute(root, period, today)
        self.store.set(key, to_json(figures), self.seconds)
        return figures

    def _refresh_ahead(self, key: str, root_id: int | None, period: Period, today: date) -> None:
        def job() -> None:
            from dvkheo.extensions import db
            from dvkheo.units.models import Unit

            try:
                root = db.session.get(Unit, root_id) if root_id is not None else None
                if root_id is None or root is not None:
                    self.store.set(key, to_json(self._compute(root, period, today)), self.seconds)
            except Exception:  # the reader computes it when the entry expires
                logger.exception("refreshing the figures %s ahead failed", key)
            finally:  # the thread's session goes with its app context
                self.store.release(key)

        try:
            self.runner(job)
        except Exception:
            self.store.release(key)
            logger.exception("could not start refreshing the figures %s ahead", key)

    def _compute(self, root, period: Period, today: date) -> DashboardFigures:
        # Stamped with the moment the reading began: a change made while it runs may be missed, so that is the
        # moment the figures are "as of".
        started = self.clock()
        figures = dashboard_figures(root, period, today=today)
        figures.computed_at = started
        return figures


def figure_cache() -> FigureCache:
    """The app's cache (made on first use, kept in `app.extensions`)."""
    app = current_app._get_current_object()
    cache = app.extensions.get("dvkheo_figure_cache")
    if cache is None:
        seconds = int(app.config.get("STATS_CACHE_SECONDS", DEFAULT_SECONDS))
        ahead = float(app.config.get("STATS_REFRESH_AHEAD", DEFAULT_REFRESH_AHEAD))
        url = app.config.get("REDIS_URL")
        cache = FigureCache(RedisStore(url) if url else MemoryStore(), seconds, refresh_ahead=ahead)
        app.extensions["dvkheo_figure_cache"] = cache
    return cache
