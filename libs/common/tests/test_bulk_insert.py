"""``bulk_insert`` on PostgreSQL writes its own COPY text: what the server reads from it must be
exactly what an INSERT of the same rows stores, for any text and the value types a service sends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Boolean, Column, Date, Integer, MetaData, Numeric, String, Table, Text, create_engine, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ecoreg_common.db import bulk_insert
from ecoreg_common.testing import fresh_postgres_database, postgres_base_url
from ecoreg_common.types import JsonDocument, StringList, UTCDateTime

metadata = MetaData()
copied = Table(
    "copied",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("number", Integer),
    Column("label", String(300)),
    Column("note", Text),
    Column("day", Date),
    Column("flag", Boolean),
    Column("amount", Numeric),
    Column("document", JsonDocument),
    Column("keys", StringList(64)),
    Column("at", UTCDateTime),
)
inserted = copied.to_metadata(metadata, name="inserted")


@pytest.fixture(scope="module")
def engine():
    base = postgres_base_url()
    if base is None:
        pytest.skip("TEST_POSTGRES_URL is not set: bulk_insert's COPY is PostgreSQL's")
    with fresh_postgres_database(base, "ecoreg_common_copy_test") as url:
        engine = create_engine(url)
        metadata.create_all(engine)
        yield engine
        engine.dispose()


def stored(engine, table) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(table).order_by(table.c.id))]


def write_both(engine, rows: list[dict]) -> None:
    with Session(engine) as session, session.begin():
        session.execute(copied.delete())
        session.execute(inserted.delete())
        bulk_insert(session, copied, iter(rows))
        session.execute(insert(inserted), [{**row, "document": row["document"]} for row in rows])


TRICKY = [
    "",
    "plain",
    "tab\there",
    "new\nline",
    "cr\rlf",
    "back\\slash",
    "\\N",
    "\\.",
    '"quoted"',
    "{braces,comma}",
    "中文 名称",
    "\x08\x0b\x0c\x07",
]


def test_tricky_values_are_stored_as_an_insert_stores_them(engine):
    plus8 = timezone(timedelta(hours=8))
    rows = [
        {
            "id": index,
            "number": [None, 0, -5, 2**31 - 1][index % 4],
            "label": text,
            "note": None if index % 3 == 0 else text * 3,
            "day": [None, date(1, 1, 1), date(2018, 5, 1), date(9999, 12, 31)][index % 4],
            "flag": [None, True, False][index % 3],
            "amount": [None, Decimal("1.50"), Decimal("-0"), Decimal("1e10")][index % 4],
            "document": {"text": text, "list": [text, 1, 1.5, None, True]},
            "keys": [text, "other"] if text else [],
            "at": [None, datetime(2026, 12, 3, 13, 0, 0, 1, tzinfo=UTC), datetime(2020, 1, 1, 20, 0, tzinfo=plus8)][index % 3],
        }
        for index, text in enumerate(TRICKY)
    ]
    write_both(engine, rows)
    assert stored(engine, copied) == stored(engine, inserted)
    assert len(stored(engine, copied)) == len(TRICKY)


storable_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(storable_text, storable_text, st.lists(storable_text, max_size=3)), min_size=1, max_size=5))
def test_any_storable_text_is_stored_as_an_insert_stores_it(engine, texts):
    now = datetime.now(UTC)
    rows = [
        {
            "id": index,
            "number": index,
            "label": label,
            "note": note,
            "day": None,
            "flag": None,
            "amount": None,
            "document": {"label": label, "keys": keys},
            "keys": keys,
            "at": now,
        }
        for index, (label, note, keys) in enumerate(texts)
    ]
    write_both(engine, rows)
    assert stored(engine, copied) == stored(engine, inserted)


def test_a_nul_is_refused_as_a_database_error(engine):
    with Session(engine) as session, session.begin(), pytest.raises(DBAPIError, match="NUL"):
        bulk_insert(session, copied, [{"id": 1, "label": "nul\x00here"}])
