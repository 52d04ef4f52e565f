"""Every registry and metrics path of the public route table, served unchanged under /api/v1."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from gateway.proxy.forward import forward, upstream_for
from gateway.public_routes import upstream_routes
from gateway.request_context import CACHE_EXTENSION, UPSTREAMS_EXTENSION, current_partner

blp = Blueprint("proxy", __name__)
# TRACE too: the service answers 405 with the Allow of that path, which only it knows exactly.
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def proxied(**_):
    extensions = current_app.extensions
    upstream = extensions[UPSTREAMS_EXTENSION][upstream_for(request.path)]
    return forward(upstream, current_partner(), extensions[CACHE_EXTENSION])


# Only the services' own paths are proxied, so the gateway's routes (keys, the
# composed answers) answer 405 with an exact Allow header for methods they lack.
for route in upstream_routes():
    blp.add_url_rule(route.path, f"proxy{route.path}", proxied, methods=METHODS)
    if route.subpaths:
        blp.add_url_rule(f"{route.path}/<path:rest>", f"proxy{route.path}/sub", proxied, methods=METHODS)
