"""The dashboard in a real browser: Debian's chromium, headless, driven by Playwright.

No browser is downloaded: Playwright drives the system chromium, which .ci/run
installs. The page is loaded against the real stack; its figures must equal the
API's, a registration must show without a reload, the language must switch,
and clicking a figure must list exactly that many entities.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.slow
ADMIN = {"Authorization": "Bearer browser-admin-key"}
CHROMIUM = shutil.which("chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / ".data" / "screenshots"


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed here (.ci/run installs it)")
def test_the_dashboard_in_chromium(make_stack):
    from playwright.sync_api import expect, sync_playwright

    stack = make_stack(
        "sqlite",
        GATEWAY_ADMIN_KEY="browser-admin-key",
        INTERNAL_TOKEN="browser-token",
        METRICS_FOLLOW_INTERVAL_SECONDS="0.05",
        GATEWAY_CACHE_SECONDS="0",
    )
    stack.cli("ecoreg-registry", "seed")
    for name in ("registry", "metrics", "follower", "gateway"):
        stack.start(name)
    gateway = stack.gateway_url
    deadline = time.monotonic() + 30
    while requests.get(f"{gateway}/api/v1/metrics/summary", timeout=10).json()["behind_changes"] and time.monotonic() < deadline:
        time.sleep(0.2)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.goto(f"{gateway}/?lang=en")
            summary = requests.get(f"{gateway}/api/v1/metrics/summary", timeout=10).json()
            for cluster in summary["clusters"]:
                assert page.locator(f'[data-cluster="{cluster["key"]}"] [data-active]').inner_text() == str(cluster["active_entities"])
            zones = next(t for t in summary["targets"] if t["key"] == "pilot_zones")
            assert page.locator('[data-target="pilot_zones"] [data-current]').inner_text() == f"{zones['current_value']:g}"

            # A registration shows up without a reload: the page polls and updates in place.
            space = next(c for c in summary["clusters"] if c["key"] == "space")["active_entities"]
            body = {
                "kind": "lab",
                "subtype": "national_lab",
                "tier": "national",
                "name": "Browser Lab",
                "clusters": ["space"],
                "external_id": "browser-lab",
            }
            requests.post(f"{gateway}/api/v1/entities", json=body, headers=ADMIN, timeout=10).raise_for_status()
            # (Playwright's expect polls without evaluating strings, which the page's CSP forbids.)
            expect(page.locator('[data-cluster="space"] [data-active]')).to_have_text(str(space + 1), timeout=30_000)

            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "dashboard-en.png"), full_page=True)
            page.click("[data-switch]")
            page.wait_for_url("**lang=zh")
            assert "主要目标" in page.content()
            page.screenshot(path=str(SCREENSHOTS / "dashboard-zh.png"), full_page=True)

            # Clicking a figure lists exactly that many entities: the cluster's count, one of its kinds, a district.
            for figure in (
                '[data-cluster="energy"] [data-active]',
                '[data-cluster="energy"] [data-kind="facility"]',
                '[data-district="jiading"]',
            ):
                page.goto(f"{gateway}/?lang=zh")
                shown = page.locator(figure)
                value = int((shown.locator("[data-district-count]") if "district" in figure else shown).text_content())
                shown.click()
                page.wait_for_url("**/entities?**")
                assert listed_rows(page) == value, figure
            page.screenshot(path=str(SCREENSHOTS / "entities-zh.png"), full_page=True)

            page.goto(f"{gateway}/clusters/energy?lang=zh")
            track = page.locator('[data-track="hydrogen"] [data-track-count]')
            value = int(track.inner_text())
            page.screenshot(path=str(SCREENSHOTS / "cluster-energy-zh.png"), full_page=True)
            track.click()
            page.wait_for_url("**/entities?**")
            assert listed_rows(page) == value
        finally:
            browser.close()


def listed_rows(page) -> int:
    """The rows of an entity list, following its next-page links (clicked, as a reader would)."""
    rows = page.locator("[data-entity-row]").count()
    while page.locator("[data-next]").count():
        page.click("[data-next]")
        page.wait_for_load_state()
        rows += page.locator("[data-entity-row]").count()
    return rows
