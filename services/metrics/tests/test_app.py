"""Health, the internal token, the OpenAPI document, migrations and settings."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ecoreg_common.config import ConfigError
from ecoreg_common.db import include_in_schema
from metrics import create_app
from metrics.config import Settings
from metrics.tables import metadata


def test_migrated_schema_matches_the_tables(db):
    with db.engine.connect() as connection:
        options = {"compare_type": True, "include_object": include_in_schema(connection.dialect.name)}
        assert compare_metadata(MigrationContext.configure(connection, opts=options), metadata) == []


def test_health_does_not_depend_on_the_registry(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json["checks"] == {"database": "ok"}


def test_internal_token(database_url, db):
    app = create_app(Settings(database_url=database_url, internal_token="s3cret", log_level="WARNING"))
    client = app.test_client()
    assert client.get("/api/v1/metrics/summary").status_code == 401
    assert client.get("/api/v1/metrics/summary", headers={"X-Internal-Token": "s3cret"}).status_code == 200
    app.extensions["metrics.db"].dispose()


def test_openapi_document(client):
    paths = set(client.get("/api/v1/openapi.json").json["paths"])
    assert paths >= {
        "/api/v1/metrics/counts",
        "/api/v1/metrics/summary",
        "/api/v1/metrics/history",
        "/api/v1/metrics/prometheus",
        "/api/v1/targets",
        "/api/v1/targets/{key}",
        "/api/v1/indicators",
        "/api/v1/indicators/{key}/observations",
        "/api/v1/indicators/{key}/observations/{period}",
    }


def test_settings_from_the_environment():
    settings = Settings.from_env({"METRICS_PORT": "9100", "REGISTRY_URL": "http://registry:8081", "METRICS_FOLLOW_BATCH": "100"})
    assert (settings.port, settings.registry_url, settings.follow_batch) == (9100, "http://registry:8081", 100)
    assert Settings.from_env({}).database_url == "sqlite:///.data/metrics.db"
    with pytest.raises(ConfigError):
        Settings.from_env({"METRICS_FOLLOW_BATCH": "0"})
