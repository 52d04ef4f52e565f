"""While one request revalidates a stale cached answer, the others are answered from it at once."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from gateway_testing import close

from gateway import create_app
from gateway.config import Settings


class SlowMetrics(BaseHTTPRequestHandler):
    """An aggregate that takes 3 s to answer (its If-None-Match is ignored: always 200)."""

    calls = 0

    def do_GET(self):
        SlowMetrics.calls += 1
        time.sleep(3.0)
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
    first = app.test_client().get("/api/v1/metrics/summary")
    assert first.status_code == 200
    time.sleep(0.6)  # stale now
    calls_before = SlowMetrics.calls

    def get(_):
        started = time.monotonic()
        answer = app.test_client().get("/api/v1/metrics/summary")
        return answer.status_code, time.monotonic() - started, int(answer.headers["Age"])

    with ThreadPoolExecutor(8) as pool:
        revalidating = pool.submit(get, 0)
        deadline = time.monotonic() + 3
        while SlowMetrics.calls == calls_before and time.monotonic() < deadline:
            time.sleep(0.01)  # until that one is waiting on the upstream
        others = list(pool.map(get, range(7)))
        assert revalidating.result()[0] == 200
    assert [status for status, _, _ in others] == [200] * 7
    assert max(elapsed for _, elapsed, _ in others) < 2.0  # not waiting on the 3 s upstream (room for a loaded machine)
    assert SlowMetrics.calls == calls_before + 1  # one call upstream, not eight
    close(app)  # listener threads, upstream sessions and the pool, not the pool alone
