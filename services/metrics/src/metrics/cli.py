"""``ecoreg-metrics``: migrate, follow the registry, resync, snapshot."""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import UTC, date, datetime

import click

from ecoreg_common.cli import add_database_commands
from ecoreg_common.db import Database
from ecoreg_common.http import ServiceClient
from ecoreg_common.logs import configure_logging
from metrics import migrate as migrations
from metrics.config import Settings
from metrics.feed.follower import Follower, reset
from metrics.history import snapshots
from metrics.readmodel.store import read_state

log = logging.getLogger("metrics.follower")
SNAPSHOT_EVERY_SECONDS = 300


def _follower(settings: Settings, db: Database) -> Follower:
    client = ServiceClient(settings.registry_url, internal_token=settings.internal_token, retries=2)
    last = {"at": 0.0, "day": None}

    def refresh_snapshot() -> None:
        # Today's history row follows the counters, at most every few minutes.
        today = date.today()
        if today != last["day"] or time.monotonic() - last["at"] >= SNAPSHOT_EVERY_SECONDS:
            snapshots.take(db, today)
            last.update(at=time.monotonic(), day=today)

    return Follower(db, client, batch=settings.follow_batch, interval_seconds=settings.follow_interval_seconds, after_page=refresh_snapshot)


@click.group()
def cli() -> None:
    """The ecoreg metrics service's operator commands (settings come from the environment)."""


add_database_commands(cli, "metrics", lambda: Settings.from_env().database_url, migrations.upgrade)


@cli.command()
def follow() -> None:
    """Follow the registry's change feed until stopped (SIGTERM or Ctrl-C)."""
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    db = Database(settings.database_url)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("following %s", settings.registry_url)
    follower = _follower(settings, db)
    try:
        follower.run(stop)
    finally:
        follower.close()
        db.dispose()


@cli.command()
def resync() -> None:
    """Rebuild the read model and the counters from the registry's feed, from the first change."""
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    db = Database(settings.database_url)
    reset(db)
    follower = _follower(settings, db)
    try:
        applied = follower.catch_up()
    finally:
        follower.close()
    click.echo(f"read model rebuilt from {applied} changes")
    filled = snapshots.backfill(db)
    snapshots.take(db, date.today())
    click.echo(f"history rebuilt: {filled['days']} days from the first change")
    db.dispose()


@cli.command()
def backfill() -> None:
    """Rebuild the daily history of every past day from the entity versions (the feed's commit times)."""
    db = Database(Settings.from_env().database_url)
    filled = snapshots.backfill(db)
    click.echo(f"history rebuilt: {filled['days']} days, {filled['cell_rows']} cell rows, {filled['target_rows']} target rows")
    db.dispose()


@cli.command()
def snapshot() -> None:
    """Record today's history row for every counter and target now."""
    db = Database(Settings.from_env().database_url)
    rows = snapshots.take(db, date.today())
    click.echo(f"snapshot of {date.today().isoformat()}: {rows} rows")
    db.dispose()


@cli.command("follower-health")
@click.option("--max-age", default=60.0, show_default=True, help="Seconds since the follower last read the feed.")
def follower_health(max_age: float) -> None:
    """Exit 0 when the follower read the registry's feed within --max-age seconds (a container healthcheck)."""
    db = Database(Settings.from_env().database_url)
    with db.read() as session:
        last = read_state(session).last_success_at
    db.dispose()
    if last is None or (datetime.now(UTC) - last).total_seconds() > max_age:
        raise click.ClickException(f"the follower last read the feed at {last}; more than {max_age:g} s ago")
    click.echo(f"the follower read the feed at {last.isoformat()}")
