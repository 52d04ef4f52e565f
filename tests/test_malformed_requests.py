"""Requests gunicorn refuses before Flask sees them still get problem+json (ecoreg_common.gunicorn_errors), and
chunked bodies gunicorn cannot read, or over the limit, get 400 and 413 (ecoreg_common.chunked_bodies)."""

from __future__ import annotations

import json

import pytest
from raw_http import BROKEN_CHUNKS, MALFORMED, OPEN_CHUNKED_POST, raw_request

pytestmark = pytest.mark.slow


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


def assert_problem(name: str, status: str, headers: dict[str, str], body: bytes, expected: int) -> None:
    assert int(status.split()[1]) == expected, (name, status, body[:200])
    assert headers.get("content-type") == "application/problem+json", (name, status, headers, body[:200])
    assert json.loads(body)["status"] == expected, (name, body[:200])


def test_broken_chunked_bodies_are_400_problems_not_500(make_stack):
    """`make run` publishes the gateway's gunicorn itself; its chunk parser raised inside the view's
    read of the body, answered 500 with a traceback logged (found by review11)."""
    stack = make_stack("sqlite", INTERNAL_TOKEN="t")
    for name in ("registry", "gateway"):
        stack.start(name)
    # The registry as the gateway calls it (its internal token checked before any body is read).
    for url, token in ((stack.gateway_url, b""), (stack.registry_url, b"X-Internal-Token: t\r\n")):
        for name, request_bytes in BROKEN_CHUNKS.items():
            status, headers, body = raw_request(url, request_bytes.replace(b"Host: x\r\n", b"Host: x\r\n" + token, 1))
            assert_problem(name, status, headers, body, 400)


def test_a_chunked_body_over_the_limit_is_413_not_cut_at_the_limit_and_forwarded(make_stack):
    """werkzeug's LimitedStream stops a body without a length at MAX_CONTENT_LENGTH without an error,
    so the gateway forwarded the first GATEWAY_MAX_BODY_BYTES of it (found by review11)."""
    stack = make_stack("sqlite", INTERNAL_TOKEN="t", GATEWAY_MAX_BODY_BYTES="2048")
    for name in ("registry", "gateway"):
        stack.start(name)
    body = json.dumps({"records": [{"name": "x" * 5000}]}).encode()
    status, headers, answer = raw_request(stack.gateway_url, OPEN_CHUNKED_POST + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    assert_problem("chunked body over the limit", status, headers, answer, 413)
    # Under the limit, a chunked body is read whole and answered as any other.
    small = json.dumps({"records": [{"name": "上海张江"}]}).encode()
    status, headers, answer = raw_request(stack.gateway_url, OPEN_CHUNKED_POST + b"%x\r\n%s\r\n0\r\n\r\n" % (len(small), small))
    assert status.split()[1] == "200", (status, answer[:300])
    # A request refused before the view (no key for a write) is refused without its body being read.
    keyed = OPEN_CHUNKED_POST.replace(b"/api/v1/entities/match", b"/api/v1/entities/batch")
    status, headers, answer = raw_request(stack.gateway_url, keyed + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    assert_problem("a chunked body over the limit, without a key", status, headers, answer, 401)
    # Nor one with no route (a 404 counted by no limit).
    nowhere = OPEN_CHUNKED_POST.replace(b"/api/v1/entities/match", b"/nowhere")
    status, headers, answer = raw_request(stack.gateway_url, nowhere + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    assert int(status.split()[1]) == 404, (status, answer[:200])  # not 413: never read
    assert headers.get("content-type") == "application/problem+json", (status, headers)
