"""The list behind a figure: links from the metrics' registry paths, paging, downloads of every page."""

import pytest

from gateway.web.listing import (
    ListRefused,
    download_link,
    fetch_all,
    filters_of,
    list_link,
    next_link,
    page_link,
    registry_query,
    start_of,
)

from .conftest import FakeUpstream, paged_list, station


def test_a_registry_list_path_becomes_the_page_with_the_same_query():
    assert page_link("/api/v1/entities?kind=facility&status=active", "zh") == "/entities?kind=facility&status=active&lang=zh"
    assert page_link("/api/v1/entities") == "/entities"
    assert page_link("/api/v1/indicators/x/observations") is None
    assert page_link("http://elsewhere/api/v1/entities?kind=lab") is None
    assert page_link(None) is None


def test_a_filter_dict_becomes_a_link_with_status_spelled_out():
    assert list_link({"cluster": "energy", "status": ["active", "building"]}) == "/entities?cluster=energy&status=active%2Cbuilding"


def test_the_registry_gets_the_query_without_the_pages_own_parameters():
    pairs = [("cluster", "energy"), ("lang", "zh"), ("start", "51"), ("cursor", "c50"), ("status", "active")]
    assert registry_query(pairs) == [("cluster", "energy"), ("cursor", "c50"), ("status", "active")]
    assert filters_of(pairs) == [("cluster", "energy"), ("status", "active")]
    assert download_link(pairs, "csv", "zh") == "/entities.csv?cluster=energy&status=active&lang=zh"


def test_the_next_page_keeps_the_filters_and_counts_rows_on():
    pairs = [("kind", "facility"), ("cursor", "c50"), ("start", "51")]
    assert next_link(pairs, "c100", 50) == "/entities?kind=facility&cursor=c100&start=101"
    assert next_link(pairs, None, 50) is None
    assert start_of([("start", "x")]) == 1
    assert start_of([("start", "0")]) == 1
    assert start_of([]) == 1


def test_a_download_reads_every_page_in_order():
    registry = FakeUpstream("registry")
    registry.routes["/api/v1/entities"] = paged_list([station(n) for n in range(1, 1202)])
    entities = fetch_all(registry, [("kind", "facility"), ("cursor", "c500"), ("limit", "7")], 1.0)
    assert [e["id"] for e in entities] == list(range(1, 1202))
    # The page's own cursor and limit are not part of what the list is.
    assert [dict(pairs).get("cursor") for _, pairs in registry.calls] == [None, "c500", "c1000"]
    assert {dict(pairs)["limit"] for _, pairs in registry.calls} == {"500"}


def test_a_download_larger_than_the_limit_is_refused_not_cut():
    registry = FakeUpstream("registry")
    registry.routes["/api/v1/entities"] = paged_list([station(n) for n in range(1, 1002)])
    with pytest.raises(ListRefused) as refused:
        fetch_all(registry, [], 1.0, max_rows=1000)
    assert refused.value.status == 413


def test_the_registrys_refusal_comes_back_with_its_errors():
    registry = FakeUpstream("registry")
    registry.routes["/api/v1/entities"] = paged_list([])
    with pytest.raises(ListRefused) as refused:
        fetch_all(registry, [("kind", "spaceship")], 1.0)
    assert refused.value.status == 422
    assert refused.value.errors == {"kind": ["Must be one of: facility."]}
