"""RFC 9457 problem+json for every error a service can answer with.

``install_problem_handlers`` makes sure no response is ever an HTML error page
or a stack trace: domain errors, werkzeug's HTTP errors (404, 405, 413, ...),
webargs validation errors raised through flask-smorest, and anything unexpected
(logged with its trace, answered as a bare 500).
"""

from __future__ import annotations

import logging

import marshmallow as ma
from flask import Flask, Response, json
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from ecoreg_common.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://ecoreg.example/problems/"

log = logging.getLogger(__name__)

# The problem type an HTTP status maps to when werkzeug or webargs raises it (a 422 from a schema is the
# same "validation-failed" as a 422 from a service rule, with the same title).
_DOMAIN_KINDS = (
    DomainError,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    ServiceUnavailable,
)


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem document (used for the OpenAPI description)."""

    type = ma.fields.String(metadata={"description": "URI identifying the kind of problem"})
    title = ma.fields.String(metadata={"description": "Short summary of the kind of problem"})
    status = ma.fields.Integer(metadata={"description": "HTTP status code"})
    detail = ma.fields.String(metadata={"description": "What went wrong with this request"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Field (dotted path) -> messages, for validation problems"},
    )


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    type_slug: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, object] = {
        "type": TYPE_BASE + (type_slug or str(status)),
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_messages(messages: object, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into ``{"a.b.0": ["..."]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = str(key) if not prefix else f"{prefix}.{key}"
            if key == "_schema":
                path = prefix or "_schema"
            for sub_path, sub_messages in flatten_messages(value, path).items():
                flat.setdefault(sub_path, []).extend(sub_messages)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = list(messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(flatten_messages(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


def _webargs_errors(data: dict) -> dict[str, list[str]]:
    messages = data.get("messages") or data.get("errors") or {}
    # webargs keys messages by location ("json", "query", ...); clients think in fields.
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "headers", "form", "files", "path"}:
        flat: dict[str, list[str]] = {}
        for location_messages in messages.values():
            flat.update(flatten_messages(location_messages))
        return flat
    return flatten_messages(messages)


def _kind_of_status(status: int, fallback_title: str) -> tuple[str, str]:
    """(type slug, title) for an HTTP error: the DomainError's own when one has that status, so one type has one title."""
    for kind in _DOMAIN_KINDS:
        if kind.status == status:
            return kind.type_slug, kind.title
    return str(status), fallback_title


def handle_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    status = error.code or 500
    errors = _webargs_errors(data) if ("messages" in data or "errors" in data) else None
    slug, title = _kind_of_status(status, error.name)
    if errors:
        detail = "The request has invalid fields; see errors."
        if any(key in {"_schema", "json"} for key in errors):
            detail = "The request body is not valid; see errors."
        return problem_response(status, title, detail, type_slug=slug, errors=errors, headers=data.get("headers"))
    detail = data.get("message") or error.description
    headers = dict(data.get("headers") or {})
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem_response(status, title, detail, type_slug=slug, headers=headers)


def handle_domain_error(error: DomainError) -> Response:
    return problem_response(error.status, error.title, error.detail, type_slug=error.type_slug, errors=error.errors, headers=error.headers)


def handle_database_unavailable(error: Exception) -> Response:
    """The database did not answer (restarting, unreachable): a 503 to retry, not a 500."""
    log.warning("database unavailable: %s", type(getattr(error, "orig", error)).__name__)
    return problem_response(
        503,
        "Service Unavailable",
        "The database is not answering; retry shortly.",
        type_slug="database-unavailable",
        headers={"Retry-After": "5"},
    )


def handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    if isinstance(error, OperationalError | InterfaceError) or getattr(error, "connection_invalidated", False):
        return handle_database_unavailable(error)
    log.exception("unhandled error")
    return problem_response(500, "Internal Server Error", "The server could not complete the request; it has been logged.")


def install_problem_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
