"""Forwarding a request to the service that owns its path, and its answer back.

The calling partner goes upstream as the partner and scope headers (any the
client sent are dropped: only the gateway vouches for identities), with the
internal token and the request id. Aggregates go through the answer cache.

A write the upstream acknowledged is answered as the upstream answered it: the
gateway's own bookkeeping afterwards (forgetting cached answers, telling the
other processes) is logged when it fails, never turned into an error, because
the client would retry a write that is already done.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Response, request

from ecoreg_common.conditional import etag_for, evaluate
from ecoreg_common.errors import NotFound
from ecoreg_common.partner import PARTNER_HEADER, SCOPES_HEADER
from gateway.auth.keys import Partner
from gateway.proxy.cache import CHECKPOINT_HEADER, AnswerCache, Entry
from gateway.proxy.upstreams import Upstream, UpstreamUnavailable
from gateway.public_routes import route_for
from gateway.request_context import upstream as current_upstream

log = logging.getLogger(__name__)

REQUEST_HEADERS = ("Content-Type", "Accept", "If-Match", "If-None-Match", "Idempotency-Key")
# Where the WSGI environ holds each (PEP 3333: CONTENT_TYPE, else HTTP_ and the name in upper case
# with "_" for "-"), read from it straight: one lookup each, where werkzeug's headers did two.
_ENVIRON_KEYS = tuple(
    (name, "CONTENT_TYPE" if name == "Content-Type" else "HTTP_" + name.upper().replace("-", "_")) for name in REQUEST_HEADERS
)
RESPONSE_HEADERS = (
    "Content-Type",
    "ETag",
    "Location",
    "Cache-Control",
    "Retry-After",
    "Idempotent-Replayed",
    "Allow",
    CHECKPOINT_HEADER,
)
# The registry's feed position, asked once after a write (see AnswerCache.storable).
FEED_POSITION = ("/api/v1/changes", {"after": 2**62, "limit": 1})


def upstream_for(path: str) -> str:
    """The service that answers ``path`` (public_routes.PUBLIC_ROUTES); NotFound when none does."""
    route = route_for(path)
    if route is None or route.upstream is None:
        raise NotFound(f"There is nothing at {path}.")
    return route.upstream


def partner_headers(partner: Partner) -> dict[str, str]:
    if partner.anonymous:
        return {}
    return {PARTNER_HEADER: partner.name, SCOPES_HEADER: " ".join(sorted(partner.scopes))}


def _response(status: int, body: bytes, headers: dict[str, str]) -> Response:
    # Headers given to the constructor: one pass, not a scan of the header list per header set
    # (Content-Type defaults to text/plain only when the upstream sent none, as before).
    return Response(body, status=status, headers=list(headers.items()))


def _kept(headers) -> dict[str, str]:
    return {name: headers[name] for name in RESPONSE_HEADERS if name in headers}


def _forget_cached_answers(cache: AnswerCache) -> None:
    """After an acknowledged write: forget cached answers everywhere, logging (not raising) a failure."""
    try:
        cache.invalidate()
    except Exception:
        log.exception("a write went through, but cached answers could not be forgotten everywhere; they expire within their TTL")


def forward(upstream: Upstream, partner: Partner, cache: AnswerCache) -> Response:
    """The upstream's answer to this request (aggregates through ``cache``), as the client is to get it."""
    incoming = request._get_current_object()  # one context lookup, not one per attribute (the hot path)
    method = incoming.method
    path = incoming.path
    if method == "GET" and cache.ttl > 0:
        route = route_for(path)
        if route is not None and route.cached:
            return _cached_get(upstream, partner, cache)
    environ = incoming.environ
    headers = {name: environ[key] for name, key in _ENVIRON_KEYS if key in environ}
    if not partner.anonymous:
        headers.update(partner_headers(partner))
    answer = upstream.request(
        method,
        path,
        params=list(incoming.args.items(multi=True)) if incoming.query_string else None,
        data=incoming.get_data() if method not in ("GET", "HEAD") else None,
        headers=headers,
        # A redirect (a merged entity's 301) goes to the client as it is, Location and all.
        allow_redirects=False,
    )
    if method not in ("GET", "HEAD", "OPTIONS") and answer.status_code < 400:
        _forget_cached_answers(cache)
    return _response(answer.status_code, answer.content, _kept(answer.headers))


