"""One way to open a database, for SQLite (the embedded default) and PostgreSQL.

Services own their transactions through ``Database.read()`` and
``Database.write()``. The distinction matters on SQLite: a write transaction
starts with ``BEGIN IMMEDIATE`` so concurrent writers queue on the database lock
(``busy_timeout``) instead of failing when a deferred transaction tries to
upgrade from reading to writing. On PostgreSQL both are ordinary transactions.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from itertools import chain
from pathlib import Path
from typing import TypeVar

from sqlalchemy import (
    JSON,
    ColumnElement,
    Engine,
    String,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    column,
    create_engine,
    event,
    exists,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Executable

from ecoreg_common.errors import Conflict
from ecoreg_common.types import StringList

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 15_000

# Constraint and index names every service's MetaData uses, so migrations name them alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# PostgreSQL: serialization failure, deadlock detected. Both mean "run it again".
_RETRYABLE_PGCODES = frozenset({"40001", "40P01"})

# Set while ``Database.query`` (or ``query_rows``) checks a connection out: its one statement is
# retried on a fresh connection if the pooled one is dead, so it needs no ping.
_checkout_without_ping: ContextVar[bool] = ContextVar("checkout_without_ping", default=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        options = connection.get_execution_options()
        if options.get("ecoreg_autocommit", False):
            # isolation_level=None above: without a BEGIN each statement commits on its own.
            return
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("sqlite_immediate", False) else "BEGIN")


def _ping_on_checkout(engine: Engine) -> None:
    """``pool_pre_ping``, except for checkouts by ``Database.query`` and ``query_rows``.

    The recipe SQLAlchemy documents for pessimistic disconnect handling: a dead
    connection raises DisconnectionError, and the pool replaces it and tries again.
    """

    @event.listens_for(engine, "checkout")
    def ping(dbapi_connection, _record, _proxy):
        if _checkout_without_ping.get():
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError() from error
            raise


def make_engine(url: str, **kwargs) -> Engine:
    if is_sqlite(url):
        database = make_url(url).database
        if not database or database == ":memory:":
            raise ValueError("an in-memory SQLite database cannot be shared by requests; give a file path")
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        _prepare_sqlite(engine)
        return engine
    # psycopg prepares a statement after its 5th run, and PostgreSQL may then
    # plan it once for any values (a generic plan). For ``col = ANY($1)`` with a
    # 1,000-value array that plan compares each row with every value (a 20,000-row
    # lookup took 1.2 s instead of 5 ms); custom plans hash the array. Keep them.
    connect_args = kwargs.setdefault("connect_args", {})
    connect_args.setdefault("options", "-c plan_cache_mode=force_custom_plan")
    engine = create_engine(url, **kwargs)
    _ping_on_checkout(engine)
    return engine


def wait_for_database(url: str, timeout_seconds: float = 60.0, interval_seconds: float = 1.0) -> None:
    """Block until the database answers, or raise after ``timeout_seconds`` (containers start in any order)."""
    engine = make_engine(url)
    deadline = time.monotonic() + timeout_seconds
    try:
        while True:
            try:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return
            except OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(interval_seconds)
    finally:
        engine.dispose()


class Database:
    """An engine and the two kinds of transaction a service asks for."""

    def __init__(self, url: str, **engine_kwargs):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.is_sqlite = is_sqlite(url)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        writer_engine = self.engine.execution_options(sqlite_immediate=True) if self.is_sqlite else self.engine
        self._writer = sessionmaker(writer_engine, expire_on_commit=False)
        # No BEGIN and no COMMIT: a single statement is its own transaction.
        autocommit_engine = self.engine.execution_options(
            **({"ecoreg_autocommit": True} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"})
        )
        self._autocommit = autocommit_engine
        self._single = sessionmaker(autocommit_engine, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    def query(self, work: Callable[[Session], T]) -> T:
        """Run ``work``, a read of ONE statement, in one database round trip.

        The statement runs outside an explicit transaction (it is its own, with
        one snapshot), and the connection is not pinged first. If the pooled
        connection turns out to be dead, the read runs again on a fresh one, as
        a ping would have arranged. ``work`` must not write and must issue one
        statement; reads that need one snapshot across statements use ``read()``.
        """

        def in_session() -> T:
            with self._single() as session:
                return work(session)

        return self._single_statement(in_session)

    def query_rows(self, statement: Executable) -> list[Row]:
        """``query`` of one Core statement (a ``select``), its rows as a list.

        The same round trip, snapshot and retry as ``query``, on a pooled
        connection without an ORM Session around it: a Session's set-up and
        close cost about a third of such a read's CPU (0.30 against 0.21 ms per
        read of the summary's state on PostgreSQL), on reads every poll makes.
        Raises what the database raises.
        """

        def on_connection() -> list[Row]:
            with self._autocommit.connect() as connection:
                return connection.execute(statement).all()

        return self._single_statement(on_connection)

    def _single_statement(self, run: Callable[[], T]) -> T:
        """``run()`` (one read statement) without a ping at checkout, once more if the connection was dead."""
        for attempt in (1, 2):
            token = _checkout_without_ping.set(True)
            try:
                return run()
            except DBAPIError as error:
                if not error.connection_invalidated or attempt == 2:
                    raise
            finally:
                _checkout_without_ping.reset(token)
        raise AssertionError("unreachable")

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits when the block ends and rolls back on any error."""
        with self._writer() as session, session.begin():
            yield session

    def transact(self, work: Callable[[Session], T], attempts: int = 3, *, repeatable: bool = False) -> T:
        """Run ``work`` in a write transaction, again if a concurrent writer got in the way.

        A unique-key collision with a concurrent transaction (both inserted the
        same code), a deadlock or a serialization failure is retried on a fresh
        transaction, where ``work`` sees the other writer's result and answers
        accordingly. If it still collides, the caller gets a 409, never a 500.

        ``repeatable=True`` is for work that gives the same result when run again
        even after its first commit may have happened (applying a feed page under
        its checkpoint): the connection is then not pinged first, and a dead one
        found by the work's first statement is replaced and the work run again.
        """
        token = _checkout_without_ping.set(repeatable)
        try:
            for attempt in range(1, attempts + 1):
                try:
                    with self.write() as session:
                        return work(session)
                except IntegrityError:
                    if attempt == attempts:
                        raise Conflict("A concurrent request wrote the same data; retry the request.") from None
                except DBAPIError as error:
                    code = getattr(error.orig, "sqlstate", None)
                    dead = repeatable and error.connection_invalidated
                    if (code not in _RETRYABLE_PGCODES and not dead) or attempt == attempts:
                        raise
        finally:
            _checkout_without_ping.reset(token)
        raise AssertionError("unreachable")

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def deferred_flush(session: Session) -> list[ColumnElement]:
    """Columns that, selected in a transaction, let its commit return before its WAL reaches disk.

    ``set_config('synchronous_commit', 'off', true)`` is ``SET LOCAL
    synchronous_commit = off`` as an expression, so it rides on a statement the
    transaction sends anyway. The commit stays atomic and ordered, but a
    server crash may lose the last few hundred milliseconds of commits, each
    as a whole. Only for data that can be rebuilt and whose position is in the
    same transaction (a read model and its checkpoint). None on SQLite.
    """
    if session.get_bind().dialect.name == "postgresql":
        return [func.set_config("synchronous_commit", "off", True)]
    return []


