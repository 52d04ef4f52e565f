"""Test support every service's suite uses: a throwaway PostgreSQL database.

Tests never share a database with another run or another xdist worker: each
session creates its own from ``TEST_POSTGRES_URL`` (a server URL whose user may
CREATE DATABASE) and drops it at the end.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from requests.adapters import BaseAdapter
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

TEST_POSTGRES_ENV = "TEST_POSTGRES_URL"


def postgres_base_url() -> str | None:
    return os.environ.get(TEST_POSTGRES_ENV) or None


def postgres_answers(url: str, timeout_seconds: float = 2.0) -> bool:
    """Whether a PostgreSQL server at ``url`` accepts a connection and may create databases
    (what the fixtures need); ``make test`` asks this before it chooses the local server."""
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": max(1, int(timeout_seconds))})
    try:
        with engine.connect() as connection:
            return bool(connection.exec_driver_sql("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user").scalar())
    except Exception:  # noqa: BLE001 - any failure means "not usable here"; make says so plainly
        return False
    finally:
        engine.dispose()


@contextmanager
def fresh_postgres_database(base_url: str, prefix: str) -> Iterator[str]:
    """Create an empty database next to ``base_url``'s; yield its URL; drop it."""
    base = make_url(base_url)
    name = f"{prefix}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    # No pool: the server may have restarted (a test did it) by the time the database is dropped.
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def migrated_database(backend: str, name: str, directory: Callable[[str], Path], upgrade: Callable[[str], None]) -> Iterator[str]:
    """A fresh, migrated database of ``backend`` ("sqlite" or "postgresql") for a test session.

    PostgreSQL needs TEST_POSTGRES_URL; without it the test is skipped, saying so.
    """
    if backend == "sqlite":
        url = f"sqlite:///{directory(name)}/{name}.db"
        upgrade(url)
        yield url
        return
    base = postgres_base_url()
    if base is None:
        import pytest

        pytest.skip(f"{TEST_POSTGRES_ENV} is not set: the PostgreSQL variant of this test is skipped")
    with fresh_postgres_database(base, f"ecoreg_{name}_test") as url:
        upgrade(url)
        yield url


def schema_differences(database_url: str, metadata) -> list:
    """What autogenerate would change to make the migrated database at ``database_url``
    match ``metadata`` (a service's tables.py); ``[]`` when the migrations build exactly it."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ecoreg_common.db import include_in_schema

    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            options = {"compare_type": True, "include_object": include_in_schema(connection.dialect.name)}
            return compare_metadata(MigrationContext.configure(connection, opts=options), metadata)
    finally:
        engine.dispose()


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Block until ``url`` answers 200; raise if ``process`` exits first or time runs out."""
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before it was ready")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or too busy to answer in time
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} was not ready within {timeout} s")


class WSGITransport(BaseAdapter):
    """A requests transport adapter that answers from a WSGI app in this process.

    Mounted on a session (``session.mount("http://registry", WSGITransport(app))``),
    it lets a service's HTTP client (ecoreg_common.http.ServiceClient, the gateway's
    upstreams) talk to the real app of another service without a process or a
    socket: the follower's loop and the gateway's proxy, cache and composition are
    tested this way. ``fail`` (a callable, or None) may raise
    ``requests.ConnectionError`` to play a peer that is down.
    """

    def __init__(self, app, fail: Callable[[], None] | None = None):
        super().__init__()
        self.app = app
        self.fail = fail
        self.calls: list[tuple[str, str]] = []

    def send(self, request, **_kwargs):
        from werkzeug.test import EnvironBuilder, run_wsgi_app

        if self.fail is not None:
            self.fail()
        url = requests.utils.urlparse(request.url)
        self.calls.append((request.method, url.path))
        body = request.body.encode() if isinstance(request.body, str) else request.body
        builder = EnvironBuilder(
            path=url.path, query_string=url.query, method=request.method, headers=dict(request.headers), data=body or b""
        )
        try:
            app_iter, status, headers = run_wsgi_app(self.app, builder.get_environ(), buffered=True)
        finally:
            builder.close()
        response = requests.Response()
        response.status_code = int(status.split(" ", 1)[0])
        response.reason = status.split(" ", 1)[1] if " " in status else ""
        response.headers = requests.structures.CaseInsensitiveDict(headers.items())
        response._content = b"".join(app_iter)
        if hasattr(app_iter, "close"):
            app_iter.close()
        response.url = request.url
        response.request = request
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        return response

    def close(self) -> None:
        pass


