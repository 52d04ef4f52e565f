"""The entity list behind a figure: one page of the registry's list, or all of it for a download.

The page's query is the registry list's query (``/entities?cluster=energy&kind=lab&status=active``
lists what ``/api/v1/entities?cluster=energy&kind=lab&status=active`` lists), so a
count's ``entities`` link from the metrics service becomes a page link by its
path alone, and the registry stays the one judge of what a filter means. Its
refusals (422 for a bad filter or cursor) come back as ``ListRefused`` for the
page to show, never as an error of ours.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from gateway.proxy.upstreams import Upstream

REGISTRY_LIST = "/api/v1/entities"
PAGE_PATH = "/entities"
# The page's own parameters; every other one is the registry's.
PAGE_ONLY = ("lang", "start")
# Not part of what a list *is*: a download drops them and reads every page.
PAGING = ("cursor", "limit")
DOWNLOAD_PAGE_SIZE = 500
# A download is built in memory; past this many rows, narrow the filter (or use the `ecoreg export` command).
DOWNLOAD_MAX_ROWS = 50_000


class ListRefused(Exception):
    """The registry refused the list's query (or did not answer as a list): what to tell the reader."""

    def __init__(self, status: int, title: str, detail: str | None = None, errors: dict | None = None):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors or {}


def registry_query(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (name, value) pairs the registry gets: the page's own parameters removed, order and repeats kept."""
    return [(name, value) for name, value in pairs if name not in PAGE_ONLY]


def filters_of(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """What defines the list: the query without paging (and without the page's own parameters)."""
    return [(name, value) for name, value in registry_query(pairs) if name not in PAGING]


def page_link(api_link: str | None, lang: str | None = None) -> str | None:
    """``/api/v1/entities?kind=lab&status=active`` -> ``/entities?kind=lab&status=active&lang=en``.

    None for a link that is not the registry's list (so a figure without one is
    shown, just not as a link).
    """
    if not api_link:
        return None
    parts = urlsplit(api_link)
    if parts.path != REGISTRY_LIST or parts.scheme or parts.netloc:
        return None
    query = parts.query
    if lang:
        query = f"{query}&lang={lang}" if query else f"lang={lang}"
    return f"{PAGE_PATH}?{query}" if query else PAGE_PATH


def list_link(filters: dict, lang: str | None = None) -> str:
    """The page link for a filter given as a dict (``status`` as a list becomes ``active,building``)."""
    pairs = [(name, ",".join(value) if isinstance(value, list | tuple) else str(value)) for name, value in filters.items()]
    if lang:
        pairs.append(("lang", lang))
    return f"{PAGE_PATH}?{urlencode(pairs)}"


def _refused(answer) -> ListRefused:
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
    return ListRefused(answer.status_code, str(body.get("title") or "The registry refused the list"), body.get("detail"), errors)


def fetch_page(registry: Upstream, pairs: list[tuple[str, str]], timeout_seconds: float) -> dict:
    """One page of the registry's list: ``{"items": [...], "next_cursor": str | None}``.

    Raises ListRefused for a query the registry refuses (its status and
    problem document), UpstreamUnavailable when it does not answer.
    """
    answer = registry.request("GET", REGISTRY_LIST, params=registry_query(pairs), timeout=timeout_seconds)
    if answer.status_code != 200:
        raise _refused(answer)
    try:
        body = answer.json()
        return {"items": list(body["items"]), "next_cursor": body.get("next_cursor")}
    except (ValueError, KeyError, TypeError):
        raise ListRefused(502, "The registry's answer was not a list") from None


def fetch_all(registry: Upstream, pairs: list[tuple[str, str]], timeout_seconds: float, max_rows: int = DOWNLOAD_MAX_ROWS) -> list[dict]:
    """Every entity of the list (all pages, ``DOWNLOAD_PAGE_SIZE`` at a time), in the list's order.

    Raises ListRefused (413) past ``max_rows``: a file that is not the whole
    list would not be the list.
    """
    query = [*filters_of(pairs), ("limit", str(DOWNLOAD_PAGE_SIZE))]
    entities: list[dict] = []
    cursor = None
    while True:
        page = fetch_page(registry, [*query, ("cursor", cursor)] if cursor else query, timeout_seconds)
        entities.extend(page["items"])
        if len(entities) > max_rows:
            raise ListRefused(
                413,
                "Too many entities for one download",
                f"This list has more than {max_rows:,} entities; narrow it with a filter, or use `ecoreg export`.",
            )
        cursor = page["next_cursor"]
        if not cursor:
            return entities


def start_of(pairs: list[tuple[str, str]]) -> int:
    """The 1-based number of the page's first row (the page's own ``start``, 1 when absent or not a positive number)."""
    for name, value in pairs:
        if name == "start":
            return int(value) if value.isdigit() and 0 < int(value) < 10**9 else 1
    return 1


def next_link(pairs: list[tuple[str, str]], next_cursor: str | None, shown: int) -> str | None:
    """The link to the next page: the same query with the registry's next cursor, and where its rows start."""
    if not next_cursor:
        return None
    kept = [(name, value) for name, value in pairs if name not in ("cursor", "start")]
    return f"{PAGE_PATH}?{urlencode([*kept, ('cursor', next_cursor), ('start', str(start_of(pairs) + shown))])}"


def download_link(pairs: list[tuple[str, str]], extension: str, lang: str | None = None) -> str:
    """``/entities.csv?...`` or ``/entities.xlsx?...``: the whole list (no paging) as a file (``lang`` for a refusal's page)."""
    query = urlencode([*filters_of(pairs), *([("lang", lang)] if lang else [])])
    return f"{PAGE_PATH}.{extension}" + (f"?{query}" if query else "")


def first_page_link(pairs: list[tuple[str, str]]) -> str:
    kept = [(name, value) for name, value in pairs if name not in ("cursor", "start")]
    return f"{PAGE_PATH}?{urlencode(kept)}" if kept else PAGE_PATH
