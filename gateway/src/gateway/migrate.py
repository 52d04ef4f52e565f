"""Bring a gateway database to the newest schema (``alembic upgrade head``)."""

from __future__ import annotations

from pathlib import Path

from ecoreg_common import migrations

MIGRATIONS = Path(__file__).parent / "migrations"


def upgrade(url: str, revision: str = "head") -> None:
    migrations.upgrade(MIGRATIONS, url, revision)
