"""Request helpers shared by the metrics routes: the database, conditional GETs, the caller."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Response, current_app, jsonify, request
from sqlalchemy import select

from ecoreg_common.conditional import etag_for, evaluate
from ecoreg_common.db import Database
from ecoreg_common.errors import Forbidden
from ecoreg_common.partner import SCOPES_HEADER, parse_scopes, required_partner
from metrics import clock
from metrics.answers import Answered
from metrics.tables import follower_state, revision

DB_EXTENSION = "metrics.db"
# Dashboards poll every few seconds: let them (and the gateway) reuse an answer
# briefly, then revalidate with If-None-Match.
CACHE_CONTROL = "max-age=5, must-revalidate"


def current_db() -> Database:
    return current_app.extensions[DB_EXTENSION]


# The follower checkpoint an answer was built from: the gateway keeps an answer only
# when it is not older than the registry's position after the last write (read-your-writes).
CHECKPOINT_HEADER = "X-Ecoreg-Checkpoint"


def answer_revision(db: Database) -> tuple[str, int]:
    """What every aggregate answer depends on: the feed position (and whether the
    registry answers), and the revision of targets and observations; and the checkpoint."""
    with db.read() as session:
        state = session.execute(
            select(follower_state.c.checkpoint, follower_state.c.registry_latest_seq, follower_state.c.last_error).where(
                follower_state.c.id == 1
            )
        ).one()
        rev = session.scalar(select(revision.c.value).where(revision.c.id == 1))
    return revision_token(state, rev), state.checkpoint


def revision_token(state, revision_value: int) -> str:
    """The ETag's data part from a ``follower_state`` row (checkpoint, registry_latest_seq,
    last_error) and the revision."""
    return f"{state.checkpoint}:{state.registry_latest_seq}:{state.last_error is not None}:{revision_value}"


def conditional(answer: Callable[[], object], *, today: date | None = None) -> Response:
    """Answer a GET of an aggregate with an ETag derived from what it depends on; 304 when unchanged.

    The tag covers the feed position, the revision of targets and observations,
    the date (attainment depends on today) and the request's path and query.
    """
    today = today or clock.today()
    version, checkpoint = answer_revision(current_db())
    return conditional_response(version, checkpoint, today, answer)


def conditional_answer(answered: Answered, *, today: date | None = None) -> Response:
    """``conditional`` for a read that brought its state along (metrics.answers): no read of its own."""
    state = answered.state
    return conditional_response(revision_token(state, state.revision), state.checkpoint, today or clock.today(), answered.answer)


def conditional_response(version: str, checkpoint: int, today: date, answer: Callable[[], object]) -> Response:
    """``conditional`` once ``version`` (``answer_revision``'s) is known: a 304 when the request's
    validators match, else ``answer()`` as JSON (an empty 200 when it returns None, for the caller
    to fill); ETag, Cache-Control and the checkpoint header set either way."""
    token = f"{version}:{today.isoformat()}:{request.full_path}"
    etag = etag_for(token)
    headers = request.headers
    if evaluate(request.method, etag, if_match=headers.get("If-Match"), if_none_match=headers.get("If-None-Match")):
        response = Response(status=304)
    else:
        body = answer()
        if body is None:
            response = Response(status=200)
        else:
            response = body if isinstance(body, Response) else jsonify(body)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers[CHECKPOINT_HEADER] = str(checkpoint)
    return response


def current_partner() -> str:
    """The calling partner: who reports an observation or changes a target (the gateway sets it from the API key)."""
    return required_partner(request.headers)


def current_admin() -> str:
    """The calling partner of an administrators' write (defining or retiring an indicator):
    Unauthorized (401) with no partner, Forbidden (403) without the ``admin`` scope. The gateway's
    route table requires it already; checked here too, as the registry checks its admin reports,
    so that no path the table judges otherwise can make it a partner's write."""
    partner = required_partner(request.headers)
    if "admin" not in parse_scopes(request.headers.get(SCOPES_HEADER)):
        raise Forbidden("Defining and retiring indicators is for administrators.")
    return partner
