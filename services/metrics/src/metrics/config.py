"""Every setting of the metrics service and its follower, read from the environment in this one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ecoreg_common.config import env_int, env_str

DEFAULT_DATABASE_URL = "sqlite:///.data/metrics.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 8082
    # Where the follower reads the change feed.
    registry_url: str = "http://127.0.0.1:8081"
    # When set, requests must carry it, and the follower sends it to the registry.
    internal_token: str | None = None
    # The follower: changes per request, and the pause when it has caught up.
    follow_batch: int = 500
    follow_interval_ms: int = 250
    max_body_bytes: int = 256 * 1024
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        return cls(
            database_url=env_str("METRICS_DATABASE_URL", DEFAULT_DATABASE_URL, environ),
            port=env_int("METRICS_PORT", 8082, environ, minimum=1),
            registry_url=env_str("REGISTRY_URL", "http://127.0.0.1:8081", environ),
            internal_token=env_str("INTERNAL_TOKEN", None, environ),
            follow_batch=env_int("METRICS_FOLLOW_BATCH", 500, environ, minimum=1),
            follow_interval_ms=env_int("METRICS_FOLLOW_INTERVAL_MS", 250, environ, minimum=10),
            max_body_bytes=env_int("METRICS_MAX_BODY_BYTES", 256 * 1024, environ, minimum=1024),
            log_level=env_str("LOG_LEVEL", "INFO", environ),
        )
