"""The ecoreg registry service: entities, their history and the change feed."""

from __future__ import annotations

from flask import Flask

from ecoreg_common.api import create_api
from ecoreg_common.db import Database
from ecoreg_common.health import health_blueprint
from ecoreg_common.heap import freeze_startup_objects
from ecoreg_common.internal_auth import install_internal_token_check
from ecoreg_common.logs import configure_logging, install_request_ids
from registry.config import Settings
from registry.request_context import DB_EXTENSION


def create_app(settings: Settings | None = None) -> Flask:
    """The registry's Flask app, its settings from the environment unless given."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["REGISTRY_SETTINGS"] = settings
    app.json.sort_keys = False

    db = Database(settings.database_url)
    app.extensions[DB_EXTENSION] = db

    # The follower polls the feed all day: those polls are routine, logged at DEBUG.
    install_request_ids(app, "registry", routine_paths=("/api/v1/changes",))
    install_internal_token_check(app, settings.internal_token)

    from registry.changes.routes import blp as changes_blp
    from registry.clusters.routes import blp as clusters_blp
    from registry.entities.routes import blp as entities_blp

    api = create_api(app, "ecoreg registry")
    api.register_blueprint(clusters_blp)
    api.register_blueprint(entities_blp)
    api.register_blueprint(changes_blp)
    to_dict = api.spec.to_dict
    api.spec.to_dict = lambda: document_batch_items_as_answered(to_dict())
    app.register_blueprint(health_blueprint({"database": db.ping}))
    # Under gunicorn: full collections no longer walk the app's own objects (a batch set off several).
    freeze_startup_objects()
    return app


def openapi_document() -> dict:
    """The registry's OpenAPI document as ``GET /api/v1/openapi.json`` answers it, built from its schemas alone.

    For tests of what reads it (the gateway's downloads, the ``ecoreg`` command's
    file columns) without a running registry: the app is made on a throwaway
    SQLite path and no database is opened.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(database_url=f"sqlite:///{folder}/unused.db", log_level="WARNING"))
        document = app.test_client().get("/api/v1/openapi.json").get_json()
        app.extensions[DB_EXTENSION].dispose()
    return document


def document_batch_items_as_answered(document: dict) -> dict:
    """Say in the document what the batch does with its items: any JSON value is taken, each judged alone.

    An item that is not a valid EntityCreate (an unknown field, a wrong type)
    does not make the request invalid: it is answered with ``status: error`` and
    its field errors while the other items are written. Only the request's own
    shape (an ``entities`` array of 1 to 1,000) can make it a 422.
    """
    batch = document.get("components", {}).get("schemas", {}).get("BatchRequest")
    if batch and "entities" in batch.get("properties", {}):
        batch["properties"]["entities"]["items"] = {
            "description": (
                "An entity shaped as EntityCreate (as for POST /api/v1/entities). Any value is accepted here: "
                "one that is not a valid EntityCreate is answered in its item with status error and its errors."
            )
        }
    return document
