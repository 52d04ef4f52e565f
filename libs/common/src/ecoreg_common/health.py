"""``/healthz`` (the process answers) and ``/readyz`` (its database and required peers answer)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from flask import Blueprint, jsonify

log = logging.getLogger(__name__)


def health_blueprint(readiness_checks: Mapping[str, Callable[[], None]]) -> Blueprint:
    """Each check raises when its dependency is not usable; its message is not exposed."""
    blueprint = Blueprint("health", __name__)

    @blueprint.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @blueprint.get("/readyz")
    def readyz():
        results: dict[str, str] = {}
        for name, check in readiness_checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception:
                log.warning("readiness check %s failed", name, exc_info=True)
                results[name] = "unavailable"
        ready = all(value == "ok" for value in results.values())
        return jsonify(status="ready" if ready else "not_ready", checks=results), (200 if ready else 503)

    return blueprint
