"""GET /api/v1/entities/duplicates: likely duplicate pairs among live entities (admin)."""

from registry_testing import as_partner, enterprise

ADMIN = as_partner("ops", admin=True)


def register(client, *bodies, partner="partner-a"):
    response = client.post("/api/v1/entities/batch", json={"entities": list(bodies)}, headers=as_partner(partner))
    assert response.json["summary"]["error"] == 0, response.json
    return [item["id"] for item in response.json["items"]]


def test_pairs_share_a_core_name_and_no_contradicting_uscc(client):
    first, second = register(
        client,
        {**enterprise(1, name="Huayu Vision", name_zh="上海华域视觉科技有限公司"), "uscc": None, "external_id": "a"},
        enterprise(2, name="Huayu Vision Technology (Shanghai)", name_zh="华域视觉科技（上海）有限公司"),
        partner="partner-a",
    )
    register(client, enterprise(3, name="Other", name_zh="其他科技有限公司"), partner="partner-b")
    # Same name, two different codes: two legal persons, not a pair.
    register(client, enterprise(4, name="Twin Co", name_zh=None), enterprise(5, name="Twin Ltd", name_zh=None), partner="partner-b")
    response = client.get("/api/v1/entities/duplicates", headers=ADMIN)
    assert response.status_code == 200, response.json
    [pair] = response.json["items"]
    assert (pair["a"]["id"], pair["b"]["id"]) == (first, second)
    assert pair["name"] == "华域视觉科技"
    assert "same_core_name" in pair["reasons"]
    assert response.json["next_cursor"] is None


def test_merged_and_retired_entities_leave_the_report(client):
    first, second = register(
        client, enterprise(1, name="Dup Name", name_zh=None, uscc=None, external_id="x"), enterprise(2, name="DUP NAME Ltd", name_zh=None)
    )
    assert len(client.get("/api/v1/entities/duplicates", headers=ADMIN).json["items"]) == 1
    assert client.post(f"/api/v1/entities/{first}/merge", json={"into": second}, headers=as_partner()).status_code == 200
    assert client.get("/api/v1/entities/duplicates", headers=ADMIN).json["items"] == []


def test_pages_never_split_a_name(client):
    bodies = []
    for group in range(3):
        for copy in range(2):
            bodies.append(
                {
                    **enterprise(10 * group + copy, name=f"Group {'ABC'[group]} Works", name_zh=None),
                    "uscc": None,
                    "external_id": f"g{group}{copy}",
                }
            )
    register(client, *bodies)
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/entities/duplicates?limit=1" + (f"&cursor={cursor}" if cursor else ""), headers=ADMIN).json
        seen += [pair["name"] for pair in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["groupaworks", "groupbworks", "groupcworks"]


def test_only_administrators_see_the_report(client):
    assert client.get("/api/v1/entities/duplicates", headers=as_partner()).status_code == 403
    assert client.get("/api/v1/entities/duplicates").status_code == 401
    assert client.get("/api/v1/entities/duplicates?cursor=nonsense", headers=ADMIN).status_code == 422
