"""POST /api/v1/entities: validation, uniqueness, idempotency."""

from datetime import UTC, datetime, timedelta

from registry_testing import as_partner, code, enterprise
from sqlalchemy import select, update

from ecoreg_common.problems import PROBLEM_JSON
from registry import idempotency
from registry.tables import idempotency_keys


def entity_count(client) -> int:
    return len(client.get("/api/v1/entities?limit=500").json["items"])


def test_create_answers_201_with_location_and_etag(client):
    response = client.post("/api/v1/entities", json=enterprise(1), headers=as_partner("partner-a"))
    assert response.status_code == 201
    body = response.json
    assert response.headers["Location"] == f"/api/v1/entities/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    assert body["source"] == "partner-a"
    assert body["version"] == 1
    assert body["tier"] == "none"
    assert body["status"] == "active"
    assert client.get(response.headers["Location"]).json == body


def test_writes_need_a_partner_identity(client):
    response = client.post("/api/v1/entities", json=enterprise(1))
    assert response.status_code == 401
    assert response.mimetype == PROBLEM_JSON
    assert entity_count(client) == 0


def test_malformed_partner_header_is_rejected(client):
    response = client.post("/api/v1/entities", json=enterprise(1), headers=as_partner("Not A Name!"))
    assert response.status_code == 400


def test_wrong_uscc_check_character_is_rejected(client):
    good = code(7)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post("/api/v1/entities", json=enterprise(7, uscc=wrong), headers=as_partner())
    assert response.status_code == 422
    assert response.mimetype == PROBLEM_JSON
    assert "check character" in response.json["errors"]["uscc"][0]
    assert entity_count(client) == 0


def test_lowercase_uscc_is_normalised(client):
    response = client.post("/api/v1/entities", json=enterprise(3, uscc=code(3).lower()), headers=as_partner())
    assert response.status_code == 201
    assert response.json["uscc"] == code(3)


def test_same_uscc_twice_is_a_conflict_even_from_another_partner(client):
    assert client.post("/api/v1/entities", json=enterprise(1), headers=as_partner("partner-a")).status_code == 201
    response = client.post("/api/v1/entities", json=enterprise(1, name="Copy"), headers=as_partner("partner-b"))
    assert response.status_code == 409
    assert "uscc" in response.json["errors"]
    assert entity_count(client) == 1


def test_external_id_is_unique_per_partner(client):
    body = enterprise(1, uscc=None, external_id="crm-1")
    assert client.post("/api/v1/entities", json=body, headers=as_partner("partner-a")).status_code == 201
    assert client.post("/api/v1/entities", json=body, headers=as_partner("partner-a")).status_code == 409
    assert client.post("/api/v1/entities", json=body, headers=as_partner("partner-b")).status_code == 201


def test_unknown_and_server_owned_fields_are_rejected(client):
    server_owned = (
        ("id", 7),
        ("source", "someone-else"),
        ("version", 9),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("updated_at", "2020-01-01T00:00:00Z"),
    )
    for field, value in (*server_owned, ("colour", "red")):
        response = client.post("/api/v1/entities", json=enterprise(1, **{field: value}), headers=as_partner())
        assert response.status_code == 422, field
        assert response.json["errors"][field] == ["Unknown field."]
    assert entity_count(client) == 0


def test_tracks_must_belong_to_the_entitys_clusters(client):
    response = client.post("/api/v1/entities", json=enterprise(1, clusters=["health"], tracks=["hydrogen"]), headers=as_partner())
    assert response.status_code == 422
    assert "belongs to cluster 'energy'" in response.json["errors"]["tracks"][0]
    ok = client.post(
        "/api/v1/entities", json=enterprise(1, clusters=["health", "energy"], tracks=["hydrogen", "biosafety"]), headers=as_partner()
    )
    assert ok.status_code == 201
    assert ok.json["clusters"] == ["energy", "health"]


def test_unknown_cluster_track_district_and_kind_are_rejected(client):
    cases = {"clusters": ["ocean"], "tracks": ["teleportation"], "district": "manhattan", "kind": "shop"}
    for field, value in cases.items():
        response = client.post("/api/v1/entities", json=enterprise(1, **{field: value}), headers=as_partner())
        assert response.status_code == 422, field
        assert field in response.json["errors"], field


def test_subtype_must_fit_the_kind(client):
    response = client.post("/api/v1/entities", json=enterprise(1, subtype="hydrogen_station"), headers=as_partner())
    assert response.status_code == 422
    assert "not a subtype of enterprise" in response.json["errors"]["subtype"][0]


