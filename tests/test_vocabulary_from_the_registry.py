"""The registry owns the vocabulary; metrics and the gateway learn it (no processes).

The three real apps run in this process, talking HTTP to each other through
ecoreg_common.testing.WSGITransport. A track the registry gains (as a migration
would add it) is counted by metrics under its cluster and shown by the gateway
with its Chinese name, with no code change in either.
"""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from gateway_testing import close
from sqlalchemy import func, insert, select

from ecoreg_common.db import Database
from ecoreg_common.http import ServiceClient
from ecoreg_common.partner import PARTNER_HEADER, SCOPES_HEADER
from ecoreg_common.testing import WSGITransport, migrated_database

NEW_TRACK = {"key": "fusion", "cluster_key": "energy", "name_en": "Controlled nuclear fusion", "name_zh": "可控核聚变", "note": None}
WRITER = {PARTNER_HEADER: "partner-a", SCOPES_HEADER: "entities:write"}


@pytest.fixture(params=["sqlite", "postgresql"])
def apps(request, tmp_path_factory):
    import gateway
    import gateway.migrate
    import metrics
    import metrics.migrate
    import registry
    import registry.migrate
    import registry.tables
    from gateway.config import Settings as GatewaySettings
    from metrics.config import Settings as MetricsSettings
    from registry.config import Settings as RegistrySettings

    with ExitStack() as stack:
        urls = {
            name: stack.enter_context(migrated_database(request.param, name, tmp_path_factory.mktemp, module.migrate.upgrade))
            for name, module in (("registry", registry), ("metrics", metrics), ("gateway", gateway))
        }
        registry_db = Database(urls["registry"])
        with registry_db.write() as session:  # what a registry migration adding a track does
            position = session.scalar(select(func.max(registry.tables.tracks.c.position))) + 1
            session.execute(insert(registry.tables.tracks).values(**NEW_TRACK, position=position))
        registry_db.dispose()
        registry_app = registry.create_app(RegistrySettings(database_url=urls["registry"], log_level="WARNING"))
        metrics_app = metrics.create_app(MetricsSettings(database_url=urls["metrics"], log_level="WARNING"))
        gateway_app = gateway.create_app(
            GatewaySettings(database_url=urls["gateway"], registry_url="http://registry", metrics_url="http://metrics", log_level="WARNING")
        )
        for name, upstream in gateway_app.extensions["gateway.upstreams"].items():
            upstream.client.mount(f"http://{name}", WSGITransport(registry_app if name == "registry" else metrics_app))
        try:
            yield registry_app, metrics_app, gateway_app, urls
        finally:
            close(gateway_app)
            registry_app.extensions["registry.db"].dispose()
            metrics_app.extensions["metrics.db"].dispose()


def test_a_track_the_registry_gains_is_counted_and_labelled_without_a_code_change(apps):
    from metrics.feed.follower import Follower

    registry_app, metrics_app, gateway_app, urls = apps
    body = {"kind": "enterprise", "subtype": "startup", "name": "Fusion Start", "clusters": ["energy"], "tracks": ["fusion"]}
    created = registry_app.test_client().post("/api/v1/entities", json=body, headers=WRITER)
    assert created.status_code == 201, created.get_json()

    feed = ServiceClient("http://registry")
    feed.mount("http://registry", WSGITransport(registry_app))
    metrics_db = Database(urls["metrics"])
    try:
        assert Follower(metrics_db, feed).catch_up() == 1
    finally:
        metrics_db.dispose()

    counts = metrics_app.test_client().get("/api/v1/metrics/counts", query_string={"cluster": "energy", "track": "fusion"})
    assert counts.status_code == 200
    assert [group["count"] for group in counts.get_json()["groups"]] == [1]

    page = gateway_app.test_client().get("/clusters/energy", query_string={"lang": "zh"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "可控核聚变" in text  # the new track, named as the registry names it
    assert "<td>企业</td>" in text  # the entity's kind (newest registrations), in the registry's words
