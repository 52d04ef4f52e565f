"""GET/PATCH/DELETE /api/v1/entities/{id}: ETags, preconditions, ownership, parents."""

from registry_testing import as_partner, code, enterprise


def create(client, serial=1, partner="partner-a", **overrides):
    response = client.post("/api/v1/entities", json=enterprise(serial, **overrides), headers=as_partner(partner))
    assert response.status_code == 201, response.json
    return response.json


def patch(client, entity, body, *, etag=None, partner="partner-a", admin=False):
    headers = as_partner(partner, admin=admin)
    if etag is not None:
        headers["If-Match"] = etag
    return client.patch(f"/api/v1/entities/{entity['id']}", json=body, headers=headers)


def test_get_has_an_etag_and_unknown_ids_are_404(client):
    entity = create(client)
    response = client.get(f"/api/v1/entities/{entity['id']}")
    assert response.headers["ETag"] == '"1"'
    missing = client.get("/api/v1/entities/987654")
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"


def test_patch_needs_if_match(client):
    entity = create(client)
    response = patch(client, entity, {"name": "Renamed"})
    assert response.status_code == 428
    assert client.get(f"/api/v1/entities/{entity['id']}").json["name"] == entity["name"]


def test_patch_with_current_etag_changes_and_bumps_the_version(client):
    entity = create(client)
    response = patch(client, entity, {"name": "Renamed", "status": "inactive"}, etag='"1"')
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    assert response.json["name"] == "Renamed"
    assert response.json["status"] == "inactive"
    assert response.json["uscc"] == entity["uscc"]  # untouched fields stay
    assert response.json["updated_at"] >= entity["updated_at"]
    assert response.json["created_at"] == entity["created_at"]


def test_patch_with_a_stale_etag_is_412_and_changes_nothing(client):
    entity = create(client)
    assert patch(client, entity, {"name": "First"}, etag='"1"').status_code == 200
    stale = patch(client, entity, {"name": "Second"}, etag='"1"')
    assert stale.status_code == 412
    assert client.get(f"/api/v1/entities/{entity['id']}").json["name"] == "First"


def test_if_match_accepts_a_list_and_star_but_not_weak_tags(client):
    entity = create(client)
    assert patch(client, entity, {"name": "A"}, etag='"7", "1"').status_code == 200
    assert patch(client, entity, {"name": "B"}, etag="*").status_code == 200
    assert patch(client, entity, {"name": "C"}, etag='W/"3"').status_code == 412
    assert patch(client, entity, {"name": "D"}, etag="garbage").status_code == 400


def test_a_patch_that_changes_nothing_keeps_the_version(client):
    entity = create(client)
    response = patch(client, entity, {"name": entity["name"]}, etag='"1"')
    assert response.status_code == 200
    assert response.json["version"] == 1
    assert len(client.get("/api/v1/changes").json["changes"]) == 1


def test_patch_is_validated_against_the_merged_entity(client):
    entity = create(client)  # energy / hydrogen
    response = patch(client, entity, {"clusters": ["health"]}, etag='"1"')
    assert response.status_code == 422
    assert "tracks" in response.json["errors"]
    ok = patch(client, entity, {"clusters": ["health"], "tracks": []}, etag='"1"')
    assert ok.status_code == 200


def test_null_clears_optional_fields_but_not_required_ones(client):
    entity = create(client)
    assert patch(client, entity, {"district": None, "uscc": None}, etag='"1"').json["district"] is None
    assert patch(client, entity, {"name": None}, etag="*").status_code == 422
    assert patch(client, entity, {}, etag="*").status_code == 422


def test_another_partner_may_not_change_an_entity_but_an_admin_may(client):
    entity = create(client, partner="partner-a")
    assert patch(client, entity, {"name": "Hijack"}, etag='"1"', partner="partner-b").status_code == 403
    assert client.delete(f"/api/v1/entities/{entity['id']}", headers=as_partner("partner-b")).status_code == 403
    response = patch(client, entity, {"name": "Fixed by admin"}, etag='"1"', partner="ops", admin=True)
    assert response.status_code == 200
    assert response.json["source"] == "partner-a"
    history = client.get(f"/api/v1/entities/{entity['id']}/history").json
    assert history["versions"][-1]["actor"] == "ops"


