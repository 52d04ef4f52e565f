"""Every setting of the registry, read from the environment in this one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ecoreg_common.config import from_environment, setting

DEFAULT_DATABASE_URL = "sqlite:///.data/registry.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = setting("REGISTRY_DATABASE_URL", DEFAULT_DATABASE_URL)
    port: int = setting("REGISTRY_PORT", 8081, minimum=1)
    # When set, every request but health probes must carry it (the gateway adds it).
    internal_token: str | None = setting("INTERNAL_TOKEN", None)
    max_body_bytes: int = setting("REGISTRY_MAX_BODY_BYTES", 16 * 1024 * 1024, minimum=1024)
    log_level: str = setting("LOG_LEVEL", "INFO")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Every setting from ``environ`` (the process environment by default)."""
        return from_environment(cls, environ)
