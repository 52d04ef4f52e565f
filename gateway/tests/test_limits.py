"""Rate limits per client address and per key (memory storage), in this process."""

from __future__ import annotations

import threading

from gateway_testing import ADMIN_KEY, Upstream, gateway_with

from gateway.config import Settings
from gateway.limits import LIMITS_EXTENSION, LocalWindows, RateLimits


def test_the_anonymous_limit_answers_429_with_retry_after_and_a_key_has_its_own(database_url):
    registry = Upstream("registry", {"/api/v1/vocabulary": {"kinds": {}}})
    with gateway_with(database_url, registry, Upstream("metrics"), anonymous_limit="3/minute") as app:
        client = app.test_client()
        answers = [client.get("/api/v1/vocabulary") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        limited = answers[-1]
        assert limited.mimetype == "application/problem+json"
        assert int(limited.headers["Retry-After"]) > 0
        assert limited.headers["RateLimit-Limit"] == "3"
        assert "Retry-After" not in answers[0].headers  # only a 429 says when to come back
        assert client.get("/api/v1/vocabulary", headers={"Authorization": f"Bearer {ADMIN_KEY}"}).status_code == 200


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_local_windows_count_a_moving_window_and_forget_what_left_it():
    windows = LocalWindows()
    windows.clock = clock = Clock()
    assert windows.get_moving_window("k", 3, 60) == (clock.now, 0)
    first = clock.now
    for _ in range(3):
        assert windows.acquire_entry("k", 3, 60)
        clock.now += 10
    assert not windows.acquire_entry("k", 3, 60)  # three hits in the last 60 s
    assert windows.get_moving_window("k", 3, 60) == (first, 3)  # Reset = the oldest hit + 60 s
    clock.now = first + 60  # the first hit leaves the window, the others stay
    assert windows.get_moving_window("k", 3, 60) == (first + 10, 2)
    assert windows.acquire_entry("k", 3, 60)
    assert not windows.acquire_entry("k", 3, 60)
    assert not windows.acquire_entry("other", 2, 60, amount=3)  # a cost above the limit never fits


def test_acquire_and_window_is_acquire_entry_then_get_moving_window():
    # The per-request step must agree with the two calls limits' strategy makes, hit for hit.
    one, two = LocalWindows(), LocalWindows()
    one.clock = two.clock = clock = Clock()
    for step in range(12):
        expected = (two.acquire_entry("k", 3, 60), *two.get_moving_window("k", 3, 60))
        assert one.acquire_and_window("k", 3, 60) == expected, step
        clock.now += 25 if step % 4 == 3 else 7  # some hits leave the window between steps


def test_local_counts_report_what_limits_strategy_reports():
    settings = Settings(anonymous_limit="2/minute;5/hour")
    fast, by_strategy = RateLimits(settings), RateLimits(settings)
    limiter = by_strategy.local
    fast.local_windows.clock = limiter.storage.clock = clock = Clock()
    for _ in range(4):
        clock.now += 20
        expected = []
        for item in by_strategy.anonymous:
            allowed = limiter.hit(item, by_strategy.prefix, "addr:x")
            expected.append((allowed, *limiter.get_window_stats(item, by_strategy.prefix, "addr:x")))
        got = [fast._local_hit(item, "addr:x") for item in fast.anonymous]
        assert got == expected


def test_local_windows_start_no_thread_per_hit_and_drop_emptied_keys():
    windows = LocalWindows()
    windows.clock = clock = Clock()
    before = threading.active_count()
    for n in range(LocalWindows.SWEEP_EVERY - 1):
        assert windows.acquire_entry(f"addr:{n}", 60, 60)
    assert threading.active_count() == before  # limits' MemoryStorage starts a Timer thread per hit
    assert len(windows._windows) == LocalWindows.SWEEP_EVERY - 1
    clock.now += 61
    assert windows.acquire_entry("addr:last", 60, 60)  # the sweep runs with this hit
    assert list(windows._windows) == ["addr:last"]


def test_without_redis_the_limits_count_in_local_windows(database_url):
    with gateway_with(database_url, Upstream("registry"), Upstream("metrics")) as app:
        limits = app.extensions[LIMITS_EXTENSION]
        assert limits.shared is None
        assert isinstance(limits.local.storage, LocalWindows)


def test_a_gone_redis_counts_in_memory_at_once_and_is_logged_once(caplog):
    limits = RateLimits(Settings(redis_url="redis://127.0.0.1:1/0", anonymous_limit="3/minute", redis_retry_seconds=60))
    with caplog.at_level("INFO"):
        outcomes = [limits.count("addr:10.0.0.1", anonymous=True) for _ in range(4)]
    assert [allowed for allowed, *_ in outcomes] == [True, True, True, False]
    assert [remaining for _, _, remaining, _ in outcomes] == [2, 1, 0, 0]
    assert str(outcomes[0][1]) == "3 per 1 minute"
    assert len([r for r in caplog.records if "redis" in r.getMessage().lower()]) == 1  # when it went; not per request
    assert limits.redis_guard.retry_after() > 0  # the next requests do not try Redis for 60 s


def test_a_key_counts_against_the_key_limit_and_several_limits_all_apply():
    limits = RateLimits(Settings(anonymous_limit="1/minute", key_limit="5/minute;2/second"))
    assert [limits.count("key:1", anonymous=False)[0] for _ in range(3)] == [True, True, False]  # 2 per second
    allowed, item, remaining, _ = limits.count("addr:10.0.0.2", anonymous=True)
    assert allowed
    assert (item.amount, remaining) == (1, 0)
