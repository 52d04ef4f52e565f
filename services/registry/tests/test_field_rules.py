"""Field rules on every write path: POST, PATCH and batch items obey the same schema.

Each case from issue #12 is here beside the rule's whole kind: a value refused
on POST is refused in a PATCH and as a batch item too, and a value accepted is
stored in its normal form everywhere.
"""

import json

import pytest
from registry_testing import as_partner, enterprise

from registry import uscc

REFUSED = {
    "zero-width spaces only": {"name": "\u200b\u200b\u200b"},
    "ideographic space only": {"name": "\u3000"},
    "BOM only": {"name": "\ufeff"},
    "whitespace-only name_zh": {"name_zh": "   "},
    "right-to-left override in name": {"name": "Acme\u202eoc"},
    "isolate in name_zh": {"name_zh": "上海\u2067公司"},
    "control character in name": {"name": "a\x07b"},
    "established year 1": {"established_on": "0001-01-01"},
    "established 9999": {"established_on": "9999-12-31"},
    "USCC with a wrong organisation check": {"uscc": uscc.complete("91310000MA0000012")},
    "USCC with an unknown authority": {"uscc": uscc.complete("B1310000MA0000019")},
    "USCC with letters in the division": {"uscc": uscc.complete("9131A000MA0000019")},
    "USCC with other punctuation": {"uscc": "91110000.600037341L"},
    "external_id of zero-width spaces": {"external_id": "\u200b"},
}


def _field(change: dict) -> str:
    return next(iter(change))


@pytest.mark.parametrize("change", REFUSED.values(), ids=REFUSED.keys())
def test_refused_on_post(client, change):
    response = client.post("/api/v1/entities", json=enterprise(1, **change), headers=as_partner())
    assert response.status_code == 422, response.json
    assert _field(change) in response.json["errors"]
    assert client.get("/api/v1/entities").json["items"] == []


@pytest.mark.parametrize("change", REFUSED.values(), ids=REFUSED.keys())
def test_refused_in_a_patch(client, change):
    created = client.post("/api/v1/entities", json=enterprise(1), headers=as_partner()).json
    response = client.patch(f"/api/v1/entities/{created['id']}", json=change, headers=as_partner(**{"If-Match": '"1"'}))
    assert response.status_code == 422, response.json
    assert _field(change) in response.json["errors"]


@pytest.mark.parametrize("change", REFUSED.values(), ids=REFUSED.keys())
def test_refused_as_a_batch_item(client, change):
    item = enterprise(1, **{"external_id": "x-1", **change})
    response = client.post("/api/v1/entities/batch", json={"entities": [item]}, headers=as_partner())
    assert response.status_code == 200
    [result] = response.json["items"]
    assert result["status"] == "error"
    assert _field(change) in result["errors"]


@pytest.mark.parametrize(
    "written",
    ["91 110000 600037341L", "91110000-600037341L", "91110000600037341l", "９１１１００００６０００３７３４１Ｌ"],
)
def test_uscc_separators_and_forms_are_stored_compact(client, written):
    response = client.post("/api/v1/entities", json=enterprise(1, uscc=written), headers=as_partner())
    assert response.status_code == 201, response.json
    assert response.json["uscc"] == "91110000600037341L"
    # and a batch matches the compact code whichever way it is written
    again = client.post("/api/v1/entities/batch", json={"entities": [enterprise(1, uscc="91-110000-600037341-L")]}, headers=as_partner())
    assert again.json["items"][0]["status"] == "unchanged"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
@pytest.mark.parametrize("path", ["/api/v1/entities", "/api/v1/entities/batch"])
def test_non_finite_numbers_are_not_json(client, value, path):
    item = json.dumps(enterprise(1))[:-1] + f', "attributes": {{"x": {value}}}}}'
    body = item if path.endswith("entities") else '{"entities": [' + item + "]}"
    response = client.post(path, data=body, content_type="application/json", headers=as_partner())
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert client.get("/api/v1/entities").json["items"] == []
    assert client.get("/api/v1/changes").json["changes"] == []


def test_a_huge_integer_is_not_json_either(client):
    body = json.dumps(enterprise(1))[:-1] + ', "attributes": {"x": ' + "9" * 5000 + "}}"
    response = client.post("/api/v1/entities", data=body, content_type="application/json", headers=as_partner())
    assert response.status_code == 400


def test_non_finite_numbers_in_a_patch_are_refused(client):
    created = client.post("/api/v1/entities", json=enterprise(1), headers=as_partner()).json
    response = client.patch(
        f"/api/v1/entities/{created['id']}",
        data='{"attributes": {"x": NaN}}',
        content_type="application/json",
        headers=as_partner(**{"If-Match": '"1"'}),
    )
    assert response.status_code == 400


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00%2B14:00"])
def test_updated_since_at_the_ends_of_time_is_422(client, value):
    response = client.get(f"/api/v1/entities?updated_since={value}")
    assert response.status_code == 422
    assert "updated_since" in response.json["errors"]


def test_updated_since_far_in_the_past_lists_everything(client):
    client.post("/api/v1/entities", json=enterprise(1), headers=as_partner())
    response = client.get("/api/v1/entities?updated_since=0001-01-02T00:00:00Z")
    assert response.status_code == 200
    assert len(response.json["items"]) == 1


@pytest.mark.parametrize("query", ["cluster=energy&cluster=space", "limit=1&limit=2", "sort=id&sort=-id"])
def test_a_repeated_query_parameter_is_refused(client, query):
    response = client.get(f"/api/v1/entities?{query}")
    assert response.status_code == 422
    name = query.split("=")[0]
    assert response.json["errors"][name] == ["is given more than once; give it once"]


def test_established_on_within_the_range_is_kept(client):
    response = client.post("/api/v1/entities", json=enterprise(1, established_on="1896-04-08"), headers=as_partner())
    assert response.status_code == 201
    assert response.json["established_on"] == "1896-04-08"
