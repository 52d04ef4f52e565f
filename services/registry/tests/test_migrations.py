"""The migrations build exactly the schema tables.py describes, on both backends."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from registry.tables import metadata


def test_migrated_schema_matches_the_tables(database):
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert differences == []
