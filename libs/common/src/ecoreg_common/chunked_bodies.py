"""Request bodies sent chunked (no Content-Length), read whole before any view runs.

Two faults of the plain path, both found by review (issue #11): werkzeug applies
``MAX_CONTENT_LENGTH`` to a body without a length by stopping at the limit
without an error (``LimitedStream.readall``), so a body over it reached the view
cut short, and was forwarded so by the gateway; and gunicorn's chunk parser
raises its own errors from inside the read (a size that is not hex, a chunk
without its CRLF, a NUL in an extension), which the view then answered with 500.

Here such a body is read up to one byte past the limit before the views (after the
hooks that identify, authorise and count the request): more is
413, broken framing 400 (problem+json through the app's handlers), and otherwise
the request goes on with the body in memory and its Content-Length set, as nginx
hands it on in the compose deployment. A body with a Content-Length is left to
werkzeug, which refuses one over the limit before reading it.
"""

from __future__ import annotations

import io

from flask import Flask, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge


def _framing_errors() -> tuple[type[BaseException], ...]:
    """What reading a broken chunked body raises: gunicorn's parse errors, and a client gone mid-body."""
    try:
        from gunicorn.http.errors import NoMoreData, ParseException
    except ImportError:  # pragma: no cover - gunicorn is installed with every service
        return (OSError, ValueError)
    return (ParseException, NoMoreData, OSError, ValueError)


def install(app: Flask) -> None:
    """Read chunked request bodies of ``app`` whole before its views (see the module); idempotent."""
    if app.extensions.get("ecoreg.chunked_bodies"):
        return
    app.extensions["ecoreg.chunked_bodies"] = True
    framing_errors = _framing_errors()

    def read_chunked_body() -> None:
        if request.routing_exception is not None:
            return  # no route (404, 405): answered without its body, and not counted by any limit
        environ = request.environ
        if environ.get("CONTENT_LENGTH") or "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            return
        limit = app.config.get("MAX_CONTENT_LENGTH")
        try:
            body = environ["wsgi.input"].read() if limit is None else environ["wsgi.input"].read(limit + 1)
        except framing_errors:
            raise BadRequest("The request body's chunked framing is broken (a chunk size, its CRLF or an extension).") from None
        if limit is not None and len(body) > limit:
            raise RequestEntityTooLarge(f"The request body is larger than this API accepts ({limit} bytes).")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))

    # After the hooks an app registers before create_api installs this one (request ids, the
    # internal token, the gateway's keys and limits): a request they refuse is answered without its
    # body ever being read (a client with no key cannot make a worker buffer 16 MiB; review11b).
    app.before_request(read_chunked_body)
