"""The answer cache keeps no answer older than the feed position after the last write (read-your-writes)."""

from __future__ import annotations

import time

from gateway.proxy.cache import CHECKPOINT_HEADER, AnswerCache, Entry


def entry(checkpoint: int | None) -> Entry:
    headers = {"ETag": '"x"'} if checkpoint is None else {"ETag": '"x"', CHECKPOINT_HEADER: str(checkpoint)}
    return Entry(200, b"{}", headers, time.time())


class Feed:
    def __init__(self, position: int):
        self.position = position
        self.asked = 0

    def __call__(self) -> int:
        self.asked += 1
        return self.position


def test_an_answer_from_before_the_write_is_served_but_not_kept():
    cache = AnswerCache(5.0)
    feed = Feed(10)
    assert cache.storable(entry(10), feed)  # caught up: kept
    cache.invalidate()  # a write went through; the registry is now at 11
    feed.position = 11
    assert not cache.storable(entry(10), feed)  # the follower has not applied it yet
    assert not cache.storable(entry(10), feed)
    assert cache.storable(entry(11), feed)  # now it has
    assert feed.asked == 2  # once at start, once after the write: not on every read


def test_answers_without_a_checkpoint_are_kept_and_a_down_registry_does_not_block():
    cache = AnswerCache(5.0)
    assert cache.storable(entry(None), Feed(99))

    def down() -> int:
        raise ConnectionError("registry down")

    assert cache.storable(entry(0), down)


class Signal:
    def __init__(self):
        self.token = 0

    def current(self):
        return self.token


def test_a_write_through_another_process_raises_the_floor_too():
    signal = Signal()
    cache = AnswerCache(5.0, signal=signal)
    feed = Feed(5)
    cache.get("k")
    assert cache.storable(entry(5), feed)
    signal.token += 1  # another gateway process wrote
    feed.position = 6
    cache.get("k")
    assert not cache.storable(entry(5), feed)
