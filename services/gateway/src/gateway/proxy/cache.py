"""A short-lived cache of aggregate answers, revalidated with the upstream's ETag.

Dashboards poll the same few aggregates every few seconds. Within ``ttl``
seconds the gateway answers from here; after that it asks the upstream with
If-None-Match, and a 304 renews the entry without moving the body. When the
upstream is down, a stale entry is served (marked) rather than failing.
Entries live in the process (bounded); with Redis configured they are shared by
all gateway processes.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class Entry:
    status: int
    body: bytes
    headers: dict[str, str]
    stored_at: float

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")


class AnswerCache:
    def __init__(self, ttl: float, *, capacity: int = 1024, redis=None):
        self.ttl = ttl
        self.capacity = capacity
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._redis = redis

    def get(self, key: str) -> Entry | None:
        if self._redis is not None:
            try:
                raw = self._redis.get(f"ecoreg:answer:{key}")
            except Exception:
                log.warning("answer cache: Redis unavailable; using this process's cache", exc_info=True)
            else:
                if raw is None:
                    return None
                data = json.loads(raw)
                return Entry(data["status"], data["body"].encode("latin-1"), data["headers"], data["stored_at"])
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        if self._redis is not None:
            try:
                payload = {
                    "status": entry.status,
                    "body": entry.body.decode("latin-1"),
                    "headers": entry.headers,
                    "stored_at": entry.stored_at,
                }
                # Keep stale entries a while: they answer when the upstream is down.
                self._redis.set(f"ecoreg:answer:{key}", json.dumps(payload), ex=max(60, int(self.ttl * 30)))
                return
            except Exception:
                log.warning("answer cache: Redis unavailable; using this process's cache", exc_info=True)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def fresh(self, entry: Entry) -> bool:
        # Wall-clock time, so entries shared through Redis age alike in every process.
        return time.time() - entry.stored_at < self.ttl
