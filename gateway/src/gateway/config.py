"""Every setting of the gateway, read from the environment in this one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ecoreg_common.config import env_float, env_int, env_str

DEFAULT_DATABASE_URL = "sqlite:///.data/gateway.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 8080
    registry_url: str = "http://127.0.0.1:8081"
    metrics_url: str = "http://127.0.0.1:8082"
    # Sent to the services behind the gateway on every request.
    internal_token: str | None = None
    # When set, an admin key with exactly this value exists (local use and tests).
    admin_key: str | None = None
    # Shared rate-limit counters and answer cache for all gateway processes; memory when unset.
    redis_url: str | None = None
    # Every Redis key the gateway writes starts with this, so several deployments (or test runs) can share one Redis.
    redis_key_prefix: str = "ecoreg"
    anonymous_limit: str = "60/minute"
    key_limit: str = "1200/minute"
    max_body_bytes: int = 4 * 1024 * 1024
    # Seconds an aggregate answer is served from the gateway before it revalidates upstream.
    cache_seconds: int = 2
    # Seconds a process remembers a valid key; any key change makes every process forget at once.
    key_cache_seconds: int = 10
    # Upstream timeouts: proxied calls, and the optional parts of composed answers.
    upstream_timeout_ms: int = 10_000
    compose_timeout_ms: int = 1_500
    # Failures in a row that open an upstream's circuit, and seconds before it probes again.
    breaker_failures: int = 5
    breaker_reset_s: int = 10
    # Calls in flight to one upstream per process (below the gunicorn thread count, so a
    # hung upstream leaves threads for the other), and how long a call waits for a slot.
    upstream_max_in_flight: int = 6
    upstream_queue_seconds: float = 0.25
    # Connect and read timeout of every Redis command; a slower Redis counts as gone.
    redis_timeout_seconds: float = 0.1
    # Seconds a gone Redis is left alone before one command tries it again.
    redis_retry_seconds: float = 5.0
    # Reverse proxies in front of the gateway that append to X-Forwarded-For (nginx: 1).
    # Rate limits count per client address, so the address must be the client's, not nginx's.
    proxy_hops: int = 0
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        return cls(
            database_url=env_str("GATEWAY_DATABASE_URL", DEFAULT_DATABASE_URL, environ),
            port=env_int("GATEWAY_PORT", 8080, environ, minimum=1),
            registry_url=env_str("REGISTRY_URL", "http://127.0.0.1:8081", environ),
            metrics_url=env_str("METRICS_URL", "http://127.0.0.1:8082", environ),
            internal_token=env_str("INTERNAL_TOKEN", None, environ),
            admin_key=env_str("GATEWAY_ADMIN_KEY", None, environ),
            redis_url=env_str("REDIS_URL", None, environ),
            redis_key_prefix=env_str("GATEWAY_REDIS_KEY_PREFIX", "ecoreg", environ),
            anonymous_limit=env_str("GATEWAY_ANONYMOUS_LIMIT", "60/minute", environ),
            key_limit=env_str("GATEWAY_KEY_LIMIT", "1200/minute", environ),
            max_body_bytes=env_int("GATEWAY_MAX_BODY_BYTES", 4 * 1024 * 1024, environ, minimum=1024),
            cache_seconds=env_int("GATEWAY_CACHE_SECONDS", 2, environ, minimum=0),
            key_cache_seconds=env_int("GATEWAY_KEY_CACHE_SECONDS", 10, environ, minimum=0),
            upstream_timeout_ms=env_int("GATEWAY_UPSTREAM_TIMEOUT_MS", 10_000, environ, minimum=100),
            compose_timeout_ms=env_int("GATEWAY_COMPOSE_TIMEOUT_MS", 1_500, environ, minimum=100),
            breaker_failures=env_int("GATEWAY_BREAKER_FAILURES", 5, environ, minimum=1),
            breaker_reset_s=env_int("GATEWAY_BREAKER_RESET_S", 10, environ, minimum=1),
            upstream_max_in_flight=env_int("GATEWAY_UPSTREAM_MAX_IN_FLIGHT", 6, environ, minimum=1),
            upstream_queue_seconds=env_float("GATEWAY_UPSTREAM_QUEUE_SECONDS", 0.25, environ, minimum=0),
            redis_timeout_seconds=env_float("GATEWAY_REDIS_TIMEOUT_SECONDS", 0.1, environ, minimum=0.01),
            redis_retry_seconds=env_float("GATEWAY_REDIS_RETRY_SECONDS", 5.0, environ, minimum=0.1),
            proxy_hops=env_int("GATEWAY_PROXY_HOPS", 0, environ, minimum=0),
            log_level=env_str("LOG_LEVEL", "INFO", environ),
        )
