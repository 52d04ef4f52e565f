"""HTTP routes for entities: thin wrappers that read headers and call the service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Response, jsonify, request
from flask.views import MethodView
from sqlalchemy.orm import Session

from ecoreg_common import conditional
from ecoreg_common.api import Blueprint
from ecoreg_common.problems import ProblemSchema
from registry import idempotency
from registry.entities import batch, duplicates, matching, merge, service
from registry.entities.schemas import (
    BatchArgsSchema,
    BatchRequestSchema,
    BatchResultSchema,
    DuplicatesArgsSchema,
    DuplicatesPageSchema,
    EntityCreateSchema,
    EntityListArgsSchema,
    EntityPageSchema,
    EntityPatchSchema,
    EntitySchema,
    HistorySchema,
    MatchAnswerSchema,
    MatchRequestSchema,
    MergeAnswerSchema,
    MergeRequestSchema,
    MovedSchema,
    PageArgsSchema,
)
from registry.partner import Partner
from registry.request_context import current_db, current_partner, idempotency_key, if_match_tags, optional_partner

blp = Blueprint("entities", __name__, url_prefix="/api/v1", description="Entities of the five future-industry clusters")

# Ids are 64-bit; a larger number in a path can name no entity (404, not a database error).
MAX_ID = 2**62

IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,200}$"},
    "description": "A retry with the same key returns the first answer and creates nothing",
}
# What ecoreg_common.conditional.parse_tags accepts: * or a list of entity tags (RFC 9110 8.8.3).
_ENTITY_TAG = '[ \\t]*(W/)?"[\\x21\\x23-\\x7e]*"[ \\t]*'
IF_MATCH_HEADER = {
    "name": "If-Match",
    "in": "header",
    "schema": {"type": "string", "pattern": f"^([ \\t]*\\*[ \\t]*|{_ENTITY_TAG}(,{_ENTITY_TAG})*)$"},
    "description": "The ETag you last read",
}
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "The entity's version as an entity tag"}}


def answer_once(partner: Partner, produce: Callable[[Session, datetime], idempotency.StoredResponse]):
    """The answer ``produce`` gives in a write transaction, or, for a repeated Idempotency-Key,
    the first answer again (marked Idempotent-Replayed) without doing the work twice."""
    key = idempotency_key()
    fingerprint = idempotency.fingerprint(request.method, request.path, request.get_json(silent=True)) if key else None
    stored, replayed = idempotency.run(current_db(), partner.name, key, fingerprint, produce)
    # The stored body is already in its schema's shape, so it is not dumped again.
    response = jsonify(stored.body)
    response.status_code = stored.status_code
    response.headers.update(stored.headers)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@blp.route("/entities")
class Entities(MethodView):
    @blp.arguments(EntityListArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, EntityPageSchema)
    def get(self, limit, sort, cursor=None, **filters):
        """List live entities, filtered, in a stable order with cursor pagination"""
        return service.list_entities(current_db(), filters, limit, cursor, newest_first=sort == "-id")

    @blp.arguments(EntityCreateSchema)
    @blp.response(201, EntitySchema, headers={"Location": {"schema": {"type": "string"}}, **ETAG_HEADER})
    @blp.alt_response(409, schema=ProblemSchema, description="The uscc or external_id is already registered")
    @blp.doc(parameters=[IDEMPOTENCY_HEADER])
    def post(self, fields):
        """Register an entity"""
        partner = current_partner()

        def register(session: Session, now: datetime) -> idempotency.StoredResponse:
            created = service.register(session, current_db(), fields, partner, now)
            return idempotency.StoredResponse(201, created, {"Location": service.location(created["id"]), "ETag": service.etag(created)})

        return answer_once(partner, register)


@blp.route("/entities/batch")
class EntityBatch(MethodView):
    @blp.arguments(BatchArgsSchema, location="query", as_kwargs=True)
    @blp.arguments(BatchRequestSchema)
    @blp.response(200, BatchResultSchema)
    @blp.doc(parameters=[IDEMPOTENCY_HEADER])
    def post(self, body, dry_run):
        """Create or update up to 1,000 entities, matched on uscc, else on external_id (dry_run=true: judge and match, write nothing)"""
        partner = current_partner()
        apply = batch.batch_work(current_db(), body["entities"], partner, dry_run=dry_run)
        if dry_run:
            # Nothing is written, so there is nothing to answer once: the Idempotency-Key is not recorded.
            return current_db().transact(lambda session: apply(session, service.utcnow()))
        return answer_once(partner, lambda session, now: idempotency.StoredResponse(200, apply(session, now), {}))


@blp.route("/entities/match")
class EntityMatch(MethodView):
    @blp.arguments(MatchRequestSchema)
    @blp.response(200, MatchAnswerSchema)
    def post(self, body):
        """Which live entities each of up to 1,000 records may be: candidates with scores and reasons, chosen when unambiguous"""
        return matching.match(current_db(), body["records"], partner=optional_partner(), limit=body["limit"])


@blp.route("/entities/duplicates")
class EntityDuplicates(MethodView):
    @blp.arguments(DuplicatesArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, DuplicatesPageSchema)
    @blp.alt_response(403, schema=ProblemSchema, description="Not an administrator")
    def get(self, limit, cursor=None):
        """Likely duplicate pairs among live entities (admin): the same core name, no contradicting USCC"""
        return duplicates.likely_duplicates(current_db(), current_partner(), limit, cursor)


@blp.route(f"/entities/<int(max={MAX_ID}):entity_id>")
class EntityById(MethodView):
    @blp.response(200, EntitySchema, headers=ETAG_HEADER)
    @blp.alt_response(301, schema=MovedSchema, description="The entity was merged into the one at Location")
    @blp.alt_response(304, description="Not modified since the ETag in If-None-Match")
    @blp.alt_response(412, schema=ProblemSchema, description="If-Match does not match the current ETag")
    def get(self, entity_id):
        """One live entity (If-None-Match gets 304 while it is unchanged; a merged one answers 301 with where it went)"""
        state, survivor = service.read_entity(current_db(), entity_id)
        if survivor is not None:
            response = jsonify(
                {"id": entity_id, "merged_into": survivor, "detail": f"Entity {entity_id} was merged into entity {survivor}."}
            )
            response.status_code = 301
            response.headers["Location"] = service.location(survivor)
            return response
        tag = service.etag(state)
        headers = request.headers
        if conditional.evaluate("GET", tag, if_match=headers.get("If-Match"), if_none_match=headers.get("If-None-Match")):
            return Response(status=304, headers={"ETag": tag})
        return state, 200, {"ETag": tag}

    @blp.arguments(EntityPatchSchema)
    @blp.response(200, EntitySchema, headers=ETAG_HEADER)
    @blp.alt_response(412, schema=ProblemSchema, description="If-Match does not match the current ETag")
    @blp.alt_response(428, schema=ProblemSchema, description="If-Match is missing")
    @blp.doc(parameters=[{**IF_MATCH_HEADER, "required": True}])
    def patch(self, fields, entity_id):
        """Change some fields of an entity (If-Match required)"""
        state = service.update_entity(current_db(), entity_id, fields, current_partner(), if_match_tags())
        return state, 200, {"ETag": service.etag(state)}

    @blp.response(204)
    @blp.alt_response(409, schema=ProblemSchema, description="The entity still has live children")
    @blp.doc(parameters=[IF_MATCH_HEADER])
    def delete(self, entity_id):
        """Retire an entity: kept in history, gone from lists and counts"""
        service.retire_entity(current_db(), entity_id, current_partner(), if_match_tags())


@blp.route(f"/entities/<int(max={MAX_ID}):entity_id>/merge")
class EntityMerge(MethodView):
    @blp.arguments(MergeRequestSchema)
    @blp.response(200, MergeAnswerSchema)
    @blp.alt_response(403, schema=ProblemSchema, description="The partner may not change both entities")
    @blp.alt_response(
        409, schema=ProblemSchema, description="An entity cannot be merged into itself, nor into one of another kind unless force is true"
    )
    @blp.alt_response(412, schema=ProblemSchema, description="If-Match does not match the merged entity's ETag")
    @blp.doc(parameters=[IF_MATCH_HEADER])
    def post(self, body, entity_id):
        """Merge this entity into another (admin, or the partner owning both): history kept, children moved, later upserts land on the survivor"""
        return merge.merge_entity(current_db(), entity_id, body["into"], current_partner(), if_match_tags(), force=body["force"])


@blp.route(f"/entities/<int(max={MAX_ID}):entity_id>/history")
class EntityHistory(MethodView):
    @blp.arguments(PageArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, HistorySchema)
    def get(self, entity_id, limit, cursor=None):
        """The versions of an entity, oldest first, with who changed what (paged: next_cursor)"""
        return service.entity_history(current_db(), entity_id, limit, cursor)
