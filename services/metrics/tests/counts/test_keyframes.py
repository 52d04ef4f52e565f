"""``as_of`` from keyframes gives exactly the answers of the plain rebuild from every entity version.

A realistic history: entities created, changed (status, district, clusters and
tracks, kind), retired and merged over twelve days, with clock skew between
writers (a change's commit time a few seconds before the one applied before
it, across Shanghai midnights too, and for the same entity), applied through
the follower's real apply step in pages of random size, some pages replayed.
At every midnight, around it, at every commit time and at random instants,
the cells from keyframes equal the plain rebuild; and counts, summary and
targets as of those instants are the same with the keyframes as without any.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from metrics_testing import Feed
from sqlalchemy import func, or_, select

from metrics.history import snapshots
from metrics.readmodel import keyframes, store
from metrics.readmodel.facts import contribution
from metrics.readmodel.store import fact_from_row
from metrics.tables import cell_snapshots, fact_versions, keyframe_cells
from metrics.tables import keyframes as keyframes_table

START = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
SHAPES = [
    {"kind": "enterprise", "subtype": "high_tech", "tier": "none"},
    {"kind": "enterprise", "subtype": "startup", "tier": "none"},
    {"kind": "facility", "subtype": "hydrogen_station", "tier": "none"},
    {"kind": "tech_centre", "subtype": "enterprise_tech_centre", "tier": "national"},
    {"kind": "tech_centre", "subtype": "enterprise_tech_centre", "tier": "municipal"},
    {"kind": "lab", "subtype": "municipal_key_lab", "tier": "none"},
]
PLACES = [
    (["energy"], ["hydrogen"]),
    (["energy", "materials"], ["hydrogen", "graphene"]),
    (["materials"], []),
    (["intelligence"], []),
    ([], []),
    (["energy"], ["graphene"]),  # a track outside its clusters: counted per track only
]
STATUSES = ["planned", "building", "active", "active", "inactive", "closed"]
DISTRICTS = ["pudong", "jiading", "xuhui", None]


def rebuilt(session, before: datetime, track_cluster) -> Counter:
    """The plain rebuild: every version alive just before ``before``, counted."""
    query = select(fact_versions).where(
        fact_versions.c.valid_from < before,
        or_(fact_versions.c.valid_to.is_(None), fact_versions.c.valid_to >= before),
        fact_versions.c.retired.is_(False),
    )
    cells: Counter = Counter()
    for row in session.execute(query):
        cells.update(contribution(fact_from_row(row), track_cluster))
    return +cells


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def realistic_history(db, seed: int) -> tuple[Feed, list[datetime]]:
    rng = random.Random(seed)
    feed = Feed(db)
    alive: set[int] = set()
    retired: set[int] = set()
    moment = START
    times = []
    for _ in range(420):
        moment += timedelta(seconds=rng.expovariate(1 / 2400))  # ~36 changes a day
        at = moment
        if rng.random() < 0.15:
            at = moment - timedelta(seconds=rng.uniform(0, 90))  # a writer whose clock read earlier
        if rng.random() < 0.04:
            at = moment.replace(hour=16, minute=0, second=0, microsecond=0) - timedelta(microseconds=rng.choice([1, 0, -1]))
        clusters, tracks = rng.choice(PLACES)
        body = {
            **rng.choice(SHAPES),
            "status": rng.choice(STATUSES),
            "district": rng.choice(DISTRICTS),
            "clusters": clusters,
            "tracks": tracks,
            "at": iso(at),
        }
        roll = rng.random()
        if not alive or roll < 0.35:
            entity = len(alive) + len(retired) + 1
            alive.add(entity)
            feed.write(entity, **body)
        elif roll < 0.9:
            feed.write(rng.choice(sorted(alive)), **body)
        else:
            entity = rng.choice(sorted(alive))
            alive.discard(entity)
            retired.add(entity)
            feed.write(entity, op=rng.choice(["retire", "merge"]), **body)
        times.append(at)
    position = 0
    while position < len(feed.changes):
        size = rng.randint(1, 40)
        page = feed.changes[position : position + size]
        feed.apply(page)
        if rng.random() < 0.2:
            feed.apply(page)  # a replay changes nothing
        position += size
    return feed, times


def instants(rng: random.Random, times: list[datetime]) -> list[datetime]:
    first, last = min(times), max(times)
    midnights = []
    day = keyframes.midnight_before(first)
    while day <= last + timedelta(days=1):
        midnights.append(day.astimezone(UTC))
        day += timedelta(days=1)
    around = [m + timedelta(microseconds=d) for m in midnights for d in (-1, 0, 1)]
    exact = [t + timedelta(microseconds=d) for t in rng.sample(times, 60) for d in (0, 1)]
    spread = [first + (last - first) * rng.random() for _ in range(40)]
    return [first - timedelta(days=1), *around, *exact, *spread, last + timedelta(days=3)]


@pytest.mark.parametrize("seed", [1, 2])
def test_cells_from_keyframes_equal_the_rebuild(db, seed):
    _, times = realistic_history(db, seed)
    rng = random.Random(seed)
    moments = instants(rng, times)
    with db.read() as session:
        track_cluster = store.track_clusters(session)
        written = session.scalar(select(func.count()).select_from(keyframes_table))
        assert written >= 5  # the follower wrote keyframes as it passed midnights
        for moment in moments:
            assert keyframes.cells_before(session, moment, track_cluster) == rebuilt(session, moment, track_cluster), moment
        # Each stored keyframe is the rebuild at its instant.
        for (at,) in session.execute(select(keyframes_table.c.at)):
            assert keyframes.stored_cells(session, at) == rebuilt(session, at, track_cluster), at

    filled = snapshots.backfill(db, until=(max(times) + timedelta(days=2)).date())
    assert filled["keyframes"] >= 10
    with db.read() as session:
        for moment in moments:
            assert keyframes.cells_before(session, moment, track_cluster) == rebuilt(session, moment, track_cluster), moment
        # The daily history is the rebuild at each day's end, too.
        for day in sorted(set(session.scalars(select(cell_snapshots.c.day)))):
            end = datetime.combine(day + timedelta(days=1), datetime.min.time(), keyframes.SHANGHAI)
            query = select(cell_snapshots).where(cell_snapshots.c.day == day)
            stored = Counter({tuple(row[1:-1]): row[-1] for row in session.execute(query)})
            assert stored == rebuilt(session, end, track_cluster), day


def test_a_late_change_before_a_keyframe_replaces_it(db):
    feed = Feed(db)
    feed.write(1, at="2026-03-01T04:00:00Z")
    feed.write(2, at="2026-03-02T16:00:05Z")  # 00:00:05 on the 3rd in Shanghai: passes the midnight
    feed.apply()
    feed.write(3, at="2026-03-02T15:59:58Z")  # committed later, stamped before that midnight
    feed.apply(feed.changes[-1:])
    midnight = datetime(2026, 3, 2, 16, tzinfo=UTC)
    with db.read() as session:
        track_cluster = store.track_clusters(session)
        assert keyframes.newest(session) == midnight
        assert sum(c for k, c in keyframes.stored_cells(session, midnight).items() if k[:2] == ("", "")) == 2
        assert keyframes.cells_before(session, midnight, track_cluster) == rebuilt(session, midnight, track_cluster)


def test_answers_as_of_are_the_same_without_keyframes(client, db):
    _, times = realistic_history(db, 3)
    moments = [times[40], times[200], keyframes.midnight_before(times[300]), max(times)]
    questions = [
        "/api/v1/metrics/counts?group_by=cluster,kind,status&status=planned,building,active,inactive,closed",
        "/api/v1/metrics/counts?group_by=track,district",
        "/api/v1/metrics/counts?cluster=energy&group_by=tier",
        "/api/v1/metrics/summary",
        "/api/v1/targets",
        "/api/v1/targets/hydrogen_stations",
    ]

    def answers() -> list:
        out = []
        for moment in moments:
            stamp = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
            for question in questions:
                response = client.get(f"{question}{'&' if '?' in question else '?'}as_of={stamp}")
                assert response.status_code == 200, (question, stamp, response.json["errors"])
                body = response.json
                for volatile in ("checked_at", "seconds_behind", "last_success_at"):
                    body.pop(volatile, None)
                out.append(body)
        return out

    with_keyframes = answers()
    with db.write() as session:
        assert session.scalar(select(func.count()).select_from(keyframe_cells)) > 0
        keyframes.drop(session)
    assert answers() == with_keyframes


def test_an_entity_is_never_counted_twice_when_a_later_version_carries_an_earlier_time(client, db):
    # v1 at 05:00, v2 at 10:00, v3 committed after v2 but stamped 08:00 (its writer's clock read
    # before v2 committed): from 08:00 on the entity is v3, its newest version; v2 never counted.
    feed = Feed(db)
    feed.write(1, kind="facility", subtype="hydrogen_station", tracks=[], at="2026-03-01T05:00:00Z")
    feed.write(1, kind="facility", subtype="hydrogen_station", tracks=[], status="building", at="2026-03-01T10:00:00Z")
    feed.apply()
    feed.write(1, kind="facility", subtype="hydrogen_station", tracks=[], status="closed", at="2026-03-01T08:00:00Z")
    feed.apply(feed.changes[-1:])
    everything = "&group_by=status&status=planned,building,active,inactive,closed"

    def statuses(as_of: str) -> dict:
        body = client.get(f"/api/v1/metrics/counts?kind=facility{everything}&as_of={as_of}").json
        return {group["status"]: group["count"] for group in body["groups"]}

    assert statuses("2026-03-01T06:00:00Z") == {"active": 1}
    assert statuses("2026-03-01T09:00:00Z") == {"closed": 1}  # not active and closed at once
    assert statuses("2026-03-01T11:00:00Z") == {"closed": 1}
    live = client.get(f"/api/v1/metrics/counts?kind=facility{everything}").json["groups"]
    assert statuses("2026-03-02T00:00:00Z") == {group["status"]: group["count"] for group in live} == {"closed": 1}
