"""Counts of entities by cluster, kind, tier, district, status and track."""

from __future__ import annotations

from flask.views import MethodView

from ecoreg_common.api import Blueprint
from metrics.counts import service
from metrics.counts.as_of import parse_as_of
from metrics.counts.schemas import CountArgsSchema, CountsSchema
from metrics.request_context import conditional_answer, current_db

blp = Blueprint("counts", __name__, url_prefix="/api/v1/metrics", description="Counts of registered entities")


@blp.route("/counts")
class Counts(MethodView):
    @blp.arguments(CountArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, CountsSchema)
    @blp.alt_response(304, description="Not modified since the ETag in If-None-Match")
    def get(self, group_by, as_of=None, **filters):
        """Entities counted by any subset of dimensions (active ones unless status says otherwise), now or as of a past moment"""
        moment = parse_as_of(as_of) if as_of else None
        return conditional_answer(service.counts(current_db(), group_by, filters, moment))
