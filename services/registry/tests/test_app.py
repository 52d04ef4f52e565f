"""Health, the internal token, the OpenAPI document and reference data."""

import pytest

from registry import create_app
from registry.config import Settings


def test_health_endpoints(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok"}


def test_readyz_reports_an_unreachable_database(tmp_path):
    app = create_app(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "unavailable"}


@pytest.fixture
def guarded_client(settings, db):
    app = create_app(Settings(database_url=settings.database_url, internal_token="s3cret-token"))
    yield app.test_client()
    app.extensions["registry.db"].dispose()


def test_internal_token_is_required_when_configured(guarded_client):
    direct = guarded_client.get("/api/v1/entities")
    assert direct.status_code == 401
    assert direct.mimetype == "application/problem+json"
    assert guarded_client.get("/api/v1/entities", headers={"X-Internal-Token": "wrong"}).status_code == 401
    assert guarded_client.get("/api/v1/entities", headers={"X-Internal-Token": "s3cret-token"}).status_code == 200
    assert guarded_client.get("/healthz").status_code == 200


def test_request_ids_are_kept_or_made(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"}).headers["X-Request-ID"]
    assert len(made) == 32


def test_openapi_document_covers_every_path(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) >= {
        "/api/v1/entities",
        "/api/v1/entities/batch",
        "/api/v1/entities/{entity_id}",
        "/api/v1/entities/{entity_id}/history",
        "/api/v1/changes",
        "/api/v1/clusters",
        "/api/v1/vocabulary",
    }
    post = spec["paths"]["/api/v1/entities"]["post"]
    assert post["summary"] == "Register an entity"
    assert "201" in post["responses"]
    assert list(post["responses"]["409"]["content"]) == ["application/problem+json"]
    assert list(spec["components"]["responses"]["DEFAULT_ERROR"]["content"]) == ["application/problem+json"]


def test_clusters_are_served_in_english_and_chinese(client):
    clusters = client.get("/api/v1/clusters").json["clusters"]
    assert [c["key"] for c in clusters] == ["health", "intelligence", "energy", "space", "materials"]
    energy = clusters[2]
    assert energy["name_zh"] == "未来能源"
    assert {t["key"] for t in energy["tracks"]} == {"advanced_nuclear", "energy_storage", "hydrogen"}
    assert sum(len(c["tracks"]) for c in clusters) == 18


def test_vocabulary_lists_the_16_districts(client):
    vocabulary = client.get("/api/v1/vocabulary").json
    assert len(vocabulary["districts"]) == 16
    assert "hydrogen_station" in vocabulary["kinds"]["facility"]


def test_every_word_of_the_vocabulary_has_an_english_and_a_chinese_name(client):
    vocabulary = client.get("/api/v1/vocabulary").json
    names = vocabulary["names"]
    assert set(names["kinds"]) == set(vocabulary["kinds"])
    assert set(names["subtypes"]) == {subtype for subtypes in vocabulary["kinds"].values() for subtype in subtypes}
    assert set(names["tiers"]) == set(vocabulary["tiers"])
    assert set(names["statuses"]) == set(vocabulary["statuses"])
    for table in names.values():
        assert all(name["name_en"] and name["name_zh"] for name in table.values())
    assert names["kinds"]["tech_centre"]["name_zh"] == "企业技术中心"


def test_unknown_paths_and_methods_are_problems(client):
    assert client.get("/api/v1/nothing").mimetype == "application/problem+json"
    response = client.put("/api/v1/entities")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"


def test_the_followers_routine_polls_are_not_logged_at_info(client, caplog):
    caplog.set_level("DEBUG", logger="registry.access")
    client.get("/api/v1/changes?after=0")
    client.get("/api/v1/changes?after=x")  # a failed poll is worth seeing
    client.get("/api/v1/entities")
    levels = [(record.levelname, record.getMessage()) for record in caplog.records if record.name == "registry.access"]
    assert levels == [
        ("DEBUG", "GET /api/v1/changes 200"),
        ("INFO", "GET /api/v1/changes 422"),
        ("INFO", "GET /api/v1/entities 200"),
    ]


def test_the_document_says_batch_items_are_judged_one_by_one(client):
    document = client.get("/api/v1/openapi.json").json
    items = document["components"]["schemas"]["BatchRequest"]["properties"]["entities"]["items"]
    assert "$ref" not in items
    assert "EntityCreate" in items["description"]
    # which is what happens: an item with an unknown field is an item error, not a 422
    from registry_testing import as_partner, enterprise

    response = client.post("/api/v1/entities/batch", json={"entities": [enterprise(1, colour="red")]}, headers=as_partner())
    assert response.status_code == 200
    assert response.json["items"][0]["status"] == "error"
