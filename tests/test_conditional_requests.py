"""RFC 9110 conditional requests through the gateway, the same for an entity and for every aggregate.

One implementation (ecoreg_common.conditional) answers them all: the registry's
entity GETs, the metrics aggregates (through the gateway's answer cache) and the
gateway's composed answers.
"""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.slow
ADMIN_KEY = "test-admin-key"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
TOKEN = "test-internal-token"

# (If-Match, If-None-Match) built from the resource's current tag -> the status RFC 9110 requires for a GET.
CASES = [
    ("no precondition", lambda t: {}, 200),
    ("If-None-Match: its tag", lambda t: {"If-None-Match": t}, 304),
    ("If-None-Match: its tag, weak", lambda t: {"If-None-Match": f"W/{t}"}, 304),  # weak comparison (13.1.2)
    ("If-None-Match: a list holding it", lambda t: {"If-None-Match": f'"other", {t}'}, 304),
    ("If-None-Match: *", lambda t: {"If-None-Match": "*"}, 304),
    ("If-None-Match: another tag", lambda t: {"If-None-Match": '"other"'}, 200),
    ("If-Match: its tag", lambda t: {"If-Match": t}, 200),
    ("If-Match: *", lambda t: {"If-Match": "*"}, 200),
    ("If-Match: its tag, weak", lambda t: {"If-Match": f"W/{t}"}, 412),  # strong comparison (13.1.1)
    ("If-Match: another tag", lambda t: {"If-Match": '"other"'}, 412),
    ("If-Match fails before If-None-Match", lambda t: {"If-Match": '"other"', "If-None-Match": t}, 412),  # 13.2.2
    ("If-Match passes, If-None-Match matches", lambda t: {"If-Match": t, "If-None-Match": t}, 304),
    ("If-None-Match: not a tag", lambda t: {"If-None-Match": "garbage"}, 400),
]


def conditional_get(url: str, headers_for) -> tuple[requests.Response, str]:
    """GET with preconditions built from the current tag; retried if the resource changed in between."""
    for _ in range(5):
        tag = requests.get(url, timeout=10).headers["ETag"]
        answer = requests.get(url, headers=headers_for(tag), timeout=10)
        if answer.status_code in (304, 412, 400) or answer.headers.get("ETag") == tag:
            return answer, tag
    raise AssertionError(f"{url} changed on every request")


def test_the_conditional_request_matrix_for_an_entity_and_the_aggregates(make_stack):
    stack = make_stack("sqlite", GATEWAY_ADMIN_KEY=ADMIN_KEY, INTERNAL_TOKEN=TOKEN, GATEWAY_ANONYMOUS_LIMIT="100000/minute")
    for name in ("registry", "metrics", "gateway"):
        stack.start(name)
    gateway = stack.gateway_url
    created = requests.post(
        f"{gateway}/api/v1/entities",
        json={"kind": "enterprise", "name": "Conditional Co", "clusters": ["energy"], "tracks": ["hydrogen"], "external_id": "cond-1"},
        headers=ADMIN,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    resources = {
        "entity": f"{gateway}{created.headers['Location']}",
        "summary": f"{gateway}/api/v1/metrics/summary",
        "dashboard": f"{gateway}/api/v1/dashboard",
        "overview": f"{gateway}/api/v1/clusters/energy/overview",
    }
    failures = []
    for resource, url in resources.items():
        for case, headers_for, expected in CASES:
            answer, tag = conditional_get(url, headers_for)
            if answer.status_code != expected:
                failures.append(f"{resource}, {case}: {answer.status_code}, expected {expected}")
                continue
            if expected == 304:
                if answer.content or answer.headers.get("ETag") != tag:
                    failures.append(f"{resource}, {case}: a 304 must carry the ETag and no body")
            elif expected in (400, 412):
                if answer.headers["Content-Type"] != "application/problem+json":
                    failures.append(f"{resource}, {case}: {expected} is not a problem")
            elif answer.headers.get("ETag") != tag or not answer.json():
                failures.append(f"{resource}, {case}: 200 without its ETag or body")
    assert not failures, "\n".join(failures)

    # Writes compare strongly: a weak tag never passes If-Match, a list with the current tag does.
    entity = resources["entity"]
    tag = requests.get(entity, timeout=10).headers["ETag"]
    weak = requests.patch(entity, json={"name": "Conditional Co 2"}, headers={**ADMIN, "If-Match": f"W/{tag}"}, timeout=10)
    assert weak.status_code == 412
    listed = requests.patch(entity, json={"name": "Conditional Co 2"}, headers={**ADMIN, "If-Match": f'"0", {tag}'}, timeout=10)
    assert listed.status_code == 200
    assert listed.headers["ETag"] != tag
    assert requests.get(entity, headers={"If-None-Match": tag}, timeout=10).status_code == 200  # changed: no 304 for the old tag
    assert requests.get(entity, headers={"If-None-Match": listed.headers["ETag"]}, timeout=10).status_code == 304
