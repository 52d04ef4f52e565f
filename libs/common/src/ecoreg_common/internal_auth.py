"""The internal token: services behind the gateway refuse callers that lack it.

The gateway signs every upstream request with ``X-Internal-Token``. When a service
has a token configured, any other request (except health probes) gets 401, so a
client that reaches a service directly cannot bypass the gateway's keys and limits.
With no token configured (local development) every request passes.
"""

from __future__ import annotations

import hmac

from flask import Flask, request

from ecoreg_common.problems import problem_response

INTERNAL_TOKEN_HEADER = "X-Internal-Token"  # noqa: S105 - a header name, not a secret
OPEN_PATHS = frozenset({"/healthz", "/readyz"})


def install_internal_token_check(app: Flask, token: str | None) -> None:
    if not token:
        return
    expected = token.encode()

    @app.before_request
    def require_internal_token():
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(INTERNAL_TOKEN_HEADER, "").encode()
        if hmac.compare_digest(given, expected):
            return None
        return problem_response(
            401,
            "Unauthorized",
            "This service only answers requests that come through the ecoreg gateway.",
            type_slug="internal-token-required",
        )
