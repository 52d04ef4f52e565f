"""The dashboard's answer: per cluster counts, coverage, every target, and freshness."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, select, true
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ecoreg_common.db import Database, upsert
from ecoreg_common.errors import DomainError
from ecoreg_common.formats import instant_text
from metrics.clock import SHANGHAI
from metrics.counts.as_of import LINKS_AS_OF, AsOf
from metrics.counts.links import count_filter, entities_link, traced
from metrics.counts.service import ANY_STATUS, cell_query, count_in, grouped
from metrics.readmodel import store
from metrics.tables import answer_snapshots, clusters, follower_state, official_totals, revision
from metrics.targets.service import all_assessed

# Every official total counts Shanghai as a whole (none is published per cluster).
OFFICIAL_SCOPE = "shanghai"
log = logging.getLogger(__name__)


def local_time(moment: datetime | None) -> str | None:
    """An instant as ISO 8601 in Asia/Shanghai (``2026-12-02T10:31:05+08:00``), to the second."""
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds") if moment else None


def freshness(session: Session, now: datetime) -> dict:
    """How current the counts are: ``as_of_time`` is the registry's commit time of the last change
    applied (Asia/Shanghai), ``checked_at`` when the follower last read the feed; the sequence
    numbers stay for machines."""
    return freshness_of(store.read_state(session), now)


def freshness_of(state, now: datetime) -> dict:
    """``freshness`` from a ``follower_state`` row (anything with its column attributes)."""
    behind = max(0, state.registry_latest_seq - state.checkpoint)
    if behind == 0:
        seconds = 0.0
    else:
        since = state.caught_up_at or state.last_success_at
        seconds = round((now - since).total_seconds(), 1) if since else None
    return {
        "as_of_seq": state.checkpoint,
        "registry_latest_seq": state.registry_latest_seq,
        "behind_changes": behind,
        "seconds_behind": seconds,
        "last_success_at": instant_text(state.last_success_at) if state.last_success_at else None,
        "last_error": state.last_error,
        "as_of_time": local_time(state.checkpoint_at),
        "checked_at": local_time(state.last_success_at),
    }


def coverage(session: Session, cluster: str | None = None, as_of: AsOf | None = None) -> list[dict]:
    """Registered (live, any status) against each official total, Shanghai-wide or inside one cluster.

    The official totals are Shanghai-wide (``official_scope``: ``"shanghai"``), so a
    cluster's ``share`` is the part of the official total registered in that cluster
    (``ratio`` is the same number), and ``share_of`` says so in words.
    """
    out = []
    for row in session.execute(select(official_totals).order_by(official_totals.c.key)):
        filters = {**row.filter, "status": ANY_STATUS}
        if cluster is not None:
            filters["cluster"] = cluster
        registered = count_in(session, filters, as_of)
        share = round(registered / row.value, 4) if row.value else None
        out.append(
            {
                "key": row.key,
                "title_en": row.title_en,
                "title_zh": row.title_zh,
                "cluster": cluster,
                "registered": registered,
                "official": row.value,
                "as_of": row.as_of,
                "official_scope": OFFICIAL_SCOPE,
                "share": share,
                "share_of": (
                    f"registered in the {cluster} cluster / the Shanghai-wide official total"
                    if cluster is not None
                    else "registered / the Shanghai-wide official total"
                ),
                "ratio": share,
                **{k: v for k, v in traced(registered, filters).items() if k != "count"},
            }
        )
    return out


def _links_by(groups: list[dict], dimension: str, cluster: str) -> dict[str, str]:
    return {
        g[dimension]: entities_link(count_filter({}, {"cluster": cluster, dimension: g[dimension]}))
        for g in groups
        if g["cluster"] == cluster
    }


def summary(db: Database, today: date, now: datetime | None = None, as_of: AsOf | None = None) -> dict:
    """The dashboard's answer, now or ``as_of`` a past moment (then ``as_of`` says which)."""
    now = now or datetime.now(UTC)
    with db.read() as session:
        return {**freshness(session, now), **_counted(session, today, as_of)}


def _counted(session: Session, today: date, as_of: AsOf | None) -> dict:
    """Everything of the summary but its freshness: what a snapshot holds."""
    by_kind = grouped(session, ["cluster", "kind"], {}, as_of)
    by_tier = grouped(session, ["cluster", "tier"], {}, as_of)
    totals = {group["cluster"]: group["count"] for group in grouped(session, ["cluster"], {}, as_of)}
    targets = all_assessed(session, today, as_of)
    result_clusters = []
    for row in session.execute(select(clusters).order_by(clusters.c.position)):
        result_clusters.append(
            {
                "key": row.key,
                "name_en": row.name_en,
                "name_zh": row.name_zh,
                **traced(totals.get(row.key, 0), {}, {"cluster": row.key}),
                "active_entities": totals.get(row.key, 0),
                "by_kind": {g["kind"]: g["count"] for g in by_kind if g["cluster"] == row.key},
                "by_kind_entities": _links_by(by_kind, "kind", row.key),
                "by_tier": {g["tier"]: g["count"] for g in by_tier if g["cluster"] == row.key},
                "by_tier_entities": _links_by(by_tier, "tier", row.key),
                "coverage": coverage(session, row.key, as_of),
                "targets": [t["key"] for t in targets if t["cluster"] == row.key],
            }
        )
    answer = {
        "active_entities": count_in(session, {}, as_of),
        "active_entities_entities": entities_link(count_filter({})),
        "clusters": result_clusters,
        "coverage": coverage(session, None, as_of),
        "targets": targets,
    }
    if as_of is not None:
        answer["as_of"] = as_of.text
        answer["links_as_of"] = LINKS_AS_OF
    return answer


