"""Applying the feed: replays and duplicates change nothing; the counts equal the latest versions'."""

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metrics_testing import Feed, change

from metrics.readmodel.apply import fold
from metrics.readmodel.facts import contribution, fact_from_change
from metrics.tables import count_cells

TRACKS = {"hydrogen": "energy", "graphene": "materials", "general_ai": "intelligence"}
KINDS = ["enterprise", "lab", "tech_centre"]
STATUSES = ["active", "building", "closed"]
CLUSTER_TRACKS = [
    (["energy"], ["hydrogen"]),
    (["materials"], ["graphene"]),
    (["energy", "intelligence"], ["general_ai", "hydrogen"]),
    (["intelligence"], []),
]


@st.composite
def histories(draw):
    """A feed: each entity's versions in order, interleaved; some entities retired at the end."""
    steps = draw(
        st.lists(
            st.tuples(st.integers(1, 6), st.sampled_from(KINDS), st.sampled_from(STATUSES), st.sampled_from(CLUSTER_TRACKS)),
            min_size=1,
            max_size=40,
        )
    )
    retire = draw(st.sets(st.integers(1, 6)))
    versions: dict[int, int] = {}
    feed = []
    for entity_id, kind, status, (clusters, tracks) in steps:
        if versions.get(entity_id) == -1:
            continue
        versions[entity_id] = versions.get(entity_id, 0) + 1
        feed.append(change(len(feed) + 1, entity_id, versions[entity_id], kind=kind, status=status, clusters=clusters, tracks=tracks))
        if entity_id in retire and draw(st.booleans()):
            versions[entity_id] += 1
            feed.append(
                change(
                    len(feed) + 1, entity_id, versions[entity_id], op="retire", kind=kind, status=status, clusters=clusters, tracks=tracks
                )
            )
            versions[entity_id] = -1
    return feed


def truth(feed: list[dict]) -> Counter:
    """Each entity's latest version, counted once."""
    latest = {}
    for item in feed:
        latest[item["entity_id"]] = item
    total = Counter()
    for item in latest.values():
        total.update(contribution(fact_from_change(item), TRACKS))
    return +total


@given(histories(), st.data())
# No deadline: a pure fold, timed by a shared, loaded machine, is not what this checks.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_delivery_with_replays_and_duplicates_gives_the_latest_versions_counts(feed, data):
    # Deliver the feed in pages that may repeat earlier changes, duplicate some, and restart from older points.
    delivered = []
    position = 0
    while position < len(feed):
        back = data.draw(st.integers(0, min(position, 5)), label="replay")
        size = data.draw(st.integers(1, 8), label="page")
        page = feed[position - back : position + size]
        if page and data.draw(st.booleans(), label="duplicate"):
            page = [*page, data.draw(st.sampled_from(page), label="dup")]
        delivered.append(page)
        position += size
    facts, cells = {}, Counter()
    for page in delivered:
        changed, delta, _ = fold(page, facts, TRACKS)
        facts.update(changed)
        cells.update(delta)
    assert +cells == truth(feed)
    assert all(value >= 0 for value in cells.values())


def stored_counts(db) -> Counter:
    from sqlalchemy import select

    with db.read() as session:
        rows = session.execute(select(count_cells)).all()
    return +Counter(
        {
            tuple(getattr(row, name) for name in ("cluster", "track", "kind", "subtype", "tier", "status", "district")): row.count
            for row in rows
        }
    )


def test_pages_applied_to_the_database_twice_count_once(db):
    feed = Feed(db)
    for entity_id in range(1, 6):
        feed.write(entity_id)
    feed.write(2, status="closed")
    feed.write(3, op="retire")
    first = feed.apply()
    assert first.checkpoint == 7
    assert first.applied == 7
    again = feed.apply()
    assert again.applied == 0
    assert again.skipped == 7
    assert stored_counts(db) == truth(feed.changes)


def test_an_older_page_after_a_newer_one_changes_nothing(db):
    feed = Feed(db)
    feed.write(1, status="active")
    feed.write(1, status="closed")
    feed.apply(feed.changes[1:])  # the newer version arrives first
    feed.apply(feed.changes[:1])
    assert stored_counts(db) == truth(feed.changes)


def test_a_merge_counts_the_survivor_once(db):
    feed = Feed(db)
    feed.write(1)
    feed.write(2)
    feed.write(1, op="merge")
    feed.apply()
    assert stored_counts(db) == truth(feed.changes[1:2])
