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
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


class EcoregError(Exception):
    """The API answered with a problem (RFC 9457); ``problem`` holds it."""

    def __init__(self, status: int, problem: dict):
        self.status = status
        self.problem = problem
        detail = problem.get("detail") or problem.get("title") or f"HTTP {status}"
        super().__init__(f"{status}: {detail}")


class EcoregClient:
    def __init__(self, base_url: str, api_key: str | None = None, *, timeout: float = 60.0, retries: int = 4, backoff: float = 0.5):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.http = requests.Session()
        # GETs, PUTs and DELETEs are safe to repeat: urllib3 retries them on connection errors and 502-504.
        retry = Retry(
            total=retries,
            backoff_factor=backoff,
            status_forcelist=(502, 503, 504),
            allowed_methods={"GET", "PUT", "DELETE"},
            raise_on_status=False,
        )
        self.http.mount("http://", HTTPAdapter(max_retries=retry))
        self.http.mount("https://", HTTPAdapter(max_retries=retry))
        if api_key:
            self.http.headers["Authorization"] = f"Bearer {api_key}"

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> EcoregClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.http.request(method, f"{self.base_url}/api/v1{path}", timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason}
            raise EcoregError(response.status_code, problem)
        return response

    def upsert_batch(self, items: list[dict], idempotency_key: str | None = None) -> dict:
        """Create or update up to 1,000 entities; the per-item answer.

        A network error or a 502-504 is retried with the same Idempotency-Key, so a
        batch that did arrive is answered again, not applied twice.
        """
        key = idempotency_key or uuid.uuid4().hex
        for attempt in range(self.retries + 1):
            try:
                response = self.http.post(
                    f"{self.base_url}/api/v1/entities/batch",
                    json={"entities": items},
                    headers={"Idempotency-Key": key},
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout):
                if attempt == self.retries:
                    raise
            else:
                if response.status_code not in (502, 503, 504) or attempt == self.retries:
                    if response.status_code >= 400:
                        raise EcoregError(response.status_code, response.json() if response.content else {})
                    return response.json()
            time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

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

    def targets(self, cluster: str | None = None) -> list[dict]:
        return self._call("GET", "/targets", params={"cluster": cluster} if cluster else None).json()["targets"]

    def summary(self) -> dict:
        return self._call("GET", "/metrics/summary").json()

    def create_key(self, partner: str, scopes: list[str]) -> dict:
        return self._call("POST", "/keys", json={"partner": partner, "scopes": scopes}).json()

    def keys(self) -> list[dict]:
        return self._call("GET", "/keys").json()["keys"]

    def revoke_key(self, key_id: int) -> None:
        self._call("DELETE", f"/keys/{key_id}")
