"""``ecoreg-registry``: migrate the database and load sample data."""

from __future__ import annotations

import click

from ecoreg_common.cli import add_database_commands
from ecoreg_common.db import Database
from registry import migrate as migrations
from registry import sample_data
from registry.config import Settings


@click.group()
def cli() -> None:
    """The ecoreg registry's operator commands (settings come from the environment)."""


add_database_commands(cli, "registry", lambda: Settings.from_env().database_url, migrations.upgrade)


@cli.command()
@click.option("--if-empty", is_flag=True, help="Only into a registry that never held an entity (what `make run` does).")
def seed(if_empty: bool) -> None:
    """Load the sample entities (an upsert: running it again changes nothing)."""
    db = Database(Settings.from_env().database_url)
    counts = sample_data.load_if_empty(db) if if_empty else sample_data.load(db)
    db.dispose()
    if counts is None:
        click.echo("the registry already holds data: sample data not loaded")
        return
    click.echo("sample data loaded: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
