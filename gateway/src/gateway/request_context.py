"""Request helpers: the database, the calling partner, the upstreams."""

from __future__ import annotations

from flask import Request, current_app, g

from ecoreg_common.db import Database
from ecoreg_common.errors import Unauthorized
from gateway.auth.keys import ANONYMOUS, Partner

DB_EXTENSION = "gateway.db"
UPSTREAMS_EXTENSION = "gateway.upstreams"
CACHE_EXTENSION = "gateway.cache"
KEYS_EXTENSION = "gateway.recent_keys"


def current_db() -> Database:
    return current_app.extensions[DB_EXTENSION]


def upstream(name: str):
    return current_app.extensions[UPSTREAMS_EXTENSION][name]


def current_partner() -> Partner:
    return g.get("partner", ANONYMOUS)


def identify(incoming: Request) -> Partner:
    """Before each request: who is calling ``incoming`` (the current request), also kept as
    ``g.partner``; 401 for a key that is not valid; no key is ANONYMOUS."""
    header = incoming.headers.get("Authorization", "")
    if not header:
        g.partner = ANONYMOUS
        return ANONYMOUS
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("Send the API key as 'Authorization: Bearer <key>'.", headers={"WWW-Authenticate": 'Bearer realm="ecoreg"'})
    app = current_app._get_current_object()
    partner = app.extensions[KEYS_EXTENSION].authenticate(app.extensions[DB_EXTENSION], key.strip())
    if partner is None:
        raise Unauthorized(
            "This API key is not valid (unknown or revoked).", headers={"WWW-Authenticate": 'Bearer realm="ecoreg", error="invalid_token"'}
        )
    g.partner = partner
    return partner
