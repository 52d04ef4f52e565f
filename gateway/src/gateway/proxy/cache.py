"""A short-lived cache of aggregate answers, revalidated with the upstream's ETag.

Dashboards poll the same few aggregates every few seconds. Within ``ttl``
seconds the gateway answers from here; after that it asks the upstream with
If-None-Match, and a 304 renews the entry without moving the body. When the
upstream is down, a stale entry is served (marked) rather than failing. Any
write through the gateway forgets every entry, so a client reads its own writes.
Entries live in the process (bounded); with Redis configured they are shared by
all gateway processes. Redis is reached through a GuardedRedis (redis_link.py):
when it is slow or gone, answers come from this process's memory at once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from gateway.redis_link import GuardedRedis, RedisUnavailable

log = logging.getLogger(__name__)

# The metrics service names the feed checkpoint an answer was built from.
CHECKPOINT_HEADER = "X-Ecoreg-Checkpoint"


@dataclass
class Entry:
    status: int
    body: bytes
    headers: dict[str, str]
    stored_at: float

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")


def encode_entry(revision: int, entry: Entry) -> bytes:
    """An entry as stored in Redis: one line of JSON (revision, status, headers, stored_at),
    then the body's bytes as they are, so a hit decodes a few hundred bytes of JSON, never
    the body."""
    meta = json.dumps([revision, entry.status, entry.headers, entry.stored_at], separators=(",", ":"))
    return meta.encode() + b"\n" + entry.body


def decode_entry(raw: bytes) -> tuple[int, Entry]:
    """(revision stored under, entry) from ``encode_entry``'s bytes."""
    meta, _, body = raw.partition(b"\n")
    revision, status, headers, stored_at = json.loads(meta)
    return revision, Entry(status, body, headers, stored_at)


class AnswerCache:
    def __init__(
        self,
        ttl: float,
        *,
        capacity: int = 1024,
        redis: GuardedRedis | None = None,
        redis_prefix: str = "ecoreg",
        signal=None,
        announce=None,
    ):
        """``signal`` changes when any process wrote (local entries are then forgotten);
        ``announce`` is how this process tells the others it wrote; every Redis key
        starts with ``redis_prefix``, so deployments (and test runs) sharing a Redis
        never see each other's answers."""
        self.signal = signal
        self.announce = announce
        self._token: object = None
        self.ttl = ttl
        self.capacity = capacity
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._redis = redis
        self._revision_key = f"{redis_prefix}:answer-revision"
        self._answer_prefix = f"{redis_prefix}:answer"
        # Read-your-writes: after a write, an answer built from an older feed checkpoint
        # must not be kept. ``_writes`` counts the writes this process has seen (its own,
        # or another's through the signal or the Redis revision); ``_floor`` is the
        # registry's feed position learnt after write number ``_floor_at``.
        self._writes = 0
        self._floor = 0
        self._floor_at = -1
        self._seen_revision: int | None = None

    def _saw_revision(self, revision: int) -> None:
        # The revision changes with every write through any gateway process (see invalidate).
        if revision != self._seen_revision:
            self._seen_revision = revision
            self._writes += 1

    def _redis_get(self, client, key: str) -> Entry | None:
        """One round trip: MGET of the revision and the entry, which carries the revision it
        was stored under; an entry of an older revision is a miss (a write happened since)."""
        raw_revision, raw = client.mget(self._revision_key, f"{self._answer_prefix}:{key}")
        revision = int(raw_revision or 0)
        self._saw_revision(revision)
        if raw is None:
            return None
        stored_revision, entry = decode_entry(raw)
        return entry if stored_revision == revision else None

    def _redis_put(self, client, key: str, payload_of: Callable[[int], bytes]) -> None:
        if self._seen_revision is None:
            self._saw_revision(int(client.get(self._revision_key) or 0))
        # Stored under the revision last seen: if a write came since, the entry is a miss
        # (never served as newer than it is), and the next read stores it again.
        client.set(f"{self._answer_prefix}:{key}", payload_of(self._seen_revision), ex=self.keep_seconds)

    def invalidate(self) -> None:
        """Forget every answer, here and in every gateway process: a write went through.

        Raises what ``announce`` raises (the caller decides; a write that the
        upstream acknowledged must not turn into an error because of it).
        """
        with self._lock:
            self._entries.clear()
            self._writes += 1
        if self._redis is not None:
            # If Redis is unavailable the breaker logged it; the announcement below reaches every process's memory.
            with contextlib.suppress(RedisUnavailable):
                self._redis.call(lambda client: client.incr(self._revision_key))
        if self.announce is not None:
            self.announce()

    def get(self, key: str) -> Entry | None:
        if self._redis is not None:
            try:
                return self._redis.call(lambda client: self._redis_get(client, key))
            except RedisUnavailable:
                pass  # the breaker logged it once; this process's memory answers
        token = self.signal.current() if self.signal is not None else None
        with self._lock:
            if token != self._token:
                self._entries.clear()
                self._token = token
                self._writes += 1
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        if self._redis is not None:
            try:
                # Keep stale entries a while: they answer when the upstream is down.
                self._redis.call(lambda client: self._redis_put(client, key, lambda revision: encode_entry(revision, entry)))
                return
            except RedisUnavailable:
                pass
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    @property
    def keep_seconds(self) -> int:
        """How long an entry is kept past its freshness, to answer (marked stale) while the upstream is down."""
        return max(60, int(self.ttl * 30))

    def storable(self, entry: Entry, feed_position: Callable[[], int]) -> bool:
        """Whether ``entry`` may be kept: an answer that names the follower checkpoint it was
        built from (``X-Ecoreg-Checkpoint``) is kept only when that checkpoint has reached
        the registry's feed position as it stood after the last write this process knows of
        (``feed_position()`` is asked once per write). Otherwise the answer is served but
        not kept, so the next read asks again and sees the write as soon as the follower
        applied it."""
        checkpoint = entry.headers.get(CHECKPOINT_HEADER)
        if checkpoint is None:
            return True
        writes = self._writes
        if self._floor_at != writes:
            try:
                position = feed_position()
            except Exception:
                log.warning("answer cache: cannot read the feed position; keeping the answer", exc_info=True)
                return True
            self._floor = max(self._floor, position)
            self._floor_at = writes
        return int(checkpoint) >= self._floor

    def fresh(self, entry: Entry) -> bool:
        # Wall-clock time, so entries shared through Redis age alike in every process.
        return time.time() - entry.stored_at < self.ttl

    def close(self) -> None:
        if self.signal is not None:
            self.signal.close()
