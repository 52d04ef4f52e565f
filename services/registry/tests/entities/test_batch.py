"""POST /api/v1/entities/batch: upserts with per-item answers."""

import json

from registry_testing import as_partner, enterprise


def post_batch(client, items, partner="partner-a", **headers):
    return client.post("/api/v1/entities/batch", json={"entities": items}, headers=as_partner(partner, **headers))


def test_batch_creates_then_a_repeat_changes_nothing(client):
    items = [enterprise(i) for i in range(1, 51)]
    first = post_batch(client, items)
    assert first.status_code == 200
    assert first.json["summary"] == {"created": 50, "updated": 0, "unchanged": 0, "error": 0}
    again = post_batch(client, items)
    assert again.json["summary"] == {"created": 0, "updated": 0, "unchanged": 50, "error": 0}
    assert [i["id"] for i in again.json["items"]] == [i["id"] for i in first.json["items"]]
    assert len(client.get("/api/v1/changes?limit=1000").json["changes"]) == 50


def test_batch_updates_matched_on_uscc_then_external_id(client):
    post_batch(client, [enterprise(1), enterprise(2, uscc=None, external_id="crm-2")])
    response = post_batch(
        client, [enterprise(1, name="Renamed by code"), enterprise(2, uscc=None, external_id="crm-2", name="Renamed by id")]
    )
    assert [item["status"] for item in response.json["items"]] == ["updated", "updated"]
    assert all(item["version"] == 2 for item in response.json["items"])
    listed = {item["name"] for item in client.get("/api/v1/entities").json["items"]}
    assert listed == {"Renamed by code", "Renamed by id"}


def test_good_items_are_written_when_others_fail(client):
    items = [
        enterprise(1),
        enterprise(2, uscc="91350100M000100Y44"),  # wrong check character
        enterprise(3, tracks=["graphene"]),  # track outside the clusters
        {"kind": "enterprise", "name": "No identifiers", "clusters": ["energy"]},
        enterprise(4, parent_id=999999),
        enterprise(5, colour="red"),
        "not an object",
        enterprise(6),
    ]
    response = post_batch(client, items)
    assert response.status_code == 200
    statuses = [item["status"] for item in response.json["items"]]
    assert statuses == ["created", "error", "error", "error", "error", "error", "error", "created"]
    errors = [item.get("errors", {}) for item in response.json["items"]]
    assert "uscc" in errors[1]
    assert "tracks" in errors[2]
    assert "_schema" in errors[3]
    assert "parent_id" in errors[4]
    assert errors[5] == {"colour": ["Unknown field."]}
    assert "_schema" in errors[6]
    assert response.json["summary"] == {"created": 2, "updated": 0, "unchanged": 0, "error": 6}
    assert len(client.get("/api/v1/entities").json["items"]) == 2


def test_duplicates_within_a_batch_are_errors(client):
    response = post_batch(
        client,
        [enterprise(1), enterprise(1, name="again"), enterprise(2, uscc=None, external_id="x"), enterprise(3, uscc=None, external_id="x")],
    )
    assert [item["status"] for item in response.json["items"]] == ["created", "error", "created", "error"]


def test_two_items_matching_one_entity_is_an_error(client):
    post_batch(client, [enterprise(1, external_id="crm-1")])
    response = post_batch(client, [enterprise(1, name="by code"), enterprise(9, uscc=None, external_id="crm-1", name="by id")])
    assert [item["status"] for item in response.json["items"]] == ["updated", "error"]


def test_conflicting_identifiers_are_an_item_error(client):
    post_batch(client, [enterprise(1), enterprise(2, uscc=None, external_id="crm-2")])
    response = post_batch(client, [enterprise(1, external_id="crm-2")])
    assert response.json["items"][0]["status"] == "error"
    assert "external_id" in response.json["items"][0]["errors"]


def test_another_partners_entity_is_not_changed(client):
    post_batch(client, [enterprise(1)], partner="partner-a")
    response = post_batch(client, [enterprise(1, name="Mine now")], partner="partner-b")
    assert response.json["items"][0]["status"] == "error"
    assert "partner-a" in response.json["items"][0]["errors"]["_schema"][0]
    admin = client.post(
        "/api/v1/entities/batch", json={"entities": [enterprise(1, name="Admin fix")]}, headers=as_partner("ops", admin=True)
    )
    assert admin.json["items"][0]["status"] == "updated"


def test_batch_size_is_capped(client):
    assert post_batch(client, []).status_code == 422
    response = post_batch(client, [enterprise(1)] * 1001)
    assert response.status_code == 422
    assert client.get("/api/v1/entities").json["items"] == []