def _feed_position() -> int:
    path, params = FEED_POSITION
    answer = current_upstream("registry").request("GET", path, params=params, timeout=1.0)
    answer.raise_for_status()
    return int(answer.json()["latest_seq"])


# Keys being revalidated by a thread of this process: the others answer from the stale entry
# meanwhile, rather than all asking the upstream at once (and all waiting on it).
_revalidating: set[str] = set()
_revalidating_lock = threading.Lock()


def _cached_get(upstream: Upstream, partner: Partner, cache: AnswerCache) -> Response:
    key = request.full_path
    entry = cache.get(key)
    if entry is None or not cache.fresh(entry):
        if entry is not None:
            with _revalidating_lock:
                busy = key in _revalidating
                if not busy:
                    _revalidating.add(key)
            if busy:
                return _answer_from(entry)
            try:
                return _revalidate(upstream, partner, cache, key, entry)
            finally:
                with _revalidating_lock:
                    _revalidating.discard(key)
        return _revalidate(upstream, partner, cache, key, entry)
    return _answer_from(entry)


def _revalidate(upstream: Upstream, partner: Partner, cache: AnswerCache, key: str, entry: Entry | None) -> Response:
    """Ask the upstream (conditionally when ``entry`` is known), store and answer; a stale entry when it fails."""
    headers = {"Accept": request.headers.get("Accept", "application/json")}
    if entry is not None and entry.etag:
        headers["If-None-Match"] = entry.etag
    try:
        answer = upstream.request(
            "GET", request.path, params=list(request.args.items(multi=True)), headers={**headers, **partner_headers(partner)}
        )
    except UpstreamUnavailable:
        if entry is None:
            raise
        # RFC 9111: an Age past the freshness lifetime (max-age=0) marks it stale; stale-if-error
        # (RFC 5861) says how long it may be used while the upstream fails. No Warning (obsolete).
        # Its preconditions are evaluated as for any cached answer: a dashboard polling with
        # If-None-Match gets 304 through an outage, not the whole body each time.
        return _answer_from(entry, cache_control=f"max-age=0, stale-if-error={cache.keep_seconds}")
    if answer.status_code == 304 and entry is not None:
        entry = Entry(entry.status, entry.body, entry.headers, time.time())
    elif answer.status_code == 200:
        entry = Entry(200, answer.content, _kept(answer.headers), time.time())
    else:
        return _response(answer.status_code, answer.content, _kept(answer.headers))
    if not entry.etag:
        entry.headers["ETag"] = etag_for(entry.body)
    if cache.storable(entry, _feed_position):
        cache.put(key, entry)
    return _answer_from(entry)


def _answer_from(entry: Entry, *, cache_control: str | None = None) -> Response:
    """The cached answer, or 304 when the request's preconditions say so; with its Age, and
    ``cache_control`` in place of the entry's Cache-Control when given (a stale answer's)."""
    headers = request.headers
    added = {"Age": str(max(0, int(time.time() - entry.stored_at)))}  # RFC 9111, 5.1: a cache says how old its answer is
    if cache_control is not None:
        added["Cache-Control"] = cache_control
    if evaluate("GET", entry.etag, if_match=headers.get("If-Match"), if_none_match=headers.get("If-None-Match")):
        return _response(304, b"", {**{name: entry.headers[name] for name in ("ETag", "Cache-Control") if name in entry.headers}, **added})
    return _response(entry.status, entry.body, {**entry.headers, **added})
