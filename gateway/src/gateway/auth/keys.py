"""API keys: random, shown once, stored as SHA-256 hashes. No Flask in here."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from ecoreg_common import cursors
from ecoreg_common.db import Database
from ecoreg_common.errors import Forbidden, NotFound, ValidationFailed
from ecoreg_common.formats import instant_text
from ecoreg_common.partner import PARTNER_PATTERN
from gateway import change_signals
from gateway.tables import api_keys

SCOPES = ("entities:write", "indicators:write", "admin")
KEY_PREFIX = "eco_"
ADMIN_PARTNER = "ecoreg-admin"


@dataclass(frozen=True)
class Partner:
    """The calling partner: the name and scopes of the key a request carries, or nobody (ANONYMOUS)."""

    key_id: int | None = None
    name: str | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def anonymous(self) -> bool:
        return self.key_id is None

    @property
    def admin(self) -> bool:
        return "admin" in self.scopes

    def has(self, scope: str) -> bool:
        return self.admin or scope in self.scopes


ANONYMOUS = Partner()


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _public(row) -> dict:
    return {
        "id": row.id,
        "prefix": row.prefix,
        "partner": row.partner,
        "scopes": list(row.scopes),
        "created_at": instant_text(row.created_at),
        "revoked": row.revoked_at is not None,
    }


def _validate(partner: str, scopes: list[str]) -> None:
    errors = {}
    if not PARTNER_PATTERN.match(partner):
        errors["partner"] = ["must be a lowercase partner name (a-z, 0-9, '.', '_', '-'; up to 64)"]
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        errors["scopes"] = [f"unknown scope(s): {', '.join(unknown)}; allowed: {', '.join(SCOPES)}"]
    if errors:
        raise ValidationFailed(errors)


def create_key(db: Database, partner: str, scopes: list[str], *, key: str | None = None) -> dict:
    """Make a key; the answer holds the key itself, which is never shown again."""
    _validate(partner, scopes)
    key = key or new_key()
    with db.write() as session:
        key_id = session.execute(
            insert(api_keys)
            .values(key_hash=digest(key), prefix=key[:12], partner=partner, scopes=sorted(set(scopes)), created_at=datetime.now(UTC))
            .returning(api_keys.c.id)
        ).scalar_one()
        change_signals.announce(session)
        row = session.execute(select(api_keys).where(api_keys.c.id == key_id)).one()
    return {**_public(row), "key": key}


def authenticate(db: Database, key: str) -> Partner | None:
    with db.read() as session:
        row = session.execute(select(api_keys).where(api_keys.c.key_hash == digest(key), api_keys.c.revoked_at.is_(None))).first()
    # The index finds the row by hash; the comparison that decides is constant-time.
    if row is None or not hmac.compare_digest(row.key_hash, digest(key)):
        return None
    return Partner(key_id=row.id, name=row.partner, scopes=frozenset(row.scopes))


class RecentKeys:
    """Identities of keys seen lately, so a busy client costs no database read per request.

    Whatever it remembers is forgotten the moment ``signal`` says the keys have
    changed (``change_signals.py``), so a revoked key is refused at once in every
    process; ``ttl_seconds`` bounds how long an entry lives regardless.

    Unknown keys (no such key, or revoked) are remembered too, for ``unknown_ttl_seconds``
    seconds and at most ``unknown_capacity`` of them (the oldest go first), so a
    storm of made-up keys costs one database read per key, not one per request,
    until its address is limited. A key created anywhere changes the signal, which
    forgets them all; ``forget`` does it at once in this process (a key created
    here, before its NOTIFY comes back).
    """

    def __init__(
        self, signal, ttl_seconds: float = 10.0, capacity: int = 4096, *, unknown_ttl_seconds: float = 5.0, unknown_capacity: int = 1024
    ):
        self.signal = signal
        self.ttl_seconds = ttl_seconds
        self.capacity = capacity
        self.unknown_ttl_seconds = unknown_ttl_seconds
        self.unknown_capacity = unknown_capacity
        self._seen: dict[str, tuple[float, Partner]] = {}
        self._unknown: OrderedDict[str, float] = OrderedDict()  # hash -> when found unknown, oldest first
        self._token: object = None
        self._lock = threading.Lock()

    def authenticate(self, db: Database, key: str) -> Partner | None:
        """The key's partner, or None for a key that is unknown or revoked (from memory when seen lately)."""
        hashed = digest(key)
        now = time.monotonic()
        token = self.signal.current()
        with self._lock:
            if token != self._token:
                self._seen.clear()
                self._unknown.clear()
                self._token = token
            hit = self._seen.get(hashed)
            unknown_at = self._unknown.get(hashed)
        if hit is not None and now - hit[0] < self.ttl_seconds:
            return hit[1]
        if unknown_at is not None and now - unknown_at < self.unknown_ttl_seconds:
            return None
        partner = authenticate(db, key)
        with self._lock:
            if self._token == token:
                if partner is not None:
                    if len(self._seen) >= self.capacity:
                        self._seen.clear()
                    self._seen[hashed] = (now, partner)
                elif self.unknown_ttl_seconds > 0:
                    self._unknown.pop(hashed, None)
                    self._unknown[hashed] = now
                    while len(self._unknown) > self.unknown_capacity:
                        self._unknown.popitem(last=False)
        return partner

    def forget(self) -> None:
        """Forget every remembered key, known and unknown (this process)."""
        with self._lock:
            self._seen.clear()
            self._unknown.clear()

    def close(self) -> None:
        self.signal.close()


