"""The figure cache: a figure shown never lags a change by more than the stated interval (the clock is advanced,
never slept on), in process memory and in Redis; what comes back from the cache equals what was computed."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.reports.cache import FigureCache, MemoryStore, RedisStore, from_json, to_json
from dvkheo.reports.periods import Period
from dvkheo.reports.statistics import dashboard_figures
from tests.reports.test_statistics import TODAY, build_world  # noqa: F401

TEST_REDIS_URL = "redis://127.0.0.1:6379/6"
INTERVAL = 60


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 9, 15, 2, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def redis_store() -> RedisStore:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=0.5).ping()
    except RedisError as error:
        pytest.skip(f"Redis is not running on {TEST_REDIS_URL}: {error}")
    return RedisStore(TEST_REDIS_URL)


def in_place(job) -> None:
    """The refresh ahead's runner in tests: the job runs at once, in the test's session (a thread in production)."""
    job()


@pytest.mark.parametrize("ahead", [0.0, 0.5])
@pytest.mark.parametrize("store_kind", ["memory", "redis"])
def test_a_cached_figure_never_lags_a_change_by_more_than_the_interval(build_world, store_kind, ahead):
    world = build_world(dossiers=8)
    store = MemoryStore() if store_kind == "memory" else redis_store()
    clock = Clock()
    cache = FigureCache(store, INTERVAL, clock=clock, prefix=f"test:{uuid.uuid4().hex}:", refresh_ahead=ahead,
                        runner=in_place)
    period = Period.year(2026)
    base = cache.figures(world.province, period, TODAY).funnel_total.submitted
    changes: list[datetime] = []  # when each new dossier was submitted, by the same clock
    served_stale = 0
    for step in range(40):
        clock.advance(7)  # not a divisor of the interval: reads fall at every phase of it
        if step % 3 == 0:
            db.session.add(Nomination(
                campaign=world.campaigns[0], unit_id=world.communes[0].id, kind=world.nominations[0][0].kind,
                status=NominationState.SUBMITTED, title=f"Hồ sơ mới {step}",
                submitted_at=datetime(2026, 9, 1, tzinfo=timezone.utc),
            ))
            db.session.commit()
            changes.append(clock.now)
        shown = cache.figures(world.province, period, TODAY)
        # Every change older than the interval is in the figure; the figure is never older than the interval.
        settled = sum(1 for moment in changes if moment <= clock.now - timedelta(seconds=INTERVAL))
        assert shown.funnel_total.submitted >= base + settled
        assert clock.now - shown.computed_at < timedelta(seconds=INTERVAL)
        assert shown.funnel_total.submitted <= base + len(changes)
        served_stale += shown.funnel_total.submitted < base + len(changes)
    # The cache was really used (some reads lagged, within the bound), not bypassed.
    assert served_stale > 0


@pytest.mark.parametrize("store_kind", ["memory", "redis"])
def test_refreshed_ahead_the_reader_does_not_wait_and_the_next_one_sees_the_change(build_world, store_kind, count_queries):
    world = build_world(dossiers=8)
    store = MemoryStore() if store_kind == "memory" else redis_store()
    clock, jobs = Clock(), []
    cache = FigureCache(store, INTERVAL, clock=clock, prefix=f"test:{uuid.uuid4().hex}:", refresh_ahead=0.5,
                        runner=jobs.append)
    period = Period.year(2026)
    first = cache.figures(world.province, period, TODAY).funnel_total.submitted  # nothing cached: computed
    clock.advance(INTERVAL // 2 - 1)
    assert cache.figures(world.province, period, TODAY).funnel_total.submitted == first and not jobs
    db.session.add(Nomination(campaign=world.campaigns[0], unit_id=world.communes[0].id, kind=world.nominations[0][0].kind,
                              status=NominationState.SUBMITTED, title="Hồ sơ mới",
                              submitted_at=datetime(2026, 9, 1, tzinfo=timezone.utc)))
    db.session.commit()
    province = db.session.get(type(world.province), world.province.id)
    clock.advance(2)  # past half the interval: served from the cache at once, one refresh started
    with count_queries() as reading:
        shown = cache.figures(province, period, TODAY)
        again = cache.figures(province, period, TODAY)
    assert reading.count == 0 and shown.funnel_total.submitted == again.funnel_total.submitted == first
    assert len(jobs) == 1  # one refresh per entry at a time
    jobs.pop()()  # the refresh (a background thread in production) computes as of now
    clock.advance(1)
    with count_queries() as reading:
        shown = cache.figures(province, period, TODAY)
    assert reading.count == 0 and shown.funnel_total.submitted == first + 1
    assert shown.computed_at == clock.now - timedelta(seconds=1) and not jobs
    # Nobody read it for a whole interval: the reader computes, never served an entry as old as the interval.
    clock.advance(INTERVAL)
    assert clock.now - cache.figures(province, period, TODAY).computed_at < timedelta(seconds=INTERVAL) and not jobs


def test_the_app_refreshes_in_a_thread_of_its_own(app, build_world):
    """The default runner: the figures computed ahead in a background thread with a session of its own."""
    import threading

    world = build_world(dossiers=4)
    done = threading.Event()
    cache = FigureCache(MemoryStore(), INTERVAL, clock=Clock(), prefix="thread:", refresh_ahead=0.5)
    period = Period.year(2026)
    key = cache.key(world.province.id, period, TODAY)
    cache.figures(world.province, period, TODAY)
    cache.clock.advance(INTERVAL - 1)
    stored = cache.store.get(key)
    original_set = cache.store.set

    def set_and_signal(k, value, seconds):
        original_set(k, value, seconds)
        done.set()

    cache.store.set = set_and_signal
    assert cache.figures(world.province, period, TODAY).computed_at == from_json(stored).computed_at
    assert done.wait(30)
    assert from_json(cache.store.get(key)).computed_at == cache.clock.now


def test_cache_off_computes_every_time(build_world):
    world = build_world(dossiers=5)
    cache = FigureCache(MemoryStore(), 0)
    first = cache.figures(world.province, Period.year(2026), TODAY).funnel_total.submitted
    db.session.add(Nomination(campaign=world.campaigns[0], unit_id=world.communes[0].id, kind=world.nominations[0][0].kind,
                              status=NominationState.SUBMITTED, title="Hồ sơ mới",
                              submitted_at=datetime(2026, 9, 1, tzinfo=timezone.utc)))
    db.session.commit()
    assert cache.figures(world.province, Period.year(2026), TODAY).funnel_total.submitted == first + 1


def test_figures_survive_the_json_round_trip(build_world):
    world = build_world()
    for root in (world.province, None):
        figures = dashboard_figures(root, Period.quarter(2026, 3), today=TODAY)
        assert from_json(to_json(figures)) == figures


def test_whole_tree_sums_the_top_level_units(build_world):
    world = build_world()
    period = Period.year(2026)
    whole = dashboard_figures(None, period, today=TODAY)
    province = dashboard_figures(world.province, period, today=TODAY)
    assert whole.root_name == "Toàn quốc" and whole.root_id is None
    row = next(r for r in whole.units if r.unit_id == world.province.id)
    for name in ("registered", "recognised", "commended", "replications", "followups_due", "followups_late", "models_total"):
        assert getattr(row, name) == getattr(province.totals, name)
    assert whole.funnel_total == province.funnel_total
