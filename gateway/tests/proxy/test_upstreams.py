"""Upstream calls: concurrent, bounded by a bulkhead, and guarded by a breaker that opens within seconds."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gateway.proxy.breaker import CLOSED, HALF_OPEN, OPEN, Breaker, Bulkhead
from gateway.proxy.upstreams import Upstream, UpstreamUnavailable, _merged, encode_path
from gateway.public_routes import API


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_headers_sent_are_the_defaults_under_the_given_ones_and_the_request_id():
    defaults = {"User-Agent": "ua", "Accept": "*/*", "X-Internal-Token": "t"}
    sent = _merged(defaults, {"accept": "application/json", "If-Match": '"v1"'}, "req-1")
    assert sent == {"User-Agent": "ua", "X-Internal-Token": "t", "accept": "application/json", "If-Match": '"v1"', "X-Request-ID": "req-1"}
    # A request id the caller sets itself (in any case) is not doubled; none without one.
    assert _merged(defaults, {"x-request-id": "mine"}, "req-1")["x-request-id"] == "mine"
    assert "X-Request-ID" not in _merged(defaults, {"x-request-id": "mine"}, "req-1")
    assert _merged(defaults, None, None) == defaults
    assert _merged(defaults, {"ACCEPT": "a", "Accept": "b"}, None) == {"User-Agent": "ua", "X-Internal-Token": "t", "Accept": "b"}


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


def test_a_long_outage_is_one_warning_not_one_per_failed_trial(caplog):
    clock = Clock()
    breaker = Breaker("svc", fail_max=1, reset_seconds=5, clock=clock)
    with caplog.at_level("INFO", logger="gateway.proxy.breaker"):
        assert breaker.admit()
        breaker.failure()
        for _ in range(20):  # still down: every trial fails
            clock.now += 5
            assert breaker.admit()
            breaker.failure()
            assert breaker.state == OPEN
        clock.now += 5
        assert breaker.admit()
        breaker.success()
    assert [record.levelname for record in caplog.records] == ["WARNING", "INFO"], [r.getMessage() for r in caplog.records]


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


def test_a_freed_slot_goes_to_the_longest_waiter_not_to_a_newcomer():
    # A gateway thread that has just answered comes straight back for its next request; with a
    # semaphore it took the slot it had freed and the waiter, woken to find none, was refused.
    bulkhead = Bulkhead(1, wait_seconds=1.0)
    assert bulkhead.enter()
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(bulkhead.enter()))
    waiter.start()
    deadline = time.monotonic() + 2
    while not bulkhead._waiting and time.monotonic() < deadline:
        time.sleep(0.005)
    bulkhead.leave()
    started = time.monotonic()
    assert not bulkhead.enter()  # the newcomer queues behind the waiter, who now holds the slot
    assert time.monotonic() - started > 0.9
    waiter.join()
    assert got == [True]


def test_a_thread_that_waited_before_waits_again_in_full():
    # Each thread reuses one Event for its waits: one handed a slot must not make its next wait end early.
    bulkhead = Bulkhead(1, wait_seconds=0.3)
    assert bulkhead.enter()
    threading.Timer(0.05, bulkhead.leave).start()
    assert bulkhead.enter()  # handed over by the leave
    started = time.monotonic()
    assert not bulkhead.enter()  # the slot is ours, held: this wait runs its whole 0.3 s
    assert time.monotonic() - started > 0.25
    bulkhead.leave()
    assert bulkhead._free == 1


def test_a_waiter_whose_wait_ends_as_a_slot_is_handed_over_keeps_it():
    bulkhead = Bulkhead(2, wait_seconds=0.05)
    for _ in range(200):  # leave() racing the waiter's timeout: a slot is never lost nor doubled
        assert bulkhead.enter()
        assert bulkhead.enter()
        outcome: list[bool] = []
        waiter = threading.Thread(target=lambda taken=outcome: taken.append(bulkhead.enter()))
        waiter.start()
        time.sleep(0.045)
        bulkhead.leave()
        waiter.join()
        bulkhead.leave()
        if outcome == [True]:
            bulkhead.leave()
        assert bulkhead._free == 2
        assert not bulkhead._waiting
    with pytest.raises(ValueError, match="without a slot"):
        bulkhead.leave()


class Slow(BaseHTTPRequestHandler):
    delay = 0.5
    arrived = 0

    def do_GET(self):
        Slow.arrived += 1
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


class Meeting(BaseHTTPRequestHandler):
    """Answers only once four requests are in at the same time (a barrier): serialized calls never get there."""

    barrier: threading.Barrier

    def do_GET(self):
        try:
            Meeting.barrier.wait()
            status = 200
        except threading.BrokenBarrierError:
            status = 504
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_calls_to_one_upstream_run_concurrently():
    # No wall-clock bound (a loaded CI machine would flake it): the server answers only when all
    # four calls are in flight together, so calls made one at a time (pybreaker's lock) time out.
    Meeting.barrier = threading.Barrier(4, timeout=20)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Meeting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        upstream = Upstream(
            "meeting", f"http://127.0.0.1:{server.server_address[1]}", internal_token=None, timeout_seconds=30, max_in_flight=4
        )
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: upstream.request("GET", "/"), range(4)))
        assert [a.status_code for a in answers] == [200] * 4
    finally:
        server.shutdown()
        server.server_close()


def test_a_full_bulkhead_answers_503_at_once(slow_server):
    upstream = Upstream("slow", slow_server, internal_token=None, timeout_seconds=10, max_in_flight=2, queue_seconds=0)
    Slow.delay, Slow.arrived = 3.0, 0  # the busy calls hold their slots for 3 s; a refusal that waited for one would take >= 2 s
    try:
        with ThreadPoolExecutor(3) as pool:
            busy = [pool.submit(upstream.request, "GET", "/") for _ in range(2)]
            deadline = time.monotonic() + 2.5
            while Slow.arrived < 2 and time.monotonic() < deadline:  # both busy calls are at the server
                time.sleep(0.01)
            started = time.monotonic()
            with pytest.raises(UpstreamUnavailable) as refused:
                upstream.request("GET", "/")
            assert time.monotonic() - started < 1.0
            assert refused.value.headers["Retry-After"] == "1"
            assert all(f.result().status_code == 200 for f in busy)
    finally:
        Slow.delay = 0.5
    assert upstream.state == CLOSED  # being busy is not the upstream failing


@pytest.fixture
def hung_listener():
    """A port that accepts connections and never answers on them (like a SIGSTOPped service); counts them."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted: list[socket.socket] = []

    def accept():
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:  # closed
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    listener.close()
    for connection in accepted:
        connection.close()


