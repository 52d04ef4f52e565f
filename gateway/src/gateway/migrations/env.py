"""Alembic environment for the gateway database."""

from gateway.config import Settings
from gateway.tables import metadata

from ecoreg_common.migrations import run_env

run_env(metadata, lambda: Settings.from_env().database_url)
