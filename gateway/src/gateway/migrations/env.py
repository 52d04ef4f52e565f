"""Alembic environment for the gateway database."""

from ecoreg_common.migrations import run_env
from gateway.config import Settings
from gateway.tables import metadata

run_env(metadata, lambda: Settings.from_env().database_url)
