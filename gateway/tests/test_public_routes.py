"""The route table: which row covers a path (the path the gateway forwards, exactly: see upstreams.encode_path)."""

from __future__ import annotations

import pytest

from gateway.public_routes import API, route_for


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/entities/1/../duplicates",
        f"{API}/entities/1/./duplicates",
        f"{API}/entities/..",
        f"{API}/metrics/../../healthz",
        f"{API}/entities//duplicates",
        f"{API}//entities",
    ],
)
def test_a_path_with_dot_or_empty_segments_is_covered_by_no_row(path):
    assert route_for(path) is None


@pytest.mark.parametrize("path", [f"{API}/entities/1", f"{API}/entities/a.b", f"{API}/entities/..a", f"{API}/entities/.well"])
def test_dots_inside_a_segment_are_only_characters(path):
    assert route_for(path) is not None
