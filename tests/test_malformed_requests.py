"""Requests gunicorn refuses before Flask sees them still get problem+json (ecoreg_common.gunicorn_errors)."""

from __future__ import annotations

import json

import pytest
from raw_http import MALFORMED, raw_request

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
