"""The database commands every service's CLI has: migrate, and prestart for containers."""

from __future__ import annotations

from collections.abc import Callable

import click

from ecoreg_common.db import wait_for_database


def add_database_commands(group: click.Group, name: str, database_url: Callable[[], str], upgrade: Callable[[str], None]) -> None:
    """Add ``migrate`` and ``prestart`` to a service's click group."""

    @group.command()
    def migrate() -> None:
        """Bring the database to the newest schema (alembic upgrade head)."""
        upgrade(database_url())
        click.echo(f"{name} database is at the newest schema")

    @group.command()
    @click.option("--timeout", default=60.0, show_default=True, help="Seconds to wait for the database.")
    def prestart(timeout: float) -> None:
        """Wait for the database, then migrate it: what a container runs before it serves."""
        url = database_url()
        wait_for_database(url, timeout_seconds=timeout)
        upgrade(url)
        click.echo(f"{name} database is ready and at the newest schema")
