"""The follower: polls the registry's change feed and applies it, page by page, forever.

When the registry is down it waits (with growing pauses, up to a limit) and
tries again; the web service meanwhile answers from what it has and reports how
far behind it is (``follower_state``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import requests
from sqlalchemy import delete
from sqlalchemy.exc import InterfaceError, OperationalError

from ecoreg_common.db import Database
from ecoreg_common.http import ServiceClient
from metrics.feed import reference
from metrics.readmodel import store
from metrics.readmodel.apply import Applied, apply_page
from metrics.tables import count_cells, entity_facts, fact_versions

log = logging.getLogger(__name__)

MAX_PAUSE_S = 30.0


def utcnow() -> datetime:
    return datetime.now(UTC)


class Follower:
    def __init__(
        self,
        db: Database,
        client: ServiceClient,
        *,
        batch: int = 500,
        interval_s: float = 0.25,
        clock: Callable[[], datetime] = utcnow,
        after_page: Callable[[], None] | None = None,
    ):
        self.db = db
        self.client = client
        self.batch = batch
        self.interval_s = interval_s
        self.clock = clock
        self.after_page = after_page
        self._reference_checked = False

    def poll_once(self) -> tuple[Applied, bool]:
        """Fetch and apply one page; the result, and whether the feed had more than this page.

        The clusters and tracks are refreshed from the registry first on the first page,
        and again whenever a page names one this database does not know (feed/reference.py).
        """
        with self.db.read() as session:
            cursor = store.read_state(session).cursor
            cluster_keys, track_keys = reference.known(session)
        response = self.client.get("/api/v1/changes", params={"after": cursor, "limit": self.batch})
        response.raise_for_status()
        page = response.json()
        if not self._reference_checked or reference.names_unknown(page["changes"], cluster_keys, track_keys):
            reference.refresh(self.db, self.client)
            self._reference_checked = True
        applied = apply_page(self.db, page["changes"], registry_latest_seq=page["latest_seq"], now=self.clock())
        if self.after_page:
            self.after_page()
        return applied, applied.cursor < page["latest_seq"]

    def catch_up(self) -> int:
        """Apply pages until the feed has nothing newer; how many changes were applied."""
        total = 0
        while True:
            applied, more = self.poll_once()
            total += applied.applied
            if not more:
                return total

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set. Neither the registry nor the database being down stops it."""
        failures = 0
        while not stop.is_set():
            try:
                _, more = self.poll_once()
                failures = 0
                if not more:
                    stop.wait(self.interval_s)
            except (requests.RequestException, ValueError, KeyError, OperationalError, InterfaceError) as error:
                failures += 1
                pause = min(MAX_PAUSE_S, self.interval_s * 2**failures)
                log.warning("cannot follow the feed (%s); retrying in %.1f s", type(error).__name__, pause)
                self._record(error)
                stop.wait(pause)

    def _record(self, error: Exception) -> None:
        """Note the failure where the summary reports it; if the database is what failed, only log."""
        try:
            with self.db.write() as session:
                store.record_error(session, f"{type(error).__name__}: {error}", self.clock())
        except (OperationalError, InterfaceError):
            log.warning("cannot record the failure: the metrics database is not answering")


def reset(db: Database) -> None:
    """Forget the read model and the counters, and start the feed from the beginning."""
    with db.write() as session:
        store.lock_state(session)
        session.execute(delete(count_cells))
        session.execute(delete(entity_facts))
        session.execute(delete(fact_versions))
        store.save_state(session, cursor=0, registry_latest_seq=0, caught_up_at=None)
