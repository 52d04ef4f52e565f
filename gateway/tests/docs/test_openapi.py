from gateway.docs.openapi import merge


def test_merge_keeps_every_path_and_the_first_schema_of_a_name():
    own = {
        "openapi": "3.0.3",
        "paths": {"/api/v1/keys": {"get": {}}},
        "components": {"schemas": {"Problem": {"type": "object"}}},
        "tags": [{"name": "keys"}],
    }
    registry = {
        "paths": {"/api/v1/entities": {"get": {}}},
        "components": {"schemas": {"Entity": {"type": "object"}, "Problem": {"type": "object"}}},
        "tags": [{"name": "entities"}],
    }
    metrics = {"paths": {"/api/v1/targets": {"get": {}}}, "components": {"schemas": {"Target": {}}}, "tags": [{"name": "targets"}]}
    merged = merge(own, {"registry": registry, "metrics": metrics})
    assert list(merged["paths"]) == ["/api/v1/entities", "/api/v1/keys", "/api/v1/targets"]
    assert set(merged["components"]["schemas"]) == {"Problem", "Entity", "Target"}
    assert [t["name"] for t in merged["tags"]] == ["keys", "entities", "targets"]
    assert "bearerAuth" in merged["components"]["securitySchemes"]
    assert own["paths"] == {"/api/v1/keys": {"get": {}}}  # the gateway's own document is not modified
