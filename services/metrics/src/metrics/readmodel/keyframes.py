"""The counter cells as they stood at a past instant, from keyframes and the entity versions.

An entity version (``fact_versions``) counts *just before* an instant T when it
began before T and had not ended by then: ``valid_from < T <= valid_to`` (or
``valid_to`` null), and it is not a retirement. Rebuilding the cells from every
such version costs the whole history (16 s at 100,000 entities and 1,000,000
changes). A *keyframe* stores the cells so counted just before an instant K (a
midnight in Asia/Shanghai); the cells just before T >= K are the keyframe's plus,
for each version that began or ended in [K, T), its contribution times
``alive(T) - alive(K)`` (+1, -1 or 0). Every other version is alive at both or at
neither, so this is the same answer, whatever order the commit times come in,
for the cost of the versions of [K, T) (a day's changes, or a page's).

Keyframes are derived data, always exact or absent:

- the follower, in the transaction applying a page, writes the keyframe of the
  latest midnight the page reached (``after_versions``);
- a version applied later whose commit time is before a keyframe would change
  it (the registry's times come from its clock, taken before the commit, so a
  slow transaction's change can arrive after a faster later one): the same
  transaction deletes every keyframe after that time, and writes the latest
  again;
- ``backfill`` (and ``resync``) rewrite them for every past day with changes;
- with no keyframe at or before T, the answer is the rebuild from every version.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, time

from sqlalchemy import (
    CompoundSelect,
    String,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from ecoreg_common.types import UTCDateTime
from metrics.clock import SHANGHAI
from metrics.readmodel.facts import CellKey, Fact, contribution
from metrics.tables import CELL_DIMENSIONS, fact_versions, keyframe_cells, keyframes, tracks

# What a version counts as: versions alike in these count alike.
_SHAPE = ("kind", "subtype", "tier", "status", "district", "clusters", "tracks")


def midnight_before(moment: datetime) -> datetime:
    """The start (00:00 in Asia/Shanghai) of ``moment``'s Shanghai day, as an aware datetime."""
    local = moment.astimezone(SHANGHAI)
    return datetime.combine(local.date(), time(), SHANGHAI)


def _alive(moment: datetime):
    """1 when a version counts just before ``moment``, else 0 (an SQL expression)."""
    counts = and_(fact_versions.c.valid_from < moment, or_(fact_versions.c.valid_to.is_(None), fact_versions.c.valid_to >= moment))
    return case((counts, 1), else_=0)


def latest_at_or_before(session: Session, moment: datetime) -> datetime | None:
    """The newest keyframe's ``at`` that is at or before ``moment`` (None when there is none)."""
    return session.scalar(select(func.max(keyframes.c.at)).where(keyframes.c.at <= moment))


def stored_cells(session: Session, at: datetime) -> Counter[CellKey]:
    """The cells of the keyframe at ``at``."""
    query = select(*(keyframe_cells.c[name] for name in CELL_DIMENSIONS), keyframe_cells.c["count"]).where(keyframe_cells.c.at == at)
    return Counter({tuple(row[:-1]): row[-1] for row in session.execute(query)})


