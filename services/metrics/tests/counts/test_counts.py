"""GET /api/v1/metrics/counts: any grouping, filters, ETags."""

import pytest
from metrics_testing import Feed


@pytest.fixture
def populated(db):
    feed = Feed(db)
    feed.write(1, kind="enterprise", clusters=["energy"], tracks=["hydrogen"], district="jiading")
    feed.write(2, kind="enterprise", clusters=["energy", "materials"], tracks=["hydrogen", "graphene"], district="pudong")
    feed.write(
        3, kind="tech_centre", subtype="enterprise_tech_centre", tier="national", clusters=["materials"], tracks=[], district="pudong"
    )
    feed.write(4, kind="lab", subtype="national_lab", tier="national", clusters=["intelligence"], tracks=["quantum"], status="building")
    feed.write(5, kind="enterprise", clusters=["health"], tracks=[])
    feed.write(5, op="retire", clusters=["health"], tracks=[])
    feed.apply()
    return feed


def traced(client, query=""):
    response = client.get(f"/api/v1/metrics/counts?{query}")
    assert response.status_code == 200, response.json
    return response.json


def groups(client, query=""):
    """The answer without each group's filter and link (tested on their own below)."""
    body = traced(client, query)
    for group in body["groups"]:
        group.pop("filter")
        group.pop("entities")
    return body


def test_total_counts_active_entities_once(client, populated):
    body = groups(client)
    assert body == {"as_of_seq": 6, "group_by": [], "groups": [{"count": 3}]}
    assert groups(client, "status=active,building")["groups"] == [{"count": 4}]


def test_group_by_cluster_counts_multi_cluster_entities_in_each(client, populated):
    by_cluster = {g["cluster"]: g["count"] for g in groups(client, "group_by=cluster")["groups"]}
    assert by_cluster == {"energy": 2, "materials": 2}


def test_group_by_any_combination_in_any_order(client, populated):
    body = groups(client, "group_by=kind,cluster")
    assert body["group_by"] == ["kind", "cluster"]
    assert {(g["kind"], g["cluster"]): g["count"] for g in body["groups"]} == {
        ("enterprise", "energy"): 2,
        ("enterprise", "materials"): 1,
        ("tech_centre", "materials"): 1,
    }
    tiers = {(g["tier"], g["district"]): g["count"] for g in groups(client, "group_by=tier,district")["groups"]}
    assert tiers == {("none", "jiading"): 1, ("none", "pudong"): 1, ("national", "pudong"): 1}
    tracks = {(g["cluster"], g["track"]): g["count"] for g in groups(client, "group_by=cluster,track&status=active,building")["groups"]}
    assert tracks == {("energy", "hydrogen"): 2, ("materials", "graphene"): 1, ("intelligence", "quantum"): 1}


def test_filters(client, populated):
    assert groups(client, "cluster=energy")["groups"] == [{"count": 2}]
    assert groups(client, "track=graphene")["groups"] == [{"count": 1}]
    assert groups(client, "kind=tech_centre&tier=national")["groups"] == [{"count": 1}]
    assert groups(client, "district=pudong&group_by=kind")["groups"] == [
        {"kind": "enterprise", "count": 1},
        {"kind": "tech_centre", "count": 1},
    ]
    assert groups(client, "status=closed")["groups"] == [{"count": 0}]
    # Statuses are the registry's vocabulary, like kinds: one it does not have is refused, as the registry does.
    assert client.get("/api/v1/metrics/counts?status=sleeping").status_code == 422


def test_bad_arguments_are_422(client):
    for query in ("group_by=colour", "group_by=kind,kind", "status=Sleeping!", "group_by=", "cluster=Energy!", "extra=1"):
        response = client.get(f"/api/v1/metrics/counts?{query}")
        assert response.status_code == 422, query
        assert response.mimetype == "application/problem+json"


def test_etag_revalidation(client, populated, db):
    first = client.get("/api/v1/metrics/counts?group_by=cluster")
    etag = first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"]
    again = client.get("/api/v1/metrics/counts?group_by=cluster", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert client.get("/api/v1/metrics/counts?group_by=kind", headers={"If-None-Match": etag}).status_code == 200
    populated.write(6, clusters=["energy"])
    populated.apply()
    moved = client.get("/api/v1/metrics/counts?group_by=cluster", headers={"If-None-Match": etag})
    assert moved.status_code == 200
    assert moved.headers["ETag"] != etag


def test_every_group_carries_its_filter_and_registry_list(client, populated):
    body = traced(client, "group_by=cluster,district&kind=enterprise")
    by_key = {(g["cluster"], g["district"]): g for g in body["groups"]}
    energy_pudong = by_key[("energy", "pudong")]
    assert energy_pudong["filter"] == {"cluster": "energy", "kind": "enterprise", "district": "pudong", "status": ["active"]}
    assert energy_pudong["entities"] == "/api/v1/entities?cluster=energy&kind=enterprise&district=pudong&status=active"
    several = traced(client, "status=active,building&group_by=subtype")["groups"]
    assert {g["entities"] for g in several} >= {"/api/v1/entities?subtype=national_lab&status=active,building"}


def test_a_missing_subtype_or_district_links_as_none(client, db):
    feed = Feed(db)
    feed.write(1, kind="park", subtype=None, district=None, clusters=["space"], tracks=[])
    feed.apply()
    (group,) = traced(client, "group_by=subtype,district")["groups"]
    assert (group["subtype"], group["district"]) == (None, None)
    assert group["entities"] == "/api/v1/entities?subtype=none&district=none&status=active"