def test_a_hung_upstream_gets_503_within_its_timeout_and_the_breaker_opens(hung_listener):
    url, accepted = hung_listener
    upstream = Upstream("hung", url, internal_token=None, timeout_seconds=1.0, fail_max=8, reset_seconds=30, max_in_flight=8)
    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: _status_of(upstream), range(8)))
    elapsed = time.monotonic() - started
    assert outcomes == [503] * 8
    # Concurrent: one 1 s timeout in all; one at a time it would be 8 s. The bound leaves room for a loaded machine.
    assert elapsed < 4.0, f"8 concurrent calls to a hung upstream took {elapsed:.2f} s"
    assert len(accepted) == 8, f"{len(accepted)} connections for 8 calls (a read timeout must not be retried)"
    assert upstream.state == OPEN
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable) as refused:
        upstream.request("GET", "/")
    assert time.monotonic() - started < 0.5  # open: no call, where a call would wait its 1 s timeout
    assert len(accepted) == 8
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 30


def _status_of(upstream: Upstream) -> int:
    try:
        return upstream.request("GET", "/").status_code
    except UpstreamUnavailable as error:
        return error.status


def test_the_bulkhead_knows_how_long_its_oldest_call_has_run():
    clock = Clock()
    bulkhead = Bulkhead(2, wait_seconds=0, clock=clock)
    assert bulkhead.oldest_seconds() == 0
    assert bulkhead.enter()
    clock.now += 3
    assert bulkhead.oldest_seconds() == 3
    bulkhead.leave()
    assert bulkhead.oldest_seconds() == 0


def test_stalls_open_a_closed_breaker_and_leave_a_trial_alone():
    clock = Clock()
    breaker = Breaker("svc", fail_max=2, reset_seconds=10, clock=clock)
    breaker.stalled()
    assert breaker.state == CLOSED
    breaker.stalled()
    assert breaker.state == OPEN
    clock.now += 10
    assert breaker.admit()  # the trial
    breaker.stalled()
    assert breaker.state == HALF_OPEN
    assert not breaker.admit()  # still one trial at a time
    breaker.success()
    assert breaker.state == CLOSED


def test_a_hung_upstream_opens_the_breaker_before_its_calls_time_out(hung_listener):
    # The hung calls wait 30 s; refusals while both slots have been held for 0.5 s count as failures.
    url, accepted = hung_listener
    upstream = Upstream(
        "hung", url, internal_token=None, timeout_seconds=30, fail_max=3, max_in_flight=2, queue_seconds=0, stuck_seconds=0.5
    )
    pool = ThreadPoolExecutor(2)
    try:
        stuck = [pool.submit(_status_of, upstream) for _ in range(2)]
        deadline = time.monotonic() + 10
        while len(accepted) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        with pytest.raises(UpstreamUnavailable):
            upstream.request("GET", "/")  # refused at once, but the slots are fresh: a burst, not a hang
        assert upstream.state == CLOSED
        time.sleep(0.6)
        for _ in range(3):
            with pytest.raises(UpstreamUnavailable):
                upstream.request("GET", "/")
        assert upstream.state == OPEN
        assert not any(call.done() for call in stuck)  # opened while the hung calls still wait
    finally:
        for connection in accepted:
            connection.close()  # the hung calls end (a cut connection)
        pool.shutdown(wait=True)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        (f"{API}/indicators/a#/observations/2025", f"{API}/indicators/a%23/observations/2025"),
        (f"{API}/indicators/a?/observations/2025", f"{API}/indicators/a%3F/observations/2025"),
        (f"{API}/entities/%41", f"{API}/entities/%2541"),  # a "%" decoded once, never twice
        (f"{API}/entities/a b", f"{API}/entities/a%20b"),
        (f"{API}/entities/上海", f"{API}/entities/%E4%B8%8A%E6%B5%B7"),
        (f"{API}/entities/a:b@c!$&'()*+,;=-._~", f"{API}/entities/a:b@c!$&'()*+,;=-._~"),
    ],
)
def test_the_forwarded_target_names_exactly_the_decoded_path(path, target):
    assert encode_path(path) == target