def test_batch_honours_idempotency_keys(client):
    first = post_batch(client, [enterprise(1)], **{"Idempotency-Key": "batch-1"})
    again = post_batch(client, [enterprise(1)], **{"Idempotency-Key": "batch-1"})
    assert again.json == first.json
    assert again.json["items"][0]["status"] == "created"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert post_batch(client, [enterprise(2)], **{"Idempotency-Key": "batch-1"}).status_code == 422


def test_batch_needs_a_partner(client):
    response = client.post("/api/v1/entities/batch", json={"entities": [enterprise(1)]})
    assert response.status_code == 401


def test_batch_checks_parents_and_cycles(client):
    first = post_batch(client, [enterprise(1), enterprise(2)]).json["items"]
    a, b = first[0]["id"], first[1]["id"]
    assert post_batch(client, [enterprise(2, parent_id=a)]).json["items"][0]["status"] == "updated"
    response = post_batch(client, [enterprise(1, parent_id=b), enterprise(2, parent_id=b), enterprise(3, parent_id=a)])
    statuses = [item["status"] for item in response.json["items"]]
    errors = [item.get("errors", {}).get("parent_id", [""])[0] for item in response.json["items"]]
    assert statuses == ["error", "error", "created"]
    assert "cycle" in errors[0]
    assert "own parent" in errors[1]


def test_an_item_gets_every_error_at_once_schema_and_rules(client):
    # A tech_centre without a tier (a rule) in a district that does not exist (the schema).
    centre = {
        "kind": "tech_centre",
        "name": "Tierless Centre",
        "clusters": ["materials"],
        "tracks": ["hydrogen"],
        "district": "manhattan",
        "external_id": "tc-1",
    }
    response = post_batch(client, [centre, enterprise(2, uscc="91350100M000100Y44", tracks=["graphene"])])
    first, second = (item["errors"] for item in response.json["items"])
    assert set(first) == {"district", "tier", "tracks"}
    assert set(second) == {"uscc", "tracks"}
    assert response.json["summary"]["error"] == 2
    assert client.get("/api/v1/entities").json["items"] == []


def test_rules_of_an_invalid_item_are_judged_on_the_entity_it_updates(client):
    post_batch(client, [{"kind": "tech_centre", "tier": "national", "name": "C", "clusters": ["energy"], "external_id": "tc-2"}])
    # The stored tier satisfies the rule; only the bad district is reported.
    response = post_batch(client, [{"kind": "tech_centre", "name": "C", "clusters": ["energy"], "district": "x", "external_id": "tc-2"}])
    assert set(response.json["items"][0]["errors"]) == {"district"}


def test_a_missing_identifier_is_reported_with_the_other_errors(client):
    # A published list's row: a name, no kind, no cluster, no identifier. All three at once.
    response = post_batch(client, [{"name": "上海蓝氢装备有限公司"}, {"kind": "tech_centre", "name": "C", "clusters": ["energy"]}])
    first, second = (item["errors"] for item in response.json["items"])
    assert set(first) == {"kind", "clusters", "_schema"}
    assert "needs a uscc or an external_id" in " ".join(first["_schema"])
    assert set(second) == {"_schema", "tier"}  # valid fields, no identifier: the rules are judged too


def test_an_item_with_unstorable_text_gets_its_other_errors_and_keeps_its_identifier(client):
    # The text walk refuses a NUL or a lone surrogate before any field is loaded; the item was
    # then told it had no uscc or external_id, and nothing of its other fields (review14b, F4).
    items = [
        enterprise(1, name="Nul\u0000Name"),
        enterprise(2, name="Nul\u0000Name", tier="bogus"),
        {**enterprise(3, attributes={"note": "x\u0000"}), "uscc": None},
        enterprise(4, name="\ud800 alone"),
        enterprise(5),
    ]
    body = json.dumps({"entities": items})  # ensure_ascii: the NUL and the surrogate as \u escapes
    response = client.post("/api/v1/entities/batch", data=body, content_type="application/json", headers=as_partner())
    assert response.status_code == 200, response.json
    nul, nul_and_tier, no_identifier, surrogate, good = response.json["items"]
    assert set(nul["errors"]) == {"name"}, nul
    assert set(nul_and_tier["errors"]) == {"name", "tier"}, nul_and_tier
    assert set(no_identifier["errors"]) == {"attributes.note", "_schema"}, no_identifier
    assert "needs a uscc or an external_id" in " ".join(no_identifier["errors"]["_schema"])
    assert set(surrogate["errors"]) == {"name"}, surrogate
    assert good["status"] == "created"
    assert response.json["summary"] == {"created": 1, "updated": 0, "unchanged": 0, "error": 4}
