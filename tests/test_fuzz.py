"""schemathesis against the gateway's merged OpenAPI document, with every check on.

Every operation of the public API gets generated requests, valid and invalid,
through the gateway to live services; the run fails on any server error,
response that does not match the document, invalid data accepted or valid data
refused (beyond the documented domain rules: schemathesis.toml), or wrong
handling of undeclared methods.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow
EXAMPLES_PER_OPERATION = 25


def test_the_public_api_survives_schemathesis(make_stack):
    stack = make_stack(
        "sqlite",
        GATEWAY_ADMIN_KEY="fuzz-admin-key",
        INTERNAL_TOKEN="fuzz-token",
        GATEWAY_KEY_LIMIT="1000000/minute",
        GATEWAY_ANONYMOUS_LIMIT="1000000/minute",
    )
    stack.cli("ecoreg-registry", "seed")
    for name in ("registry", "metrics", "follower", "gateway"):
        stack.start(name)
    output = stack.run(
        "schemathesis",
        "run",
        f"{stack.gateway_url}/api/v1/openapi.json",
        "--url",
        stack.gateway_url,
        "--header",
        "Authorization: Bearer fuzz-admin-key",
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--workers",
        "2",
        "--seed",
        "20261128",
    )
    print(output[-3000:])
