"""Domain errors that service layers raise without knowing about HTTP.

Each carries the HTTP status it maps to; ``problems.py`` renders any of them as
RFC 9457 problem+json. Services never import Flask, so these are the only way a
service function says "this request is wrong".
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    title = "Bad Request"
    type_slug = "bad-request"

    def __init__(self, detail: str, *, errors: dict[str, list[str]] | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


class BadHeader(DomainError):
    """A request header is malformed (RFC 9110: 400)."""

    status = 400
    title = "Bad Request"
    type_slug = "bad-header"


class ValidationFailed(DomainError):
    status = 422
    title = "Validation Failed"
    type_slug = "validation-failed"

    def __init__(self, errors: dict[str, list[str]], detail: str = "The request has invalid fields; see errors."):
        super().__init__(detail, errors=errors)


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"
    type_slug = "unauthorized"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not Found"
    type_slug = "not-found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition Failed"
    type_slug = "precondition-failed"


class PreconditionRequired(DomainError):
    status = 428
    title = "Precondition Required"
    type_slug = "precondition-required"


class UnprocessableRequest(DomainError):
    """Well-formed but cannot be honoured, e.g. an idempotency key reused with another body."""

    status = 422
    title = "Unprocessable Request"
    type_slug = "unprocessable"


class ServiceUnavailable(DomainError):
    status = 503
    title = "Service Unavailable"
    type_slug = "unavailable"
