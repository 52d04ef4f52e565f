"""The dashboard's answer: per cluster counts, coverage, every target, and freshness."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import SimpleNamespace

from sqlalchemy import Integer, Select, func, literal_column, select, true
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ecoreg_common.db import Database, upsert
from ecoreg_common.errors import DomainError
from ecoreg_common.formats import instant_text
from metrics.answers import Answered, in_parts, read, with_state
from metrics.clock import SHANGHAI
from metrics.counts.as_of import LINKS_AS_OF, AsOf
from metrics.counts.links import count_filter, entities_link, traced
from metrics.counts.service import ANY_STATUS, cell_query
from metrics.readmodel import store
from metrics.tables import answer_snapshots, clusters, follower_state, official_totals, revision, targets
from metrics.targets import as_of as target_as_of
from metrics.targets.service import Inputs, SessionInputs, all_assessed, assessed_with

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


def coverage(official: list, inputs: Inputs, cluster: str | None = None) -> list[dict]:
    """Registered (live, any status) against each official total (rows of ``official_totals``, by
    key), Shanghai-wide or inside one cluster, counted by ``inputs`` (now or as of a moment).

    The official totals are Shanghai-wide (``official_scope``: ``"shanghai"``), so a
    cluster's ``share`` is the part of the official total registered in that cluster
    (``ratio`` is the same number), and ``share_of`` says so in words.
    """
    out = []
    for row in official:
        filters = {**row.filter, "status": ANY_STATUS}
        if cluster is not None:
            filters["cluster"] = cluster
        registered = inputs.count(filters)
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
    """The dashboard's answer, now or ``as_of`` a past moment (then ``as_of`` says which), read
    with a session, statement by statement (``summary_as_of`` reads one as of a moment in one)."""
    now = now or datetime.now(UTC)
    with db.read() as session:
        return {**freshness(session, now), **_counted(session, today, as_of)}


def _counted(session: Session, today: date, as_of: AsOf | None) -> dict:
    """Everything of the summary but its freshness: what a snapshot holds."""
    official = session.execute(select(official_totals).order_by(official_totals.c.key)).all()
    places = session.execute(select(clusters).order_by(clusters.c.position)).all()
    return _counted_from(SessionInputs(session, as_of), official, places, all_assessed(session, today, as_of), as_of)


def _counted_from(inputs: Inputs, official: list, places: list, targets: list[dict], as_of: AsOf | None) -> dict:
    """``_counted`` from what it reads: counts by ``inputs``, the rows of ``official_totals`` (by
    key) and of ``clusters`` (by position), and the targets assessed (by key)."""
    by_kind = inputs.grouped(["cluster", "kind"], {})
    by_tier = inputs.grouped(["cluster", "tier"], {})
    totals = {group["cluster"]: group["count"] for group in inputs.grouped(["cluster"], {})}
    result_clusters = []
    for row in places:
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
                "coverage": coverage(official, inputs, row.key),
                "targets": [t["key"] for t in targets if t["cluster"] == row.key],
            }
        )
    answer = {
        "active_entities": inputs.count({}),
        "active_entities_entities": entities_link(count_filter({})),
        "clusters": result_clusters,
        "coverage": coverage(official, inputs, None),
        "targets": targets,
    }
    if as_of is not None:
        answer["as_of"] = as_of.text
        answer["links_as_of"] = LINKS_AS_OF
    return answer


# The follower state's columns the freshness shows besides those ``with_state`` reads.
_FRESHNESS = ("caught_up_at", "last_success_at", "checkpoint_at")
_OFFICIAL = ("key", "title_en", "title_zh", "value", "as_of", "filter")
_PLACE = ("key", "name_en", "name_zh", "position")


def summary_as_of(db: Database, today: date, as_of: AsOf) -> Answered[dict]:
    """``summary(db, today, as_of=as_of)`` read in ONE statement (metrics.answers): the parts of
    ``targets.as_of.target_parts`` for every target, and ``official`` (``official_`` + the columns
    of ``official_totals``, ``official_rank``: by key) and ``place`` (``place_`` + the columns of
    ``clusters``), with the follower state the freshness shows. The answer is the same dict,
    its freshness at the moment it is made."""
    chosen = target_as_of.chosen_targets(select(targets))
    official = select(
        literal_column("'official'").label("part"),
        *(official_totals.c[name].label(f"official_{name}") for name in _OFFICIAL),
        func.row_number(type_=Integer).over(order_by=official_totals.c.key).label("official_rank"),
    )
    places = select(literal_column("'place'").label("part"), *(clusters.c[name].label(f"place_{name}") for name in _PLACE))
    parts = in_parts(*target_as_of.target_parts(as_of.before, chosen), official, places)
    fresh = [follower_state.c[name].label(f"state_{name}") for name in _FRESHNESS]

    def build(rows: list) -> Callable[[], dict]:
        def answer() -> dict:
            first = rows[0]
            state = SimpleNamespace(
                checkpoint=first.state_checkpoint,
                registry_latest_seq=first.state_registry_latest_seq,
                last_error=first.state_last_error,
                **{name: getattr(first, f"state_{name}") for name in _FRESHNESS},
            )
            inputs = target_as_of.RowInputs(rows)
            assessed = [assessed_with(inputs, row, today, as_of) for row in target_as_of.targets_of(rows)]
            by_key = sorted((row for row in rows if row.part == "official"), key=lambda row: row.official_rank)
            by_position = sorted((row for row in rows if row.part == "place"), key=lambda row: row.place_position)
            counted = _counted_from(
                inputs,
                [_unprefixed(row, "official_", _OFFICIAL) for row in by_key],
                [_unprefixed(row, "place_", _PLACE) for row in by_position],
                assessed,
                as_of,
            )
            return {**freshness_of(state, datetime.now(UTC)), **counted}

        return answer

    return read(db, with_state(parts, columns=fresh), build)


def _unprefixed(row, prefix: str, names: tuple[str, ...]) -> SimpleNamespace:
    return SimpleNamespace(**{name: getattr(row, prefix + name) for name in names})


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
