"""Every registry and metrics path, served unchanged under /api/v1."""

from __future__ import annotations

from flask import Blueprint, current_app

from gateway.proxy.forward import forward, upstream_for
from gateway.web import CACHE_EXTENSION, current_identity, upstream

blp = Blueprint("proxy", __name__)
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@blp.route("/api/v1/<path:rest>", methods=METHODS)
def proxied(rest: str):
    name = upstream_for(f"/api/v1/{rest}")
    return forward(upstream(name), current_identity(), current_app.extensions[CACHE_EXTENSION])
