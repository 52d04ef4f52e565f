"""The migrations build exactly the schema tables.py describes, on both backends."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ecoreg_common.db import Database, include_in_schema
from gateway.tables import metadata


def test_migrated_schema_matches_the_tables(database_url):
    database = Database(database_url)
    try:
        with database.engine.connect() as connection:
            options = {"compare_type": True, "include_object": include_in_schema(connection.dialect.name)}
            differences = compare_metadata(MigrationContext.configure(connection, opts=options), metadata)
    finally:
        database.dispose()
    assert differences == []
