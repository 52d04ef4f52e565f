"""The dashboard pages, server-rendered against the real stack: figures, their entity lists, downloads, refusals."""

from __future__ import annotations

import csv
import io
import re
import time

import pytest
import requests
from openpyxl import load_workbook

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
        # Following every figure's list is a few hundred anonymous page loads in a minute.
        GATEWAY_ANONYMOUS_LIMIT="100000/minute",
    )
    stack.cli("ecoreg-registry", "seed")
    for name in ("registry", "metrics", "follower", "gateway"):
        stack.start(name)
    deadline = time.monotonic() + 30
    while requests.get(f"{stack.gateway_url}/api/v1/metrics/summary", timeout=10).json()["as_of_seq"] == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    return stack


def active_shown(html: str, cluster: str) -> int:
    card = re.search(rf'data-cluster="{cluster}".*?data-active[^>]*>(\d+)<', html, re.S)
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
    assert re.search(rf'data-coverage="national_tech_centres".*?data-registered[^>]*>{national["registered"]}<', page.text, re.S)
    chinese = requests.get(f"{stack.gateway_url}/?lang=zh", timeout=10).text
    # A deadline passed unmet (70 hydrogen stations by 2025, a handful registered) is shown as missed.
    missed = [t["key"] for t in summary["targets"] if t["status"] == "not_achieved"]
    assert "hydrogen_stations" in missed
    for key in missed:
        if f'data-target="{key}"' in chinese:
            card = re.search(rf'<div class="card missed" data-target="{key}".*?data-missed>([^<]+)<', chinese, re.S)
            assert card, key
            assert card.group(1) == "已过期限，目标未达成"
    assert "未达成" in chinese
    assert "/ 5,000 亿元" in chinese  # 500 billion CNY in the reader's unit
    assert re.search(r"统计已包含登记变更至 <span data-as-of-time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}", chinese)  # freshness as a Shanghai time
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
    assert not re.search(r"data-active[^>]*>0<", page.text)


FIGURE = re.compile(r'<a class="[^"]*\bfigure\b[^"]*" href="([^"]+)"[^>]*>([\d,]+)</a>')
TILE = re.compile(r'<a href="([^"]+)" class="tile[^"]*" data-district="(\w+)">.*?data-district-count>(\d+)<', re.S)


def figures(html: str) -> list[tuple[str, int]]:
    """Every figure of a page that is a link to its entities: (link, the number shown)."""
    found = [(href, int(value.replace(",", ""))) for href, value in FIGURE.findall(html)]
    found += [(href, int(count)) for href, _, count in TILE.findall(html)]
    return [(href.replace("&amp;", "&"), value) for href, value in found]


def listed(gateway: str, link: str) -> list[str]:
    """The entity ids the list page shows for ``link``, following its next-page links to the end."""
    ids: list[str] = []
    while link:
        page = requests.get(f"{gateway}{link}", timeout=10)
        assert page.status_code == 200, (link, page.status_code)
        ids += re.findall(r'data-entity-row="(\d+)"', page.text)
        following = re.search(r'href="([^"]+)" data-next', page.text)
        link = following.group(1).replace("&amp;", "&") if following else None
    return ids


def test_the_pages_figures_lists_and_downloads(stack):
    """One stack, read only: every figure's list, the downloads, refusals, the cluster page."""
    every_figure_lists_exactly_that_many_entities(stack)
    the_downloads_are_the_listed_entities(stack)
    a_bad_filter_or_cursor_is_a_readable_page(stack)
    the_cluster_page_shows_tracks_districts_and_the_newest_with_their_dates(stack)


def every_figure_lists_exactly_that_many_entities(stack):
    gateway = stack.gateway_url
    for path in ("/?lang=en", "/clusters/energy?lang=zh"):
        shown = figures(requests.get(f"{gateway}{path}", timeout=10).text)
        assert len(shown) > 20, path  # counts by cluster, kind, tier, track and district, at least
        for link, value in shown:
            assert link.startswith("/entities"), link
            ids = listed(gateway, link)
            assert len(ids) == value, (path, link)
            assert len(set(ids)) == len(ids), link


def the_downloads_are_the_listed_entities(stack):
    gateway = stack.gateway_url
    home = requests.get(f"{gateway}/?lang=zh", timeout=10).text
    link, value = next((link, value) for link, value in figures(home) if "cluster=energy&status=active" in link)
    ids = listed(gateway, link)
    page = requests.get(f"{gateway}{link}", timeout=10).text
    csv_link = re.search(r'href="([^"]+)" data-download="csv"', page).group(1).replace("&amp;", "&")
    answer = requests.get(f"{gateway}{csv_link}", timeout=30)
    assert answer.status_code == 200
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [row["id"] for row in rows] == ids
    assert len(rows) == value
    assert any(row["name_zh"] for row in rows)
    xlsx_link = re.search(r'href="([^"]+)" data-download="xlsx"', page).group(1).replace("&amp;", "&")
    sheet = load_workbook(io.BytesIO(requests.get(f"{gateway}{xlsx_link}", timeout=30).content)).active
    assert [str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True)] == ids


def a_bad_filter_or_cursor_is_a_readable_page(stack):
    for query in ("kind=spaceship", "cursor=not-a-cursor", "limit=100000", "district=atlantis"):
        answer = requests.get(f"{stack.gateway_url}/entities?{query}&lang=en", timeout=10)
        assert answer.status_code == 422, query
        assert answer.headers["Content-Type"].startswith("text/html")
        assert "This list cannot be shown" in answer.text
    assert "kind" in requests.get(f"{stack.gateway_url}/entities?kind=spaceship", timeout=10).text


def the_cluster_page_shows_tracks_districts_and_the_newest_with_their_dates(stack):
    page = requests.get(f"{stack.gateway_url}/clusters/energy?lang=zh", timeout=10).text
    assert "氢能" in page
    assert "data-track-count" in page
    assert page.count("data-district=") == 16
    assert "浦东" in page
    assert "嘉定" in page
    newest = re.findall(r'<tr data-entity="\d+">(.*?)</tr>', page, re.S)
    assert newest
    assert all(re.search(r"\d{4}-\d{2}-\d{2}", row) for row in newest)
    assert "时间为北京时间" in page
