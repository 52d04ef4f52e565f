"""GET /api/v1/entities: filters and cursor pagination."""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from registry_testing import as_partner, enterprise


def register(client, *bodies):
    response = client.post("/api/v1/entities/batch", json={"entities": list(bodies)}, headers=as_partner())
    assert response.json["summary"]["error"] == 0, response.json
    return [item["id"] for item in response.json["items"]]


def names(client, query: str) -> set[str]:
    response = client.get(f"/api/v1/entities?{query}")
    assert response.status_code == 200, response.json
    return {item["name"] for item in response.json["items"]}


def test_filters(client):
    register(
        client,
        enterprise(1, name="Hydrogen One", name_zh="氢能一号"),
        enterprise(2, name="Gene Works", clusters=["health"], tracks=["gene_cell_therapy"], district="pudong", subtype="leading"),
        {
            "kind": "tech_centre",
            "tier": "national",
            "name": "Centre N",
            "clusters": ["energy"],
            "external_id": "tc-1",
            "status": "building",
        },
        {
            "kind": "lab",
            "subtype": "national_lab",
            "name": "Lab Q",
            "clusters": ["intelligence"],
            "tracks": ["quantum"],
            "external_id": "lab-1",
        },
    )
    assert names(client, "kind=enterprise") == {"Hydrogen One", "Gene Works"}
    assert names(client, "subtype=leading") == {"Gene Works"}
    assert names(client, "tier=national") == {"Centre N"}
    assert names(client, "cluster=energy") == {"Hydrogen One", "Centre N"}
    assert names(client, "track=quantum") == {"Lab Q"}
    assert names(client, "district=pudong") == {"Gene Works"}
    assert names(client, "status=building") == {"Centre N"}
    assert names(client, "q=hydro") == {"Hydrogen One"}
    assert names(client, "q=" + quote("氢能")) == {"Hydrogen One"}
    assert names(client, "q=" + quote("%")) == set()
    assert names(client, "kind=enterprise&cluster=health") == {"Gene Works"}


def test_updated_since(client):
    register(client, enterprise(1, name="Old"))
    cutoff = datetime.now(UTC)
    register(client, enterprise(2, name="New"))
    assert names(client, "updated_since=" + quote(cutoff.isoformat())) == {"New"}
    future = (cutoff + timedelta(days=1)).isoformat()
    assert names(client, "updated_since=" + quote(future)) == set()


def test_pagination_walks_every_entity_once_in_a_stable_order(client):
    ids = register(client, *[enterprise(i) for i in range(1, 24)])
    seen, cursor, pages = [], None, 0
    while True:
        query = "limit=5" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/entities?{query}").json
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids)
    assert pages == 5


def test_bad_list_arguments_are_422(client):
    for query in ("limit=0", "limit=501", "cursor=nonsense", "kind=shop", "updated_since=yesterday", "kidn=lab"):
        response = client.get(f"/api/v1/entities?{query}")
        assert response.status_code == 422, query
        assert response.mimetype == "application/problem+json"


def test_newest_first(client):
    ids = register(client, *[enterprise(i) for i in range(1, 8)])
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/entities?sort=-id&limit=3" + (f"&cursor={cursor}" if cursor else "")).json
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)
    assert client.get("/api/v1/entities?sort=name").status_code == 422


def test_q_finds_a_name_in_any_of_its_writings(client):
    register(
        client,
        enterprise(1, name="Huayu Vision Technology (Shanghai) Co., Ltd.", name_zh="华域视觉科技（上海）有限公司"),
        enterprise(2, name="Other Optics", name_zh="其他光学有限公司"),
    )
    found = {"Huayu Vision Technology (Shanghai) Co., Ltd."}
    for q in (
        "华域视觉科技(上海)",  # the press's half-width brackets (issue #13)
        "华域视觉科技（上海）",
        "华域视觉科技 上海",
        "华域视觉科技有限公司",  # the legal form in q is ignored
        "ＨＵＡＹＵ",
        "huayu vision technology",
        "Huayu Vision Co., Ltd.",
        "vision-technology",
    ):
        assert names(client, "q=" + quote(q)) == found, q
    assert names(client, "q=" + quote("华域视觉科技北京")) == set()
    assert names(client, "q=" + quote("有限公司")) == {"Huayu Vision Technology (Shanghai) Co., Ltd.", "Other Optics"}


def test_q_finds_a_name_written_with_or_without_the_shi_of_shanghai(client):
    # The stored key keeps the name as written (上海市...); a q's 上海市 is read as 上海, so
    # q looks for both spellings: a name is found by itself, with 上海 or with 上海市.
    register(
        client,
        enterprise(1, name="Huahong Test", name_zh="上海市华虹测试半导体有限公司"),
        enterprise(2, name="Shenlian Test", name_zh="上海神链测试科技有限公司"),
        enterprise(3, name="Market Research Test", name_zh="上海市场测试研究有限公司"),  # 市场: market, not 市
    )
    for q, found in (
        ("上海市华虹测试半导体有限公司", {"Huahong Test"}),
        ("上海市华虹测试", {"Huahong Test"}),
        ("上海华虹测试", {"Huahong Test"}),
        ("上海神链测试科技有限公司", {"Shenlian Test"}),
        ("上海市神链测试", {"Shenlian Test"}),
        ("上海市场测试研究有限公司", {"Market Research Test"}),
        ("上海市场测试", {"Market Research Test"}),
        ("上海市", {"Huahong Test", "Shenlian Test", "Market Research Test"}),
    ):
        assert names(client, "q=" + quote(q)) == found, q


def test_q_follows_a_rename(client):
    [entity_id] = register(client, enterprise(1, name="Old Name Ltd", name_zh="旧名称有限公司"))
    etag = client.get(f"/api/v1/entities/{entity_id}").headers["ETag"]
    response = client.patch(
        f"/api/v1/entities/{entity_id}", json={"name_zh": "新名称（上海）有限公司"}, headers=as_partner(**{"If-Match": etag})
    )
    assert response.status_code == 200
    assert names(client, "q=" + quote("新名称(上海)")) == {"Old Name Ltd"}
    assert names(client, "q=" + quote("旧名称")) == set()