def kill_pooled_connection(db) -> None:
    """Terminate the PostgreSQL server process behind ``db``'s pooled connection (an
    ``ecoreg_common.db.Database``) from outside its pool, as a server restart would; the pool
    keeps the dead connection, for the next read to meet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    with db.engine.connect() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    outside = create_engine(db.url, poolclass=NullPool)
    try:
        with outside.begin() as connection:
            if not connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar():
                raise RuntimeError(f"could not terminate backend {pid}")
    finally:
        outside.dispose()


# A Parse or Bind message's first two fields, as libpq's trace writes them: ``"name" "text...``.
_NAMED = re.compile(r'\s*"([^"]*)" "(.*)')
# Per connection, across recordings: the statements psycopg prepared while one was recorded, name -> SQL.
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@contextmanager
def database_round_trips(engine) -> Iterator[list[str]]:
    """Record what ``engine``'s connections send to the database while the block runs.

    Yields a list that fills with one SQL text per round trip, as the driver saw
    it, pings, BEGIN and COMMIT included: on PostgreSQL from libpq's protocol
    trace (one item per ReadyForQuery the server answers with), on SQLite from
    the sqlite3 trace callback (one item per statement). Counting here, below
    SQLAlchemy, is what makes it a proof: statement events miss pings and
    transaction control. psycopg prepares a statement on its 6th run on a
    connection, in a round trip of its own (once per connection and statement):
    that one is recorded as ``"PREPARE <SQL>"``; a prepared statement run by its
    name is recorded with its SQL text.
    """
    import tempfile

    from sqlalchemy import event

    sent: list[str] = []
    traces: dict[int, object] = {}

    def start(dbapi_connection, _record, _proxy):
        if engine.dialect.name == "sqlite":
            dbapi_connection.set_trace_callback(sent.append)
            return
        from psycopg import pq

        trace = tempfile.TemporaryFile()  # noqa: SIM115 (closed on checkin, or when the block ends)
        traces[id(dbapi_connection)] = trace
        dbapi_connection.pgconn.trace(trace.fileno())
        dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def stop(dbapi_connection, _record):
        if engine.dialect.name == "sqlite":
            dbapi_connection.set_trace_callback(None)
            return
        trace = traces.pop(id(dbapi_connection), None)
        if trace is None:
            return
        dbapi_connection.pgconn.untrace()
        trace.seek(0)
        prepared = _PREPARED.setdefault(dbapi_connection, {})
        pending: list[str] = []
        preparing = executing = False
        for line in trace.read().decode("utf-8", "replace").splitlines():
            parts = line.split("\t")
            if len(parts) < 3:  # the continuation of a multi-line SQL text
                continue
            direction, message, rest = parts[0], parts[2], "\t".join(parts[3:])
            if direction == "F" and message == "Query":
                pending.append(rest.strip().strip('"'))
            elif direction == "F" and message == "Parse":
                named = _NAMED.match(rest)
                name, text = named.groups() if named else ("", rest)
                if name:
                    prepared[name] = text
                    preparing = True
                pending.append(text)
            elif direction == "F" and message == "Execute":
                executing = True
            elif direction == "F" and message == "Bind":
                named = _NAMED.match(rest)
                statement = named.group(2).split('"', 1)[0] if named else ""
                if statement and not pending:  # a statement psycopg prepared earlier, run by its name
                    pending.append(prepared.get(statement, f"EXECUTE {statement}"))
            elif direction == "B" and message == "ReadyForQuery":
                sent.append(("PREPARE " if preparing and not executing else "") + "; ".join(pending))
                pending, preparing, executing = [], False, False
        trace.close()

    # First in line, so a ping made on checkout is recorded too.
    event.listen(engine, "checkout", start, insert=True)
    event.listen(engine, "checkin", stop)
    try:
        yield sent
    finally:
        event.remove(engine, "checkout", start)
        event.remove(engine, "checkin", stop)
        for trace in traces.values():
            trace.close()


if __name__ == "__main__":
    # `python -m ecoreg_common.testing probe URL`: exit 0 when the server at URL is usable for tests.
    import sys

    if len(sys.argv) != 3 or sys.argv[1] != "probe":
        sys.exit("usage: python -m ecoreg_common.testing probe POSTGRES_URL")
    sys.exit(0 if postgres_answers(sys.argv[2]) else 1)
