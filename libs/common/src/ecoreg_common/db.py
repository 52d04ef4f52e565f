"""One way to open a database, for SQLite (the embedded default) and PostgreSQL.

Services own their transactions through ``Database.read()`` and
``Database.write()``. The distinction matters on SQLite: a write transaction
starts with ``BEGIN IMMEDIATE`` so concurrent writers queue on the database lock
(``busy_timeout``) instead of failing when a deferred transaction tries to
upgrade from reading to writing. On PostgreSQL both are ordinary transactions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ecoreg_common.errors import Conflict

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 15_000

# PostgreSQL: serialization failure, deadlock detected. Both mean "run it again".
_RETRYABLE_PGCODES = frozenset({"40001", "40P01"})


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):  # noqa: ANN001 - DBAPI hook
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):  # noqa: ANN001 - SQLAlchemy hook
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs) -> Engine:
    if is_sqlite(url):
        database = make_url(url).database
        if not database or database == ":memory:":
            raise ValueError("an in-memory SQLite database cannot be shared by requests; give a file path")
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        _prepare_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """An engine and the two kinds of transaction a service asks for."""

    def __init__(self, url: str, **engine_kwargs):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.is_sqlite = is_sqlite(url)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        writer_engine = self.engine.execution_options(sqlite_immediate=True) if self.is_sqlite else self.engine
        self._writer = sessionmaker(writer_engine, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits when the block ends and rolls back on any error."""
        with self._writer() as session, session.begin():
            yield session

    def transact(self, work: Callable[[Session], T], attempts: int = 3) -> T:
        """Run ``work`` in a write transaction, again if a concurrent writer got in the way.

        A unique-key collision with a concurrent transaction (both inserted the
        same code), a deadlock or a serialization failure is retried on a fresh
        transaction, where ``work`` sees the other writer's result and answers
        accordingly. If it still collides, the caller gets a 409, never a 500.
        """
        for attempt in range(1, attempts + 1):
            try:
                with self.write() as session:
                    return work(session)
            except IntegrityError:
                if attempt == attempts:
                    raise Conflict("A concurrent request wrote the same data; retry the request.") from None
            except DBAPIError as error:
                code = getattr(error.orig, "sqlstate", None)
                if code not in _RETRYABLE_PGCODES or attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