def test_a_tech_centre_needs_a_tier(client):
    body = {"kind": "tech_centre", "name": "Centre", "clusters": ["energy"]}
    assert client.post("/api/v1/entities", json=body, headers=as_partner()).json["errors"]["tier"]
    assert client.post("/api/v1/entities", json={**body, "tier": "national"}, headers=as_partner()).status_code == 201


def test_parent_must_exist(client):
    response = client.post("/api/v1/entities", json=enterprise(1, parent_id=999999), headers=as_partner())
    assert response.status_code == 422
    assert "no live entity" in response.json["errors"]["parent_id"][0]


def test_idempotency_key_replays_the_first_answer(client):
    headers = as_partner(**{"Idempotency-Key": "load-42"})
    first = client.post("/api/v1/entities", json=enterprise(1), headers=headers)
    again = client.post("/api/v1/entities", json=enterprise(1), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.get_data() == first.get_data()  # byte for byte: keys in the order first given
    assert list(first.json)[:5] == ["id", "kind", "subtype", "tier", "name"]  # the schema order, not sorted
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert entity_count(client) == 1
    assert len(client.get("/api/v1/changes").json["changes"]) == 1


def test_idempotency_key_with_another_body_is_422(client):
    headers = as_partner(**{"Idempotency-Key": "load-43"})
    assert client.post("/api/v1/entities", json=enterprise(1), headers=headers).status_code == 201
    response = client.post("/api/v1/entities", json=enterprise(2), headers=headers)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json["detail"]
    assert entity_count(client) == 1


def test_idempotency_keys_belong_to_their_partner(client):
    assert (
        client.post("/api/v1/entities", json=enterprise(1), headers=as_partner("partner-a", **{"Idempotency-Key": "k"})).status_code == 201
    )
    response = client.post("/api/v1/entities", json=enterprise(2), headers=as_partner("partner-b", **{"Idempotency-Key": "k"}))
    assert response.status_code == 201
    assert entity_count(client) == 2


def test_malformed_json_and_wrong_shapes_are_problems(client):
    bad_json = client.post("/api/v1/entities", data="{not json", content_type="application/json", headers=as_partner())
    assert bad_json.status_code == 400
    assert bad_json.mimetype == PROBLEM_JSON
    for body in ([enterprise(1)], "text", 42, None):
        response = client.post("/api/v1/entities", json=body, headers=as_partner())
        assert 400 <= response.status_code < 500
        assert response.mimetype == PROBLEM_JSON
    assert entity_count(client) == 0


def test_oversized_body_is_413(client):
    body = enterprise(1, attributes={"notes": "x" * 300_000})
    response = client.post("/api/v1/entities", json=body, headers=as_partner())
    assert response.status_code == 413
    assert response.mimetype == PROBLEM_JSON


def test_attributes_must_stay_small(client):
    response = client.post("/api/v1/entities", json=enterprise(1, attributes={"notes": "x" * 5000}), headers=as_partner())
    assert response.status_code == 422
    assert "attributes" in response.json["errors"]


def test_a_retired_code_can_be_registered_again(client):
    first = client.post("/api/v1/entities", json=enterprise(1), headers=as_partner())
    assert client.delete(first.headers["Location"], headers=as_partner()).status_code == 204
    again = client.post("/api/v1/entities", json=enterprise(1), headers=as_partner())
    assert again.status_code == 201
    assert again.json["id"] != first.json["id"]


def test_a_replayed_batch_answer_is_byte_identical(client):
    headers = as_partner(**{"Idempotency-Key": "batch-7"})
    body = {"entities": [enterprise(1), enterprise(2, tracks=["graphene"])]}
    first = client.post("/api/v1/entities/batch", json=body, headers=headers)
    again = client.post("/api/v1/entities/batch", json=body, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()


def test_expired_idempotency_records_are_purged(client, db):
    for serial, key in enumerate(("old-1", "old-2", "fresh"), start=1):
        response = client.post("/api/v1/entities", json=enterprise(serial), headers=as_partner(**{"Idempotency-Key": key}))
        assert response.status_code == 201
    with db.write() as session:
        session.execute(
            update(idempotency_keys).where(idempotency_keys.c.key.like("old-%")).values(created_at=datetime.now(UTC) - timedelta(hours=25))
        )
    idempotency._last_purge = None  # the next keyed write purges
    client.post("/api/v1/entities", json=enterprise(9), headers=as_partner(**{"Idempotency-Key": "new"}))
    with db.read() as session:
        keys = set(session.scalars(select(idempotency_keys.c.key)))
    assert keys == {"fresh", "new"}
