"""A gateway whose upstreams are in-process fakes: the pages' own logic, without processes.

A fake answers a path with a function of the query's (name, value) pairs; it
records every call, so a test can see what the page asked the registry.
"""

from __future__ import annotations

import json

import pytest
import requests

from gateway import create_app
from gateway.config import Settings
from gateway.docs.openapi import MergedDocument
from gateway.docs.routes import DOC_EXTENSION
from gateway.proxy.upstreams import UpstreamUnavailable
from gateway.request_context import UPSTREAMS_EXTENSION
from gateway.web import vocabulary


def response(status: int, body) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = json.dumps(body).encode()
    answer.headers["Content-Type"] = "application/problem+json" if status >= 400 else "application/json"
    return answer


class FakeUpstream:
    def __init__(self, name: str):
        self.name = name
        self.routes: dict = {}
        self.calls: list[tuple[str, list]] = []
        self.down = False

    def unavailable(self, why: str) -> UpstreamUnavailable:
        return UpstreamUnavailable(f"The {self.name} service is not answering ({why}).", headers={"Retry-After": "10"})

    def request(self, method, path, *, params=None, timeout=None, **kwargs):
        pairs = list(params.items()) if isinstance(params, dict) else list(params or [])
        self.calls.append((path, pairs))
        if self.down:
            raise self.unavailable("down")
        handler = self.routes.get(path)
        if handler is None:
            return response(404, {"title": "Not Found", "status": 404})
        status, body = handler(pairs)
        return response(status, body)


CLUSTERS = {
    "clusters": [
        {
            "key": "energy",
            "name_en": "Future energy",
            "name_zh": "未来能源",
            "tracks": [{"key": "hydrogen", "name_en": "Hydrogen", "name_zh": "氢能", "note": None}],
        }
    ]
}
VOCABULARY = {
    "kinds": {"facility": ["hydrogen_station"]},
    "tiers": ["none"],
    "statuses": ["active"],
    "names": {
        "kinds": {"facility": {"name_en": "facilities", "name_zh": "设施"}},
        "subtypes": {"hydrogen_station": {"name_en": "hydrogen refuelling station", "name_zh": "加氢站"}},
        "tiers": {"none": {"name_en": "other", "name_zh": "其他"}},
        "statuses": {"active": {"name_en": "active", "name_zh": "运营中"}},
    },
    "districts": [
        {"key": "jiading", "name_en": "Jiading", "name_zh": "嘉定区"},
        {"key": "pudong", "name_en": "Pudong New Area", "name_zh": "浦东新区"},
    ],
}


def station(number: int, district: str = "jiading") -> dict:
    return {
        "id": number,
        "kind": "facility",
        "subtype": "hydrogen_station",
        "tier": "none",
        "name": f"Station {number}",
        "name_zh": f"加氢站{number}号",
        "clusters": ["energy"],
        "tracks": ["hydrogen"],
        "district": district,
        "status": "active",
        "attributes": {},
        "source": "seed",
        "version": 1,
        "created_at": "2026-12-01T17:30:00Z",
        "updated_at": "2026-12-01T17:30:00Z",
    }


def paged_list(entities: list[dict]):
    """A registry list over ``entities``: ``limit`` and an opaque ``cursor`` (the next offset), 422 for a bad one."""

    def handler(pairs):
        args = dict(pairs)
        if args.get("kind") not in (None, "facility"):
            return 422, {"title": "Validation Failed", "status": 422, "errors": {"kind": ["Must be one of: facility."]}}
        try:
            start = int(args["cursor"].removeprefix("c")) if "cursor" in args else 0
        except ValueError:
            return 422, {"title": "Validation Failed", "status": 422, "errors": {"cursor": ["is not a cursor this API gave out"]}}
        limit = int(args.get("limit", 50))
        page = entities[start : start + limit]
        more = start + limit < len(entities)
        return 200, {"items": page, "next_cursor": f"c{start + limit}" if more else None}

    return handler


@pytest.fixture(scope="session")
def registry_document() -> dict:
    """The real registry's OpenAPI document: the downloads' columns are its Entity schema."""
    from registry import openapi_document

    return openapi_document()


def metrics_vocabulary() -> dict:
    """What the real metrics service answers for GET /api/v1/metrics/vocabulary (its target statuses and their names)."""
    from metrics.targets.attainment import STATUS_NAMES

    return {"target_statuses": list(STATUS_NAMES), "names": {"target_statuses": STATUS_NAMES}}


@pytest.fixture
def fakes(registry_document):
    registry, metrics = FakeUpstream("registry"), FakeUpstream("metrics")
    registry.routes["/api/v1/clusters"] = lambda pairs: (200, CLUSTERS)
    registry.routes["/api/v1/vocabulary"] = lambda pairs: (200, VOCABULARY)
    registry.routes["/api/v1/openapi.json"] = lambda pairs: (200, registry_document)
    metrics.routes["/api/v1/openapi.json"] = lambda pairs: (200, {"paths": {}})
    metrics.routes["/api/v1/metrics/vocabulary"] = lambda pairs: (200, metrics_vocabulary())
    return registry, metrics


@pytest.fixture
def app(database_url, db, fakes):
    app = create_app(Settings(database_url=database_url, registry_url="http://127.0.0.1:9", metrics_url="http://127.0.0.1:9"))
    real = app.extensions[UPSTREAMS_EXTENSION]
    registry, metrics = fakes
    app.extensions[UPSTREAMS_EXTENSION] = {"registry": registry, "metrics": metrics}
    app.extensions[DOC_EXTENSION] = MergedDocument(app.extensions[UPSTREAMS_EXTENSION])
    vocabulary._remembered.clear()  # each test's fake registry names its own words
    yield app
    vocabulary._remembered.clear()
    for upstream in real.values():
        upstream.close()
    app.extensions["gateway.recent_keys"].close()
    app.extensions["gateway.cache"].close()
    app.extensions["gateway.db"].dispose()
