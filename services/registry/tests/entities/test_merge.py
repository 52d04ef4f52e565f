"""POST /api/v1/entities/{id}/merge: history kept, where it went, the feed, later upserts."""

from registry_testing import as_partner, code, enterprise


def register(client, *bodies, partner="partner-a"):
    response = client.post("/api/v1/entities/batch", json={"entities": list(bodies)}, headers=as_partner(partner))
    assert response.json["summary"]["error"] == 0, response.json
    return [item["id"] for item in response.json["items"]]


def merge(client, entity_id, into, **headers):
    return client.post(f"/api/v1/entities/{entity_id}/merge", json={"into": into}, headers=headers or as_partner())


def test_a_merged_entity_answers_where_it_went_and_keeps_its_history(client):
    duplicate, survivor = register(client, enterprise(1, name="Refire Ltd", external_id="r-1"), enterprise(2, name="Refire Energy"))
    response = merge(client, duplicate, survivor)
    assert response.status_code == 200, response.json
    assert response.json["merged"]["id"] == duplicate
    assert response.json["merged"]["merged_into"] == survivor
    assert response.json["survivor"]["id"] == survivor

    moved = client.get(f"/api/v1/entities/{duplicate}")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith(f"/api/v1/entities/{survivor}")
    assert moved.json["merged_into"] == survivor

    history = client.get(f"/api/v1/entities/{duplicate}/history").json
    assert [v["op"] for v in history["versions"]] == ["create", "merge"]
    assert history["retired"] is True
    assert history["merged_into"] == survivor
    assert history["versions"][-1]["entity"]["merged_into"] == survivor

    listed = {item["id"] for item in client.get("/api/v1/entities").json["items"]}
    assert listed == {survivor}


def test_the_feed_carries_the_merge(client):
    duplicate, survivor = register(client, enterprise(1), enterprise(2))
    before = client.get("/api/v1/changes").json["latest_seq"]
    assert merge(client, duplicate, survivor).status_code == 200
    [change] = client.get(f"/api/v1/changes?after={before}").json["changes"]
    assert change["op"] == "merge"
    assert change["entity_id"] == duplicate
    assert change["entity"]["merged_into"] == survivor


def test_children_move_to_the_survivor(client):
    duplicate, survivor = register(client, enterprise(1), enterprise(2))
    [child] = register(client, enterprise(3, parent_id=duplicate))
    assert merge(client, duplicate, survivor).status_code == 200
    assert client.get(f"/api/v1/entities/{child}").json["parent_id"] == survivor


def test_a_later_upsert_by_the_merged_keys_lands_on_the_survivor(client):
    duplicate, survivor = register(
        client, enterprise(1, external_id="dup-1", name="Old Spelling"), enterprise(2, external_id="main-1", name="Right Name")
    )
    assert merge(client, duplicate, survivor).status_code == 200
    by_code = client.post(
        "/api/v1/entities/batch", json={"entities": [enterprise(1, name="Right Name", status="building")]}, headers=as_partner()
    ).json
    assert by_code["items"][0]["status"] == "updated"
    assert by_code["items"][0]["id"] == survivor
    item = enterprise(9, external_id="dup-1", name="Right Name", status="active")
    del item["uscc"]
    by_external = client.post("/api/v1/entities/batch", json={"entities": [item]}, headers=as_partner()).json
    assert by_external["items"][0]["id"] == survivor, by_external
    after = client.get(f"/api/v1/entities/{survivor}").json
    # The survivor keeps its own identifiers; the update's other fields apply.
    assert (after["uscc"], after["external_id"], after["status"]) == (code(2), "main-1", "active")
    assert client.get("/api/v1/entities?limit=10").json["items"] == [after]


def test_who_may_merge(client):
    mine, theirs = register(client, enterprise(1), partner="partner-a")[0], register(client, enterprise(2), partner="partner-b")[0]
    assert merge(client, mine, theirs).status_code == 403
    assert merge(client, theirs, mine).status_code == 403
    assert merge(client, mine, theirs, **as_partner("ops", admin=True)).status_code == 200


