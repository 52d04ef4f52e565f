"""One HTTP/1.1 exchange with a service behind the gateway, over libcurl (pycurl).

Why libcurl: a proxied read spent about 30% of the gateway's CPU in urllib3 and
http.client (the status line read through a buffered socket file, the header
block through the email package's parser, per call); libcurl does the same
exchange in C for about a third of the client CPU (0.10 against 0.29 ms per
call, measured against a local gunicorn, issue #11). requests and urllib3 stay
for every other client (the tests' in-process transport included): only the
gateway's hot path runs here.

What it keeps from the urllib3 path it replaces (``ecoreg_common.http``):

- Kept-alive connections, one per curl handle; handles are reused last-in
  first-out, so the warm connections stay in use. At most as many handles as
  calls in flight, which the upstream's bulkhead bounds.
- Timeouts: connect at most ``connect`` s; the whole exchange at most ``read``
  s (urllib3 bounded each socket read instead; for the small answers here the
  two are the same, and a total bound also holds against a trickling peer).
- Retries, as ``PeerRetry`` with one retry: a connection that could not be made
  (refused, unresolvable, connect timeout) is tried once more for any method,
  since nothing was sent; a connection the peer dropped without answering is
  tried once more for an idempotent method (RFC 9110 §9.2.2) only. A read
  timeout is never retried (a hung peer must not cost two timeouts).
- A method that is not idempotent always goes on a fresh connection: libcurl
  silently re-sends a request whose kept-alive connection died before any
  answer, and a POST must not be sent twice.
- Header fields and bodies byte for byte: an empty field is sent empty (not left out), a
  non-ASCII byte of a field as it came, a body with NUL bytes whole.
- No proxy from the environment, no netrc, no redirects followed, no
  ``Expect: 100-continue`` (libcurl 8 sends it with a body over 1 MiB, a large
  batch, and waits up to a second for a 100 that gunicorn never sends),
  no content type invented for a body that came without one, no compression
  asked for.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pycurl
from urllib3 import HTTPHeaderDict

from ecoreg_common.http import IDEMPOTENT_METHODS

# libcurl error codes (curl/curl.h) by what the caller is told, in requests' words.
_CANNOT_CONNECT = frozenset({pycurl.E_COULDNT_RESOLVE_HOST, pycurl.E_COULDNT_CONNECT})
_DROPPED = frozenset({pycurl.E_GOT_NOTHING, pycurl.E_SEND_ERROR, pycurl.E_RECV_ERROR, pycurl.E_PARTIAL_FILE})
# Headers libcurl would add on its own unless told not to (an empty value removes one).
_SUPPRESSED = ("Expect", "Content-Type")
_SUPPRESSED_LINES = tuple((name.lower(), f"{name}:".encode("ascii")) for name in _SUPPRESSED)


class ExchangeFailed(Exception):
    """No answer from the peer. ``name`` is the failure as requests names it: "ConnectTimeout",
    "ReadTimeout" or "ConnectionError" (what the gateway logs and puts in its 503's detail)."""

    def __init__(self, name: str, detail: str):
        super().__init__(f"{name}: {detail}")
        self.name = name


@dataclass
class Answer:
    """The peer's answer: ``status`` and ``reason`` from its status line, ``headers`` (case-insensitive,
    repeated fields kept), the whole ``body`` as bytes (empty for HEAD)."""

    status: int
    reason: str
    headers: HTTPHeaderDict
    body: bytes


class CurlExchange:
    """Exchanges with one peer (``base_url``, e.g. ``http://127.0.0.1:8081``), safe to use from many threads."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self._idle: list[pycurl.Curl] = []
        self._lock = threading.Lock()

    def send(
        self,
        method: str,
        target: str,
        *,
        headers: dict[str, str],
        body: bytes | None,
        connect: float,
        read: float,
    ) -> Answer:
        """Send ``method`` ``target`` (path and query, already encoded) with ``headers`` and ``body``;
        ``connect`` and ``read`` in seconds (see the module's docstring). Raises ExchangeFailed."""
        # Accept-Encoding (requests' default header) is not passed on: libcurl would not decode what
        # it did not ask for itself, and compressing on loopback only costs CPU on both sides.
        sent = []
        given = set()
        for name, value in headers.items():
            low = name.lower()
            given.add(low)
            if low != "accept-encoding":
                sent.append(_header_line(name, value))
        sent += [line for low, line in _SUPPRESSED_LINES if low not in given]
        idempotent = method in IDEMPOTENT_METHODS
        handle = self._take()
        try:
            for attempt in (1, 2):
                try:
                    return self._once(handle, method, target, sent, body, connect, read, fresh=not idempotent)
                except pycurl.error as error:
                    code, message = error.args
                    failure = self._failure(handle, code, message)
                    retry = failure.name == "ConnectTimeout" or code in _CANNOT_CONNECT or (idempotent and code in _DROPPED)
                    if attempt == 2 or not retry:
                        raise failure from None
        finally:
            self._give(handle)
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, handle, method, target, sent, body, connect, read, *, fresh: bool) -> Answer:
        chunks: list[bytes] = []
        lines: list[bytes] = []
        handle.reset()  # every option set below, each call: nothing leaks from the handle's last use
        handle.setopt(pycurl.NOSIGNAL, 1)  # timeouts without SIGALRM: required with threads
        handle.setopt(pycurl.PROXY, "")  # never a proxy from the environment
        handle.setopt(pycurl.URL, self.base_url + target)
        # The target as given, never with its dot segments removed: the gateway authorised exactly it.
        handle.setopt(pycurl.PATH_AS_IS, 1)
        handle.setopt(pycurl.HTTPHEADER, sent)
        handle.setopt(pycurl.CONNECTTIMEOUT_MS, max(1, int(connect * 1000)))
        handle.setopt(pycurl.TIMEOUT_MS, max(1, int(read * 1000)))
        handle.setopt(pycurl.WRITEFUNCTION, chunks.append)
        handle.setopt(pycurl.HEADERFUNCTION, lines.append)
        if fresh:
            handle.setopt(pycurl.FRESH_CONNECT, 1)
        if method == "HEAD":
            handle.setopt(pycurl.NOBODY, 1)
        elif body is not None:
            # POSTFIELDS with bytes: pycurl passes their length (COPYPOSTFIELDS stops at a NUL byte and
            # refuses the body, a 500 for a client's malformed JSON) and keeps them alive for perform().
            handle.setopt(pycurl.POSTFIELDS, body)
            handle.setopt(pycurl.CUSTOMREQUEST, method)
        elif method != "GET":
            handle.setopt(pycurl.CUSTOMREQUEST, method)
        handle.perform()
        return Answer(handle.getinfo(pycurl.RESPONSE_CODE), *_parse_head(lines), b"".join(chunks))

    @staticmethod
    def _failure(handle, code: int, message: str) -> ExchangeFailed:
        if code == pycurl.E_OPERATION_TIMEDOUT:
            # Whether the request went out, not whether a connection was made now: on a kept-alive
            # connection CONNECT_TIME is 0, and a hung peer there must be a read timeout (never retried).
            sent = handle.getinfo(pycurl.REQUEST_SIZE) > 0
            return ExchangeFailed("ReadTimeout" if sent else "ConnectTimeout", message)
        return ExchangeFailed("ConnectionError", message)

    def _take(self) -> pycurl.Curl:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return pycurl.Curl()

    def _give(self, handle: pycurl.Curl) -> None:
        with self._lock:
            self._idle.append(handle)

    def close(self) -> None:
        """Close every idle handle and its connection (a handle in use is closed when it is garbage)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for handle in idle:
            handle.close()


def _header_line(name: str, value: str) -> bytes:
    """One request header line for libcurl, as bytes: werkzeug decoded the client's bytes as latin-1,
    so encoding them back gives exactly what came (pycurl refuses a str that is not ASCII). An empty
    value is sent as ``Name;``: libcurl reads ``Name:`` as "do not send this header", which dropped
    a client's empty ``If-Match`` (a precondition the service must refuse, not never see)."""
    if not value:
        return f"{name};".encode("latin-1")
    return f"{name}: {value}".encode("latin-1")


def _parse_head(lines: list[bytes]) -> tuple[str, HTTPHeaderDict]:
    """The reason phrase and header fields of the last response head in ``lines`` (as libcurl hands
    them over, one line each, CRLF included; an interim 1xx head comes first when there is one)."""
    reason = ""
    headers = HTTPHeaderDict()
    for raw in lines:
        line = raw.decode("latin-1").rstrip("\r\n")
        if line.startswith("HTTP/"):
            reason = line.split(" ", 2)[2] if line.count(" ") >= 2 else ""
            headers = HTTPHeaderDict()
        elif ":" in line:
            name, _, value = line.partition(":")
            headers.add(name.strip(), value.strip())
    return reason, headers