def test_uscc_change_to_a_taken_code_is_a_conflict(client):
    first = create(client, 1)
    second = create(client, 2)
    response = patch(client, second, {"uscc": first["uscc"]}, etag='"1"')
    assert response.status_code == 409
    assert client.get(f"/api/v1/entities/{second['id']}").json["uscc"] == code(2)


def test_parent_cycles_are_refused(client):
    a = create(client, 1)
    b = create(client, 2, parent_id=a["id"])
    c = create(client, 3, parent_id=b["id"])
    assert patch(client, a, {"parent_id": a["id"]}, etag="*").json["errors"]["parent_id"] == ["an entity cannot be its own parent"]
    response = patch(client, a, {"parent_id": c["id"]}, etag="*")
    assert response.status_code == 422
    assert "cycle" in response.json["errors"]["parent_id"][0]
    assert patch(client, c, {"parent_id": a["id"]}, etag="*").status_code == 200  # re-parenting downwards is fine


def test_delete_retires_the_entity(client):
    entity = create(client)
    location = f"/api/v1/entities/{entity['id']}"
    assert client.delete(location, headers=as_partner()).status_code == 204
    assert client.get(location).status_code == 404
    assert client.delete(location, headers=as_partner()).status_code == 404
    assert patch(client, entity, {"name": "x"}, etag="*").status_code == 404
    assert client.get("/api/v1/entities").json["items"] == []
    history = client.get(f"{location}/history").json
    assert history["retired"] is True
    assert [v["op"] for v in history["versions"]] == ["create", "retire"]
    feed = client.get("/api/v1/changes").json["changes"]
    assert [(c["op"], c["version"]) for c in feed] == [("create", 1), ("retire", 2)]


def test_delete_honours_if_match_when_given(client):
    entity = create(client)
    headers = {**as_partner(), "If-Match": '"5"'}
    assert client.delete(f"/api/v1/entities/{entity['id']}", headers=headers).status_code == 412
    assert client.get(f"/api/v1/entities/{entity['id']}").status_code == 200


def test_a_retired_entity_cannot_become_a_parent(client):
    retired = create(client, 1)
    client.delete(f"/api/v1/entities/{retired['id']}", headers=as_partner())
    response = client.post("/api/v1/entities", json=enterprise(2, parent_id=retired["id"]), headers=as_partner())
    assert response.status_code == 422


def test_history_lists_every_version_with_what_changed(client):
    entity = create(client)
    patch(client, entity, {"name": "Second name", "district": "pudong"}, etag='"1"')
    history = client.get(f"/api/v1/entities/{entity['id']}/history").json
    assert history["entity_id"] == entity["id"]
    first, second = history["versions"]
    assert first["op"] == "create"
    assert first["changes"]["name"] == {"from": None, "to": entity["name"]}
    assert second["version"] == 2
    assert second["actor"] == "partner-a"
    assert second["changes"] == {"name": {"from": entity["name"], "to": "Second name"}, "district": {"from": "jiading", "to": "pudong"}}
    assert second["entity"]["name"] == "Second name"
    assert client.get("/api/v1/entities/424242/history").status_code == 404


def test_history_is_paged_with_the_list_cursor_convention(client):
    entity = create(client)
    for version in range(1, 8):
        assert patch(client, entity, {"name": f"Name {version}"}, etag=f'"{version}"').status_code == 200
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/entities/{entity['id']}/history{query}").json
        pages += 1
        assert len(page["versions"]) <= 3
        seen += page["versions"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert [version["version"] for version in seen] == list(range(1, 9))
    # the first version of a later page still shows what it changed from the one before
    assert seen[3]["changes"] == {"name": {"from": "Name 2", "to": "Name 3"}}
    assert client.get(f"/api/v1/entities/{entity['id']}/history").json["next_cursor"] is None
    assert client.get(f"/api/v1/entities/{entity['id']}/history?limit=501").status_code == 422
    assert client.get(f"/api/v1/entities/{entity['id']}/history?cursor=nonsense").status_code == 422
