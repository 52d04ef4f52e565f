"""``/healthz`` (the process answers) and ``/readyz`` (its database and required peers answer)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from flask import Blueprint, jsonify

log = logging.getLogger(__name__)


def _run(checks: Mapping[str, Callable[[], None]]) -> dict[str, str]:
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception:
            log.warning("readiness check %s failed", name, exc_info=True)
            results[name] = "unavailable"
    return results


def health_blueprint(
    readiness_checks: Mapping[str, Callable[[], None]], optional: Mapping[str, Callable[[], None]] | None = None
) -> Blueprint:
    """Each check raises when its dependency is not usable; its message is not exposed.

    ``optional`` dependencies are reported but do not make the service unready:
    it still answers (degraded) without them.
    """
    blueprint = Blueprint("health", __name__)

    @blueprint.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @blueprint.get("/readyz")
    def readyz():
        results = _run(readiness_checks)
        ready = all(value == "ok" for value in results.values())
        body = {"status": "ready" if ready else "not_ready", "checks": results}
        if optional:
            body["upstreams"] = _run(optional)
        return jsonify(body), (200 if ready else 503)

    return blueprint
