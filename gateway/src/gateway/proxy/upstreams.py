"""The services behind the gateway: one HTTP client and one circuit breaker each.

Every call has a timeout; idempotent calls are retried by the client; repeated
failures open the breaker, so while a service is down callers get a fast 503
with Retry-After instead of waiting on timeouts. After ``reset_s`` one trial
call goes through (half-open) and a success closes the breaker again.
"""

from __future__ import annotations

import logging

import pybreaker
import requests

from ecoreg_common.errors import DomainError
from ecoreg_common.http import ServiceClient

log = logging.getLogger(__name__)


class UpstreamUnavailable(DomainError):
    status = 503
    title = "Service Unavailable"
    type_slug = "upstream-unavailable"


class _BadGateway(Exception):
    """An upstream answered 502, 503 or 504: a failure for the breaker."""

    def __init__(self, response: requests.Response):
        super().__init__(f"status {response.status_code}")
        self.response = response


class Upstream:
    def __init__(self, name: str, base_url: str, *, internal_token: str | None, timeout_s: float, fail_max: int = 5, reset_s: int = 10):
        self.name = name
        self.reset_s = reset_s
        self.client = ServiceClient(
            base_url, internal_token=internal_token, timeout=(min(2.0, timeout_s), timeout_s), retries=1, backoff=0.05
        )
        self.breaker = pybreaker.CircuitBreaker(fail_max=fail_max, reset_timeout=reset_s, name=name)

    def unavailable(self, why: str) -> UpstreamUnavailable:
        return UpstreamUnavailable(
            f"The {self.name} service is not answering ({why}); try again shortly.", headers={"Retry-After": str(self.reset_s)}
        )

    def request(self, method: str, path: str, *, timeout: float | None = None, **kwargs) -> requests.Response:
        """The upstream's answer, or UpstreamUnavailable (503) when it is down or its breaker is open."""

        def call() -> requests.Response:
            if timeout is not None:
                kwargs["timeout"] = (min(1.0, timeout), timeout)
            response = self.client.request(method, path, **kwargs)
            if response.status_code in (502, 503, 504):
                raise _BadGateway(response)
            return response

        try:
            return self.breaker.call(call)
        except pybreaker.CircuitBreakerError:
            raise self.unavailable("circuit open") from None
        except _BadGateway as error:
            raise self.unavailable(str(error)) from None
        except requests.RequestException as error:
            log.warning("%s upstream failed: %s", self.name, type(error).__name__)
            raise self.unavailable(type(error).__name__) from None

    @property
    def state(self) -> str:
        return self.breaker.current_state

    def close(self) -> None:
        self.client.close()
