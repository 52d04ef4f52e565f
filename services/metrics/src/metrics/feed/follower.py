"""The follower: polls the registry's change feed and applies it, page by page, forever.

When the registry is down it waits (with growing pauses, up to a limit) and
tries again; the web service meanwhile answers from what it has and reports how
far behind it is (``follower_state``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime

import requests
from sqlalchemy import String, cast, delete, literal, select, union_all
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from ecoreg_common.db import Database
from ecoreg_common.http import ServiceClient
from metrics.feed import reference
from metrics.indicators.service import bump_revision
from metrics.readmodel import keyframes, store
from metrics.readmodel.apply import Applied, apply_page
from metrics.tables import answer_snapshots, clusters, count_cells, entity_facts, fact_versions, follower_state, tracks, vocabulary

log = logging.getLogger(__name__)

MAX_PAUSE_SECONDS = 30.0


def utcnow() -> datetime:
    return datetime.now(UTC)


class Follower:
    def __init__(
        self,
        db: Database,
        client: ServiceClient,
        *,
        batch: int = 500,
        interval_seconds: float = 0.25,
        clock: Callable[[], datetime] = utcnow,
        after_page: Callable[[], None] | None = None,
    ):
        self.db = db
        self.client = client
        self.batch = batch
        self.interval_seconds = interval_seconds
        self.clock = clock
        self.after_page = after_page
        # The next page, fetched while this one is applied: (after, future of the page).
        self._ahead: tuple[int, Future] | None = None
        self._fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feed-prefetch")
        self._reference_checked = False
        # (checkpoint, cluster keys, track -> cluster, terms) as the last page left them, so the
        # next page needs no read before its apply; None: read them from the database first.
        self._known: tuple[int, frozenset[str], dict[str, str], frozenset[tuple[str, str]]] | None = None

    def _fetch(self, after: int) -> dict:
        response = self.client.get("/api/v1/changes", params={"after": after, "limit": self.batch})
        response.raise_for_status()
        return response.json()

    def _page_after(self, checkpoint: int) -> dict:
        """The page after ``checkpoint``: the one fetched ahead if it starts there, else fetched now."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            after, future = ahead
            if after == checkpoint:
                return future.result()  # a failed fetch raises here, as a direct one would
            wait([future])  # not wanted, but let it finish: one request on the client at a time
        return self._fetch(checkpoint)

    def poll_once(self) -> tuple[Applied, bool]:
        """Fetch and apply one page; the result, and whether the feed had more than this page.

        The clusters and tracks are refreshed from the registry first on the first page,
        and again whenever a page names one this database does not know (feed/reference.py).

        While a page is applied (its own transaction, as before), the next one
        is already being fetched, so reading the feed and writing the read model
        overlap instead of taking turns. The fetched-ahead page is used only if
        it starts exactly at the stored checkpoint; otherwise it is dropped. The
        client is never used by both threads at once: the page ahead is
        requested after this page's reference refresh and awaited before the next.

        The checkpoint and the reference keys are read from the database before the
        first page and after a failure or a refresh; otherwise they are what the last
        page left. That is safe because the apply checks the page against the stored
        checkpoint (``after``): a page fetched from a position the database no longer
        holds (another applier went on, or a reset went back) is skipped or refused there.
        """
        known, self._known = self._known, None  # forgotten on any failure below: read again next time
        if known is None:
            known = self.db.query(_position_and_reference)
        checkpoint, cluster_keys, track_cluster, terms = known
        page = self._page_after(checkpoint)
        if not self._reference_checked or reference.names_unknown(page["changes"], cluster_keys, frozenset(track_cluster), terms):
            reference.refresh(self.db, self.client)
            self._reference_checked = True
            track_cluster = None  # the refresh may have changed it: let the apply read it
        if page["changes"] and page["changes"][-1]["seq"] < page["latest_seq"]:
            after = page["changes"][-1]["seq"]
            self._ahead = (after, self._fetcher.submit(self._fetch, after))
        applied = apply_page(
            self.db,
            page["changes"],
            registry_latest_seq=page["latest_seq"],
            now=self.clock(),
            track_cluster=track_cluster,
            after=checkpoint,
        )
        if track_cluster is not None:
            # The apply started from the stored checkpoint and left it at applied.checkpoint (the
            # page is refused if the stored one went back, e.g. a reset: it is then read again).
            self._known = (applied.checkpoint, cluster_keys, track_cluster, terms)
        if self.after_page:
            self.after_page()
        return applied, applied.checkpoint < page["latest_seq"]

    def close(self) -> None:
        """Drop a page fetched ahead and stop the fetching thread."""
        if self._ahead is not None:
            self._ahead[1].cancel()
            self._ahead = None
        self._fetcher.shutdown(wait=True)

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
                    stop.wait(self.interval_seconds)
            except (requests.RequestException, ValueError, KeyError, OperationalError, InterfaceError) as error:
                failures += 1
                pause = min(MAX_PAUSE_SECONDS, self.interval_seconds * 2**failures)
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


def _position_and_reference(session: Session) -> tuple[int, frozenset[str], dict[str, str], frozenset[tuple[str, str]]]:
    """The checkpoint, the known cluster keys, track -> cluster and the vocabulary's
    ``(family, value)`` terms: one statement, one snapshot."""
    rows = session.execute(
        union_all(
            select(literal("checkpoint"), cast(follower_state.c.checkpoint, String), literal("")).where(follower_state.c.id == 1),
            select(literal("cluster"), clusters.c.key, literal("")),
            select(literal("track"), tracks.c.key, tracks.c.cluster_key),
            select(literal("term"), vocabulary.c.value, vocabulary.c.family),
        )
    ).all()
    checkpoint = next(int(key) for what, key, _ in rows if what == "checkpoint")
    cluster_keys = frozenset(key for what, key, _ in rows if what == "cluster")
    terms = frozenset((family, value) for what, value, family in rows if what == "term")
    return checkpoint, cluster_keys, {key: owner for what, key, owner in rows if what == "track"}, terms


def reset(db: Database) -> None:
    """Forget the read model and the counters, and start the feed from the beginning."""
    with db.write() as session:
        store.lock_state(session)
        session.execute(delete(count_cells))
        session.execute(delete(entity_facts))
        session.execute(delete(fact_versions))
        keyframes.drop(session)
        store.save_state(session, checkpoint=0, registry_latest_seq=0, caught_up_at=None)
        # Checkpoints repeat after a reset (perhaps over another registry's feed): no
        # answer snapshot or ETag made before it may match one made after.
        bump_revision(session)
        session.execute(delete(answer_snapshots))