def changed_between(session: Session, start: datetime | None, before: datetime, track_cluster: dict[str, str]) -> Counter[CellKey]:
    """What the cells just before ``before`` differ by from those just before ``start``.

    ``start`` None means "before anything": the result is then every version alive
    just before ``before`` (the plain rebuild). Retirements contribute nothing, so
    they are not read. The database sums ``alive(before) - alive(start)`` per shape
    (kind, subtype, tier, status, district, clusters, tracks), so only distinct
    shapes travel; each is expanded into its cells by the live counters' rule
    (``facts.contribution``). May hold zero and negative cells.
    """
    if start is None:
        where = and_(fact_versions.c.valid_from < before, or_(fact_versions.c.valid_to.is_(None), fact_versions.c.valid_to >= before))
        sign = literal(1)
    else:
        where = or_(
            and_(fact_versions.c.valid_from >= start, fact_versions.c.valid_from < before),
            and_(fact_versions.c.valid_to >= start, fact_versions.c.valid_to < before),
        )
        sign = _alive(before) - _alive(start)
    shape = [fact_versions.c[name] for name in _SHAPE]
    total = func.sum(sign)
    query = select(*shape, total.label("sign")).where(where, fact_versions.c.retired.is_(False)).group_by(*shape).having(total != 0)
    delta: Counter[CellKey] = Counter()
    for row in session.execute(query):
        fact = Fact(0, row.kind, row.subtype, row.tier, row.status, row.district, tuple(row.clusters), tuple(row.tracks), 0, False, 0)
        for key, count in contribution(fact, track_cluster).items():
            delta[key] += int(row.sign) * count
    return delta


# Earlier than any commit time: with no keyframe at or before T, the versions that began or
# ended since this are every version, and their sum is the plain rebuild.
_BEFORE_ANYTHING = datetime(1, 1, 1, tzinfo=UTC)
_NO_TEXT = type_coerce(null(), String)


def cells_query(before: datetime, *, with_tracks: bool = False) -> CompoundSelect:
    """What the counter cells just before ``before`` (aware) are made of, in ONE statement:
    rows of ``part``, cluster, track, kind, subtype, tier, status, district, clusters,
    tracks, count (``cells_from`` adds them up).

    - ``"version"``: a shape of the versions that began or ended since the nearest keyframe
      at or before ``before`` (kind ... district, clusters, tracks) and its summed sign
      as ``count``, as ``changed_between`` reads them (from the start of time when
      there is no keyframe: the plain rebuild);
    - ``"keyframe"``: a cell of that keyframe (cluster ... district, count);
    - ``"track"``, with ``with_tracks``: a track (``track``) and its ``cluster``, which
      ``facts.contribution`` needs (``store.track_clusters``), for a caller with no other read.

    The version rows come first, so the columns take their types (the lists) from them.
    """
    start = select(func.max(keyframes.c.at)).where(keyframes.c.at <= before).scalar_subquery()
    since = func.coalesce(start, literal(_BEFORE_ANYTHING, UTCDateTime()))
    began_or_ended = or_(
        and_(fact_versions.c.valid_from >= since, fact_versions.c.valid_from < before),
        and_(fact_versions.c.valid_to >= since, fact_versions.c.valid_to < before),
    )
    shape = [fact_versions.c[name] for name in _SHAPE]
    total = func.sum(_alive(before) - _alive(since))
    versions = (
        select(literal_column("'version'").label("part"), _NO_TEXT.label("cluster"), _NO_TEXT.label("track"), *shape, total.label("count"))
        .where(began_or_ended, fact_versions.c.retired.is_(False))
        .group_by(*shape)
        .having(total != 0)
    )
    cells = select(
        literal_column("'keyframe'"), *(keyframe_cells.c[name] for name in CELL_DIMENSIONS), null(), null(), keyframe_cells.c["count"]
    ).where(keyframe_cells.c.at == start)
    parts = [versions, cells]
    if with_tracks:
        parts.append(select(literal_column("'track'"), tracks.c.cluster_key, tracks.c.key, *(null() for _ in range(8))))
    return union_all(*parts)


def cells_from(rows: Iterable, track_cluster: dict[str, str] | None = None) -> Counter[CellKey]:
    """The counter cells (cell key -> count, only positive counts) from the rows of ``cells_query``,
    the tracks' clusters taken from its "track" rows unless given. Rows of other parts
    (null ``part``: a joined statement's row with none) are skipped."""
    rows = [row for row in rows if row.part is not None]
    if track_cluster is None:
        track_cluster = {row.track: row.cluster for row in rows if row.part == "track"}
    cells: Counter[CellKey] = Counter()
    delta: Counter[CellKey] = Counter()
    for row in rows:
        if row.part == "keyframe":
            cells[tuple(getattr(row, name) for name in CELL_DIMENSIONS)] = row.count
        elif row.part == "version":
            fact = Fact(0, row.kind, row.subtype, row.tier, row.status, row.district, tuple(row.clusters), tuple(row.tracks), 0, False, 0)
            for key, count in contribution(fact, track_cluster).items():
                delta[key] += int(row.count) * count
    cells.update(delta)
    return +cells


