"""Every setting of the registry, read from the environment in this one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ecoreg_common.config import env_int, env_str

DEFAULT_DATABASE_URL = "sqlite:///.data/registry.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 8081
    # When set, every request but health probes must carry it (the gateway adds it).
    internal_token: str | None = None
    max_body_bytes: int = 4 * 1024 * 1024
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        return cls(
            database_url=env_str("REGISTRY_DATABASE_URL", DEFAULT_DATABASE_URL, environ),
            port=env_int("REGISTRY_PORT", 8081, environ, minimum=1),
            internal_token=env_str("INTERNAL_TOKEN", None, environ),
            max_body_bytes=env_int("REGISTRY_MAX_BODY_BYTES", 4 * 1024 * 1024, environ, minimum=1024),
            log_level=env_str("LOG_LEVEL", "INFO", environ),
        )