MAX_PAGE = 500


def list_keys(db: Database, partner: Partner, limit: int = 100, cursor: str | None = None) -> dict:
    """A page of the keys ``partner`` may see (all for an admin, its own otherwise), by id:
    ``{"keys": [...], "next_cursor": str | None}`` (null on the last page); ``limit`` 1-500.

    Raises ValidationFailed for a cursor this API did not give out (ecoreg_common.cursors).
    """
    query = select(api_keys).order_by(api_keys.c.id).limit(min(max(limit, 1), MAX_PAGE) + 1)
    if cursor:
        after_id = cursors.decode(cursor, keys={"id": int})["id"]
        if not 0 <= after_id < 2**62:
            raise ValidationFailed({"cursor": ["is not a cursor this API gave out; use next_cursor as given"]})
        query = query.where(api_keys.c.id > after_id)
    if not partner.admin:
        query = query.where(api_keys.c.partner == partner.name)
    with db.read() as session:
        rows = session.execute(query).all()
    shown = rows[: min(max(limit, 1), MAX_PAGE)]
    more = len(rows) > len(shown)
    return {"keys": [_public(row) for row in shown], "next_cursor": cursors.encode({"id": shown[-1].id}) if more else None}


def revoke_key(db: Database, key_id: int, partner: Partner) -> None:
    with db.write() as session:
        row = session.execute(select(api_keys).where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))).first()
        if row is None or (not partner.admin and row.partner != partner.name):
            raise NotFound(f"There is no key {key_id} of yours.")
        if row.id == partner.key_id and partner.admin and "admin" in row.scopes:
            raise Forbidden("An admin key cannot revoke itself; use another admin key.")
        session.execute(update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=datetime.now(UTC)))
        change_signals.announce(session)


def ensure_admin_key(db: Database, key: str) -> None:
    """Make sure an admin key with exactly this value exists (GATEWAY_ADMIN_KEY)."""
    with db.write() as session:
        row = session.execute(select(api_keys).where(api_keys.c.key_hash == digest(key))).first()
        if row is not None:
            if row.revoked_at is not None or "admin" not in row.scopes:
                session.execute(
                    update(api_keys).where(api_keys.c.id == row.id).values(revoked_at=None, scopes=sorted(set(row.scopes) | {"admin"}))
                )
                change_signals.announce(session)
            return
    create_key(db, ADMIN_PARTNER, ["admin"], key=key)
