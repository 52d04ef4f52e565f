"""The migrations build exactly the schema tables.py describes, on both backends."""

from ecoreg_common.testing import schema_differences
from gateway.tables import metadata


def test_migrated_schema_matches_the_tables(database_url):
    assert schema_differences(database_url, metadata) == []
