"""The public API's routes, declared once: which path goes where, who may call it, what is cached.

Every path under /api/v1 is one row of ``PUBLIC_ROUTES``. The proxy registers the
rows that an upstream serves (proxy/routes.py) and caches the ``cached`` ones
(proxy/forward.py); the policy asks the table which key a request needs
(auth/policy.py); the merged OpenAPI document keeps only the upstream paths the
table sends to that upstream and states each operation's security from it
(docs/openapi.py). Adding an endpoint is one row here.

Paths are written as Flask writes them (``<name>`` is one path segment);
``subpaths`` means the row also covers every path beneath it. The first matching
row wins, so a specific row comes before a general one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

API = "/api/v1"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Access:
    """What a request must present: nothing, any valid key, or a key holding ``scope``."""

    key: bool
    scope: str | None = None

    def __str__(self) -> str:
        if not self.key:
            return "open"
        return f"scope {self.scope!r}" if self.scope else "any key"


OPEN = Access(key=False)
ANY_KEY = Access(key=True)


def scope(name: str) -> Access:
    """A key holding the scope ``name`` (the scopes are keys.SCOPES)."""
    return Access(key=True, scope=name)


ADMIN = scope("admin")


@dataclass(frozen=True)
class Override:
    """A narrower rule inside a row: ``methods`` on paths matching ``pattern`` need ``access``."""

    methods: frozenset[str]
    pattern: str
    access: Access
    _regex: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", re.compile(self.pattern))

    def applies(self, method: str, path: str) -> bool:
        return method in self.methods and self._regex.fullmatch(path) is not None


@dataclass(frozen=True)
class PublicRoute:
    """One public path (or path family) of /api/v1.

    ``upstream`` is the service that answers it ("registry", "metrics"), or None for the
    gateway's own routes. Reads (GET/HEAD/OPTIONS) need ``read``, other methods ``write``,
    unless an entry of ``exceptions`` says otherwise. ``cached``: GET answers go through
    the answer cache (aggregates that many dashboards poll).
    """

    path: str
    upstream: str | None
    subpaths: bool = False
    cached: bool = False
    read: Access = OPEN
    write: Access = ADMIN
    exceptions: tuple[Override, ...] = ()
    _regex: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern = re.sub(r"<[^>]+>", "[^/]+", re.escape(self.path))
        object.__setattr__(self, "_regex", re.compile(pattern + ("(?:/.*)?" if self.subpaths else "")))

    def matches(self, path: str) -> bool:
        return self._regex.fullmatch(path) is not None

    def access(self, method: str, path: str) -> Access:
        for rule in self.exceptions:
            if rule.applies(method, path):
                return rule.access
        return self.read if method in READ_METHODS else self.write


PUBLIC_ROUTES: tuple[PublicRoute, ...] = (
    # The registry: entities (partners write their own), the change feed, the vocabulary.
    PublicRoute(
        f"{API}/entities",
        "registry",
        subpaths=True,
        write=scope("entities:write"),
        exceptions=(
            # Matching records against the registry is a read sent as POST (a body of up to 1,000 records).
            Override(frozenset({"POST"}), rf"{API}/entities/match", OPEN),
            # The likely-duplicates report is for the registry's administrators.
            Override(READ_METHODS, rf"{API}/entities/duplicates", ADMIN),
        ),
    ),
    PublicRoute(f"{API}/changes", "registry"),
    PublicRoute(f"{API}/clusters", "registry", cached=True),
    PublicRoute(f"{API}/vocabulary", "registry", cached=True),
    # Metrics: aggregates, targets and indicators (statistics offices report observations).
    PublicRoute(f"{API}/metrics", "metrics", subpaths=True, cached=True),
    PublicRoute(f"{API}/targets", "metrics", subpaths=True, cached=True),
    PublicRoute(
        f"{API}/indicators",
        "metrics",
        subpaths=True,
        cached=True,
        exceptions=(Override(frozenset({"PUT"}), rf"{API}/indicators/[^/]+/observations/[^/]+", scope("indicators:write")),),
    ),
    # The gateway's own: keys (any key may list and revoke its partner's keys), composed answers, the document.
    PublicRoute(
        f"{API}/keys",
        None,
        subpaths=True,
        read=ANY_KEY,
        exceptions=(Override(frozenset({"DELETE"}), rf"{API}/keys/[^/]+", ANY_KEY),),
    ),
    PublicRoute(f"{API}/clusters/<key>/overview", None),
    PublicRoute(f"{API}/dashboard", None),
    PublicRoute(f"{API}/openapi.json", None),
)

# A path no row covers: reading is open (it will be a 404), anything else needs the admin scope.
UNLISTED = PublicRoute(f"{API}/<unlisted>", None, subpaths=True)


def _first_segment(path: str) -> str | None:
    """``entities`` of ``/api/v1/entities/...``; None for a path outside /api/v1/."""
    if not path.startswith(API + "/"):
        return None
    return path[len(API) + 1 :].partition("/")[0]


def _by_first_segment(routes: tuple[PublicRoute, ...]) -> dict[str, tuple[PublicRoute, ...]]:
    """The rows by the first segment of their path, each list in table order; ValueError for a row
    whose first segment is a placeholder (it could cover any path, and the index would miss it)."""
    rows: dict[str, tuple[PublicRoute, ...]] = {}
    for route in routes:
        segment = _first_segment(route.path)
        if not segment or "<" in segment:
            raise ValueError(f"{route.path}: the first segment after {API} must be literal")
        rows[segment] = (*rows.get(segment, ()), route)
    return rows


# The rows by their path's first segment after /api/v1, in table order: a row can only cover a
# path with the same first segment (every row's is literal), so route_for tries those alone,
# not every row's pattern, on each of the three lookups a proxied request makes.
_ROWS_BY_SEGMENT = _by_first_segment(PUBLIC_ROUTES)


def route_for(path: str) -> PublicRoute | None:
    """The row that covers ``path`` (the first that matches, in table order), or None.

    None too for a path with a dot segment ("." or "..") or an empty one ("//"): such a path names,
    once normalised (RFC 3986 section 5.2.4), another path than the one a row would be matched
    against (``/entities/1/../duplicates`` is ``/entities/duplicates``), so none covers it and it
    is never forwarded (clients remove dot segments before they send a request)."""
    if "//" in path or ("/." in path and any(segment in (".", "..") for segment in path.split("/"))):
        return None
    for route in _ROWS_BY_SEGMENT.get(_first_segment(path), ()):
        if route.matches(path):
            return route
    return None


def access_for(method: str, path: str) -> Access:
    """What a ``method`` request to ``path`` must present (UNLISTED's rule for paths no row covers)."""
    return (route_for(path) or UNLISTED).access(method, path)


def upstream_routes() -> tuple[PublicRoute, ...]:
    """The rows the proxy forwards to a service."""
    return tuple(route for route in PUBLIC_ROUTES if route.upstream is not None)