def cells_before(session: Session, before: datetime, track_cluster: dict[str, str]) -> Counter[CellKey]:
    """The counter cells just before ``before`` (aware): the nearest keyframe and the versions since,
    in one statement (``cells_query``).

    Returns cell key -> count, only positive counts. The same answer as rebuilding
    from every version alive then (the module's docstring says why).
    """
    return cells_from(session.execute(cells_query(before)), track_cluster)


def write(session: Session, at: datetime, seq: int, cells: Counter[CellKey]) -> None:
    """Store ``cells`` (only positive counts) as the keyframe at ``at``, replacing one there."""
    drop(session, at=at)
    session.execute(insert(keyframes), [{"at": at, "seq": seq}])
    rows = [{"at": at, **dict(zip(CELL_DIMENSIONS, key, strict=True)), "count": count} for key, count in cells.items() if count > 0]
    if rows:
        session.execute(insert(keyframe_cells), rows)


def drop(session: Session, *, after: datetime | None = None, at: datetime | None = None, up_to: datetime | None = None) -> None:
    """Delete the keyframes after ``after``, at ``at``, or at or before ``up_to`` (all when none is given)."""
    for table in (keyframe_cells, keyframes):
        statement = delete(table)
        if after is not None:
            statement = statement.where(table.c.at > after)
        if at is not None:
            statement = statement.where(table.c.at == at)
        if up_to is not None:
            statement = statement.where(table.c.at <= up_to)
        session.execute(statement)


def after_versions(session: Session, earliest: datetime, latest: datetime, seq: int, track_cluster: dict[str, str]) -> None:
    """Keep the keyframes exact after versions committed in [``earliest``, ``latest``] were saved.

    Called in the transaction that saved them (``seq``: the checkpoint it moves to).
    Keyframes after ``earliest`` no longer hold (these versions began, and closed
    their predecessors, before them) and are deleted, and the newest of them is
    written again; else the keyframe of the latest midnight these versions reached
    is written if it is missing and anything was committed before it. Usually one
    read of two index ends (one round trip); at a midnight, one day's versions read
    and one keyframe written.
    """
    newest_keyframe, first_version = session.execute(
        select(select(func.max(keyframes.c.at)).scalar_subquery(), _first_version_start())
    ).one()
    boundary = midnight_before(latest)
    if newest_keyframe is not None and newest_keyframe > earliest:
        drop(session, after=earliest)
        boundary = max(boundary, newest_keyframe)  # written again, now with these versions
        newest_keyframe = newest(session)
    if newest_keyframe is not None and newest_keyframe >= boundary:
        return
    if earliest >= boundary and not (first_version is not None and first_version < boundary):
        return  # nothing before it: the keyframe would be empty
    write(session, boundary, seq, cells_before(session, boundary, track_cluster))


def _first_version_start():
    """The earliest ``valid_from`` of any version (a scalar subquery; NULL when there is none).

    "Was anything committed before B" as ``min(valid_from) < B``, not ``EXISTS (... valid_from
    < B)``: PostgreSQL answers a min from the end of the ``valid_from`` index whatever its
    statistics say, while for the EXISTS a table never analysed (autovacuum off, or not yet
    run) got a sequential scan of every version (13 ms a page at 40,000 versions, growing
    with the table)."""
    return select(func.min(fact_versions.c.valid_from)).scalar_subquery()


def newest(session: Session) -> datetime | None:
    """The newest keyframe's ``at``."""
    return session.scalar(select(func.max(keyframes.c.at)))
