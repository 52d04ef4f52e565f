"""Property: no body sent to a write path yields a 500 or an answer that is not JSON (issue #12).

hypothesis builds entity-shaped bodies from valid fields mixed with hostile
values (NUL, lone surrogates, bidi controls, zero-width text, huge and
non-finite numbers as text, wrong types, extreme dates, unknown fields) and
sends them to POST, PATCH and the batch, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from registry_testing import as_partner, enterprise

HOSTILE_TEXT = st.sampled_from(["", " ", "\u200b", "\u202e", "a\x00b", "\x07", "\u3000", "x" * 400, "９１", "0001-01-01", "9999-12-31"])
HOSTILE_NUMBERS = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "9" * 400, "-0", "2e-400", str(2**63), "1.5"])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20), HOSTILE_TEXT
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8
)
FIELDS = [*enterprise(1), "established_on", "parent_id", "external_id", "attributes", "status", "tier", "unknown_field"]


@st.composite
def bodies(draw) -> str:
    """A JSON text: an entity with some fields replaced, possibly with a bare hostile number spliced in."""
    body = enterprise(draw(st.integers(min_value=1, max_value=50)))
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        body[name] = draw(VALUES)
    text = json.dumps(body, ensure_ascii=draw(st.booleans()))
    if draw(st.booleans()):
        text = text[:-1] + f', "attributes": {{"n": {draw(HOSTILE_NUMBERS)}}}}}'
    return text


def assert_json_problem_or_success(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    json.loads(response.get_data(as_text=True))  # always JSON
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=bodies(), path=st.sampled_from(["post", "patch", "batch"]))
def test_no_write_body_gives_a_500_or_non_json(client, text, path):
    headers = as_partner(admin=True, **{"If-Match": "*"})
    if path == "post":
        response = client.post("/api/v1/entities", data=text, content_type="application/json", headers=headers)
    elif path == "batch":
        response = client.post(
            "/api/v1/entities/batch", data='{"entities": [' + text + "]}", content_type="application/json", headers=headers
        )
    else:
        target = client.post("/api/v1/entities", json=enterprise(99, external_id="target-99"), headers=headers).json or {}
        entity_id = target.get("id") or client.get("/api/v1/entities?limit=1").json["items"][0]["id"]
        response = client.patch(f"/api/v1/entities/{entity_id}", data=text, content_type="application/json", headers=headers)
    assert_json_problem_or_success(response)
    # and whatever was stored reads back as JSON everywhere
    for read in ("/api/v1/entities?limit=500", "/api/v1/changes?limit=1000"):
        assert_json_problem_or_success(client.get(read))
