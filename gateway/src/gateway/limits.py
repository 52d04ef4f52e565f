"""Rate limits per API key and per anonymous client address: the limits library's moving window.

Counters live in Redis when REDIS_URL is set, so every gateway process shares
them and the advertised limit holds however many processes serve; otherwise
in this process's memory, and each process counts on its own (`make run` uses
the local Redis when one answers, and runs one gateway process when none does).
If Redis fails, counting falls back to memory at once (short timeouts, no
retries: redis_link.redis_options) behind a breaker of its own: one log line
when Redis goes and one when it is back; one request tries it again every
GATEWAY_REDIS_RETRY_SECONDS.

Why not flask-limiter (used before): its per-request resolution of limits,
scopes and exemptions was 15% of a proxied read's CPU (py-spy), for one
application-wide limit chosen by who is calling; this is that, written out.

A request whose key is unknown or lacks the scope is counted against the
client address's (anonymous) limit before it is refused, so 401/403 storms get 429.

Counts kept in memory (no Redis, or Redis gone) are ``LocalWindows``: the same
moving window as limits' MemoryStorage, without its cost. MemoryStorage starts a
``threading.Timer`` thread every time a hit finds the previous one finished (one
thread per hit under steady load: 10% of a proxied read's CPU, measured with
py-spy) and prepends each hit to a list (a copy of the whole window per hit).

Headers follow the RateLimit header fields draft (draft-ietf-httpapi-ratelimit-headers,
section 3.3): ``RateLimit-Reset`` is delta-seconds, and a 429's ``Retry-After`` is the same number.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

import redis
from flask import Flask, g, request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MovingWindowSupport, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ecoreg_common.errors import DomainError
from gateway.auth.keys import Partner
from gateway.config import Settings
from gateway.proxy.breaker import Breaker
from gateway.redis_link import redis_options
from gateway.request_context import current_partner

EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
LIMITS_EXTENSION = "gateway.limits"


LOCAL_SCHEME = "gateway-memory"


class LocalWindows(Storage, MovingWindowSupport):
    """Moving-window counters in this process's memory (limits storage ``gateway-memory://``).

    Per limit key, the times (``time.time()`` seconds) of the hits inside its window,
    oldest first: a hit prunes the expired ones from the front and appends, so a hit
    costs O(1) amortised and a key holds at most ``limit`` times. No threads: keys
    whose window has emptied are dropped by a sweep every ``SWEEP_EVERY`` hits.
    Semantics are limits' MemoryStorage's moving window (acquire_entry refuses when
    ``limit`` hits lie within ``expiry`` seconds; get_moving_window gives the oldest
    hit in the window and the count), which is what RateLimit-Remaining and -Reset
    are computed from. The fixed-window methods (incr, get, get_expiry) are there because
    limits' Storage interface requires them; the gateway uses only the moving window.
    """

    STORAGE_SCHEME = [LOCAL_SCHEME]
    SWEEP_EVERY = 1024
    clock = staticmethod(time.time)  # seconds since the epoch, as flask-limiter's reset times are

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, deque[float]]] = {}  # key -> (expiry seconds, hit times)
        self._counters: dict[str, tuple[int, float]] = {}  # fixed window: key -> (count, expires at)
        self._hits = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def _window(self, key: str, expiry: float, now: float) -> deque[float]:
        kept = self._windows.get(key)
        if kept is None:
            kept = self._windows[key] = (expiry, deque())
        times = kept[1]
        start = now - expiry
        while times and times[0] <= start:
            times.popleft()
        return times

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = self.clock()
        with self._lock:
            times = self._window(key, expiry, now)
            if len(times) + amount > limit:
                return False
            times.extend([now] * amount)
            self._hits += 1
            if self._hits % self.SWEEP_EVERY == 0:
                self._sweep(now)
            return True

    def acquire_and_window(self, key: str, limit: int, expiry: int) -> tuple[bool, float, int]:
        """``acquire_entry`` of one hit and then ``get_moving_window``, under one lock and one clock
        reading: ``(allowed, oldest hit time or now, hits in the window)``. What the gateway calls per
        request (two calls through limits' strategy built the key and took the lock twice)."""
        now = self.clock()
        with self._lock:
            times = self._window(key, expiry, now)
            allowed = len(times) < limit
            if allowed:
                times.append(now)
                self._hits += 1
                if self._hits % self.SWEEP_EVERY == 0:
                    self._sweep(now)
            return allowed, (times[0] if times else now), len(times)

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = self.clock()
        with self._lock:
            if key not in self._windows:
                return now, 0
            times = self._window(key, expiry, now)
            return (times[0], len(times)) if times else (now, 0)

    def _sweep(self, now: float) -> None:
        for key in [key for key, (expiry, times) in self._windows.items() if not times or times[-1] <= now - expiry]:
            del self._windows[key]
        for key in [key for key, (_, expires_at) in self._counters.items() if expires_at <= now]:
            del self._counters[key]

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = self.clock()
        with self._lock:
            count, expires_at = self._counters.get(key, (0, 0.0))
            if expires_at <= now:
                count, expires_at = 0, now + expiry
            self._counters[key] = (count + amount, expires_at)
            return count + amount

    def get(self, key: str) -> int:
        count, expires_at = self._counters.get(key, (0, 0.0))
        return count if expires_at > self.clock() else 0

    def get_expiry(self, key: str) -> float:
        return self._counters.get(key, (0, self.clock()))[1]

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            count = max(len(self._windows), len(self._counters))
            self._windows.clear()
            self._counters.clear()
            return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)
            self._counters.pop(key, None)


