"""One OpenAPI document for the whole public API: the services' documents merged with the gateway's own."""

from __future__ import annotations

import copy
import logging
import threading
import time

from gateway.proxy.upstreams import Upstream, UpstreamUnavailable
from gateway.public_routes import access_for, route_for

log = logging.getLogger(__name__)
REFRESH_SECONDS = 60

SECURITY_SCHEME = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "An ecoreg API key. Reading works without one, at a lower rate limit.",
    }
}


OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def served_by(path: str, upstream: str) -> bool:
    """Whether the public route table sends ``path`` (an OpenAPI path, ``{name}`` segments) to ``upstream``."""
    route = route_for(path)
    return route is not None and route.upstream == upstream


def with_security(path: str, item: dict) -> dict:
    """``item`` with each operation's security as the route table requires it: open ones
    may send a key (a higher rate limit), the others must."""
    item = dict(item)
    for method, operation in item.items():
        if method in OPERATIONS and isinstance(operation, dict):
            access = access_for(method.upper(), path)
            item[method] = {**operation, "security": [{"bearerAuth": []}] if access.key else [{}, {"bearerAuth": []}]}
            if access.scope:
                item[method]["x-ecoreg-scope"] = access.scope
    return item


def merge(own: dict, upstream_docs: dict[str, dict]) -> dict:
    """The gateway's document with every upstream path the route table serves, and their schemas,
    added; each operation's security from the table; the first definition of a name wins."""
    merged = copy.deepcopy(own)
    merged.setdefault("paths", {})
    components = merged.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    tags = {tag["name"]: tag for tag in merged.get("tags", [])}
    for name, doc in upstream_docs.items():
        for path, item in doc.get("paths", {}).items():
            if served_by(path, name):
                merged["paths"].setdefault(path, item)
        for schema_name, schema in doc.get("components", {}).get("schemas", {}).items():
            if schema_name in schemas and schemas[schema_name] != schema:
                log.warning("OpenAPI: %s defines schema %s differently; keeping the first", name, schema_name)
            schemas.setdefault(schema_name, schema)
        for response_name, response in doc.get("components", {}).get("responses", {}).items():
            components.setdefault("responses", {}).setdefault(response_name, response)
        for tag in doc.get("tags", []):
            tags.setdefault(tag["name"], tag)
    merged["tags"] = list(tags.values())
    components["securitySchemes"] = SECURITY_SCHEME
    merged["security"] = [{}, {"bearerAuth": []}]
    merged["paths"] = {path: with_security(path, item) for path, item in sorted(merged["paths"].items())}
    return merged


class MergedDocument:
    """The merged document, rebuilt at most every minute; parts missing while a service is down are retried."""

    def __init__(self, upstreams: dict[str, Upstream]):
        self.upstreams = upstreams
        self._docs: dict[str, dict] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def upstream_docs(self) -> tuple[dict[str, dict], list[str]]:
        with self._lock:
            stale = time.monotonic() - self._fetched_at > REFRESH_SECONDS
            missing = [name for name in self.upstreams if name not in self._docs]
            if stale or missing:
                for name, upstream in self.upstreams.items():
                    try:
                        answer = upstream.request("GET", "/api/v1/openapi.json", timeout=3)
                        if answer.status_code == 200:
                            self._docs[name] = answer.json()
                    except UpstreamUnavailable:
                        log.warning("OpenAPI: the %s document is unavailable", name)
                self._fetched_at = time.monotonic()
            return dict(self._docs), [name for name in self.upstreams if name not in self._docs]

    def upstream_doc(self, name: str) -> dict | None:
        """One service's own document (as ``upstream_docs`` keeps it), or None while it cannot be had."""
        return self.upstream_docs()[0].get(name)

    def build(self, own: dict) -> dict:
        docs, missing = self.upstream_docs()
        merged = merge(own, docs)
        if missing:
            merged["x-ecoreg-missing"] = missing
        return merged