def test_refusals(client):
    first, second, third = register(client, enterprise(1), enterprise(2), enterprise(3))
    assert merge(client, first, first).status_code == 409
    assert merge(client, first, 999999).status_code == 404
    assert client.post(f"/api/v1/entities/{first}/merge", json={"into": "2"}, headers=as_partner()).status_code == 422
    assert client.post(f"/api/v1/entities/{first}/merge", json={}, headers=as_partner()).status_code == 422
    stale = client.post(f"/api/v1/entities/{first}/merge", json={"into": second}, headers=as_partner(**{"If-Match": '"7"'}))
    assert stale.status_code == 412
    assert merge(client, first, second).status_code == 200
    again = merge(client, first, third)
    assert again.status_code == 404
    assert f"merged into entity {second}" in again.json["detail"]
    assert merge(client, third, first).status_code == 404
    assert client.post(f"/api/v1/entities/{second}/merge", json={"into": third}).status_code == 401


def test_a_merge_of_a_merge_points_to_the_last_survivor(client):
    first, second, third = register(client, enterprise(1), enterprise(2), enterprise(3))
    assert merge(client, first, second).status_code == 200
    assert merge(client, second, third).status_code == 200
    moved = client.get(f"/api/v1/entities/{first}")
    assert moved.status_code == 301
    assert moved.json["merged_into"] == third


def test_a_survivor_that_was_the_merged_entitys_child_loses_that_parent(client):
    [parent] = register(client, enterprise(1))
    [child] = register(client, enterprise(2, parent_id=parent))
    response = merge(client, parent, child)
    assert response.status_code == 200, response.json
    assert response.json["survivor"]["parent_id"] is None
    assert client.get(f"/api/v1/entities/{child}").json["parent_id"] is None


def test_entities_of_different_kinds_are_merged_only_when_forced(client):
    [company] = register(client, enterprise(1, name="Quantum Optics Co"))
    lab = {"kind": "lab", "subtype": "municipal_key_lab", "name": "Quantum Optics Lab", "clusters": ["energy"], "external_id": "lab-1"}
    [laboratory] = register(client, lab)
    refused = merge(client, laboratory, company)
    assert refused.status_code == 409
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "is a lab and entity" in refused.json["detail"]
    assert "an enterprise" in refused.json["detail"]
    assert "force" in refused.json["detail"]
    assert client.get(f"/api/v1/entities/{laboratory}").status_code == 200  # nothing changed
    forced = client.post(f"/api/v1/entities/{laboratory}/merge", json={"into": company, "force": True}, headers=as_partner())
    assert forced.status_code == 200, forced.json
    assert forced.json["merged"]["merged_into"] == company


def test_after_an_admin_merge_across_partners_the_first_partners_row_is_explained(client):
    [mine] = register(client, enterprise(1, external_id="a-1", name="Old Spelling"), partner="partner-a")
    [theirs] = register(client, enterprise(2, external_id="b-1", name="Right Name"), partner="partner-b")
    assert merge(client, mine, theirs, **as_partner("ops", admin=True)).status_code == 200
    item = enterprise(1, external_id="a-1", name="Old Spelling")
    del item["uscc"]
    again = client.post("/api/v1/entities/batch", json={"entities": [item]}, headers=as_partner("partner-a")).json
    [result] = again["items"]
    assert result["status"] == "error"
    [message] = result["errors"]["_schema"]
    assert f"the entity with this external_id was merged into entity {theirs}, which partner 'partner-b' registered" in message
    assert "no longer needed" in message
    # The survivor's own partner still updates it by its own keys; the first partner made nothing new.
    assert client.get("/api/v1/entities?limit=10").json["items"][0]["id"] == theirs
    assert len(client.get("/api/v1/entities?limit=10").json["items"]) == 1


def test_re_importing_the_list_that_held_both_rows_keeps_the_survivors_own_row(client):
    # The partner's list had both duplicates; after the merge it sends the same list again.
    # The survivor's own row updates it, whichever comes first; the merged one's row is an
    # error that says why (it is no longer needed), not "matches entity N as item M does".
    old, new = enterprise(1, external_id="dup-1", name="Old Spelling"), enterprise(2, external_id="main-1", name="Right Name")
    duplicate, survivor = register(client, old, new)
    assert merge(client, duplicate, survivor).status_code == 200
    for order in ([old, new], [new, old]):
        response = client.post("/api/v1/entities/batch", json={"entities": order}, headers=as_partner())
        by_row = {item["index"]: item for item in response.json["items"]}
        own = by_row[order.index(new)]
        stale = by_row[order.index(old)]
        assert own["status"] == "unchanged", response.json
        assert own["id"] == survivor
        assert stale["status"] == "error"
        [message] = stale["errors"]["_schema"]
        assert f"merged into entity {survivor}" in message, message
        assert f"item {order.index(new)} of this batch" in message, message
        assert "no longer needed" in message
    assert client.get(f"/api/v1/entities/{survivor}").json["name"] == "Right Name"
