"""The services behind the gateway: one HTTP client, one circuit breaker and one bulkhead each.

Every call has a timeout. Connection failures of idempotent calls are retried
once by the client; a read timeout is not (a hung service would only make the
caller wait twice). Repeated failures open the breaker, so while a service is
down or hung callers get a fast 503 with Retry-After instead of waiting on
timeouts; the bulkhead bounds the threads a hung service can hold, so requests
for the other service keep being served. Calls run concurrently: the breaker's
lock guards its state, never a call (see breaker.py).
"""

from __future__ import annotations

import logging
import math

import requests

from ecoreg_common.errors import DomainError
from ecoreg_common.http import ServiceClient
from gateway.proxy.breaker import Breaker, Bulkhead

log = logging.getLogger(__name__)


class UpstreamUnavailable(DomainError):
    status = 503
    title = "Service Unavailable"
    type_slug = "upstream-unavailable"


class Upstream:
    """One service behind the gateway.

    ``timeout_seconds`` bounds a call's read (connect: at most 1 s); ``fail_max``
    failures in a row open the breaker for ``reset_seconds``; at most
    ``max_in_flight`` calls run at once, a further one waits ``queue_seconds`` for a
    slot and is then answered 503.
    """

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        internal_token: str | None,
        timeout_seconds: float,
        fail_max: int = 5,
        reset_seconds: float = 10,
        max_in_flight: int = 6,
        queue_seconds: float = 0.25,
    ):
        self.name = name
        self.timeout_seconds = timeout_seconds
        self.client = ServiceClient(
            base_url,
            internal_token=internal_token,
            timeout=(min(1.0, timeout_seconds), timeout_seconds),
            retries=1,
            read_retries=0,
            backoff=0.05,
            pool_size=max_in_flight,
        )
        self.breaker = Breaker(name, fail_max=fail_max, reset_seconds=reset_seconds)
        self.bulkhead = Bulkhead(max_in_flight, wait_seconds=queue_seconds)

    def unavailable(self, why: str, retry_after: float | None = None) -> UpstreamUnavailable:
        seconds = max(1, math.ceil(self.breaker.reset_seconds if retry_after is None else retry_after))
        return UpstreamUnavailable(
            f"The {self.name} service is not answering ({why}); try again shortly.", headers={"Retry-After": str(seconds)}
        )

    def request(self, method: str, path: str, *, timeout: float | None = None, **kwargs) -> requests.Response:
        """The upstream's answer, or UpstreamUnavailable (503 + Retry-After) when it is down, hung, busy or its breaker is open.

        ``timeout`` (seconds) shortens this call's read timeout. An answer of 502,
        503 or 504 counts as a failure for the breaker and becomes UpstreamUnavailable.
        """
        if self.breaker.retry_after() > 0:  # open: refuse before waiting for a slot
            raise self.unavailable("circuit open", self.breaker.retry_after())
        if not self.bulkhead.enter():
            raise self.unavailable(f"{self.bulkhead.size} calls already waiting on it", 1)
        if not self.breaker.admit():
            self.bulkhead.leave()
            raise self.unavailable("circuit open", self.breaker.retry_after())
        try:
            if timeout is not None:
                kwargs["timeout"] = (min(1.0, timeout), timeout)
            try:
                response = self.client.request(method, path, **kwargs)
            except requests.RequestException as error:
                self.breaker.failure()
                log.warning("%s upstream failed: %s", self.name, type(error).__name__)
                raise self.unavailable(type(error).__name__) from None
        finally:
            self.bulkhead.leave()
        if response.status_code in (502, 503, 504):
            self.breaker.failure()
            raise self.unavailable(f"status {response.status_code}")
        self.breaker.success()
        return response

    @property
    def state(self) -> str:
        return self.breaker.state

    def close(self) -> None:
        self.client.close()