@contextmanager
def pipelined(session: Session) -> Iterator[None]:
    """PostgreSQL: the statements executed in the block are sent without waiting for each
    one's answer (libpq pipeline mode, psycopg's ``Connection.pipeline``); the block's end
    waits for all of them at once. For writes whose results nobody reads (no rows, no
    rowcount): the server runs one while the next is being built, and the block costs one
    round trip instead of one per statement. Nothing changes on SQLite.

    An error of any statement in the block is raised at its end, as the SQLAlchemy error
    ``execute`` would have raised (IntegrityError, OperationalError ...), with the
    connection invalidated when it is gone, so ``Database.transact`` retries as usual.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        yield
        return
    driver = connection.connection.driver_connection
    driver_error = connection.dialect.loaded_dbapi.Error
    try:
        with driver.pipeline():
            yield
    except driver_error as error:
        gone = connection.dialect.is_disconnect(error, driver, None)
        if gone:
            connection.invalidate(error)
        raise DBAPIError.instance("(pipeline)", None, error, driver_error, connection_invalidated=gone) from error


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` new ids for ``table.c.id``, so bulk inserts need no RETURNING.

    PostgreSQL takes them from the column's sequence. SQLite has no sequence, but
    a write transaction holds the database lock (``BEGIN IMMEDIATE``), so ids
    above the current maximum are this transaction's alone.
    """
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sequence = select(func.pg_get_serial_sequence(table.name, "id")).scalar_subquery()
        return list(session.scalars(select(func.nextval(sequence)).select_from(func.generate_series(1, count))))
    start = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) + 1
    return list(range(start, start + count))


