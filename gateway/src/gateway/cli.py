"""``ecoreg-gateway``: migrate, and manage API keys."""

from __future__ import annotations

import click

from ecoreg_common.cli import add_database_commands
from ecoreg_common.db import Database
from ecoreg_common.errors import DomainError
from gateway import migrate as migrations
from gateway.auth import keys
from gateway.config import Settings

ADMIN = keys.Partner(key_id=0, name=keys.ADMIN_PARTNER, scopes=frozenset({"admin"}))


def _db() -> Database:
    return Database(Settings.from_env().database_url)


@click.group()
def cli() -> None:
    """The ecoreg gateway's operator commands (settings come from the environment)."""


add_database_commands(cli, "gateway", lambda: Settings.from_env().database_url, migrations.upgrade)


@cli.group(name="keys")
def keys_group() -> None:
    """Create, list and revoke API keys."""


@keys_group.command("create")
@click.argument("partner")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(keys.SCOPES), help="Repeat for several scopes.")
def create(partner: str, scopes: tuple[str, ...]) -> None:
    """Create a key for PARTNER and print it (it is shown this once only)."""
    try:
        created = keys.create_key(_db(), partner, list(scopes))
    except DomainError as error:
        raise click.ClickException(f"{error.detail} {error.errors or ''}") from None
    click.echo(f"key {created['id']} for {partner} ({', '.join(created['scopes']) or 'no scopes'}):")
    click.echo(created["key"])


@keys_group.command("list")
def list_() -> None:
    """List every key (never the keys themselves), following every page."""
    cursor = None
    while True:
        page = keys.list_keys(_db(), ADMIN, limit=keys.MAX_PAGE, cursor=cursor)
        for key in page["keys"]:
            state = "revoked" if key["revoked"] else "active"
            click.echo(
                f"{key['id']:>5}  {key['prefix']}…  {key['partner']:<24} {','.join(key['scopes']) or '-':<36} {state}  {key['created_at']}"
            )
        cursor = page["next_cursor"]
        if cursor is None:
            return


@keys_group.command("revoke")
@click.argument("key_id", type=int)
def revoke(key_id: int) -> None:
    """Revoke key KEY_ID."""
    try:
        keys.revoke_key(_db(), key_id, ADMIN)
    except DomainError as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"key {key_id} revoked")


LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"


@cli.command("local-redis")
@click.option("--url", default=LOCAL_REDIS_URL, show_default=True)
def local_redis(url: str) -> None:
    """Print URL when a Redis answers PING there within 0.3 s, else nothing (`make run` uses it for REDIS_URL)."""
    import redis

    from gateway.redis_link import redis_options

    try:
        with redis.Redis.from_url(url, **redis_options(0.3)) as client:
            client.ping()
    except redis.RedisError:
        return
    click.echo(url)
