"""JSON log lines that carry the request id, so one id follows a request everywhere."""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time

from flask import Flask, g, request

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_ENVIRON = "HTTP_X_REQUEST_ID"  # where WSGI puts it (PEP 3333)
_REQUEST_ID_SAFE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def new_request_id() -> str:
    """A fresh request id: a random (version 4) UUID as 32 hex digits, as ``uuid.uuid4().hex`` writes
    it, set straight on the random bytes (RFC 9562, section 5.4) at half uuid4's cost per request."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # variant 10xx
    return raw.hex()


def current_request_id() -> str | None:
    return request_id_var.get()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key in ("service", "method", "path", "status", "duration_ms"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        root.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.handlers = [handler]
    root.setLevel(level)


def install_request_ids(app: Flask, service: str, routine_paths: tuple[str, ...] = ()) -> None:
    """Take the caller's X-Request-ID (or make one), echo it, and log each request once.

    A successful GET of one of ``routine_paths`` (such as the change feed, which the
    follower polls several times a second) is logged at DEBUG, not INFO, so the
    INFO log shows what happened rather than who is polling; its failures stay at INFO.
    """
    access_log = logging.getLogger(f"{service}.access")

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.environ.get(_REQUEST_ID_ENVIRON, "")
        request_id = incoming if _REQUEST_ID_SAFE.match(incoming) else new_request_id()
        context = g._get_current_object()  # one context lookup for the three
        context.request_id = request_id
        context.request_started = time.perf_counter()
        context.request_id_token = request_id_var.set(request_id)

    @app.after_request
    def echo_request_id(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
            incoming = request._get_current_object()  # one context lookup, not one per attribute
            status = response.status_code
            routine = incoming.method == "GET" and status < 400 and incoming.path in routine_paths
            level = logging.DEBUG if routine else logging.INFO
            # The line (and its fields) only when it will be written: under LOG_LEVEL=WARNING
            # building it was most of this hook's cost, on every request.
            if access_log.isEnabledFor(level):
                started = g.get("request_started")
                access_log.log(
                    level,
                    "%s %s %s",
                    incoming.method,
                    incoming.path,
                    status,
                    extra={
                        "service": service,
                        "method": incoming.method,
                        "path": incoming.path,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                    },
                )
        return response

    @app.teardown_request
    def forget_request_id(_exc):
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id_var.reset(token)
