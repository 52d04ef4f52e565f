"""Alembic environment for the registry's database."""

from ecoreg_common.migrations import run_env
from registry.config import Settings
from registry.tables import metadata

run_env(metadata, lambda: Settings.from_env().database_url)
