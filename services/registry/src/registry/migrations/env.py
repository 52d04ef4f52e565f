"""Alembic environment for the registry's database."""

from __future__ import annotations

from alembic import context

from ecoreg_common.db import include_in_schema, make_engine
from registry.config import Settings
from registry.tables import metadata

config = context.config


def database_url() -> str:
    # registry.migrate passes the URL it was given; the alembic CLI falls back to the environment.
    return config.attributes.get("url") or Settings.from_env().database_url


def run_migrations_online() -> None:
    engine = make_engine(database_url())
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
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
