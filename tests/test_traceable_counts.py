"""Every count links to the registry list of exactly its entities (issue #10), on both databases.

The registry is loaded with its sample data set (parks, pilot zones,
enterprises, tech centres, labs, ...) plus entities without a subtype or
district and in other statuses; the metrics read model follows its feed. For
every group of every grouping the metrics service answers, and for the
summary's and the targets' links, paging through the linked registry list
yields exactly as many entities as the count says.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import combinations
from urllib.parse import urlsplit

import pytest

from ecoreg_common.db import Database
from ecoreg_common.testing import migrated_database
from metrics import create_app as metrics_app
from metrics import migrate as metrics_migrate
from metrics.config import Settings as MetricsSettings
from metrics.counts.service import GROUPABLE
from metrics.readmodel.apply import apply_page
from registry import create_app as registry_app
from registry import migrate as registry_migrate
from registry import sample_data
from registry.config import Settings as RegistrySettings

PARTNER = {"X-Ecoreg-Partner": "test-partner", "X-Ecoreg-Scopes": "entities:write"}
EXTRA = [
    {"kind": "park", "name": "Unplaced park", "clusters": ["space"], "status": "planned"},
    {"kind": "lab", "name": "Closed lab", "clusters": ["health"], "status": "closed", "district": "xuhui", "tracks": ["biosafety"]},
    {
        "kind": "enterprise",
        "subtype": "high_tech",
        "name": "Two-cluster firm",
        "clusters": ["energy", "materials"],
        "tracks": ["hydrogen", "graphene"],
    },
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(request, tmp_path_factory):
    with (
        migrated_database(request.param, "registry", tmp_path_factory.mktemp, registry_migrate.upgrade) as registry_url,
        migrated_database(request.param, "metrics", tmp_path_factory.mktemp, metrics_migrate.upgrade) as metrics_url,
    ):
        registry_db = Database(registry_url)
        sample_data.load(registry_db)
        registry_service = registry_app(RegistrySettings(database_url=registry_url))
        registry = registry_service.test_client()
        for body in EXTRA:
            response = registry.post("/api/v1/entities", json=body, headers=PARTNER)
            assert response.status_code == 201, response.json
        metrics_db = Database(metrics_url)
        after = 0
        while True:
            page = registry.get(f"/api/v1/changes?after={after}&limit=500").json
            if not page["changes"]:
                break
            apply_page(
                metrics_db,
                page["changes"],
                registry_latest_seq=page["latest_seq"],
                now=datetime.now(UTC),
            )
            after = page["next_after"]
        metrics_service = metrics_app(MetricsSettings(database_url=metrics_url, log_level="WARNING"))
        yield registry, metrics_service.test_client()
        # Every pool closed here, not left to the garbage collector (psycopg warns, and the
        # warning fails whichever test is running when it comes).
        for db in (registry_db, metrics_db, registry_service.extensions["registry.db"], metrics_service.extensions["metrics.db"]):
            db.dispose()


def listed(registry, link: str) -> int:
    """How many entities the registry list at ``link`` returns, over every page."""
    parts = urlsplit(link)
    assert parts.path == "/api/v1/entities"
    total, cursor = 0, None
    while True:
        query = parts.query + "&limit=500" + (f"&cursor={cursor}" if cursor else "")
        response = registry.get(f"{parts.path}?{query}")
        assert response.status_code == 200, (link, response.json)
        total += len(response.json["items"])
        cursor = response.json["next_cursor"]
        if cursor is None:
            return total


GROUPINGS = [[name] for name in GROUPABLE] + [list(pair) for pair in combinations(("cluster", "track", "kind", "tier", "district"), 2)]


@pytest.mark.parametrize("status", ["", "&status=planned,building,active,inactive,closed"])
def test_every_group_lists_exactly_its_count(stack, status):
    registry, metrics = stack
    checked = 0
    for group_by in GROUPINGS:
        body = metrics.get(f"/api/v1/metrics/counts?group_by={','.join(group_by)}{status}").json
        assert body["groups"], group_by
        for group in body["groups"]:
            assert listed(registry, group["entities"]) == group["count"], (group_by, group)
            checked += 1
    assert checked > 50


def test_summary_and_target_links_list_exactly_their_counts(stack):
    registry, metrics = stack
    summary = metrics.get("/api/v1/metrics/summary").json
    assert listed(registry, summary["active_entities_entities"]) == summary["active_entities"]
    for cluster in summary["clusters"]:
        assert listed(registry, cluster["entities"]) == cluster["active_entities"]
        for kind, link in cluster["by_kind_entities"].items():
            assert listed(registry, link) == cluster["by_kind"][kind]
        for tier, link in cluster["by_tier_entities"].items():
            assert listed(registry, link) == cluster["by_tier"][tier]
        for total in cluster["coverage"]:
            assert total["cluster"] == cluster["key"]
            assert listed(registry, total["entities"]) == total["registered"]
    for total in summary["coverage"]:
        assert listed(registry, total["entities"]) == total["registered"]
    for target in summary["targets"]:
        if target["measure"] == "count":
            assert listed(registry, target["entities"]) == target["current_value"]
