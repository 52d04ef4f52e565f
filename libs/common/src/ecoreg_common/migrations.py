"""Alembic, the same way for every service: upgrade from code, and the env.py body."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text

from ecoreg_common.db import include_in_schema, is_sqlite, make_engine


def alembic_config(migrations: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.attributes["url"] = url
    return config


# Replicas of a service start together and each migrates first: on PostgreSQL they
# take turns on this advisory lock, so one migrates and the others find it done.
MIGRATION_LOCK = 0x6563_6F72_6567  # "ecoreg"


def upgrade(migrations: Path, url: str, revision: str = "head") -> None:
    """``alembic upgrade head`` for the database at ``url``, one process at a time."""
    if is_sqlite(url):  # SQLite's own write lock serialises migrations
        command.upgrade(alembic_config(migrations, url), revision)
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                command.upgrade(alembic_config(migrations, url), revision)
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
    finally:
        engine.dispose()


def run_env(metadata: MetaData, url_from_env: Callable[[], str]) -> None:
    """What a service's migrations/env.py does: migrate the URL it was given (or the environment's)."""
    config = context.config
    url = config.attributes.get("url") or url_from_env()
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                include_object=include_in_schema(connection.dialect.name),
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()
