"""Writers racing each other: exactly one wins, nothing is created twice."""

import threading

import pytest
from registry_testing import code, enterprise

from registry import idempotency
from registry.entities import batch, service
from registry.entities.schemas import BatchRequestSchema, EntityCreateSchema
from registry.partner import Partner

pytestmark = pytest.mark.slow


def race(workers: int, work) -> list:
    """Run ``work(i)`` in ``workers`` threads released together; each one's result or exception."""
    start = threading.Barrier(workers)
    results: list = [None] * workers

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_partners_patching_with_one_etag_one_wins(db):
    fields = EntityCreateSchema().load(enterprise(1))
    created = service.create_entity(db, fields, Partner("owner"))
    entity_id = created["id"]
    admins = [Partner(f"admin-{i}", admin=True) for i in range(2)]
    results = race(2, lambda i: service.update_entity(db, entity_id, {"name": f"by {i}"}, admins[i], ['"1"']))
    winners = [r for r in results if isinstance(r, dict)]
    losers = [r for r in results if not isinstance(r, dict)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert getattr(losers[0], "status", None) == 412
    assert service.get_entity(db, entity_id)["version"] == 2


def test_many_retries_of_one_idempotent_post_create_one_entity(db):
    fields = EntityCreateSchema().load(enterprise(2))
    partner = Partner("partner")

    def register(session, now):
        created = service.register(session, db, fields, partner, now)
        return idempotency.StoredResponse(201, created, {})

    results = race(6, lambda i: idempotency.run(db, partner.name, "same-key", "f", register))
    assert all(not isinstance(r, Exception) for r in results), results
    ids = {answer.body["id"] for answer, _ in results}
    assert len(ids) == 1
    assert sum(1 for _, replayed in results if not replayed) == 1
    assert len(service.list_entities(db, {}, 50, None)["items"]) == 1


def test_parallel_batches_upserting_the_same_codes_create_each_entity_once(db):
    items = BatchRequestSchema().load({"entities": [enterprise(n) for n in range(10, 40)]})["entities"]
    results = race(4, lambda i: batch.upsert_batch(db, items, Partner("partner")))
    assert all(not isinstance(r, Exception) for r in results), results
    listed = service.list_entities(db, {}, 500, None)["items"]
    assert sorted(e["uscc"] for e in listed) == sorted(code(n) for n in range(10, 40))
    created = sum(answer["summary"]["created"] for answer in results)
    assert created == 30
