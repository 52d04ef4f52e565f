"""A write the upstream acknowledged is answered as acknowledged, whatever the gateway's own bookkeeping does."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from gateway_testing import close
from sqlalchemy.exc import OperationalError

from gateway import create_app
from gateway.config import Settings
from gateway.request_context import CACHE_EXTENSION

ADMIN_KEY = "bookkeeping-admin-key"


class Registry(BaseHTTPRequestHandler):
    """Acknowledges every write with 201, as the registry does after its commit."""

    writes = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Registry.writes += 1
        body = json.dumps({"id": Registry.writes}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Location", f"/api/v1/entities/{Registry.writes}")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def registry_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class Recorded(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_a_failed_cache_invalidation_is_logged_not_answered_503(database_url, registry_url):
    app = create_app(Settings(database_url=database_url, registry_url=registry_url, admin_key=ADMIN_KEY, log_level="WARNING"))

    def gateway_database_gone():
        raise OperationalError("UPDATE answer_revision", {}, Exception("the gateway's database is not answering"))

    app.extensions[CACHE_EXTENSION].announce = gateway_database_gone
    before = Registry.writes
    recorded = Recorded()
    logging.getLogger("gateway.proxy.forward").addHandler(recorded)
    try:
        answer = app.test_client().post(
            "/api/v1/entities", json={"name": "x"}, headers={"Authorization": f"Bearer {ADMIN_KEY}", "Idempotency-Key": "k1"}
        )
    finally:
        logging.getLogger("gateway.proxy.forward").removeHandler(recorded)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.headers["Location"] == f"/api/v1/entities/{before + 1}"
    assert Registry.writes == before + 1
    assert any("cached answers could not be forgotten" in message for message in recorded.messages), recorded.messages
    close(app)  # listener threads, upstream sessions and the pool, not the pool alone
