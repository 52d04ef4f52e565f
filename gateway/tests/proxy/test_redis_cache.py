"""The answer cache in Redis: one round trip per hit, the body stored as its bytes, writes seen by every process."""

from __future__ import annotations

import os
import time
import uuid

import pytest
import redis

from gateway.proxy.cache import AnswerCache, Entry, decode_entry, encode_entry
from gateway.redis_link import GuardedRedis

REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


@pytest.fixture
def guarded():
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS_URL} ({error})")
    link = GuardedRedis(REDIS_URL, timeout_seconds=2)
    prefix = f"ecoreg-test-{uuid.uuid4().hex}"
    yield link, prefix
    keys = list(link.client.scan_iter(f"{prefix}:*"))
    if keys:
        link.client.delete(*keys)  # only this test's keys: never a flush
    link.close()


def counted(link: GuardedRedis) -> list[tuple]:
    """The commands ``link``'s client sends from now on (a pipeline or MGET is one)."""
    sent: list[tuple] = []
    original = link.client.execute_command

    def execute_command(*args, **options):
        sent.append(args)
        return original(*args, **options)

    link.client.execute_command = execute_command
    return sent


def entry(body: bytes = b'{"answer": "\xe6\x9c\xaa\xe6\x9d\xa5"}\n\x00\xff') -> Entry:
    return Entry(200, body, {"ETag": '"abc"', "Content-Type": "application/json", "X-Ecoreg-Checkpoint": "7"}, time.time())


def test_an_entry_survives_encoding_byte_for_byte():
    original = entry()
    revision, decoded = decode_entry(encode_entry(41, original))
    assert revision == 41
    assert decoded == original


def test_a_hit_is_one_command(guarded):
    link, prefix = guarded
    cache = AnswerCache(5, redis=link, redis_prefix=prefix)
    stored = entry()
    cache.put("/api/v1/metrics/summary", stored)
    sent = counted(link)
    assert cache.get("/api/v1/metrics/summary") == stored
    assert len(sent) == 1, sent
    assert sent[0][0] == "MGET"


def test_a_write_in_another_process_is_a_miss_at_once(guarded):
    link, prefix = guarded
    other_link = GuardedRedis(REDIS_URL, timeout_seconds=2)
    mine, other = AnswerCache(5, redis=link, redis_prefix=prefix), AnswerCache(5, redis=other_link, redis_prefix=prefix)
    mine.put("k", entry())
    assert other.get("k") is not None
    other.invalidate()
    assert mine.get("k") is None
    assert other.get("k") is None
    other_link.close()


def test_an_answer_stored_after_an_unseen_write_is_not_served(guarded):
    # The process stores under the revision it last saw; a write elsewhere since then makes it a miss.
    link, prefix = guarded
    mine, other = AnswerCache(5, redis=link, redis_prefix=prefix), AnswerCache(5, redis=link, redis_prefix=prefix)
    assert mine.get("k") is None  # sees revision 0
    other.invalidate()  # revision 1, not yet seen by ``mine``
    mine.put("k", entry())
    assert mine.get("k") is None
    mine.put("k", entry())  # now stored under the revision it has seen
    assert mine.get("k") is not None


def test_a_write_counts_for_read_your_writes(guarded):
    # Seeing another process's write makes the cache ask the feed position again (h10m's rule).
    link, prefix = guarded
    mine, other = AnswerCache(5, redis=link, redis_prefix=prefix), AnswerCache(5, redis=link, redis_prefix=prefix)
    asked = []
    mine.get("k")
    assert mine.storable(entry(), lambda: asked.append(1) or 0)
    other.invalidate()
    mine.get("k")
    assert not mine.storable(entry(), lambda: asked.append(1) or 8)  # the answer's checkpoint 7 < 8
    assert len(asked) == 2
