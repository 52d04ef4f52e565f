"""Whether a caller may make a request: reading is open, writing needs the right key.

What each path needs is declared in the public route table (gateway/public_routes.py).
"""

from __future__ import annotations

from ecoreg_common.errors import Forbidden, Unauthorized
from gateway.auth.keys import Partner
from gateway.public_routes import access_for


def authorise(partner: Partner, method: str, path: str) -> None:
    """Raise 401 (no key where one is needed) or 403 (a key without the scope)."""
    access = access_for(method, path)
    if not access.key:
        return
    if partner.anonymous:
        raise Unauthorized(
            "This needs an API key: send it as 'Authorization: Bearer <key>'.", headers={"WWW-Authenticate": 'Bearer realm="ecoreg"'}
        )
    if access.scope is not None and not partner.has(access.scope):
        raise Forbidden(f"This key lacks the scope {access.scope!r} this request needs.")
