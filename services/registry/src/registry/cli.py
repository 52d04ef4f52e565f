"""``ecoreg-registry``: migrate the database and load sample data."""

from __future__ import annotations

import click

from ecoreg_common.db import Database, wait_for_database
from registry import migrate as migrations
from registry import sample_data
from registry.config import Settings


@click.group()
def cli() -> None:
    """The ecoreg registry's operator commands (settings come from the environment)."""


@cli.command()
@click.option("--timeout", default=60.0, show_default=True, help="Seconds to wait for the database.")
def prestart(timeout: float) -> None:
    """Wait for the database, then migrate it: what a container runs before it serves."""
    url = Settings.from_env().database_url
    wait_for_database(url, timeout_s=timeout)
    migrations.upgrade(url)
    click.echo("registry database is ready and at the newest schema")


@cli.command()
def migrate() -> None:
    """Bring the database to the newest schema (alembic upgrade head)."""
    url = Settings.from_env().database_url
    migrations.upgrade(url)
    click.echo(f"registry database is at the newest schema: {Database(url).engine.url.render_as_string(hide_password=True)}")


@cli.command()
def seed() -> None:
    """Load the sample entities (an upsert: running it again changes nothing)."""
    db = Database(Settings.from_env().database_url)
    counts = sample_data.load(db)
    click.echo("sample data loaded: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    db.dispose()