SNAPSHOT = "summary"
# The targets of the same computation, alone: what GET /targets pages through (targets/routes.py).
TARGETS_SNAPSHOT = "targets"


@dataclass(frozen=True)
class Live:
    """What one statement tells about a live answer: the follower's state (for the
    freshness and the ETag), the revision of targets/indicators/observations, and the
    stored snapshot's body when it was computed for exactly this data (else None)."""

    state: object
    revision: int
    version: str
    body: str | None


def snapshot_version(checkpoint: int, revision_value: int, today: date) -> str:
    """The data a live summary depends on: the feed position applied (the follower bumps it
    in the transaction that changes the counters), the revision (bumped in the transaction
    of every change to targets, indicators, observations, clusters, or a reset), and the
    day (attainment depends on it)."""
    return f"{checkpoint}:{revision_value}:{today.isoformat()}"


# What the freshness (``freshness_of``) and the ETag (``revision_token``) read of the follower's
# row, and no more: each column costs the driver and SQLAlchemy per request (~5 us here).
_STATE_COLUMNS = ("checkpoint", "registry_latest_seq", "last_success_at", "caught_up_at", "last_error", "checkpoint_at")


def _live_statement(name: str, cells: Select | None = None):
    """``read_live``'s statement; with ``cells`` (a cell query), a row per group of it, each with the rest."""
    source = follower_state.join(revision, revision.c.id == 1).outerjoin(answer_snapshots, answer_snapshots.c.name == name)
    columns = [
        *(follower_state.c[name] for name in _STATE_COLUMNS),
        revision.c.value.label("revision_value"),
        answer_snapshots.c.version.label("snapshot_version"),
        answer_snapshots.c.body.label("snapshot_body"),
    ]
    statement = select(*columns).where(follower_state.c.id == 1)
    if cells is None:
        return statement.select_from(source)
    groups = cells.subquery("cells")
    named = [column.label(f"cell_{column.key}") for column in groups.c]
    return statement.add_columns(*named).select_from(source.outerjoin(groups, true())).order_by(*named[:-1])


# The cells Prometheus exports (prometheus.py), by cluster, kind and tier.
PROMETHEUS_GROUPS = ["cluster", "kind", "tier"]
# Built once: composing the statement per request costs more than running it.
_LIVE = {name: _live_statement(name) for name in (SNAPSHOT, TARGETS_SNAPSHOT)}
_LIVE_WITH_CELLS = _live_statement(SNAPSHOT, cell_query(PROMETHEUS_GROUPS, {}))


def _live_of(row, today: date) -> Live:
    version = snapshot_version(row.checkpoint, row.revision_value, today)
    body = row.snapshot_body if row.snapshot_version == version else None
    return Live(state=row, revision=row.revision_value, version=version, body=body)


def read_live(db: Database, today: date, name: str = SNAPSHOT) -> Live:
    """The follower's state, the revision and the matching snapshot ``name`` (SNAPSHOT or
    TARGETS_SNAPSHOT), in ONE statement (one round trip, one database snapshot). Raises what
    the database raises."""
    (row,) = db.query_rows(_LIVE[name])  # the follower's one row (the joins add none)
    return _live_of(row, today)


def read_live_with_cells(db: Database, today: date) -> tuple[Live, list[dict]]:
    """``read_live`` of the summary and, from the same statement, the live counts by cluster,
    kind and tier (``grouped(session, PROMETHEUS_GROUPS, {})``: ``[{"cluster", "kind", "tier",
    "count"}, ...]``): what a Prometheus scrape needs besides the snapshot."""
    rows = db.query_rows(_LIVE_WITH_CELLS)
    cells = [
        {**{name: getattr(row, f"cell_{name}") for name in PROMETHEUS_GROUPS}, "count": int(row.cell_count)}
        for row in rows
        if row.cell_cluster is not None
    ]
    return _live_of(rows[0], today), cells


def compute_snapshot(db: Database, today: date, version: str, dumps: Callable[[object], str], name: str = SNAPSHOT) -> str:
    """Compute the summary without its freshness, store it and its targets alone (the two
    snapshots) as ``version``, and return the JSON text of snapshot ``name``.

    ``version`` must have been read (``read_live``) before this runs: the counters and
    targets read here are then at least as new as it says, never older, so a snapshot
    served under ``version`` is never older than the data it claims. Concurrent workers
    may compute the same version at once; the last upsert wins, and a row overwritten by
    an older version is merely recomputed by the next read. If storing fails (a locked
    SQLite file, say), the answer is still served and the next read computes again.
    """
    with db.read() as session:
        counted = _counted(session, today, None)
    bodies = {SNAPSHOT: dumps(counted), TARGETS_SNAPSHOT: dumps(counted["targets"])}

    def store_it(session: Session) -> None:
        statement = upsert(session, answer_snapshots)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[answer_snapshots.c.name],
                set_={"version": statement.excluded.version, "body": statement.excluded.body},
            ),
            [{"name": key, "version": version, "body": body} for key, body in bodies.items()],
        )

    try:
        db.transact(store_it)
    except (SQLAlchemyError, DomainError) as error:
        log.warning("summary snapshot not stored (served anyway): %s", error)
    return bodies[name]


def with_freshness(body: str, state, now: datetime, dumps: Callable[[object], str]) -> str:
    """The snapshot's JSON object text with the freshness of ``state`` at ``now`` added in front.

    Splicing two JSON object texts (no decoding of the stored body): both are objects
    with disjoint keys, so ``{fresh..., body...}`` is one valid object.
    """
    fresh = dumps(freshness_of(state, now))
    return fresh[:-1] + "," + body[1:]
