"""Every setting of the metrics service and its follower, read from the environment in this one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ecoreg_common.config import from_environment, setting

DEFAULT_DATABASE_URL = "sqlite:///.data/metrics.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = setting("METRICS_DATABASE_URL", DEFAULT_DATABASE_URL)
    port: int = setting("METRICS_PORT", 8082, minimum=1)
    # Where the follower reads the change feed.
    registry_url: str = setting("REGISTRY_URL", "http://127.0.0.1:8081")
    # When set, requests must carry it, and the follower sends it to the registry.
    internal_token: str | None = setting("INTERNAL_TOKEN", None)
    # The follower: changes per request, and the pause when it has caught up.
    follow_batch: int = setting("METRICS_FOLLOW_BATCH", 500, minimum=1)
    follow_interval_seconds: float = setting("METRICS_FOLLOW_INTERVAL_SECONDS", 0.25, minimum=0.01)
    max_body_bytes: int = setting("METRICS_MAX_BODY_BYTES", 256 * 1024, minimum=1024)
    log_level: str = setting("LOG_LEVEL", "INFO")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Every setting from ``environ`` (the process environment by default)."""
        return from_environment(cls, environ)
