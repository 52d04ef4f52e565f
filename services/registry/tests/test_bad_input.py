"""Input that once reached the database and failed there: each must be a clear 4xx and change nothing."""

import json

import pytest
from registry_testing import as_partner, enterprise

from ecoreg_common import cursors
from ecoreg_common.validation import unstorable_text

BAD_BODIES = {
    "NUL in a name": {"name": "a\x00b"},
    "NUL in attributes": {"attributes": {"note": "a\x00b"}},
    "NUL in an attribute key": {"attributes": {"k\x00": 1}},
    "attributes nested too deep": {"attributes": {"a": json.loads("[" * 40 + "]" * 40)}},
}


@pytest.mark.parametrize("change", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_unstorable_bodies_are_422(client, change):
    response = client.post("/api/v1/entities", json=enterprise(1, **change), headers=as_partner())
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert client.get("/api/v1/entities").json["items"] == []


def test_lone_surrogates_are_422(client):
    body = json.dumps(enterprise(1))[:-1] + ', "name_zh": "\\ud800"}'
    response = client.post("/api/v1/entities", data=body, content_type="application/json", headers=as_partner())
    assert response.status_code == 422
    assert "name_zh" in response.json["errors"]


def test_lone_surrogates_in_utf8_form_are_422(client):
    # json.loads decodes a body's bytes with "surrogatepass": ED A0 80 is U+D800, not an error.
    body = json.dumps(enterprise(1))[:-1].encode() + b', "name_zh": "\xed\xa0\x80"}'
    response = client.post("/api/v1/entities", data=body, content_type="application/json", headers=as_partner())
    assert response.status_code == 422
    assert "name_zh" in response.json["errors"]


@pytest.mark.parametrize("change", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_unstorable_batch_items_are_item_errors(client, change):
    response = client.post("/api/v1/entities/batch", json={"entities": [enterprise(1, **change), enterprise(2)]}, headers=as_partner())
    assert response.status_code == 200
    first, second = response.json["items"]
    assert first["status"] == "error"
    walked = unstorable_text(enterprise(1, **change))  # the walk's own messages, whatever else the item lacks
    assert walked
    assert {key: first["errors"].get(key) for key in walked} == walked
    assert second["status"] == "created"


def test_json_nested_beyond_the_parser_is_400(client):
    response = client.post("/api/v1/entities", data="[" * 100_000 + "]" * 100_000, content_type="application/json", headers=as_partner())
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("path", ["/api/v1/entities/99999999999999999999999", "/api/v1/entities/99999999999999999999999/history"])
def test_ids_beyond_64_bits_are_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "query",
    ["q=a%00b", "cursor=" + cursors.encode({"id": 10**30}), "cursor=" + cursors.encode({"id": -5}), "after=99999999999999999999"],
)
def test_unusable_query_values_are_422(client, query):
    path = "/api/v1/changes" if query.startswith("after") else "/api/v1/entities"
    response = client.get(f"{path}?{query}")
    assert response.status_code == 422


def test_malformed_batch_items_are_item_errors(client):
    response = client.post("/api/v1/entities/batch", json={"entities": [1, None, [], "x", enterprise(1)]}, headers=as_partner())
    assert response.status_code == 200
    assert [item["status"] for item in response.json["items"]] == ["error"] * 4 + ["created"]


def test_a_non_object_patch_is_a_problem(client):
    created = client.post("/api/v1/entities", json=enterprise(1), headers=as_partner()).json
    response = client.patch(f"/api/v1/entities/{created['id']}", json=[1], headers=as_partner(**{"If-Match": "*"}))
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/api/v1/entities//merge"), ("GET", "/api/v1//entities"), ("GET", "//api/v1/changes")]
)
def test_paths_with_empty_segments_are_problem_json_404_not_an_html_redirect(client, method, path):
    # Werkzeug's merge_slashes answered these with a 308 and an HTML body (ecoreg_common.api).
    response = client.open(path, method=method, json={"into": 1} if method == "POST" else None, headers=as_partner())
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "Location" not in response.headers
