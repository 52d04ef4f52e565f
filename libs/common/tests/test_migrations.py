"""Replicas that migrate at the same moment take turns (PostgreSQL advisory lock)."""

import threading

import pytest
from sqlalchemy import inspect

from ecoreg_common.db import make_engine
from ecoreg_common.testing import TEST_POSTGRES_ENV, fresh_postgres_database, postgres_base_url
from registry import migrate


def test_concurrent_upgrades_of_one_database_all_succeed():
    base = postgres_base_url()
    if base is None:
        pytest.skip(f"{TEST_POSTGRES_ENV} is not set: concurrent PostgreSQL migrations are not tested")
    with fresh_postgres_database(base, "ecoreg_migrate_race") as url:
        failures: list[BaseException] = []

        def upgrade() -> None:
            try:
                migrate.upgrade(url)
            except BaseException as error:  # noqa: BLE001 - reported below
                failures.append(error)

        threads = [threading.Thread(target=upgrade) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures
        engine = make_engine(url)
        assert "entities" in inspect(engine).get_table_names()
        engine.dispose()
