"""The in-memory rate-limit storage (no Redis): counts exactly as `limits`' MemoryStorage, and forgets
keys once their entries expire, so that a key per citizen does not pile up for the life of the process."""
from __future__ import annotations

import time

from limits import parse
from limits.strategies import MovingWindowRateLimiter

from dvkheo.core.rate_limit_storage import SweptMemoryStorage


def test_moving_window_counts_exactly_and_forgets_empty_keys(monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    storage = SweptMemoryStorage("dvkheo-memory://")
    limiter = MovingWindowRateLimiter(storage)
    two_a_minute = parse("2 per minute")

    assert [limiter.hit(two_a_minute, "10.0.0.1") for _ in range(3)] == [True, True, False]
    for number in range(500):  # one visit from each of 500 other addresses
        assert limiter.hit(two_a_minute, f"10.1.{number // 256}.{number % 256}")
    assert len(storage.events) == 501

    clock[0] += 30
    storage.forget_expired()
    assert len(storage.events) == 501  # nothing has expired yet
    assert not limiter.hit(two_a_minute, "10.0.0.1")  # still two in the last minute

    clock[0] += 31
    storage.forget_expired()
    assert storage.events == {} and not storage.locks  # every key gone, not kept empty
    assert limiter.hit(two_a_minute, "10.0.0.1")  # a new minute for the first address
    assert len(storage.events) == 1


def test_a_key_hit_again_keeps_its_newer_entries(monkeypatch):
    clock = [2_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    storage = SweptMemoryStorage("dvkheo-memory://")
    limiter = MovingWindowRateLimiter(storage)
    three_a_minute = parse("3 per minute")

    assert limiter.hit(three_a_minute, "voter:1:7")
    clock[0] += 40
    assert limiter.hit(three_a_minute, "voter:1:7") and limiter.hit(three_a_minute, "voter:1:7")
    clock[0] += 21  # the first entry expired, the two later ones have not
    storage.forget_expired()
    assert limiter.hit(three_a_minute, "voter:1:7")
    assert not limiter.hit(three_a_minute, "voter:1:7")
    storage.reset()
    assert storage.events == {} and limiter.hit(three_a_minute, "voter:1:7")
