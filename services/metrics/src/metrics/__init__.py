"""The ecoreg metrics service: counts, coverage and target attainment."""

from __future__ import annotations

from flask import Flask

from ecoreg_common.api import create_api
from ecoreg_common.db import Database
from ecoreg_common.health import health_blueprint
from ecoreg_common.internal_auth import install_internal_token_check
from ecoreg_common.logs import configure_logging, install_request_ids
from metrics.config import Settings
from metrics.request_context import DB_EXTENSION


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False

    db = Database(settings.database_url)
    app.extensions[DB_EXTENSION] = db

    install_request_ids(app, "metrics")
    install_internal_token_check(app, settings.internal_token)

    from metrics.counts.routes import blp as counts_blp
    from metrics.history.routes import blp as history_blp
    from metrics.indicators.routes import blp as indicators_blp
    from metrics.summary.routes import blp as summary_blp
    from metrics.targets.routes import blp as targets_blp

    api = create_api(app, "ecoreg metrics")
    for blueprint in (counts_blp, summary_blp, history_blp, targets_blp, indicators_blp):
        api.register_blueprint(blueprint)
    # The registry is not required: the service answers from its own tables when it is down.
    app.register_blueprint(health_blueprint({"database": db.ping}))
    return app
