"""The gateway's one way to talk to Redis: short timeouts, no retries, and a breaker of its own.

Redis only makes the gateway better (shared answer cache, shared rate limits);
it must never make it slower. Every command has connect and read timeouts of
``timeout_seconds`` (0.1 s by default) and is not retried. The first failure
opens the breaker: for ``retry_seconds`` every caller is told at once that
Redis is unavailable (and falls back to this process's memory) without a
network call; then one command tries again. Each change of state is logged
once (breaker.py), never each request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from gateway.proxy.breaker import Breaker

T = TypeVar("T")


class RedisUnavailable(Exception):
    """Redis is slow, gone or its breaker is open: use memory instead."""


def redis_options(timeout_seconds: float) -> dict:
    """Client options for every Redis connection of the gateway (also the rate limiter's)."""
    return {
        "socket_timeout": timeout_seconds,
        "socket_connect_timeout": timeout_seconds,
        # redis-py >= 6 retries three times with backoff by default: seconds per command on a dead Redis.
        "retry": Retry(NoBackoff(), 0),
        "health_check_interval": 0,
    }


class GuardedRedis:
    """A Redis client behind a breaker. ``call(fn)`` runs ``fn(client)`` or raises RedisUnavailable.

    ``fn`` may send several commands (a pipeline is one round trip); any
    ``redis.RedisError`` inside it counts as a failure.
    """

    def __init__(self, url: str, *, timeout_seconds: float = 0.1, retry_seconds: float = 5.0):
        self.client = redis.Redis.from_url(url, **redis_options(timeout_seconds))
        self.breaker = Breaker("redis", fail_max=1, reset_seconds=retry_seconds)

    @property
    def available(self) -> bool:
        """False while the breaker is open (no call is made to find out)."""
        return self.breaker.retry_after() == 0

    def call(self, fn: Callable[[redis.Redis], T]) -> T:
        if not self.breaker.admit():
            raise RedisUnavailable("circuit open")
        try:
            result = fn(self.client)
        except redis.RedisError as error:
            self.breaker.failure()
            raise RedisUnavailable(type(error).__name__) from error
        self.breaker.success()
        return result

    def close(self) -> None:
        self.client.close()
