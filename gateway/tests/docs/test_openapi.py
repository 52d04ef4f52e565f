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


def test_only_paths_the_route_table_sends_to_a_service_are_documented_with_its_security():
    registry = {
        "paths": {
            "/api/v1/entities/{entity_id}": {"get": {}, "patch": {}},
            "/api/v1/targets": {"get": {}},  # metrics' path: the gateway never sends it to the registry
            "/healthz": {"get": {}},  # not public
        }
    }
    metrics = {"paths": {"/api/v1/indicators/{key}/observations/{period}": {"put": {}}}}
    merged = merge({"paths": {"/api/v1/keys": {"get": {}}}}, {"registry": registry, "metrics": metrics})
    assert list(merged["paths"]) == ["/api/v1/entities/{entity_id}", "/api/v1/indicators/{key}/observations/{period}", "/api/v1/keys"]
    entity = merged["paths"]["/api/v1/entities/{entity_id}"]
    assert entity["get"]["security"] == [{}, {"bearerAuth": []}]  # open; a key raises the rate limit
    assert (entity["patch"]["security"], entity["patch"]["x-ecoreg-scope"]) == ([{"bearerAuth": []}], "entities:write")
    assert merged["paths"]["/api/v1/indicators/{key}/observations/{period}"]["put"]["x-ecoreg-scope"] == "indicators:write"
    assert merged["paths"]["/api/v1/keys"]["get"]["security"] == [{"bearerAuth": []}]
    assert "x-ecoreg-scope" not in merged["paths"]["/api/v1/keys"]["get"]  # any key will do
