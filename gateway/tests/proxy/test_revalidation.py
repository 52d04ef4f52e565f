"""While one request revalidates a stale cached answer, the others are answered from it at once."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from gateway_testing import close

from gateway import create_app
from gateway.config import Settings
from gateway.request_context import CACHE_EXTENSION


class SlowMetrics(BaseHTTPRequestHandler):
    """An aggregate that answers only once ``released`` is set (its If-None-Match is ignored: always 200).

    The test holds the answer back until the other requests have been answered, so "answered
    without waiting on the upstream" is an order of events, not a time a loaded machine may miss.
    """

    calls = 0
    released = threading.Event()

    def do_GET(self):
        SlowMetrics.calls += 1
        SlowMetrics.released.wait(timeout=30)
        body = json.dumps({"active_entities": SlowMetrics.calls}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def metrics_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowMetrics)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_one_revalidation_at_a_time_and_the_rest_answered_stale(database_url, metrics_url):
    app = create_app(
        Settings(
            database_url=database_url, metrics_url=metrics_url, cache_seconds=0.5, anonymous_limit="100000/minute", log_level="WARNING"
        )
    )
    signal = app.extensions[CACHE_EXTENSION].signal
    deadline = time.monotonic() + 10
    while not signal.listening and time.monotonic() < deadline:
        time.sleep(0.05)  # until it listens, PostgreSQL's change signal lets the cache remember nothing
    SlowMetrics.released.set()
    first = app.test_client().get("/api/v1/metrics/summary")
    assert first.status_code == 200
    SlowMetrics.released.clear()  # from now on the upstream holds its answer
    time.sleep(0.6)  # stale now
    calls_before = SlowMetrics.calls

    def get(_):
        answer = app.test_client().get("/api/v1/metrics/summary")
        return answer.status_code, answer.headers.get("Age"), answer.get_data(as_text=True)[:200]

    with ThreadPoolExecutor(8) as pool:
        revalidating = pool.submit(get, 0)
        deadline = time.monotonic() + 5
        while SlowMetrics.calls == calls_before and time.monotonic() < deadline:
            time.sleep(0.01)  # until that one is waiting on the upstream
        others = [pool.submit(get, i) for i in range(7)]
        answered, _ = wait(others, timeout=8)  # the upstream is still holding its answer meanwhile
        still_revalidating = not revalidating.done()
        SlowMetrics.released.set()
        assert revalidating.result()[0] == 200
    assert still_revalidating  # the upstream was still holding its answer ...
    assert len(answered) == 7, [f.result() for f in answered]  # ... when the seven had been answered
    assert [(future.result()[0], future.result()[1] is not None) for future in others] == [(200, True)] * 7  # stale, with an Age
    assert SlowMetrics.calls == calls_before + 1  # one call upstream, not eight
    close(app)  # listener threads, upstream sessions and the pool, not the pool alone
