"""Knowing at once, in every gateway process, that something they remember changed: the API keys
(auth/keys.RecentKeys) or the data behind cached answers (proxy/cache.AnswerCache, via the answer revision).

Processes remember recently seen keys (``keys.RecentKeys``) so a busy client
costs no database read per request. A key revoked in one process must stop
working in all of them at once, so each process watches a cheap signal that
changes whenever a key is created or revoked, and forgets what it remembered
when it does:

- PostgreSQL: the key writes NOTIFY ``ecoreg_keys`` in their transaction; a
  listener thread counts notifications. While the listener is not connected the
  signal changes on every read, so nothing is remembered.
- SQLite: the database files' modification times (one ``stat`` each; any write
  to the gateway's database changes them).
"""

from __future__ import annotations

import itertools
import logging
import os
import threading

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
CHANNEL = "ecoreg_keys"
ANSWERS_CHANNEL = "ecoreg_answers"


def announce(session: Session, channel: str = CHANNEL) -> None:
    """Call in a transaction that changes what ``channel`` watches (delivered at commit)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": channel})


class FileSignal:
    """SQLite: the database and its write-ahead log change when anything is written."""

    def __init__(self, database_path: str):
        self.paths = [database_path, database_path + "-wal"]

    def current(self) -> object:
        token = []
        for path in self.paths:
            try:
                stat = os.stat(path)
                token.append((stat.st_mtime_ns, stat.st_size))
            except FileNotFoundError:
                token.append(None)
        return tuple(token)

    @property
    def listening(self) -> bool:
        """Always: the files are there to look at."""
        return True

    def close(self) -> None:
        pass


class NotifySignal:
    """PostgreSQL: a count of NOTIFYs on the channel, kept by a listener thread."""

    def __init__(self, sqlalchemy_url: str, channel: str = CHANNEL, retry_seconds: float = 1.0):
        self.channel = channel
        self.conninfo = make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.retry_seconds = retry_seconds
        self._count = 0
        self._connected = False
        self._unique = itertools.count()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="change-signals", daemon=True)
        self._thread.start()

    @property
    def listening(self) -> bool:
        """Whether the listener is connected; until it is, ``current`` never repeats (nothing is remembered)."""
        return self._connected

    def current(self) -> object:
        if not self._connected:
            return ("unknown", next(self._unique))  # never equal: remember nothing
        return self._count

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=3) as connection:
                    connection.execute(f"LISTEN {self.channel}")
                    self._count += 1  # anything may have changed while not listening
                    self._connected = True
                    while not self._stop.is_set():
                        for _ in connection.notifies(timeout=1.0, stop_after=1):
                            self._count += 1
            except psycopg.Error as error:
                if self._connected:
                    log.warning(
                        "change signal listener lost its connection (%s); remembering no keys or answers until it is back",
                        type(error).__name__,
                    )
            finally:
                self._connected = False
            self._stop.wait(self.retry_seconds)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def signal_for(database_url: str, channel: str = CHANNEL):
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return FileSignal(url.database)
    return NotifySignal(database_url, channel)
