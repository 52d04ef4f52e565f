"""GET /api/v1/changes: complete, in commit order, also under concurrent writers."""

import random
import threading
import time

import pytest
from registry_testing import as_partner, enterprise
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from registry.changes import feed
from registry.entities import service
from registry.entities.schemas import EntityCreateSchema
from registry.partner import Partner
from registry.tables import changes


def test_feed_pages_in_order_with_next_after(client):
    client.post("/api/v1/entities/batch", json={"entities": [enterprise(i) for i in range(1, 8)]}, headers=as_partner())
    first = client.get("/api/v1/changes?after=0&limit=3").json
    assert [c["seq"] for c in first["changes"]] == [1, 2, 3]
    assert first["next_after"] == 3
    assert first["latest_seq"] == 7
    rest = client.get(f"/api/v1/changes?after={first['next_after']}&limit=100").json
    assert [c["seq"] for c in rest["changes"]] == [4, 5, 6, 7]
    empty = client.get("/api/v1/changes?after=7").json
    assert empty == {"changes": [], "next_after": 7, "latest_seq": 7}
    change = first["changes"][0]
    assert set(change) == {"seq", "entity_id", "op", "version", "at", "actor", "entity"}
    assert change["entity"]["id"] == change["entity_id"]
    assert change["op"] == "create"


def test_feed_arguments_are_checked(client):
    for query in ("after=-1", "limit=0", "limit=1001", "after=abc"):
        assert client.get(f"/api/v1/changes?{query}").status_code == 422, query


@pytest.fixture
def slow_commits():
    """Widen the gap between a writer's last statement and its commit.

    A feed whose sequence numbers are not in commit order shows it here: a
    change with a lower number commits after the follower has read past it.
    """

    def linger(_session):
        time.sleep(random.uniform(0, 0.004))

    event.listen(Session, "before_commit", linger)
    yield
    event.remove(Session, "before_commit", linger)


@pytest.mark.slow
@pytest.mark.usefixtures("slow_commits")
def test_a_follower_never_misses_a_change_under_concurrent_writers(db):
    writers, per_writer = 6, 25
    schema = EntityCreateSchema()
    done = threading.Event()
    failures: list[BaseException] = []
    seen: list[int] = []

    def write(worker: int) -> None:
        try:
            partner = Partner(f"writer-{worker}")
            for n in range(per_writer):
                serial = worker * 1000 + n
                fields = schema.load(enterprise(serial))
                answer = service.create_entity(db, fields, partner)
                if n % 3 == 0:  # some updates too, racing the creates
                    service.update_entity(db, answer["id"], {"name": f"renamed {serial}"}, partner, ["*"])
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    def follow() -> None:
        after = 0
        while True:
            finished = done.is_set()
            page = feed.read(db, after, 50)
            seen.extend(change["seq"] for change in page["changes"])
            after = page["next_after"]
            if finished and not page["changes"]:
                return

    follower = threading.Thread(target=follow)
    follower.start()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    follower.join(timeout=60)
    assert not failures, failures

    with db.read() as session:
        committed = list(session.scalars(select(changes.c.seq).order_by(changes.c.seq)))
    expected = writers * (per_writer + len(range(0, per_writer, 3)))
    assert len(committed) == expected
    assert seen == committed  # every change, each once, in order
