"""Every setting of the gateway, read from the environment in this one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ecoreg_common.config import from_environment, setting

DEFAULT_DATABASE_URL = "sqlite:///.data/gateway.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = setting("GATEWAY_DATABASE_URL", DEFAULT_DATABASE_URL)
    port: int = setting("GATEWAY_PORT", 8080, minimum=1)
    registry_url: str = setting("REGISTRY_URL", "http://127.0.0.1:8081")
    metrics_url: str = setting("METRICS_URL", "http://127.0.0.1:8082")
    # Sent to the services behind the gateway on every request.
    internal_token: str | None = setting("INTERNAL_TOKEN", None)
    # When set, an admin key with exactly this value exists (local use and tests).
    admin_key: str | None = setting("GATEWAY_ADMIN_KEY", None)
    # Shared rate-limit counters and answer cache for all gateway processes; memory when unset.
    redis_url: str | None = setting("REDIS_URL", None)
    # Every Redis key the gateway writes starts with this, so several deployments (or test runs) can share one Redis.
    redis_key_prefix: str = setting("GATEWAY_REDIS_KEY_PREFIX", "ecoreg")
    anonymous_limit: str = setting("GATEWAY_ANONYMOUS_LIMIT", "60/minute")
    key_limit: str = setting("GATEWAY_KEY_LIMIT", "1200/minute")
    max_body_bytes: int = setting("GATEWAY_MAX_BODY_BYTES", 16 * 1024 * 1024, minimum=1024)
    # Seconds an aggregate answer is served from the gateway before it revalidates upstream.
    cache_seconds: float = setting("GATEWAY_CACHE_SECONDS", 2.0, minimum=0)
    # Seconds a process remembers a valid key; any key change makes every process forget at once.
    key_cache_seconds: float = setting("GATEWAY_KEY_CACHE_SECONDS", 10.0, minimum=0)
    # Seconds a process remembers that a key is unknown (a made-up key costs one database read, not one
    # per request); creating any key makes every process forget them. 0: never remembered.
    unknown_key_cache_seconds: float = setting("GATEWAY_UNKNOWN_KEY_CACHE_SECONDS", 5.0, minimum=0)
    # Upstream timeouts: proxied calls, and the optional parts of composed answers.
    upstream_timeout_seconds: float = setting("GATEWAY_UPSTREAM_TIMEOUT_SECONDS", 10.0, minimum=0.1)
    compose_timeout_seconds: float = setting("GATEWAY_COMPOSE_TIMEOUT_SECONDS", 1.5, minimum=0.1)
    # Failures in a row that open an upstream's circuit, and seconds before it probes again
    # (whole seconds: it is also the Retry-After of the 503s an open circuit answers).
    breaker_failures: int = setting("GATEWAY_BREAKER_FAILURES", 5, minimum=1)
    breaker_reset_seconds: int = setting("GATEWAY_BREAKER_RESET_SECONDS", 10, minimum=1)
    # Calls in flight to one upstream per process (below the gunicorn thread count, so a
    # hung upstream leaves threads for the other), and how long a call waits for a slot.
    upstream_max_in_flight: int = setting("GATEWAY_UPSTREAM_MAX_IN_FLIGHT", 6, minimum=1)
    upstream_queue_seconds: float = setting("GATEWAY_UPSTREAM_QUEUE_SECONDS", 0.25, minimum=0)
    # Connect and read timeout of every Redis command; a slower Redis counts as gone.
    redis_timeout_seconds: float = setting("GATEWAY_REDIS_TIMEOUT_SECONDS", 0.1, minimum=0.01)
    # Seconds a gone Redis is left alone before one command tries it again.
    redis_retry_seconds: float = setting("GATEWAY_REDIS_RETRY_SECONDS", 5.0, minimum=0.1)
    # Reverse proxies in front of the gateway that append to X-Forwarded-For (nginx: 1).
    # Rate limits count per client address, so the address must be the client's, not nginx's.
    proxy_hops: int = setting("GATEWAY_PROXY_HOPS", 0, minimum=0)
    log_level: str = setting("LOG_LEVEL", "INFO")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Every setting from ``environ`` (the process environment by default)."""
        return from_environment(cls, environ)
