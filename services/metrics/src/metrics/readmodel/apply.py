"""Applying a page of the registry's change feed: facts, counters and checkpoint in one transaction.

A crash at any moment leaves either the whole page applied (with the checkpoint
after it) or none of it; a change seen again (a replay, a duplicate, an older
version) is skipped because its version is not newer than the stored fact's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from ecoreg_common.db import Database, pipelined
from ecoreg_common.formats import parse_instant
from metrics.readmodel import keyframes, store
from metrics.readmodel.facts import CellKey, Fact, contribution, fact_from_change, newer


@dataclass(frozen=True)
class Applied:
    checkpoint: int
    applied: int
    skipped: int


def fold(
    changes: list[dict], facts: dict[int, Fact], track_cluster: dict[str, str], versions: list[tuple[Fact, datetime]] | None = None
) -> tuple[dict[int, Fact], Counter[CellKey], int]:
    """The facts that change and the counter delta, for changes in feed order (pure).

    ``versions``, when given, receives every accepted fact with its commit time, in feed order.
    """
    current = dict(facts)
    changed: dict[int, Fact] = {}
    delta: Counter[CellKey] = Counter()
    skipped = 0
    # A page's entities share a few combinations of what they count as: each combination's
    # cells are worked out once (the same contribution rule, facts.contribution).
    cells_of: dict[tuple, tuple[tuple[CellKey, int], ...]] = {}

    def cells(fact: Fact | None) -> tuple[tuple[CellKey, int], ...]:
        if fact is None or fact.retired:
            return ()
        counted = (fact.kind, fact.subtype, fact.tier, fact.status, fact.district, fact.clusters, fact.tracks)
        found = cells_of.get(counted)
        if found is None:
            found = cells_of[counted] = tuple(contribution(fact, track_cluster).items())
        return found

    for change in changes:
        candidate = fact_from_change(change)
        old = current.get(candidate.entity_id)
        if not newer(candidate, old):
            skipped += 1
            continue
        removed, added = cells(old), cells(candidate)
        if removed is not added:  # the same combination adds and removes the same cells
            for key, count in removed:
                delta[key] -= count
            for key, count in added:
                delta[key] += count
        current[candidate.entity_id] = changed[candidate.entity_id] = candidate
        if versions is not None:
            versions.append((candidate, parse_instant(change["at"])))
    return changed, delta, skipped


def apply_page(
    db: Database,
    changes: list[dict],
    *,
    registry_latest_seq: int,
    now: datetime,
    track_cluster: dict[str, str] | None = None,
    after: int | None = None,
) -> Applied:
    """Apply one page of the feed (in seq order) and move the checkpoint past it.

    ``track_cluster`` (track key -> cluster key), when the caller has just read
    it from this database, saves reading it again. ``after``, the position the
    page was fetched from: if the stored checkpoint is behind it (a reset, or a
    checkpoint the caller only remembered), the page is not applied and the
    answer's checkpoint is the stored one, to fetch from.
    """

    def work(session) -> Applied:
        # Derived data with its checkpoint in the same transaction: if the server
        # crashes before this commit reaches disk, the page is lost as a whole
        # and fetched again from the older checkpoint. So the commit need not
        # wait for the WAL flush, which was most of a page's time on a busy disk. Every
        # statement here reaches the page's rows by key: no sequential scans (lock_state).
        state = store.lock_state(session, defer_flush=True, keyed_plans=True)
        if after is not None and state.checkpoint < after:
            return Applied(checkpoint=state.checkpoint, applied=0, skipped=len(changes))
        # Another applier may have moved on while this page was fetched: skip what it covered.
        fresh = [change for change in changes if change["seq"] > state.checkpoint]
        facts = store.load_facts(session, (change["entity_id"] for change in fresh))
        versions: list[tuple[Fact, datetime]] = []
        known_tracks = track_cluster if track_cluster is not None else store.track_clusters(session)
        changed, delta, skipped = fold(fresh, facts, known_tracks, versions)
        checkpoint = max([state.checkpoint, *(change["seq"] for change in fresh)])
        latest = max(registry_latest_seq, checkpoint)
        values = {"checkpoint": checkpoint, "registry_latest_seq": latest, "last_success_at": now, "last_error": None}
        if fresh:
            # The registry's commit time of the checkpoint's change: freshness told as a time.
            values["checkpoint_at"] = parse_instant(fresh[-1]["at"])
        if checkpoint >= latest:
            values["caught_up_at"] = now
        # The writes are sent one after another without waiting for each (their results
        # are not read): the server applies one while the next is built.
        with pipelined(session):
            store.save_facts(session, changed.values())
            store.save_versions(session, versions, had_facts=facts.keys())
            store.add_to_cells(session, delta)
            store.save_state(session, **values)
        if versions:
            # After the versions are written (it reads them): the keyframes for as_of stay
            # exact, one passed midnight written, stale ones dropped.
            times = [at for _, at in versions]
            keyframes.after_versions(session, min(times), max(times), checkpoint, known_tracks)
        return Applied(checkpoint=checkpoint, applied=len(fresh) - skipped, skipped=skipped + len(changes) - len(fresh))

    # Safe to run again whatever happened to a first commit: replays change nothing.
    return db.transact(work, repeatable=True)
