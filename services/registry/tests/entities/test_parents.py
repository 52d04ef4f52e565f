"""Parent links: across partners, within one batch, and under concurrent retires.

Every path that writes ``parent_id`` (POST, PATCH, batch, retire's detaching)
goes through ``parents.ParentCheck``; these tests drive each path.
"""

import threading

import pytest
from registry_testing import as_partner, enterprise

from registry.entities import batch, service
from registry.entities.schemas import BatchRequestSchema, EntityCreateSchema
from registry.partner import Partner


def create(client, serial, partner="partner-a", **overrides):
    response = client.post("/api/v1/entities", json=enterprise(serial, **overrides), headers=as_partner(partner))
    assert response.status_code == 201, response.json
    return response.json


def post_batch(client, items, partner="partner-a"):
    return client.post("/api/v1/entities/batch", json={"entities": items}, headers=as_partner(partner))


def test_another_partners_child_does_not_block_a_retire_and_is_detached(client):
    parent = create(client, 1, partner="partner-a")
    child = create(client, 2, partner="partner-b", parent_id=parent["id"])  # B may link to A's entity
    # A may not change B's entity ...
    detach = client.patch(
        f"/api/v1/entities/{child['id']}", json={"parent_id": None}, headers={**as_partner("partner-a"), "If-Match": '"1"'}
    )
    assert detach.status_code == 403
    # ... but B's link does not restrict what A does with its own.
    assert client.delete(f"/api/v1/entities/{parent['id']}", headers=as_partner("partner-a")).status_code == 204
    after = client.get(f"/api/v1/entities/{child['id']}").json
    assert after["parent_id"] is None
    assert after["version"] == 2
    last = client.get(f"/api/v1/entities/{child['id']}/history").json["versions"][-1]
    assert last["changes"] == {"parent_id": {"from": parent["id"], "to": None}}
    assert last["actor"] == "partner-a"


def test_retiring_a_parent_detaches_every_live_child(client):
    parent = create(client, 1)
    children = [create(client, n, parent_id=parent["id"]) for n in (2, 3)]
    assert client.delete(f"/api/v1/entities/{parent['id']}", headers=as_partner()).status_code == 204
    for child in children:
        assert client.get(f"/api/v1/entities/{child['id']}").json["parent_id"] is None
    kinds = [change["op"] for change in client.get("/api/v1/changes").json["changes"]]
    assert kinds == ["create", "create", "create", "update", "update", "retire"]


def test_a_batch_cannot_make_a_cycle_between_its_own_items(client):
    x, y = create(client, 1), create(client, 2)
    response = post_batch(client, [enterprise(1, parent_id=y["id"]), enterprise(2, parent_id=x["id"])])
    assert response.status_code == 200
    first, second = response.json["items"]
    assert first["status"] == "updated"
    assert second["status"] == "error"
    assert "cycle" in second["errors"]["parent_id"][0]
    # and both can still be retired (the child first is not needed: retiring detaches)
    assert client.delete(f"/api/v1/entities/{y['id']}", headers=as_partner()).status_code == 204
    assert client.delete(f"/api/v1/entities/{x['id']}", headers=as_partner()).status_code == 204


def test_a_longer_cycle_through_stored_and_batched_links_is_refused(client):
    a, b, c = create(client, 1), create(client, 2), create(client, 3)
    response = post_batch(client, [enterprise(2, parent_id=a["id"]), enterprise(3, parent_id=b["id"]), enterprise(1, parent_id=c["id"])])
    assert [item["status"] for item in response.json["items"]] == ["updated", "updated", "error"]


def test_a_failed_item_does_not_count_as_a_link(client):
    x, y = create(client, 1), create(client, 2)
    # the first item fails (bad track), so its link is not made and the second is no cycle
    response = post_batch(client, [enterprise(1, parent_id=y["id"], tracks=["graphene"]), enterprise(2, parent_id=x["id"])])
    assert [item["status"] for item in response.json["items"]] == ["error", "updated"]


def test_patch_refuses_self_cycle_and_retired_parents(client):
    x, y = create(client, 1), create(client, 2)
    assert (
        client.patch(f"/api/v1/entities/{y['id']}", json={"parent_id": x["id"]}, headers={**as_partner(), "If-Match": '"1"'}).status_code
        == 200
    )
    for body, word in (({"parent_id": y["id"]}, "cycle"), ({"parent_id": x["id"]}, "own parent")):
        response = client.patch(f"/api/v1/entities/{x['id']}", json=body, headers={**as_partner(), "If-Match": '"1"'})
        assert response.status_code == 422
        assert word in response.json["errors"]["parent_id"][0]


def race(work_a, work_b):
    start = threading.Barrier(2)
    results = [None, None]

    def run(i, work):
        start.wait()
        try:
            results[i] = work()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[i] = error

    threads = [threading.Thread(target=run, args=(i, work)) for i, work in enumerate((work_a, work_b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.slow
def test_retire_racing_a_new_child_never_leaves_a_live_child_of_a_retired_parent(db):
    owner, other = Partner("partner-a"), Partner("partner-b")
    for trial in range(20):
        parent = service.create_entity(db, EntityCreateSchema().load(enterprise(1000 + trial)), owner)
        parent_id = parent["id"]
        child_fields = EntityCreateSchema().load(enterprise(2000 + trial, parent_id=parent_id))
        retired, created = race(
            lambda: service.retire_entity(db, parent_id, owner, None),  # noqa: B023 - run before the loop moves on
            lambda: service.create_entity(db, child_fields, other),  # noqa: B023
        )
        assert retired is None, retired
        if isinstance(created, Exception):
            assert getattr(created, "status", None) == 422, created  # the parent was gone first
            continue
        child = service.get_entity(db, created["id"])
        assert child["parent_id"] is None, f"trial {trial}: live child {child['id']} of retired parent {parent_id}"


@pytest.mark.slow
def test_two_requests_closing_a_cycle_from_both_ends_cannot_both_win(db):
    partner = Partner("partner-a")
    for trial in range(10):
        x = service.create_entity(db, EntityCreateSchema().load(enterprise(3000 + 2 * trial)), partner)
        y = service.create_entity(db, EntityCreateSchema().load(enterprise(3001 + 2 * trial)), partner)
        x_id, y_id = x["id"], y["id"]
        items_x = BatchRequestSchema().load({"entities": [enterprise(3000 + 2 * trial, parent_id=y_id)]})["entities"]
        results = race(
            lambda: batch.upsert_batch(db, items_x, partner)["items"][0]["status"],  # noqa: B023
            lambda: service.update_entity(db, y_id, {"parent_id": x_id}, partner, ['"1"']),  # noqa: B023
        )
        x_parent = service.get_entity(db, x_id)["parent_id"]
        y_parent = service.get_entity(db, y_id)["parent_id"]
        assert not (x_parent == y_id and y_parent == x_id), f"trial {trial}: {results}"
