"""Normalised names (search and matching) and merges on entities.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

Adds ``search_text``, ``name_core`` and ``name_zh_core`` (registry.names) and fills
them for every existing row, then indexes them: on PostgreSQL a pg_trgm GIN index
over live rows' ``search_text`` (pg_trgm is a trusted extension since PostgreSQL 13,
so the database owner may create it; the compose deployment's user owns its
database). Adds ``merged_into``: where a merged entity went.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from registry.names import stored_forms

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LIVE = sa.text("retired_at IS NULL")
_BACKFILL_ROWS = 5000


def _backfill(bind) -> None:
    """Compute the normalised names of existing rows, a keyset page at a time."""
    entities = sa.table(
        "entities",
        sa.column("id", Id),
        sa.column("name", sa.String),
        sa.column("name_zh", sa.String),
        sa.column("search_text", sa.Text),
        sa.column("name_core", sa.Text),
        sa.column("name_zh_core", sa.Text),
    )
    statement = (
        sa.update(entities)
        .where(entities.c.id == sa.bindparam("b_id"))
        .values(
            search_text=sa.bindparam("b_search_text"),
            name_core=sa.bindparam("b_name_core"),
            name_zh_core=sa.bindparam("b_name_zh_core"),
        )
    )
    after = 0
    while True:
        rows = bind.execute(
            sa.select(entities.c.id, entities.c.name, entities.c.name_zh)
            .where(entities.c.id > after)
            .order_by(entities.c.id)
            .limit(_BACKFILL_ROWS)
        ).all()
        if not rows:
            return
        params = []
        for row in rows:
            forms = stored_forms({"name": row.name, "name_zh": row.name_zh})
            params.append({"b_id": row.id, **{f"b_{key}": value for key, value in forms.items()}})
        bind.execute(statement, params)
        after = rows[-1].id


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    with op.batch_alter_table("entities") as batch:
        batch.add_column(sa.Column("merged_into", Id, nullable=True))
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("name_core", sa.Text(), nullable=True))
        batch.add_column(sa.Column("name_zh_core", sa.Text(), nullable=True))
        batch.create_foreign_key("fk_entities_merged_into_entities", "entities", ["merged_into"], ["id"])
    _backfill(bind)
    op.create_index("ix_entities_merged_into", "entities", ["merged_into"])
    op.create_index("ix_entities_name_core", "entities", ["name_core"], sqlite_where=LIVE, postgresql_where=LIVE)
    op.create_index("ix_entities_name_zh_core", "entities", ["name_zh_core"], sqlite_where=LIVE, postgresql_where=LIVE)
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_entities_search_text",
            "entities",
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            postgresql_where=LIVE,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_entities_search_text", "entities")
    for index in ("ix_entities_name_zh_core", "ix_entities_name_core", "ix_entities_merged_into"):
        op.drop_index(index, "entities")
    with op.batch_alter_table("entities") as batch:
        batch.drop_constraint("fk_entities_merged_into_entities", type_="foreignkey")
        for column in ("name_zh_core", "name_core", "search_text", "merged_into"):
            batch.drop_column(column)
