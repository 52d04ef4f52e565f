"""Targets of the action plan, with their attainment (writes are for admins, via the gateway)."""

from __future__ import annotations

import json

from flask import Response, current_app, url_for
from flask.views import MethodView

from ecoreg_common.api import Blueprint
from ecoreg_common.problems import ProblemSchema
from metrics import clock
from metrics.counts.as_of import LINKS_AS_OF, parse_as_of
from metrics.counts.schemas import AsOfArgsSchema
from metrics.request_context import conditional_answer, conditional_response, current_db, current_partner, revision_token
from metrics.summary import service as summary_service
from metrics.targets import as_of as as_of_answers
from metrics.targets import service
from metrics.targets.attainment import STATUS_NAMES
from metrics.targets.schemas import (
    MetricsVocabularySchema,
    TargetCreateSchema,
    TargetListArgsSchema,
    TargetListSchema,
    TargetSchema,
    TargetWriteSchema,
)

blp = Blueprint("targets", __name__, url_prefix="/api/v1", description="Targets and their attainment")


@blp.route("/targets")
class Targets(MethodView):
    @blp.arguments(TargetListArgsSchema, location="query")
    @blp.response(200, TargetListSchema)
    def get(self, args):
        """The targets, a page at a time by key, each with its current value, attainment and status"""
        if not args.get("as_of"):
            return _live_targets(args)
        as_of = parse_as_of(args["as_of"])
        found = as_of_answers.list_as_of(
            current_db(), clock.today(), args.get("cluster"), as_of, limit=args["limit"], cursor=args.get("cursor")
        )
        return conditional_answer(found.then(lambda page: {**page, "as_of": as_of.text, "links_as_of": LINKS_AS_OF}))

    @blp.arguments(TargetCreateSchema)
    @blp.response(201, TargetSchema)
    @blp.alt_response(409, schema=ProblemSchema, description="A target with this key exists")
    def post(self, data):
        """Add a target"""
        current_partner()
        target = service.create_target(current_db(), data, clock.today())
        return target, 201, {"Location": url_for("targets.TargetByKey", key=target["key"])}


def _live_targets(args: dict) -> Response:
    """The live list from the targets snapshot the summary keeps (assessed once per change of
    the data, as the summary is): one statement when it is current, else computed and stored.
    ETag, Cache-Control and checkpoint as ``conditional``."""
    db, today = current_db(), clock.today()
    live = summary_service.read_live(db, today, summary_service.TARGETS_SNAPSHOT)
    response = conditional_response(revision_token(live.state, live.revision), live.state.checkpoint, today, lambda: None)
    if response.status_code == 304:
        return response
    dumps = current_app.json.dumps
    body = live.body
    if body is None:
        body = summary_service.compute_snapshot(db, today, live.version, dumps, summary_service.TARGETS_SNAPSHOT)
    page = service.page_of(json.loads(body), args.get("cluster"), limit=args["limit"], cursor=args.get("cursor"))
    response.set_data(dumps(page))
    response.mimetype = "application/json"
    return response


def _live_target(key: str) -> Response:
    """One target from the targets snapshot (as ``_live_targets``): one statement when it is
    current; the answer ``get_target`` gives, found in it (404 when it is not there)."""
    db, today = current_db(), clock.today()
    live = summary_service.read_live(db, today, summary_service.TARGETS_SNAPSHOT)

    def answer() -> dict:
        body = live.body
        if body is None:
            body = summary_service.compute_snapshot(db, today, live.version, current_app.json.dumps, summary_service.TARGETS_SNAPSHOT)
        return service.target_in(json.loads(body), key)

    return conditional_response(revision_token(live.state, live.revision), live.state.checkpoint, today, answer)


@blp.route("/targets/<key:key>")
class TargetByKey(MethodView):
    @blp.arguments(AsOfArgsSchema, location="query")
    @blp.response(200, TargetSchema)
    def get(self, args, key):
        """One target with its current value, attainment and status, now or as of a past moment"""
        as_of = parse_as_of(args["as_of"]) if args.get("as_of") else None
        if as_of is None:
            return _live_target(key)
        found = as_of_answers.target_as_of(current_db(), key, clock.today(), as_of)
        return conditional_answer(found.then(lambda target: {**target, "as_of": as_of.text, "links_as_of": LINKS_AS_OF}))

    @blp.arguments(TargetWriteSchema)
    @blp.response(200, TargetSchema)
    @blp.alt_response(201, schema=TargetSchema, description="Created")
    def put(self, data, key):
        """Create or replace a target"""
        current_partner()
        target, created = service.put_target(current_db(), key, data, clock.today())
        return target, 201 if created else 200

    @blp.response(204)
    def delete(self, key):
        """Remove a target"""
        current_partner()
        service.delete_target(current_db(), key)


@blp.route("/metrics/vocabulary")
class MetricsVocabulary(MethodView):
    @blp.response(200, MetricsVocabularySchema)
    def get(self):
        """The words of metrics' answers: every target status, with its English and Chinese name"""
        return {"target_statuses": list(STATUS_NAMES), "names": {"target_statuses": STATUS_NAMES}}
