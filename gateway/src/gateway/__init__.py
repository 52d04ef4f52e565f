"""The ecoreg gateway: one public API over registry and metrics."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, g, request
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from werkzeug.middleware.proxy_fix import ProxyFix

from ecoreg_common.api import create_api
from ecoreg_common.db import Database
from ecoreg_common.errors import Forbidden, Unauthorized
from ecoreg_common.health import health_blueprint
from ecoreg_common.logs import configure_logging, install_request_ids
from gateway.auth import keys
from gateway.auth.keys import ANONYMOUS
from gateway.auth.policy import authorise
from gateway.change_signals import ANSWERS_CHANNEL, announce, signal_for
from gateway.config import Settings
from gateway.docs.openapi import MergedDocument
from gateway.docs.routes import DOC_EXTENSION
from gateway.limits import install_limits
from gateway.proxy.cache import AnswerCache
from gateway.proxy.upstreams import Upstream
from gateway.redis_link import GuardedRedis
from gateway.request_context import CACHE_EXTENSION, DB_EXTENSION, KEYS_EXTENSION, UPSTREAMS_EXTENSION, identify
from gateway.security import install_security_headers
from gateway.tables import answer_revision

log = logging.getLogger(__name__)


def _redis(settings: Settings) -> GuardedRedis | None:
    if not settings.redis_url:
        return None
    return GuardedRedis(settings.redis_url, timeout_seconds=settings.redis_timeout_seconds, retry_seconds=settings.redis_retry_seconds)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)

    app = Flask(__name__)
    if settings.proxy_hops:
        # Behind nginx: the client's address is the one nginx appended to X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["GATEWAY_SETTINGS"] = settings
    # The gateway serves the merged document itself (docs/routes.py).
    app.config["OPENAPI_URL_PREFIX"] = None
    app.json.sort_keys = False

    db = Database(settings.database_url)
    app.extensions[DB_EXTENSION] = db
    upstream_options = {
        "internal_token": settings.internal_token,
        "timeout_seconds": settings.upstream_timeout_seconds,
        "fail_max": settings.breaker_failures,
        "reset_seconds": settings.breaker_reset_seconds,
        "max_in_flight": settings.upstream_max_in_flight,
        "queue_seconds": settings.upstream_queue_seconds,
    }
    upstreams = {
        "registry": Upstream("registry", settings.registry_url, **upstream_options),
        "metrics": Upstream("metrics", settings.metrics_url, **upstream_options),
    }
    app.extensions[UPSTREAMS_EXTENSION] = upstreams
    app.extensions[CACHE_EXTENSION] = AnswerCache(
        settings.cache_seconds,
        redis=_redis(settings),
        redis_prefix=settings.redis_key_prefix,
        signal=signal_for(settings.database_url, ANSWERS_CHANNEL),
        announce=lambda: bump_answer_revision(db),
    )
    app.extensions[DOC_EXTENSION] = MergedDocument(upstreams)
    app.extensions[KEYS_EXTENSION] = keys.RecentKeys(
        signal_for(settings.database_url), settings.key_cache_seconds, unknown_ttl_seconds=settings.unknown_key_cache_seconds
    )

    install_request_ids(app, "gateway")
    install_security_headers(app)

    # Who is calling, then may they: both before the rate limiter counts the request.
    @app.before_request
    def identify_and_authorise():
        incoming = request._get_current_object()  # one context lookup, not one per attribute (the hot path)
        path = incoming.path
        if path.startswith("/api/v1/"):
            try:
                authorise(identify(incoming), incoming.method, path)
            except (Unauthorized, Forbidden) as refused:
                # Refused after the limiter has counted it against the address (below),
                # so a storm of made-up keys or forbidden writes gets 429 like any other.
                g.partner = ANONYMOUS
                g.refused = refused

    install_limits(app, settings)

    @app.before_request
    def answer_refused():
        refused = g.pop("refused", None)
        if refused is not None:
            raise refused

    from gateway.auth.routes import blp as keys_blp
    from gateway.compose.routes import blp as compose_blp
    from gateway.docs.routes import blp as docs_blp
    from gateway.proxy.routes import blp as proxy_blp
    from gateway.web.routes import blp as web_blp

    api = create_api(app, "ecoreg API")
    api.register_blueprint(keys_blp)
    api.register_blueprint(compose_blp)
    app.register_blueprint(docs_blp)
    app.register_blueprint(proxy_blp)
    app.register_blueprint(web_blp)
    app.register_blueprint(health_blueprint({"database": db.ping}, optional={name: _probe(u) for name, u in upstreams.items()}))

    if settings.admin_key:
        # Several gateway processes start at once; one of them creates the key.
        with contextlib.suppress(IntegrityError):
            keys.ensure_admin_key(db, settings.admin_key)
    return app


def bump_answer_revision(db: Database) -> None:
    """Tell every gateway process that cached answers are out of date (a write went through)."""
    with db.write() as session:
        session.execute(update(answer_revision).where(answer_revision.c.id == 1).values(value=answer_revision.c.value + 1))
        announce(session, ANSWERS_CHANNEL)


def _probe(upstream: Upstream):
    def check() -> None:
        answer = upstream.request("GET", "/healthz", timeout=1.0)
        answer.raise_for_status()

    return check
