"""The follower's loop, in this process: a feed served by a small WSGI app in the registry's shape."""

from __future__ import annotations

import copy
import threading
import time
from datetime import UTC, datetime

import requests
from flask import Flask, jsonify, request
from metrics_testing import Feed

from ecoreg_common.http import ServiceClient
from ecoreg_common.testing import WSGITransport
from metrics.counts.filters import unknown_values
from metrics.counts.service import count_in
from metrics.feed.follower import Follower, reset
from metrics.readmodel import store
from metrics.readmodel.apply import apply_page

CLUSTERS = {
    "clusters": [
        {"key": "energy", "name_en": "Future energy", "name_zh": "未来能源", "tracks": [{"key": "hydrogen"}, {"key": "fusion"}]},
    ]
}


# The registry's vocabulary in its answer's shape (a part of it).
VOCABULARY = {
    "kinds": {"enterprise": ["startup"], "tech_centre": ["enterprise_tech_centre"]},
    "tiers": ["national", "none"],
    "statuses": ["active", "closed"],
    "districts": [{"key": "pudong", "name_en": "Pudong New Area", "name_zh": "浦东新区"}],
}


class Registry:
    """GET /api/v1/changes, /api/v1/clusters and /api/v1/vocabulary as the registry answers them;
    ``down`` refuses connections."""

    def __init__(self, feed: Feed):
        self.feed = feed
        self.down = False
        self.vocabulary = copy.deepcopy(VOCABULARY)
        self.app = Flask("registry")

        @self.app.get("/api/v1/changes")
        def changes():
            after, limit = int(request.args["after"]), int(request.args["limit"])
            page = [change for change in self.feed.changes if change["seq"] > after][:limit]
            return jsonify({"changes": page, "latest_seq": len(self.feed.changes)})

        @self.app.get("/api/v1/clusters")
        def clusters():
            return jsonify(CLUSTERS)

        @self.app.get("/api/v1/vocabulary")
        def vocabulary():
            return jsonify(self.vocabulary)

    def fail(self) -> None:
        if self.down:
            raise requests.ConnectionError("the registry is down")

    def client(self) -> ServiceClient:
        client = ServiceClient("http://registry")
        client.mount("http://registry", WSGITransport(self.app, fail=self.fail))
        return client


def until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def state(db):
    with db.read() as session:
        return store.read_state(session)


def checkpoint(db) -> int:
    return state(db).checkpoint


def test_the_loop_follows_in_pages_waits_out_a_registry_outage_and_records_it(db):
    feed = Feed(db)
    for entity_id in range(1, 8):
        feed.write(entity_id)
    registry = Registry(feed)
    follower = Follower(db, registry.client(), batch=3, interval_seconds=0.01)
    stop = threading.Event()
    loop = threading.Thread(target=follower.run, args=(stop,), daemon=True)
    loop.start()
    try:
        assert until(lambda: checkpoint(db) == 7)  # three pages of at most 3
        registry.down = True
        feed.write(8, tracks=["fusion"])  # a track the local copy lacks: learnt on the way
        assert until(lambda: state(db).last_error is not None)
        assert "ConnectionError" in state(db).last_error
        assert checkpoint(db) == 7
        registry.down = False
        assert until(lambda: checkpoint(db) == 8)
        assert state(db).last_error is None
        with db.read() as session:
            assert count_in(session, {"cluster": "energy", "track": "fusion"}) == 1  # counted under its cluster
        assert follower.catch_up() == 0  # nothing newer
    finally:
        stop.set()
        loop.join(timeout=10)
    assert not loop.is_alive()
    # Stopped: the same follower, one page at a time.
    with db.read() as session:
        assert unknown_values(session, {"kind": "observatory"}) == {"kind": ["unknown kind 'observatory'; see GET /api/v1/vocabulary"]}
    registry.vocabulary["kinds"]["observatory"] = []  # the registry gains a kind, then an entity of it
    feed.write(9, kind="observatory", subtype=None)  # a kind the local copy lacks: learnt before it is applied
    assert follower.catch_up() == 1
    with db.read() as session:
        assert unknown_values(session, {"kind": "observatory", "district": "pudong"}) == {}
        assert count_in(session, {"kind": "observatory"}) == 1


def test_a_reset_while_the_follower_remembers_its_checkpoint_starts_it_again_from_the_first_change(db):
    # The follower keeps the checkpoint its last page left instead of reading it before each
    # page; a page fetched from a remembered position the database no longer holds is refused.
    feed = Feed(db)
    for entity_id in range(1, 6):
        feed.write(entity_id)
    follower = Follower(db, Registry(feed).client(), batch=2)
    assert follower.catch_up() == 5
    reset(db)  # ecoreg-metrics resync, from another process
    feed.write(6)
    assert follower.catch_up() == 6  # all of them again, not only the sixth
    assert checkpoint(db) == 6
    with db.read() as session:
        assert count_in(session, {}) == 6
    follower.close()


def test_a_page_fetched_from_a_position_behind_the_stored_checkpoint_is_refused_whole(db):
    feed = Feed(db)
    for entity_id in range(1, 5):
        feed.write(entity_id)
    feed.apply(feed.changes[:2])
    applied = apply_page(db, feed.changes[3:], registry_latest_seq=4, now=datetime.now(UTC), after=3)
    assert (applied.checkpoint, applied.applied) == (2, 0)
    assert checkpoint(db) == 2
    with db.read() as session:
        assert count_in(session, {}) == 2
