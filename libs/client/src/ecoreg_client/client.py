"""The ecoreg API for partners who integrate in code (requests-based).

from ecoreg_client import EcoregClient
api = EcoregClient("http://127.0.0.1:8080", api_key="eco_...")
answer = api.upsert_batch([{"kind": "enterprise", "name": "...", "clusters": ["energy"], "external_id": "crm-1"}])
for entity in api.entities(cluster="energy", kind="enterprise"):
    ...
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import requests

from ecoreg_client.files import Columns

RETRIED_STATUSES = (502, 503, 504)
SAFE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})


class EcoregError(Exception):
    """The API answered with a problem (RFC 9457); ``problem`` holds it."""

    def __init__(self, status: int, problem: dict):
        self.status = status
        self.problem = problem
        detail = problem.get("detail") or problem.get("title") or f"HTTP {status}"
        super().__init__(f"{status}: {detail}")


class EcoregUnreachable(Exception):
    """The gateway could not be reached or did not answer in time (no HTTP answer at all)."""


def _refused(error: BaseException) -> bool:
    """Whether a requests ConnectionError is, underneath, a refused connection."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return True
        stack += [current.__cause__, current.__context__, *(a for a in current.args if isinstance(a, BaseException))]
        stack.append(getattr(current, "reason", None) if isinstance(getattr(current, "reason", None), BaseException) else None)
    return "refused" in str(error).lower()


class EcoregClient:
    """The ecoreg API over one requests session.

    Failures: a refused connection raises ``EcoregUnreachable`` at once (nothing
    listens; retrying would only delay the message). A timeout or a 502/503/504
    is retried ``retries`` times with exponential backoff (``backoff`` s, doubling),
    but only for requests that are safe to repeat: GET/PUT/DELETE, and POSTs
    that carry an Idempotency-Key. Any other answer >= 400 raises ``EcoregError``.
    ``timeout`` is (connect, read) seconds.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float | tuple[float, float] = (5.0, 60.0),
        retries: int = 3,
        backoff: float = 0.5,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.http = requests.Session()
        self._document: dict | None = None
        if api_key:
            self.http.headers["Authorization"] = f"Bearer {api_key}"

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> EcoregClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        """One API call with the retry policy above; the response (< 400)."""
        url = f"{self.base_url}/api/v1{path}"
        repeatable = method in SAFE_METHODS or "Idempotency-Key" in (kwargs.get("headers") or {})
        attempts = self.retries + 1 if repeatable else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self.http.request(method, url, timeout=self.timeout, **kwargs)
            except requests.Timeout:
                if last:
                    raise EcoregUnreachable(f"{self.base_url} did not answer in time ({attempts} tries)") from None
            except requests.ConnectionError as error:
                if _refused(error):
                    raise EcoregUnreachable(
                        f"cannot reach {self.base_url}: connection refused (is the gateway running? check --url or ECOREG_URL)"
                    ) from None
                if last:
                    raise EcoregUnreachable(f"cannot reach {self.base_url}: {type(error).__name__} ({attempts} tries)") from None
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in RETRIED_STATUSES or last:
                    try:
                        problem = response.json()
                    except ValueError:
                        problem = {"title": response.reason}
                    raise EcoregError(response.status_code, problem if isinstance(problem, dict) else {"title": response.reason})
            time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def upsert_batch(self, items: list[dict], idempotency_key: str | None = None, *, dry_run: bool = False) -> dict:
        """Create or update up to 1,000 entities; the per-item answer.

        A timeout or a 502-504 is retried with the same Idempotency-Key, so a
        batch that did arrive is answered again, not applied twice. ``dry_run``
        asks the registry to validate and match without writing (``?dry_run=true``);
        each item then says what would happen and, unless it is an error, its
        ``match`` (the candidates of POST /entities/match).
        """
        key = idempotency_key or uuid.uuid4().hex
        params = {"dry_run": "true"} if dry_run else None
        return self._call("POST", "/entities/batch", json={"entities": items}, headers={"Idempotency-Key": key}, params=params).json()

    def entities(self, page_size: int = 500, **filters) -> Iterator[dict]:
        """Every live entity matching the list filters, page by page."""
        cursor = None
        while True:
            params = {**{k: v for k, v in filters.items() if v is not None}, "limit": page_size}
            if cursor:
                params["cursor"] = cursor
            page = self._call("GET", "/entities", params=params).json()
            yield from page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return

    def openapi(self) -> dict:
        """The gateway's OpenAPI document (``GET /api/v1/openapi.json``), fetched once per client."""
        if self._document is None:
            self._document = self._call("GET", "/openapi.json").json()
        return self._document

    def entity_columns(self) -> Columns:
        """An entity file's columns: the ``Entity`` schema of the API document (``files.Columns``).

        Raises EcoregUnreachable when the document has no Entity schema (the gateway
        leaves a service's part out of it while that service does not answer).
        """
        try:
            return Columns.from_openapi(self.openapi())
        except ValueError as error:
            self._document = None
            raise EcoregUnreachable(f"{self.base_url}: {error} (the registry is not answering; try again shortly)") from None

    def vocabulary(self) -> dict:
        """Kinds, tiers, statuses and districts (``GET /api/v1/vocabulary``)."""
        return self._call("GET", "/vocabulary").json()

    def clusters(self) -> list[dict]:
        """The clusters with their tracks, English and Chinese names (``GET /api/v1/clusters``)."""
        return self._call("GET", "/clusters").json()["clusters"]

    def targets(self, cluster: str | None = None, page_size: int = 500) -> list[dict]:
        """Every target (of ``cluster`` when given) with its attainment (``GET /api/v1/targets``, all its pages)."""
        found, cursor = [], None
        while True:
            params = {"limit": page_size, **({"cluster": cluster} if cluster else {}), **({"cursor": cursor} if cursor else {})}
            page = self._call("GET", "/targets", params=params).json()
            found += page["targets"]
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    def summary(self) -> dict:
        return self._call("GET", "/metrics/summary").json()

    def create_key(self, partner: str, scopes: list[str]) -> dict:
        return self._call("POST", "/keys", json={"partner": partner, "scopes": scopes}).json()

    def keys(self, page_size: int = 500) -> list[dict]:
        """Every key the caller may see (``GET /api/v1/keys``, all its pages)."""
        found, cursor = [], None
        while True:
            params = {"limit": page_size, **({"cursor": cursor} if cursor else {})}
            page = self._call("GET", "/keys", params=params).json()
            found += page["keys"]
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    def revoke_key(self, key_id: int) -> None:
        self._call("DELETE", f"/keys/{key_id}")
