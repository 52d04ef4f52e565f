"""The services behind the gateway: one HTTP client, one circuit breaker and one bulkhead each.

Every call has a timeout. A connection that could not be made is tried once
more, and one the service dropped without answering is tried once more for an
idempotent call; a read timeout is not (a hung service would only make the
caller wait twice). Repeated failures open the breaker, so while a service is
down or hung callers get a fast 503 with Retry-After instead of waiting on
timeouts; the bulkhead bounds the threads a hung service can hold, so requests
for the other service keep being served. Calls run concurrently: the breaker's
lock guards its state, never a call (see breaker.py).

The call itself goes to libcurl (exchange.py) with the client's default headers,
not through ``Session.request``: that one merges environment proxies and netrc,
cookies and hooks on every call (40% of a proxied entity read's CPU, py-spy),
and urllib3's exchange under it was another 30%. A transport mounted on the
session in place of requests' HTTPAdapter (the tests' WSGITransport) is used
through the Session as before.
"""

from __future__ import annotations

import logging
import math
from urllib.parse import quote, urlencode

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_encoding_from_headers

from ecoreg_common.errors import DomainError
from ecoreg_common.http import ServiceClient
from ecoreg_common.logs import REQUEST_ID_HEADER, current_request_id
from gateway.proxy.breaker import Breaker, Bulkhead
from gateway.proxy.exchange import CurlExchange, ExchangeFailed

log = logging.getLogger(__name__)

REDIRECTS = frozenset({301, 302, 303, 307, 308})
_REQUEST_ID_LOWER = REQUEST_ID_HEADER.lower()


def _merged(defaults, given: dict[str, str] | None, request_id: str | None = None) -> dict[str, str]:
    """The client's default headers with ``given`` over them, a name matched case-insensitively
    (as requests merges them), and ``request_id`` as X-Request-ID unless one of them sets it:
    one plain dict per call. A copy into urllib3's HTTPHeaderDict and its update were a tenth of
    a proxied read's own CPU (cProfile, thread time)."""
    sent = dict(defaults)
    lowered = {name.lower(): name for name in sent}
    if given:
        for name, value in given.items():
            low = name.lower()
            sent.pop(lowered.get(low, name), None)
            sent[name] = value
            lowered[low] = name
    if request_id and _REQUEST_ID_LOWER not in lowered:
        sent[REQUEST_ID_HEADER] = request_id
    return sent


# What a path segment may hold unencoded (RFC 3986 section 3.3, pchar: unreserved, sub-delims, ":"
# and "@"), with "/" between segments. quote adds letters, digits and "_.-~".
_PATH_SAFE = "/!$&'()*+,;=:@"


def encode_path(path: str) -> str:
    """``path`` (decoded, as the route table was asked about it: ``/api/v1/indicators/a#b``) as a
    request target naming exactly that path (``/api/v1/indicators/a%23b``): every character a
    segment may not hold is percent-encoded, "%" itself included, so that no "?" or "#" the client
    sent encoded becomes a query or a fragment upstream, and no "%" is decoded a second time.
    (requests' requote_uri, used before, kept "?", "#" and "%XX" as they were.)"""
    return quote(path, safe=_PATH_SAFE)


class UpstreamUnavailable(DomainError):
    status = 503
    title = "Service Unavailable"
    type_slug = "upstream-unavailable"


class Upstream:
    """One service behind the gateway.

    ``timeout_seconds`` bounds a call's read (connect: at most 1 s); ``fail_max``
    failures in a row open the breaker for ``reset_seconds``; at most
    ``max_in_flight`` calls run at once, a further one waits ``queue_seconds`` for a
    slot and is then answered 503, and counts as a failure when the oldest call in
    flight has run ``stuck_seconds`` (default: 2 s, or half the timeout if shorter).
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
        stuck_seconds: float | None = None,
    ):
        self.name = name
        # A refusal while the oldest call in flight has run this long counts as the upstream failing.
        self.stuck_seconds = min(2.0, timeout_seconds / 2) if stuck_seconds is None else stuck_seconds
        self.timeout_seconds = timeout_seconds
        self.client = ServiceClient(
            base_url,
            internal_token=internal_token,
            timeout=(min(1.0, timeout_seconds), timeout_seconds),
            retries=1,
            read_retries=0,
            backoff=0.05,
            pool_size=max_in_flight,
            # A 502/503/504 goes back to the caller at once (the breaker counts it), never
            # retried after sleeping its Retry-After while a gateway thread waits.
            status_retries=0,
        )
        self.exchange = CurlExchange(base_url)
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
            if self.bulkhead.oldest_seconds() >= self.stuck_seconds:
                # Every slot held for seconds: hung, not busy. Counted, so the breaker opens within
                # seconds of a hang instead of when the stuck calls time out.
                self.breaker.stalled()
            raise self.unavailable(f"{self.bulkhead.size} calls already waiting on it", 1)
        if not self.breaker.admit():
            self.bulkhead.leave()
            raise self.unavailable("circuit open", self.breaker.retry_after())
        try:
            try:
                response = self._call(method, path, timeout=timeout, **kwargs)
            except (requests.RequestException, ExchangeFailed) as error:
                self.breaker.failure()
                name = error.name if isinstance(error, ExchangeFailed) else type(error).__name__
                log.warning("%s upstream failed: %s", self.name, name)
                raise self.unavailable(name) from None
        finally:
            self.bulkhead.leave()
        if response.status_code in (502, 503, 504):
            self.breaker.failure()
            raise self.unavailable(f"status {response.status_code}")
        self.breaker.success()
        return response

    def _call(
        self,
        method: str,
        path: str,
        *,
        timeout: float | None = None,
        params=None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        allow_redirects: bool = True,
    ) -> requests.Response:
        """One HTTP exchange (exchange.py: libcurl, retried once where that is safe), as a requests.Response
        with its body read; ExchangeFailed (or a requests error, through a test transport) when no answer came."""
        client = self.client
        connect_read = client.timeout if timeout is None else (min(1.0, timeout), timeout)
        encoded = encode_path(path)
        transport = client.get_adapter(client.base_url + encoded)
        if type(transport) is not HTTPAdapter:  # a transport of the tests' own: through the Session
            return client.request(
                method, encoded, params=params, data=data, headers=headers, timeout=connect_read, allow_redirects=allow_redirects
            )
        target = encoded
        if params:
            target += "?" + urlencode(params, doseq=True)
        sent = _merged(client.headers, headers, current_request_id())
        answer = self.exchange.send(method, target, headers=sent, body=data, connect=connect_read[0], read=connect_read[1])
        if allow_redirects and answer.status in REDIRECTS and "Location" in answer.headers:
            # Rare (a merged entity's 301 asked without allow_redirects=False): let requests follow it.
            return client.request(method, encoded, params=params, data=data, headers=headers, timeout=connect_read)
        response = requests.Response()
        response.status_code = answer.status
        response.reason = answer.reason
        response.headers = answer.headers  # urllib3's HTTPHeaderDict: case-insensitive, as requests' own
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = answer.body
        response.url = client.base_url + target
        return response

    @property
    def state(self) -> str:
        return self.breaker.state

    def close(self) -> None:
        self.exchange.close()
        self.client.close()
