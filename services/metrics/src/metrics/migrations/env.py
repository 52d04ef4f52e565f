"""Alembic environment for the metrics database."""

from ecoreg_common.migrations import run_env
from metrics.config import Settings
from metrics.tables import metadata

run_env(metadata, lambda: Settings.from_env().database_url)
