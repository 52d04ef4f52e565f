"""Every registry and metrics path, served unchanged under /api/v1."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from gateway.proxy.forward import PREFIXES_WITH_SUBPATHS, ROUTES, forward, upstream_for
from gateway.requests_context import CACHE_EXTENSION, current_identity, upstream

blp = Blueprint("proxy", __name__)
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def proxied(**_):
    name = upstream_for(request.path)
    return forward(upstream(name), current_identity(), current_app.extensions[CACHE_EXTENSION])


# Only the services' own paths are proxied, so the gateway's routes (keys, the
# composed answers) answer 405 with an exact Allow header for methods they lack.
for prefix, _name in ROUTES:
    blp.add_url_rule(prefix, f"proxy{prefix}", proxied, methods=METHODS)
    if prefix in PREFIXES_WITH_SUBPATHS:
        blp.add_url_rule(f"{prefix}/<path:rest>", f"proxy{prefix}/sub", proxied, methods=METHODS)
