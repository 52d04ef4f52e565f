"""Request helpers shared by the registry's routes: the database, the partner, headers."""

from __future__ import annotations

import re

from flask import current_app, request

from ecoreg_common.conditional import parse_tags
from ecoreg_common.db import Database
from ecoreg_common.errors import BadHeader
from ecoreg_common.partner import SCOPES_HEADER, parse_scopes, partner_from, required_partner
from registry.partner import Partner

DB_EXTENSION = "registry.db"
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def current_db() -> Database:
    return current_app.extensions[DB_EXTENSION]


def current_partner() -> Partner:
    """The partner making a write; the gateway sets it from the API key."""
    partner = required_partner(request.headers)
    return Partner(name=partner, admin="admin" in parse_scopes(request.headers.get(SCOPES_HEADER)))


def optional_partner() -> str | None:
    """The calling partner for a read that may use it (None when anonymous)."""
    return partner_from(request.headers)


def if_match_tags() -> list[str] | None:
    """The entity tags in If-Match (``["*"]`` for ``*``), or None if absent; 400 when malformed."""
    return parse_tags(request.headers.get("If-Match"), "If-Match")


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.match(key):
        raise BadHeader("Idempotency-Key must be 1 to 200 visible ASCII characters.")
    return key
