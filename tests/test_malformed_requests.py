"""Requests gunicorn refuses before Flask sees them still get problem+json (ecoreg_common.gunicorn_errors)."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.slow


def raw_request(url: str, request: bytes) -> tuple[str, dict[str, str], bytes]:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return status, headers, body


MALFORMED = {
    "NUL in a header value": b"GET /api/v1/entities HTTP/1.1\r\nHost: x\r\nX-Note: a\x00b\r\n\r\n",
    "NUL in a header name": b"GET /api/v1/entities HTTP/1.1\r\nHost: x\r\nX\x00Bad: 1\r\n\r\n",
    "request line over gunicorn's limit": b"GET /api/v1/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
}


def test_what_gunicorn_refuses_is_problem_json(make_stack):
    stack = make_stack("sqlite", INTERNAL_TOKEN="t")
    stack.start("registry")  # every service creates its app through ecoreg_common.api.create_api, which installs it
    for name, request_bytes in MALFORMED.items():
        status, headers, body = raw_request(stack.registry_url, request_bytes)
        code = int(status.split()[1])
        assert 400 <= code < 500, (name, status)
        assert headers["content-type"] == "application/problem+json", (name, headers)
        problem = json.loads(body)
        assert problem["status"] == code
        assert problem["title"]
