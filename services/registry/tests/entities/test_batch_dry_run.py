"""POST /api/v1/entities/batch?dry_run=true: judged and matched as the batch would be, nothing written."""

from registry_testing import as_partner, enterprise


def test_a_dry_run_answers_as_the_batch_would_and_writes_nothing(client):
    [existing] = client.post(
        "/api/v1/entities/batch",
        json={"entities": [enterprise(1, name="Huayu Vision", name_zh="华域视觉科技（上海）有限公司", external_id="hv")]},
        headers=as_partner(),
    ).json["items"]
    before = client.get("/api/v1/changes").json["latest_seq"]
    items = [
        enterprise(1, name="Huayu Vision", name_zh="华域视觉科技（上海）有限公司", external_id="hv", status="building"),
        # No identifier in common, but the same company: a possible duplicate.
        {**enterprise(2, name="Huayu Vision Tech", name_zh="华域视觉科技(上海)有限公司"), "external_id": "new-1"},
        enterprise(3, name="Brand New", name_zh="全新公司"),
        {**enterprise(4), "kind": "tech_centre", "subtype": None},  # a tech_centre needs a tier
    ]
    response = client.post(
        "/api/v1/entities/batch?dry_run=true", json={"entities": items}, headers=as_partner(**{"Idempotency-Key": "dry-1"})
    )
    assert response.status_code == 200, response.json
    answer = response.json
    assert answer["dry_run"] is True
    assert answer["summary"] == {"created": 2, "updated": 1, "unchanged": 0, "error": 1}
    update, lookalike, fresh, bad = answer["items"]
    assert (update["status"], update["id"]) == ("updated", existing["id"])
    assert update["match"]["chosen"] == existing["id"]
    assert (lookalike["status"], lookalike["id"]) == ("created", None)
    assert lookalike["match"]["candidates"][0]["id"] == existing["id"]
    assert "same_name_zh" in lookalike["match"]["candidates"][0]["reasons"]
    assert fresh["match"] == {"chosen": None, "candidates": []}
    assert "tier" in bad["errors"]
    assert "match" not in bad

    assert client.get("/api/v1/changes").json["latest_seq"] == before
    assert [item["id"] for item in client.get("/api/v1/entities").json["items"]] == [existing["id"]]
    # The key was not recorded: the real batch under it writes.
    real = client.post("/api/v1/entities/batch", json={"entities": items[:3]}, headers=as_partner(**{"Idempotency-Key": "dry-1"}))
    assert real.headers.get("Idempotent-Replayed") is None
    assert "dry_run" not in real.json
    assert real.json["summary"] == {"created": 2, "updated": 1, "unchanged": 0, "error": 0}


def test_dry_run_must_be_a_boolean(client):
    response = client.post("/api/v1/entities/batch?dry_run=maybe", json={"entities": [enterprise(1)]}, headers=as_partner())
    assert response.status_code == 422
