"""Rate-limit counters in process memory (no Redis), without starting a thread on every hit.

`limits`' MemoryStorage forgets expired entries on a `threading.Timer` of 10 ms, started again by
the next hit once the previous one has run. On a route hit more often than every 10 ms per
process, that is one new thread per request: under load the vote route spent about a fifth of
its time starting them (issue 14, item 7; bench/votes.py). This storage counts exactly as
MemoryStorage does (same entries, same windows, same checks: only the forgetting moves) and
forgets from one long-lived daemon thread per process, once a second.

Forgetting costs what expires, not what is stored: MemoryStorage's sweep visited every key it had
ever seen (a moving-window key emptied of entries stayed in its table for good), so with a key per
citizen's address and per voter each second's sweep grew with everyone who had voted since the
process started, in memory and in CPU. Here each moving-window entry is also queued, per window
length, by the time it expires (appended in time order, so each queue is sorted); a sweep pops
what has expired, trims those keys and drops the keys left empty.

Selected by the URI "dvkheo-memory://" (the default without REDIS_URL, see `create_app`).
"""
from __future__ import annotations

import bisect
import logging
import threading
import time
import weakref
from collections import deque

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
        # Window length (seconds) -> (expiry time, key) of each moving-window entry, oldest first.
        self._expiring: dict[int, deque[tuple[float, str]]] = {}
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        acquired = super().acquire_entry(key, limit, expiry, amount)
        if acquired:
            queue = self._expiring.get(expiry)
            if queue is None:
                queue = self._expiring.setdefault(expiry, deque())
            queue.append((time.time() + expiry, key))
        return acquired

    def forget_expired(self) -> None:
        """Drop expired moving-window entries, and the keys they leave empty; then fixed-window
        counters past their expiry (MemoryStorage's own loop: those keys expire as a whole)."""
        now = time.time()
        for queue in list(self._expiring.values()):
            while queue and queue[0][0] <= now:
                _, key = queue.popleft()
                if key not in self.events:  # cleared meanwhile, or emptied by an earlier entry of the queue
                    continue
                with self.locks[key]:
                    events = self.events.get(key)
                    if events:
                        # Entries are newest first: keep those expiring after now.
                        kept = bisect.bisect_left(events, -now, key=lambda entry: -entry.expiry)
                        del events[kept:]
                    if not events:
                        self.events.pop(key, None)
                        self.locks.pop(key, None)
        for key in [key for key, moment in list(self.expirations.items()) if moment <= now]:
            self.storage.pop(key, None)
            self.expirations.pop(key, None)
            self.locks.pop(key, None)

    def reset(self) -> int | None:
        self._expiring.clear()
        return super().reset()

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
    # ... and this one to forget (from that timer, and from `_sweep` here).
    setattr(SweptMemoryStorage, _EXPIRE, SweptMemoryStorage.forget_expired)
