"""The gateway's own app in this process, in front of upstreams played by small WSGI apps.

The gateway's HTTP clients reach them through ecoreg_common.testing.WSGITransport:
no process, no socket. Each upstream records what it was asked and can be taken
down (every call then fails to connect, as a stopped service does).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests
from flask import Flask, Response, request

from ecoreg_common.testing import WSGITransport
from gateway import create_app
from gateway.config import Settings
from gateway.request_context import CACHE_EXTENSION, DB_EXTENSION, KEYS_EXTENSION, UPSTREAMS_EXTENSION

ADMIN_KEY = "eco_test-admin-key"


@dataclass
class Upstream:
    """A service the gateway forwards to: canned JSON answers by path, ETags, a call log."""

    name: str
    answers: dict[str, object] = field(default_factory=dict)
    seen: list[dict] = field(default_factory=list)
    down: bool = False

    def app(self) -> Flask:
        app = Flask(self.name)

        @app.route("/<path:path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        def answer(path: str):
            path = "/" + path
            self.seen.append({"method": request.method, "path": path, "headers": dict(request.headers), "body": request.get_data()})
            if request.method != "GET":
                return Response(json.dumps({"ok": True}), status=201, mimetype="application/json")
            if path not in self.answers:
                return Response(json.dumps({"title": "Not Found", "status": 404}), status=404, mimetype="application/problem+json")
            body = json.dumps(self.answers[path]).encode()
            tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if tag in request.headers.get("If-None-Match", ""):
                return Response(status=304, headers={"ETag": tag})
            return Response(body, mimetype="application/json", headers={"ETag": tag})

        return app

    def fail(self) -> None:
        if self.down:
            raise requests.ConnectionError(f"{self.name} is down")

    def gets(self, path: str) -> list[dict]:
        return [call for call in self.seen if call["method"] == "GET" and call["path"] == path]


def close(app) -> None:
    """Stop what the gateway app started: its change listeners, upstream sessions, database pool."""
    app.extensions[KEYS_EXTENSION].close()
    app.extensions[CACHE_EXTENSION].close()
    for upstream in app.extensions[UPSTREAMS_EXTENSION].values():
        upstream.close()
    app.extensions[DB_EXTENSION].dispose()


@contextmanager
def gateway_with(database_url: str, registry: Upstream, metrics: Upstream, **settings) -> Iterator:
    """The gateway app on ``database_url`` (migrated) in front of ``registry`` and ``metrics``; closed after."""
    app = create_app(
        Settings(
            database_url=database_url,
            registry_url="http://registry",
            metrics_url="http://metrics",
            admin_key=ADMIN_KEY,
            log_level="WARNING",
            **settings,
        )
    )
    for upstream in (registry, metrics):
        client = app.extensions["gateway.upstreams"][upstream.name].client
        client.mount(f"http://{upstream.name}", WSGITransport(upstream.app(), fail=upstream.fail))
    try:
        yield app
    finally:
        close(app)
