"""schemathesis against the gateway's merged OpenAPI document: every check, every phase, both databases.

Every operation of the public API gets generated requests, valid and invalid,
through the gateway to live services, in every phase schemathesis has
(examples, coverage, fuzzing, and stateful sequences that follow the
document's links); the run fails on any server error, response that does not
match the document, invalid data accepted or valid data refused (beyond the
documented domain rules: schemathesis.toml), or wrong handling of undeclared
methods. The run is bounded by time (``--max-time``), not by examples, so
``make test`` pays a known price per backend.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow
SECONDS_PER_BACKEND = 40
PHASES = "examples,coverage,fuzzing,stateful"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_public_api_survives_schemathesis(make_stack, backend, tmp_path):
    stack = make_stack(
        backend,
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
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--max-time",
        str(SECONDS_PER_BACKEND),
        "--workers",
        "2",
        "--seed",
        "20261128",
    )
    print(output[-3000:])
