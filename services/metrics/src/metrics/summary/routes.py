"""Dashboard answers: the summary and the Prometheus exposition."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView
from marshmallow import fields

from ecoreg_common.api import Blueprint
from metrics import clock
from metrics.counts.as_of import parse_as_of
from metrics.counts.schemas import AsOfArgsSchema
from metrics.request_context import conditional_answer, conditional_response, current_db, revision_token
from metrics.summary import prometheus, service
from metrics.targets.schemas import TargetSchema

blp = Blueprint("summary", __name__, url_prefix="/api/v1/metrics", description="Dashboard answers")


class CoverageSchema(ma.Schema):
    key = fields.String()
    title_en = fields.String()
    title_zh = fields.String()
    cluster = fields.String(allow_none=True, metadata={"description": "The cluster counted in; null for Shanghai as a whole"})
    registered = fields.Integer()
    official = fields.Float()
    as_of = fields.String()
    official_scope = fields.String(
        metadata={"description": "Where the official total counts: 'shanghai' (all of Shanghai; no official figure is split by cluster)"}
    )
    share = fields.Float(
        allow_none=True,
        metadata={"description": "registered / official; for a cluster, registered in the cluster / the Shanghai-wide official total"},
    )
    share_of = fields.String(metadata={"description": "What share divides, in words"})
    ratio = fields.Float(allow_none=True, metadata={"description": "The same as share (kept for older readers)"})
    filter = fields.Dict(metadata={"description": "What is counted as registered"})
    entities = fields.String(metadata={"description": "The registry list of the registered entities"})


class ClusterSummarySchema(ma.Schema):
    key = fields.String()
    name_en = fields.String()
    name_zh = fields.String()
    active_entities = fields.Integer()
    count = fields.Integer(metadata={"description": "The same number as active_entities: the count that filter and entities describe"})
    filter = fields.Dict(metadata={"description": "What active_entities counts"})
    entities = fields.String(metadata={"description": "The registry list of the active entities"})
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_kind_entities = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "kind -> registry list"})
    by_tier = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_tier_entities = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "tier -> registry list"})
    coverage = fields.List(fields.Nested(CoverageSchema), metadata={"description": "The official totals, counted inside this cluster"})
    targets = fields.List(fields.String(), metadata={"description": "Keys of the cluster's targets"})


class SummarySchema(ma.Schema):
    as_of = fields.String(metadata={"description": "With ?as_of: the moment answered, in Asia/Shanghai"})
    links_as_of = fields.String(
        metadata={"description": "With ?as_of: what the entities links list (the registry as it is now, same filters)"}
    )
    as_of_seq = fields.Integer()
    registry_latest_seq = fields.Integer()
    behind_changes = fields.Integer()
    seconds_behind = fields.Float(allow_none=True)
    last_success_at = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    as_of_time = fields.String(
        allow_none=True, metadata={"format": "date-time", "description": "Commit time of the last change applied (Asia/Shanghai)"}
    )
    checked_at = fields.String(
        allow_none=True, metadata={"format": "date-time", "description": "When the follower last read the feed (Asia/Shanghai)"}
    )
    active_entities = fields.Integer()
    active_entities_entities = fields.String(metadata={"description": "The registry list of the active entities"})
    clusters = fields.List(fields.Nested(ClusterSummarySchema))
    coverage = fields.List(fields.Nested(CoverageSchema))
    targets = fields.List(fields.Nested(TargetSchema))


@blp.route("/summary")
class Summary(MethodView):
    @blp.arguments(AsOfArgsSchema, location="query")
    @blp.response(200, SummarySchema)
    def get(self, args):
        """Per cluster counts by kind and tier, coverage, every target's attainment, and freshness; now or as of a past moment"""
        if args.get("as_of"):
            as_of = parse_as_of(args["as_of"])
            return conditional_answer(service.summary_as_of(current_db(), clock.today(), as_of))
        return live_summary()


def live_summary() -> Response:
    """The live summary from its snapshot: one statement when the data has not changed since it
    was computed (the freshness is added from that statement's follower state), else computed
    once and stored for every worker. ETag, Cache-Control and checkpoint as ``conditional``."""
    db, today = current_db(), clock.today()
    live = service.read_live(db, today)
    state = live.state
    body = live.body
    response = conditional_response(revision_token(state, live.revision), state.checkpoint, today, lambda: None)
    if response.status_code == 304:
        return response
    dumps = current_app.json.dumps
    if body is None:
        body = service.compute_snapshot(db, today, live.version, dumps)
    response.set_data(service.with_freshness(body, state, datetime.now(UTC), dumps))
    response.mimetype = "application/json"
    return response


@blp.route("/prometheus")
class Prometheus(MethodView):
    @blp.response(200, description="Prometheus text exposition format 0.0.4")
    def get(self):
        """Counts, coverage and attainment as Prometheus gauges"""
        return Response(prometheus.render(current_db(), clock.today(), current_app.json.dumps), content_type=prometheus.CONTENT_TYPE)
