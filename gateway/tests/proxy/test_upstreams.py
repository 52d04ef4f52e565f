"""Upstream calls: concurrent, bounded by a bulkhead, and guarded by a breaker that opens within seconds."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gateway.proxy.breaker import CLOSED, HALF_OPEN, OPEN, Breaker, Bulkhead
from gateway.proxy.upstreams import Upstream, UpstreamUnavailable


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_failures_in_a_row_and_probes_once():
    clock = Clock()
    breaker = Breaker("svc", fail_max=3, reset_seconds=10, clock=clock)
    for _ in range(2):
        assert breaker.admit()
        breaker.failure()
    assert breaker.admit()
    breaker.success()  # a success resets the count
    for _ in range(3):
        assert breaker.state == CLOSED
        assert breaker.admit()
        breaker.failure()
    assert breaker.state == OPEN
    assert not breaker.admit()
    assert breaker.retry_after() == 10
    clock.now += 9.5
    assert not breaker.admit()
    clock.now += 0.5
    assert breaker.state == HALF_OPEN
    assert breaker.admit()  # one trial call
    assert not breaker.admit()  # and only one
    breaker.failure()
    assert breaker.state == OPEN
    assert not breaker.admit()
    clock.now += 10
    assert breaker.admit()
    breaker.success()
    assert breaker.state == CLOSED
    assert breaker.admit()
    assert breaker.admit()


def test_the_breaker_logs_each_change_once(caplog):
    clock = Clock()
    breaker = Breaker("svc", fail_max=1, reset_seconds=1, clock=clock)
    with caplog.at_level("INFO", logger="gateway.proxy.breaker"):
        breaker.admit()
        breaker.failure()
        for _ in range(50):
            breaker.admit()
        clock.now += 1
        breaker.admit()
        breaker.success()
        for _ in range(50):
            breaker.admit()
            breaker.success()
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2, messages
    assert "open" in messages[0]
    assert "closed" in messages[1]


def test_the_bulkhead_refuses_when_full():
    bulkhead = Bulkhead(2, wait_seconds=0)
    assert bulkhead.enter()
    assert bulkhead.enter()
    assert not bulkhead.enter()
    bulkhead.leave()
    assert bulkhead.enter()
    waiting = Bulkhead(1, wait_seconds=0.2)
    assert waiting.enter()
    started = time.monotonic()
    assert not waiting.enter()
    assert 0.15 < time.monotonic() - started < 1.0


class Slow(BaseHTTPRequestHandler):
    delay = 0.5

    def do_GET(self):
        time.sleep(self.delay)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_calls_to_one_upstream_run_concurrently(slow_server):
    upstream = Upstream("slow", slow_server, internal_token=None, timeout_seconds=5, max_in_flight=4)
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: upstream.request("GET", "/"), range(4)))
    elapsed = time.monotonic() - started
    assert [a.status_code for a in answers] == [200] * 4
    assert elapsed < 1.2, f"4 concurrent 0.5 s calls took {elapsed:.2f} s"  # pybreaker's lock made it 2.0 s


def test_a_full_bulkhead_answers_503_at_once(slow_server):
    upstream = Upstream("slow", slow_server, internal_token=None, timeout_seconds=5, max_in_flight=2, queue_seconds=0)
    with ThreadPoolExecutor(3) as pool:
        busy = [pool.submit(upstream.request, "GET", "/") for _ in range(2)]
        time.sleep(0.1)
        started = time.monotonic()
        with pytest.raises(UpstreamUnavailable) as refused:
            upstream.request("GET", "/")
        assert time.monotonic() - started < 0.1
        assert refused.value.headers["Retry-After"] == "1"
        assert all(f.result().status_code == 200 for f in busy)
    assert upstream.state == CLOSED  # being busy is not the upstream failing


@pytest.fixture
def hung_listener():
    """A port whose kernel accepts connections that nothing ever answers (like a SIGSTOPped service)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def test_a_hung_upstream_gets_503_within_its_timeout_and_the_breaker_opens(hung_listener):
    upstream = Upstream("hung", hung_listener, internal_token=None, timeout_seconds=0.5, fail_max=3, reset_seconds=30, max_in_flight=8)
    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: _status_of(upstream), range(8)))
    elapsed = time.monotonic() - started
    assert outcomes == [503] * 8
    assert elapsed < 1.5, f"8 concurrent calls to a hung upstream took {elapsed:.2f} s"  # one timeout, not eight, and no retry
    assert upstream.state == OPEN
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable) as refused:
        upstream.request("GET", "/")
    assert time.monotonic() - started < 0.05
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 30


def _status_of(upstream: Upstream) -> int:
    try:
        return upstream.request("GET", "/").status_code
    except UpstreamUnavailable as error:
        return error.status
