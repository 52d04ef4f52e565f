"""The counter of cached answers is called a revision, as in the other services.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

``answer_generation`` becomes ``answer_revision`` (value kept). A new table rather
than a rename, so the primary key's name follows the naming convention on both
backends.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Counter = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _move(source: str, target: str) -> None:
    op.create_table(
        target,
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", Counter, nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{target}"),
    )
    op.execute(f"INSERT INTO {target} (id, value) SELECT id, value FROM {source}")  # noqa: S608 - fixed table names
    op.drop_table(source)


def upgrade() -> None:
    _move("answer_generation", "answer_revision")


def downgrade() -> None:
    _move("answer_revision", "answer_generation")
