"""The public route table (gateway/public_routes.py) and the app that is built from it."""

import pytest

from ecoreg_common.errors import NotFound
from gateway import create_app
from gateway.config import Settings
from gateway.proxy.forward import upstream_for
from gateway.public_routes import PUBLIC_ROUTES, route_for


@pytest.mark.parametrize(
    ("path", "upstream"),
    [
        ("/api/v1/entities", "registry"),
        ("/api/v1/entities/7/history", "registry"),
        ("/api/v1/changes", "registry"),
        ("/api/v1/clusters", "registry"),
        ("/api/v1/vocabulary", "registry"),
        ("/api/v1/metrics/counts", "metrics"),
        ("/api/v1/targets/pilot_zones", "metrics"),
        ("/api/v1/indicators/x/observations/2025", "metrics"),
    ],
)
def test_paths_go_to_their_service(path, upstream):
    assert upstream_for(path) == upstream


def test_unknown_paths_lookalike_prefixes_and_the_gateways_own_paths_are_not_forwarded():
    for path in ("/api/v1/nothing", "/api/v1/entitiesx", "/api/v1/metricsfoo", "/api/v1/changes/1", "/api/v1/clusters/energy/overview"):
        with pytest.raises(NotFound):
            upstream_for(path)


@pytest.mark.parametrize(
    ("path", "cached"),
    [
        ("/api/v1/metrics/summary", True),
        ("/api/v1/targets", True),
        ("/api/v1/vocabulary", True),
        ("/api/v1/entities", False),
        ("/api/v1/changes", False),
    ],
)
def test_aggregates_are_cached_and_entities_are_not(path, cached):
    assert route_for(path).cached is cached


def flask_path(rule: str) -> str:
    """A Flask rule with its converters written as the table writes them (<name>)."""
    import re

    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"<\1>", re.sub(r"\(.*?\)", "", rule))


def test_the_app_serves_exactly_the_table(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/gateway.db"))
    rules = {flask_path(rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    for rule in rules:  # every public path is a row of the table ...
        assert route_for(rule) is not None, rule
    for route in PUBLIC_ROUTES:  # ... and every row is served
        assert route.path in rules, route.path
        if route.upstream is not None and route.subpaths:
            assert f"{route.path}/<rest>" in rules


def test_the_lookup_by_first_segment_finds_the_row_a_scan_of_the_whole_table_finds(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/gateway.db"))
    paths = {flask_path(rule.rule).replace("<", "").replace(">", "") for rule in app.url_map.iter_rules()}
    paths |= {f"{path}{suffix}" for path in list(paths) for suffix in ("/", "/x", "/x/y", "x", "/observations/2025")}
    paths |= {"/", "", "/api/v1", "/api/v1/", "/api/v1//entities", "/api/v2/entities", "/api/v1/ENTITIES", "/api/v1/entities?x"}

    def scanned(path):
        return next((route for route in PUBLIC_ROUTES if route.matches(path)), None)

    assert len(paths) > 100
    for path in paths:
        assert route_for(path) is scanned(path), path
