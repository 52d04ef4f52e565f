"""The one way ecoreg services call each other over HTTP.

Every call has a timeout (a hung peer never hangs us), carries the current
request id and the internal token, and is retried with exponential backoff only
when retrying is safe: idempotent methods, on connection errors and on 502, 503
and 504 (urllib3's ``Retry`` does the counting and the waiting).
"""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError
from urllib3.util.retry import Retry

from ecoreg_common.internal_auth import INTERNAL_TOKEN_HEADER
from ecoreg_common.logs import REQUEST_ID_HEADER, current_request_id

DEFAULT_TIMEOUT = (2.0, 10.0)  # (connect, read) seconds
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class PeerRetry(Retry):
    """urllib3's Retry, except that a kept-alive connection the peer closed as the request went
    out (``ProtocolError``: RemoteDisconnected, a reset) is tried once more on a fresh connection
    for an idempotent method even when read retries are 0.

    Read retries are 0 where a hung peer must not cost two read timeouts (the gateway). A
    dropped keep-alive connection is not a hang: gunicorn closes idle ones after 2 s, and a
    request that goes out as it does gets no answer at all. Still bounded by ``total``; a
    POST is never tried again (the peer may have acted on it).
    """

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if self.read == 0 and isinstance(error, ProtocolError) and method is not None and self._is_method_retryable(method):
            return self.new(read=1).increment(method, url, response, error, _pool, _stacktrace)
        return super().increment(method, url, response, error, _pool, _stacktrace)


class ServiceClient(requests.Session):
    """A requests Session bound to one peer's base URL."""

    def __init__(
        self,
        base_url: str,
        *,
        internal_token: str | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.2,
        read_retries: int | None = None,
        status_retries: int | None = None,
        pool_size: int = 10,
    ):
        """``retries`` of idempotent calls on connection errors and 502/503/504;
        ``read_retries`` (default: ``retries``) after a read timeout or a cut answer (a connection
        the peer dropped before answering an idempotent call is tried once more even at 0: PeerRetry);
        ``status_retries`` (default: ``retries``) after a 502/503/504;
        ``pool_size`` kept-alive connections to the peer.

        Environment proxy settings and ~/.netrc are ignored (``trust_env`` off): peers are
        internal addresses, and reading them cost a tenth of a proxied call's CPU."""
        super().__init__()
        self.trust_env = False
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        retry = PeerRetry(
            total=retries,
            connect=retries,
            read=retries if read_retries is None else read_retries,
            status=retries if status_retries is None else status_retries,
            backoff_factor=backoff,
            status_forcelist=(502, 503, 504),
            allowed_methods=IDEMPOTENT_METHODS,
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=1, pool_maxsize=pool_size)
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        if internal_token:
            self.headers[INTERNAL_TOKEN_HEADER] = internal_token

    def request(self, method, url, *args, **kwargs):
        if url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", self.timeout)
        request_id = current_request_id()
        if request_id:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault(REQUEST_ID_HEADER, request_id)
            kwargs["headers"] = headers
        return super().request(method, url, *args, **kwargs)
