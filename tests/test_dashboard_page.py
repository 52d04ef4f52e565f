"""The dashboard page, server-rendered against the real stack (a browser test is still to come)."""

from __future__ import annotations

import re
import time

import pytest
import requests

pytestmark = pytest.mark.slow
ADMIN = {"Authorization": "Bearer page-admin-key"}


@pytest.fixture
def stack(make_stack):
    stack = make_stack(
        "sqlite",
        GATEWAY_ADMIN_KEY="page-admin-key",
        INTERNAL_TOKEN="page-token",
        METRICS_FOLLOW_INTERVAL_SECONDS="0.05",
        GATEWAY_CACHE_SECONDS="0",
    )
    stack.cli("ecoreg-registry", "seed")
    for name in ("registry", "metrics", "follower", "gateway"):
        stack.start(name)
    deadline = time.monotonic() + 30
    while requests.get(f"{stack.gateway_url}/api/v1/metrics/summary", timeout=10).json()["as_of_seq"] == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    return stack


def active_shown(html: str, cluster: str) -> int:
    card = re.search(rf'data-cluster="{cluster}".*?data-active>(\d+)<', html, re.S)
    return int(card.group(1))


def test_the_page_shows_the_apis_figures_in_both_languages(stack):
    page = requests.get(f"{stack.gateway_url}/?lang=en", timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'nonce-" in policy
    assert "unsafe-inline" not in policy
    summary = requests.get(f"{stack.gateway_url}/api/v1/metrics/summary", timeout=10).json()
    for cluster in summary["clusters"]:
        assert active_shown(page.text, cluster["key"]) == cluster["active_entities"]
    assert "About 15 future-industry pilot zones" in page.text
    national = next(c for c in summary["coverage"] if c["key"] == "national_tech_centres")
    assert re.search(rf'data-coverage="national_tech_centres".*?data-registered>{national["registered"]}<', page.text, re.S)
    chinese = requests.get(f"{stack.gateway_url}/?lang=zh", timeout=10).text
    assert "打造15个左右未来产业先导区" in chinese
    assert "未来能源" in chinese
    assert "主要目标" in chinese


def test_a_registration_shows_on_the_page(stack):
    before = active_shown(requests.get(f"{stack.gateway_url}/", timeout=10).text, "space")
    body = {
        "kind": "lab",
        "subtype": "national_lab",
        "tier": "national",
        "name": "Page Lab",
        "clusters": ["space"],
        "external_id": "page-lab",
    }
    requests.post(f"{stack.gateway_url}/api/v1/entities", json=body, headers=ADMIN, timeout=10).raise_for_status()
    deadline = time.monotonic() + 15
    while active_shown(requests.get(f"{stack.gateway_url}/", timeout=10).text, "space") == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert active_shown(requests.get(f"{stack.gateway_url}/", timeout=10).text, "space") == before + 1
    cluster = requests.get(f"{stack.gateway_url}/clusters/space?lang=en", timeout=10).text
    assert "Page Lab" in cluster
    assert "Deep-sea exploration and mining" in cluster


def test_a_missing_part_is_stale_not_zero(stack):
    stack.stop("metrics")
    page = requests.get(f"{stack.gateway_url}/?lang=en", timeout=15)
    assert page.status_code == 200
    assert "not current" in page.text
    assert re.search(r'data-cluster="energy"[^>]*class|class="card stale" data-cluster="energy"', page.text)
    assert "data-active>0<" not in page.text
