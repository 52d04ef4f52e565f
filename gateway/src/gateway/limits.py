"""Rate limits per API key and per anonymous client address (flask-limiter).

Counters live in Redis when REDIS_URL is set, so every gateway process shares
them; otherwise in this process's memory. If Redis fails, flask-limiter falls
back to memory and the gateway keeps serving (errors are logged, not raised).
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import HeaderNames, Limiter

from gateway.config import Settings
from gateway.requests_context import current_identity

EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
LIMIT_RETRY_AFTER = "X-Ecoreg-Limit-Retry-After"


def client_key() -> str:
    identity = current_identity()
    if not identity.anonymous:
        return f"key:{identity.key_id}"
    return f"addr:{request.remote_addr or 'unknown'}"


def install_limits(app: Flask, settings: Settings) -> Limiter:
    # Registered before the limiter's own hook, so it runs after it (Flask runs them in reverse).
    @app.after_request
    def retry_after_only_on_429(response):
        retry_after = response.headers.pop(LIMIT_RETRY_AFTER, None)
        if response.status_code == 429 and retry_after:
            response.headers["Retry-After"] = retry_after
        return response

    def current_limit() -> str:
        return settings.anonymous_limit if current_identity().anonymous else settings.key_limit

    limiter = Limiter(
        key_func=client_key,
        application_limits=[current_limit],
        application_limits_exempt_when=lambda: request.path in EXEMPT_PATHS,
        storage_uri=settings.redis_url or "memory://",
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
