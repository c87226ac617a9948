"""Rate-limit counters in process memory (no Redis), without starting a thread on every hit.

`limits`' MemoryStorage forgets expired entries on a `threading.Timer` of 10 ms, started again by
the next hit once the previous one has run. On a route hit more often than every 10 ms per
process, that is one new thread per request: under load the vote route spent about a fifth of
its time starting them (issue 14, item 7; bench/votes.py). This storage counts exactly as
MemoryStorage does (same entries, same windows, same checks: only the forgetting moves) and
forgets from one long-lived daemon thread per process, once a second.

Selected by the URI "dvkheo-memory://" (the default without REDIS_URL, see `create_app`).
"""
from __future__ import annotations

import logging
import threading
import time
import weakref

from limits.storage import MemoryStorage

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 1.0
# MemoryStorage's own names for "make sure expiry will run" and "forget what has expired" (name-mangled
# private methods of limits 5.x). Without them (another version of limits) this class falls back
# to MemoryStorage's timer: slower under load, never wrong.
_SCHEDULE, _EXPIRE = "_MemoryStorage__schedule_expiry", "_MemoryStorage__expire_events"
OVERRIDES_TIMER = hasattr(MemoryStorage, _SCHEDULE) and hasattr(MemoryStorage, _EXPIRE)


def _sweep(storage_ref: weakref.ref) -> None:
    """The sweeper's loop; ends when the storage is gone (an app discarded by a test, say)."""
    while True:
        time.sleep(SWEEP_SECONDS)
        storage = storage_ref()
        if storage is None:
            return
        try:
            getattr(storage, _EXPIRE)()
        except Exception:  # a sweep that fails must not end the sweeping
            logger.exception("Rate-limit counters: sweeping expired entries failed")
        del storage


class SweptMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["dvkheo-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        self._sweeper: threading.Thread | None = None
        self._sweeper_lock = threading.Lock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _ensure_sweeper(self) -> None:
        sweeper = self._sweeper
        if sweeper is not None and sweeper.is_alive():  # the common case: no lock, no thread
            return
        with self._sweeper_lock:
            # After a fork (gunicorn) the parent's thread is not alive in the child: start one here.
            if self._sweeper is None or not self._sweeper.is_alive():
                self._sweeper = threading.Thread(
                    target=_sweep, args=(weakref.ref(self),), name="dvkheo-rate-limit-sweep", daemon=True
                )
                self._sweeper.start()

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_sweeper", None)
        state.pop("_sweeper_lock", None)
        return state

    def __setstate__(self, state) -> None:
        self._sweeper = None
        self._sweeper_lock = threading.Lock()
        super().__setstate__(state)


if OVERRIDES_TIMER:
    # MemoryStorage calls this (by its mangled name) on every hit, to restart its 10 ms timer.
    setattr(SweptMemoryStorage, _SCHEDULE, SweptMemoryStorage._ensure_sweeper)