def bulk_insert(session: Session, table: Table, rows: Iterable[dict]) -> None:
    """Insert many rows in one go: COPY on PostgreSQL, executemany on SQLite.

    ``rows``: dicts with the same keys, the first one's naming the columns. On PostgreSQL
    they are encoded and sent as they come, so an iterator that makes each row when it is
    asked for (a generator) has the server inserting the rows already sent while the
    next ones are made: the two run on two cores instead of taking turns.

    COPY skips SQLAlchemy's per-value type processing, so values must already be
    what the column stores: aware datetimes, dates, and JSON-able objects for
    JSON columns (serialised here). The rows go as COPY text lines made here
    (``_copy_line``), in blocks of ``_COPY_BLOCK_ROWS``. A database error (a duplicate
    key, a NUL in a text) is raised as SQLAlchemy's ``DBAPIError`` subclass for it.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        rows = list(rows)
        if rows:
            session.execute(insert(table), rows)
        return
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    columns = list(first)
    raw = connection.connection.dbapi_connection
    line = _copy_line(table, columns, _psycopg_text(raw))
    cursor = raw.cursor()
    names = ", ".join(f'"{name}"' for name in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    driver_error = connection.dialect.loaded_dbapi.Error
    try:
        with cursor.copy(statement) as copy:
            block: list[str] = []
            for row in chain((first,), rows):
                block.append(line(row))
                if len(block) == _COPY_BLOCK_ROWS:
                    copy.write("".join(block))
                    block.clear()
            if block:
                copy.write("".join(block))
    except driver_error as error:
        # The raw cursor bypasses SQLAlchemy: raise what execute() would have raised
        # (IntegrityError for a duplicate key), so callers handle COPY like any statement.
        raise DBAPIError.instance(statement, None, error, driver_error) from error


# Rows per block handed to the connection (~30-60 kB for entity rows, psycopg's own
# buffer is 32 kB): the server inserts each block while the next is made.
_COPY_BLOCK_ROWS = 100


def _compact_json_encoder() -> Callable[[object], str]:
    """``json.dumps`` with compact separators and non-ASCII text as it is: the C encoder made once
    (``JSONEncoder.encode`` makes one per call), no check for circular references (the values
    were parsed from JSON or built by the caller)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the encoder as json.dumps has it
        return json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode

    def refuse(value: object) -> object:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    encode = make(None, refuse, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    return lambda value: "".join(encode(value, 0))


_COMPACT_JSON = _compact_json_encoder()


def _pg_text_array(items: list[str]) -> str:
    quoted = ('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items)
    return "{" + ",".join(quoted) + "}"


def _copy_encoder(column_type):
    """How a value of this column goes into COPY when psycopg's own adaptation won't do or is slow."""
    if isinstance(column_type, JSON):
        # Compact, and non-ASCII text as UTF-8 rather than as JSON unicode escapes: a third of the
        # bytes for Chinese names, for the server to read into jsonb. Text reaching here has
        # been checked storable (ecoreg_common.validation: no NUL, no lone surrogates).
        return _COMPACT_JSON
    if isinstance(column_type, StringList):
        # psycopg's generic list dumper costs ~7 us a value; the text form is trivial.
        return _pg_text_array
    return None


def _copy_escaped(text: str) -> str:
    # COPY's text format: backslash, newline, carriage return and the delimiter (tab) are escaped.
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def _psycopg_text(raw_connection) -> Callable[[object], str]:
    """A value as psycopg's own text dumper for it writes it, decoded as the connection's text."""
    from psycopg.adapt import PyFormat, Transformer  # psycopg is there whenever PostgreSQL is

    transformer, encoding = Transformer(raw_connection), raw_connection.info.encoding

    def text(value: object) -> str:
        return bytes(transformer.get_dumper(value, PyFormat.TEXT).dump(value)).decode(encoding)

    return text


def _copy_line(table: Table, columns: list[str], adapted: Callable[[object], str]) -> Callable[[dict], str]:
    """A function: row dict -> its line in COPY's text format, the values of ``columns`` in order.

    The text psycopg's ``Copy.write_row`` sends (NULL as ``\\N``; backslash, newline, carriage
    return and tab escaped, which is all COPY needs: it also escapes backspace, form feed and
    vertical tab, which COPY reads alike either way), made without a dumper looked up per value: columns with an encoder
    (``_copy_encoder``) use it, and str, int, bool, date and datetime values are written
    here (datetimes as ISO 8601, each distinct one once: a batch's rows share their
    UTC timestamps); any other value goes through ``adapted``, psycopg's own text dumper. A row is escaped
    value by value only when its joined text shows a special character; a NUL is left to
    psycopg's dumper, which refuses it as ``write_row`` did.
    """
    encoders = [_copy_encoder(table.c[name].type) for name in columns]
    times: dict[datetime, str] = {}

    def instant(value: datetime) -> str:
        if value.tzinfo is not UTC:  # cached only where equal means the same text
            return value.isoformat(" ")
        text = times.get(value)
        if text is None:
            text = times[value] = value.isoformat(" ")
        return text

    by_type: dict[type, Callable[[object], str]] = {
        str: str.__str__,
        int: int.__repr__,
        bool: lambda value: "t" if value else "f",
        datetime: instant,
        date: date.isoformat,
    }
    plan = list(zip(columns, encoders, strict=True))
    tabs = len(columns) - 1

    def line(row: dict) -> str:
        texts: list[str] = []
        append = texts.append
        nulls = 0
        for name, encoder in plan:
            value = row[name]
            if value is None:
                append("\\N")
                nulls += 1
            elif encoder is not None:
                append(encoder(value))
            else:
                append(by_type.get(type(value), adapted)(value))
        joined = "\t".join(texts)
        if (
            joined.count("\\") == nulls
            and joined.count("\t") == tabs
            and "\n" not in joined
            and "\r" not in joined
            and "\x00" not in joined
        ):
            return joined + "\n"
        # A special character in some value (rare): escape each, a NUL left to psycopg's dumper.
        escaped = [
            "\\N" if row[name] is None else _copy_escaped(adapted(text) if "\x00" in text else text)
            for (name, _), text in zip(plan, texts, strict=True)
        ]
        return "\t".join(escaped) + "\n"

    return line


def upsert(session: Session, table: Table):
    """An INSERT with ``on_conflict_do_update`` for the session's backend (PostgreSQL or SQLite)."""
    return (postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)


def json_rows(table: Table, names: list[str]):
    """PostgreSQL: ``json_to_recordset(:rows)`` typed as ``table``'s columns ``names``, to select from.

    Many rows then travel as one JSON parameter of one statement, which the
    server parses and plans once; executemany sends one statement per row
    (500 rows: ~60 ms of server time against ~8 ms). Bind ``rows`` with
    ``json_param(rows)``: the JSON text, sent as text and cast by the server, so
    the rows are serialised once, by the C encoder, with no per-value pass in Python.
    """
    return (
        func.json_to_recordset(cast(bindparam("rows", type_=Text), postgresql.JSON))
        .table_valued(*(column(name, table.c[name].type) for name in names))
        .render_derived(with_types=True)
    )


def _iso(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# No check for circular references: the rows are made by the caller, of plain values (the check
# costs a dictionary entry per list and dict: ~20% of a page of 500 rows).
_ROWS_JSON = json.JSONEncoder(default=_iso, separators=(",", ":"), ensure_ascii=False, check_circular=False).encode


def json_param(rows: list[dict]) -> str:
    """``rows`` as the JSON text ``json_rows`` reads: datetimes and dates as ISO 8601 text
    (what PostgreSQL reads back into its types), everything else as JSON has it.

    ``default`` (``_iso``) is a Python call per datetime: a caller with many of them passes
    their ISO text instead (``instant_param``), which reads back the same."""
    return _ROWS_JSON(rows)


def instant_param(session: Session):
    """How an aware datetime goes into the rows of ``upsert_many`` / ``json_param`` for the session's
    backend: its ISO 8601 text on PostgreSQL (read back into the same timestamptz, without
    ``json_param``'s per-value hook), the datetime itself on SQLite (executemany binds it)."""
    return datetime.isoformat if session.get_bind().dialect.name == "postgresql" else _same


def _same(value):
    return value


def upsert_many(session: Session, table: Table, rows: list[dict], *, key: list[str], set_: Callable[[object], dict] | None) -> None:
    """INSERT ``rows`` (dicts with the same keys); on a ``key`` conflict apply ``set_(excluded)``, or skip the row if None.

    ``set_`` gets the statement's ``excluded`` columns and returns the SET clause.
    PostgreSQL gets one statement for all rows (``json_rows``); SQLite, in
    process, runs executemany.
    """
    if not rows:
        return
    names = list(rows[0])
    if session.get_bind().dialect.name != "postgresql":
        statement = sqlite_insert(table)
    else:
        source = json_rows(table, names)
        statement = postgresql_insert(table).from_select(names, select(*(source.c[name] for name in names)))
    if set_ is None:
        statement = statement.on_conflict_do_nothing(index_elements=key)
    else:
        statement = statement.on_conflict_do_update(index_elements=key, set_=set_(statement.excluded))
    if session.get_bind().dialect.name != "postgresql":
        session.execute(statement, rows)
    else:
        session.execute(statement, {"rows": json_param(rows)})


def one_of(session: Session, column, values) -> ColumnElement[bool]:
    """``column IN values``, as one array parameter on PostgreSQL.

    ``IN ($1, ..., $1000)`` makes PostgreSQL compare each row with every value
    in turn; ``= ANY($1::varchar[])`` is folded to a constant array that it
    hashes, which keeps a 1,000-item batch lookup at milliseconds.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def list_contains(session: Session, column, value: str) -> ColumnElement[bool]:
    """``value`` is one of the items of a ``StringList`` column."""
    if session.get_bind().dialect.name == "postgresql":
        # @> is what a GIN index on the array answers.
        return column.op("@>")(bindparam(None, [value], type_=ARRAY(String)))
    items = func.json_each(column).table_valued("value")
    return exists(select(1).select_from(items).where(items.c.value == value))


def include_in_schema(dialect_name: str):
    """Alembic ``include_object`` hook: skip objects marked ``.ddl_if(dialect=...)`` for another backend.

    Autogenerate would otherwise report a PostgreSQL-only index (a GIN index) as
    missing from every SQLite database.
    """

    def include_object(obj, _name, _type, _reflected, _compare_to) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect is None or condition.dialect == dialect_name

    return include_object
