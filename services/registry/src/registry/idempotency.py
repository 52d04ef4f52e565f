"""Idempotency-Key for POSTs: a retried request gets the first answer and creates nothing.

A key belongs to the partner that sent it and remembers a fingerprint of the
request. The record is written in the same transaction as the work it answers,
so either both exist or neither does; two concurrent requests with one key
collide on the primary key and the loser answers with the winner's response.

Records expire after ``RETENTION`` (24 h): an expired key may be reused, and
writing transactions purge expired records (``purge``, at most every
``PURGE_INTERVAL`` per process, through an index on ``created_at``). The body is
stored as its JSON text (a JSON string in the column), because PostgreSQL's
``jsonb`` reorders an object's keys: a replay is the first answer byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ecoreg_common.db import Database
from ecoreg_common.errors import Conflict, UnprocessableRequest
from registry.tables import idempotency_keys

# After this a key may be reused for a new request.
RETENTION = timedelta(hours=24)
# How often one process purges expired records (a cheap indexed DELETE).
PURGE_INTERVAL = timedelta(minutes=5)
_last_purge: datetime | None = None


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict
    headers: dict[str, str]


def fingerprint(method: str, path: str, body: object) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def recall(session: Session, actor: str, key: str, request_fingerprint: str, now: datetime) -> StoredResponse | None:
    """The stored answer for this key, or None when the request is new."""
    row = session.execute(select(idempotency_keys).where(idempotency_keys.c.actor == actor, idempotency_keys.c.key == key)).first()
    if row is None:
        return None
    if row.created_at < now - RETENTION:
        session.execute(delete(idempotency_keys).where(idempotency_keys.c.actor == actor, idempotency_keys.c.key == key))
        return None
    if row.fingerprint != request_fingerprint:
        raise UnprocessableRequest(
            "This Idempotency-Key was already used for a different request; use a new key for a new request.",
        )
    # Older records hold the body as an object; newer ones as its JSON text, in its order.
    body = json.loads(row.body) if isinstance(row.body, str) else row.body
    return StoredResponse(row.status_code, body, row.headers)


def remember(session: Session, actor: str, key: str, request_fingerprint: str, response: StoredResponse, now: datetime) -> None:
    session.execute(
        insert(idempotency_keys).values(
            actor=actor,
            key=key,
            fingerprint=request_fingerprint,
            status_code=response.status_code,
            body=json.dumps(response.body, ensure_ascii=False, separators=(",", ":")),
            headers=response.headers,
            created_at=now,
        )
    )


def purge(session: Session, now: datetime) -> int:
    """Delete the records older than ``RETENTION``; how many went."""
    return session.execute(delete(idempotency_keys).where(idempotency_keys.c.created_at < now - RETENTION)).rowcount


def _purge_due(now: datetime) -> bool:
    global _last_purge
    if _last_purge is not None and now - _last_purge < PURGE_INTERVAL:
        return False
    _last_purge = now
    return True


def run(
    db: Database,
    actor: str,
    key: str | None,
    request_fingerprint: str | None,
    produce: Callable[[Session, datetime], StoredResponse],
) -> tuple[StoredResponse, bool]:
    """``produce`` the answer in a write transaction, or replay the stored one.

    Returns the answer and whether it was a replay.
    """

    def work(session: Session) -> tuple[StoredResponse, bool]:
        now = datetime.now(UTC)
        if key and _purge_due(now):
            purge(session, now)
        if key:
            stored = recall(session, actor, key, request_fingerprint, now)
            if stored is not None:
                return stored, True
        try:
            response = produce(session, now)
        except Conflict:
            # A twin request with this key may have committed between our recall and
            # our uniqueness check (each statement sees the latest commits): answer as it did.
            stored = recall(session, actor, key, request_fingerprint, now) if key else None
            if stored is None:
                raise
            return stored, True
        if key:
            remember(session, actor, key, request_fingerprint, response, now)
        return response, False

    return db.transact(work)
