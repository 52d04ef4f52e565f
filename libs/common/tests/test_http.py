"""The service client against a real local HTTP server: timeouts, retries, headers."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from ecoreg_common.http import ServiceClient
from ecoreg_common.logs import request_id_var


class Peer(BaseHTTPRequestHandler):
    plan: list[int] = []
    seen: list[dict] = []

    def _answer(self):
        Peer.seen.append({"method": self.command, "path": self.path, **dict(self.headers)})
        status = Peer.plan.pop(0) if Peer.plan else 200
        if status == "drop":  # closed without an answer, as a kept-alive connection the server let go
            self.close_connection = True
            return
        if status == "slow":
            threading.Event().wait(1.0)
            status = 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def peer():
    Peer.plan, Peer.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Peer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_idempotent_requests_are_retried_on_503(peer):
    Peer.plan = [503, 503, 200]
    with ServiceClient(peer, backoff=0) as client:
        assert client.get("/x").status_code == 200
        assert len(Peer.seen) == 3


def test_posts_are_not_retried(peer):
    Peer.plan = [503, 200]
    with ServiceClient(peer, backoff=0) as client:
        assert client.post("/x", json={}).status_code == 503
        assert len(Peer.seen) == 1


def test_a_dropped_connection_is_tried_again_for_a_get_even_without_read_retries(peer):
    Peer.plan = ["drop", 200]
    with ServiceClient(peer, backoff=0, retries=1, read_retries=0) as client:
        assert client.get("/x").status_code == 200
    assert len(Peer.seen) == 2


def test_a_dropped_connection_is_not_tried_again_for_a_post(peer):
    Peer.plan = ["drop", 200]
    with ServiceClient(peer, backoff=0, retries=1, read_retries=0) as client, pytest.raises(requests.ConnectionError):
        client.post("/x", json={})
    assert len(Peer.seen) == 1


def test_a_read_timeout_is_not_tried_again_without_read_retries(peer):
    Peer.plan = ["slow", 200]
    with ServiceClient(peer, backoff=0, retries=1, read_retries=0, timeout=(1.0, 0.2)) as client, pytest.raises(requests.ConnectionError):
        client.get("/x")
    assert len(Peer.seen) == 1


def test_every_call_has_a_timeout(peer):
    Peer.plan = ["slow"]
    # urllib3 reports the read timeout as a retry error, which requests raises as ConnectionError
    with ServiceClient(peer, timeout=0.2, retries=0) as client, pytest.raises(requests.exceptions.ConnectionError):
        client.get("/slow")


def test_request_id_and_internal_token_are_sent(peer):
    with ServiceClient(peer, internal_token="t0ken") as client:
        token = request_id_var.set("req-42")
        try:
            client.get("/x")
        finally:
            request_id_var.reset(token)
        assert Peer.seen[0]["X-Request-ID"] == "req-42"
        assert Peer.seen[0]["X-Internal-Token"] == "t0ken"
