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

Headers follow the RateLimit header fields draft (draft-ietf-httpapi-ratelimit-headers,
section 3.3): ``RateLimit-Reset`` is delta-seconds, and a 429's ``Retry-After`` is the same number.
"""

from __future__ import annotations

import math
import time

from flask import Flask, request
from flask_limiter import HeaderNames, Limiter

from gateway.config import Settings
from gateway.redis_link import redis_options
from gateway.request_context import current_partner

EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
LIMIT_RETRY_AFTER = "X-Ecoreg-Limit-Retry-After"


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
        storage_uri=settings.redis_url or "memory://",
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
    return limiter