def client_key(partner: Partner, remote_addr: str | None) -> str:
    """Whom a request counts against: its key (``key:<id>``), or its address when anonymous or refused."""
    if not partner.anonymous:
        return f"key:{partner.key_id}"
    return f"addr:{remote_addr or 'unknown'}"


class TooManyRequests(DomainError):
    status = 429
    title = "Too Many Requests"
    type_slug = "too-many-requests"


class RateLimits:
    """The gateway's limits: ``anonymous_limit`` per address, ``key_limit`` per key (limits' notation,
    e.g. ``60/minute``; several separated by ``;`` all apply), counted in Redis or in LocalWindows.

    ``count(who, anonymous)`` records one request and returns ``(allowed, item, remaining,
    reset_at)`` for the limit the headers report: the one refused, else the one nearest
    its end. ``reset_at`` is epoch seconds.
    """

    def __init__(self, settings: Settings):
        self.anonymous = parse_many(settings.anonymous_limit)
        self.keyed = parse_many(settings.key_limit)
        self.prefix = settings.redis_key_prefix
        self.local = MovingWindowRateLimiter(LocalWindows())
        self.local_windows: LocalWindows = self.local.storage
        self.shared: MovingWindowRateLimiter | None = None
        if settings.redis_url:
            storage = storage_from_string(settings.redis_url, **redis_options(settings.redis_timeout_seconds))
            self.shared = MovingWindowRateLimiter(storage)
        self.redis_guard = Breaker("redis (rate limits)", fail_max=1, reset_seconds=settings.redis_retry_seconds)

    def count(self, who: str, *, anonymous: bool) -> tuple[bool, RateLimitItem, int, float]:
        items = self.anonymous if anonymous else self.keyed
        if self.shared is not None and self.redis_guard.admit():
            try:
                outcome = self._count(self._shared_hit, items, who)
            except (redis.RedisError, StorageError, OSError):
                self.redis_guard.failure()  # logged once per change of state (breaker.py)
            else:
                self.redis_guard.success()
                return outcome
        return self._count(self._local_hit, items, who)

    def _shared_hit(self, item: RateLimitItem, who: str) -> tuple[bool, float, int]:
        allowed = self.shared.hit(item, self.prefix, who)
        reset_at, remaining = self.shared.get_window_stats(item, self.prefix, who)
        return allowed, reset_at, remaining

    def _local_hit(self, item: RateLimitItem, who: str) -> tuple[bool, float, int]:
        # As MovingWindowRateLimiter.hit and get_window_stats compute it, in one step.
        expiry = item.get_expiry()
        allowed, oldest, count = self.local_windows.acquire_and_window(item.key_for(self.prefix, who), item.amount, expiry)
        return allowed, oldest + expiry, item.amount - count

    def _count(self, hit, items: list[RateLimitItem], who: str) -> tuple[bool, RateLimitItem, int, float]:
        """``hit(item, who) -> (allowed, reset_at, remaining)`` for each item; see ``count``."""
        reported = None
        for item in items:
            allowed, reset_at, remaining = hit(item, who)
            if not allowed:
                return False, item, 0, reset_at
            if reported is None or remaining < reported[2]:
                reported = (True, item, remaining, reset_at)
        return reported


def install_limits(app: Flask, settings: Settings) -> RateLimits:
    """Count every request that reached a route (not /healthz, /readyz) before it is served; 429 when over."""
    limits = RateLimits(settings)
    app.extensions[LIMITS_EXTENSION] = limits

    @app.before_request
    def count_request():
        incoming = request._get_current_object()  # one context lookup, not one per attribute (the hot path)
        endpoint = incoming.endpoint
        if endpoint is None or endpoint.rsplit(".", 1)[-1] == "static" or incoming.path in EXEMPT_PATHS:
            return  # no route (404/405), static files, the health endpoints: not counted
        partner = current_partner()
        allowed, item, remaining, reset_at = limits.count(client_key(partner, incoming.remote_addr), anonymous=partner.anonymous)
        # The draft's RateLimit-Reset is delta-seconds; a 429's Retry-After is the same number.
        delta = max(0, math.floor(reset_at - time.time()))
        if not allowed:
            delta = max(1, delta)
        g.rate_limit_headers = {
            "RateLimit-Limit": str(item.amount),
            "RateLimit-Remaining": str(max(0, remaining)),
            "RateLimit-Reset": str(delta),
        }
        if not allowed:
            raise TooManyRequests(f"Too many requests: the limit is {item}.", headers={"Retry-After": str(delta)})

    @app.after_request
    def rate_limit_headers(response):
        headers = g.pop("rate_limit_headers", None)
        if headers:
            if "RateLimit-Limit" in response.headers:
                response.headers.update(headers)
            else:
                response.headers.extend(headers)  # none there (the usual case): no scan per field, as update does
        return response

    return limits
