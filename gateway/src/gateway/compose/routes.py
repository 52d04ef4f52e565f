"""Composed answers for dashboards: a cluster's overview and the whole programme at a glance."""

from __future__ import annotations

import json

import marshmallow as ma
from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import fields

from ecoreg_common.api import Blueprint
from ecoreg_common.conditional import etag_for, evaluate
from gateway.compose import service
from gateway.request_context import upstream

blp = Blueprint("compose", __name__, url_prefix="/api/v1", description="Composed answers for dashboards")


class ComposedSchema(ma.Schema):
    degraded = fields.Boolean(metadata={"description": "True when a part did not come back"})
    missing = fields.List(fields.String(), metadata={"description": "The parts that did not come back"})
    parts = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "part -> ok or unavailable"})


class OverviewSchema(ComposedSchema):
    cluster = fields.Dict(metadata={"description": "The cluster with its tracks, in English and Chinese"})
    counts = fields.Dict(allow_none=True, metadata={"description": "Active entities, by kind and by tier"})
    coverage = fields.List(fields.Dict(), allow_none=True)
    targets = fields.List(fields.Dict(), allow_none=True, metadata={"description": "The cluster's targets with attainment"})
    recent_entities = fields.List(fields.Dict(), allow_none=True, metadata={"description": "The most recently registered entities"})
    freshness = fields.Dict(allow_none=True)


class DashboardSchema(ComposedSchema):
    clusters = fields.List(fields.Dict())
    programme_targets = fields.List(fields.Dict(), allow_none=True)
    coverage = fields.List(fields.Dict(), allow_none=True)
    active_entities = fields.Integer(allow_none=True)
    active_entities_entities = fields.String(allow_none=True, metadata={"description": "The registry list of the active entities"})
    freshness = fields.Dict(allow_none=True)


# When the follower last read the feed, and how long ago it fell behind: they move with the clock
# (every poll), not with the figures, so they are left out of the tag, as the metrics service leaves
# them out of its own (metrics.request_context.conditional). Otherwise the tag changed on every poll
# and a client revalidating the dashboard never got a 304.
CLOCK_FIELDS = ("checked_at", "seconds_behind")


def composed_etag(body: dict) -> str:
    """The ETag of a composed answer: its content, without the freshness fields that only move with the clock."""
    freshness = body.get("freshness")
    if isinstance(freshness, dict):
        body = {**body, "freshness": {k: v for k, v in freshness.items() if k not in CLOCK_FIELDS}}
    return etag_for(json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True))


def _answer(body: dict) -> Response:
    """JSON with an ETag of its content (composed_etag); If-None-Match gets 304. Degraded answers are not to be cached long."""
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    etag = composed_etag(body)
    cache_control = "no-store" if body["degraded"] else "max-age=5, must-revalidate"
    headers = request.headers
    if evaluate(request.method, etag, if_match=headers.get("If-Match"), if_none_match=headers.get("If-None-Match")):
        return Response(status=304, headers={"ETag": etag, "Cache-Control": cache_control})
    return Response(payload, mimetype="application/json", headers={"ETag": etag, "Cache-Control": cache_control})


def _timeout() -> float:
    return current_app.config["GATEWAY_SETTINGS"].compose_timeout_seconds


@blp.route("/clusters/<string(maxlength=32):key>/overview")
class ClusterOverview(MethodView):
    @blp.response(200, OverviewSchema)
    @blp.alt_response(304, description="Not modified since the ETag in If-None-Match")
    def get(self, key):
        """A cluster with its counts, coverage, targets and newest entities (degraded when a service is down)"""
        return _answer(service.cluster_overview(upstream("registry"), upstream("metrics"), key, _timeout()))


@blp.route("/dashboard")
class Dashboard(MethodView):
    @blp.response(200, DashboardSchema)
    @blp.alt_response(304, description="Not modified since the ETag in If-None-Match")
    def get(self):
        """All five clusters at a glance, with the programme-wide targets (degraded when a service is down)"""
        return _answer(service.dashboard(upstream("registry"), upstream("metrics"), _timeout()))
