"""Rate limits per API key and per anonymous client address (flask-limiter).

Counters live in Redis when REDIS_URL is set, so every gateway process shares
them and the advertised limit holds however many processes serve; otherwise
in this process's memory, and each process counts on its own (`make run` uses
the local Redis when one answers, and runs one gateway process when none does).
If Redis fails, flask-limiter falls back to memory at once (short timeouts, no
retries: redis_link.redis_options) and logs one line when it does and one when
Redis is back; it checks again after 1, 2, 4 ... seconds.

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

from flask import Flask, request
from flask_limiter import HeaderNames, Limiter
from limits.storage import MovingWindowSupport, Storage
from limits.strategies import MovingWindowRateLimiter

from gateway.config import Settings
from gateway.redis_link import redis_options
from gateway.request_context import current_partner

EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
LIMIT_RETRY_AFTER = "X-Ecoreg-Limit-Retry-After"


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
    are computed from. The fixed-window methods (incr, get, get_expiry) are kept for
    completeness; the gateway uses the moving window.
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


def client_key() -> str:
    partner = current_partner()
    if not partner.anonymous:
        return f"key:{partner.key_id}"
    return f"addr:{request.remote_addr or 'unknown'}"


def install_limits(app: Flask, settings: Settings) -> Limiter:
    # Registered before the limiter's own hook, so it runs after it (Flask runs them in reverse).
    @app.after_request
    def reset_as_delta_seconds(response):
        response.headers.pop(LIMIT_RETRY_AFTER, None)
        reset_at = response.headers.get("RateLimit-Reset")
        if reset_at is None:
            return response
        # flask-limiter gives the epoch second the window frees up; the draft wants seconds from now.
        delta = max(0, math.floor(float(reset_at) - time.time()))
        if response.status_code == 429:
            delta = max(1, delta)
            response.headers["Retry-After"] = str(delta)
        response.headers["RateLimit-Reset"] = str(delta)
        return response

    def current_limit() -> str:
        return settings.anonymous_limit if current_partner().anonymous else settings.key_limit

    limiter = Limiter(
        key_func=client_key,
        application_limits=[current_limit],
        application_limits_exempt_when=lambda: request.path in EXEMPT_PATHS,
        storage_uri=settings.redis_url or f"{LOCAL_SCHEME}://",
        storage_options=redis_options(settings.redis_timeout_seconds) if settings.redis_url else {},
        strategy="moving-window",
        headers_enabled=True,
        header_name_mapping={
            HeaderNames.LIMIT: "RateLimit-Limit",
            HeaderNames.REMAINING: "RateLimit-Remaining",
            HeaderNames.RESET: "RateLimit-Reset",
            # Kept private here: only a 429 turns it into Retry-After (see below), so a
            # 503's own Retry-After is not overwritten and 2xx answers carry none.
            HeaderNames.RETRY_AFTER: LIMIT_RETRY_AFTER,
        },
        retry_after="delta-seconds",
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        key_prefix=settings.redis_key_prefix,
    )
    limiter.init_app(app)
    # flask-limiter makes its fallback (used while Redis is gone) a limits MemoryStorage, with
    # no option to choose another; swap in LocalWindows (test_limits checks these attributes).
    limiter._fallback_storage = LocalWindows()
    limiter._fallback_limiter = MovingWindowRateLimiter(limiter._fallback_storage)
    return limiter
