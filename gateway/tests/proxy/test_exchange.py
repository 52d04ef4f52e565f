"""The gateway's libcurl exchange (exchange.py): what goes out, what comes back, connections, retries, timeouts."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ecoreg_common.testing import free_port
from gateway.proxy.exchange import CurlExchange, ExchangeFailed


class Recorder(BaseHTTPRequestHandler):
    """Keeps connections alive (HTTP/1.1) and records each request with the client port it came from."""

    protocol_version = "HTTP/1.1"
    seen: list[dict]

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body, "port": self.client_address[1]}
        )
        payload = b"" if self.command == "HEAD" else b'{"ok": true}'
        self.send_response(201 if self.command == "POST" else 200, "Fine Thanks")
        self.send_header("Content-Type", "application/json")
        self.send_header("Vary", "Accept")
        self.send_header("Vary", "Authorization")
        self.send_header("Content-Length", str(len(payload) if self.command != "HEAD" else 12))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Recorder.seen
    server.shutdown()
    server.server_close()


def send(exchange: CurlExchange, method: str, target: str, body: bytes | None = None, headers=None, read: float = 5):
    return exchange.send(method, target, headers=headers or {"Accept": "application/json"}, body=body, connect=1, read=read)


def test_a_get_goes_out_as_given_and_its_answer_comes_back_whole(recorder):
    url, seen = recorder
    exchange = CurlExchange(url)
    answer = send(
        exchange,
        "GET",
        "/api/v1/entities?q=%E4%B8%8A&limit=2",
        headers={"Accept": "application/json", "X-Request-Id": "r-1", "Accept-Encoding": "gzip"},
    )
    assert (answer.status, answer.reason, answer.body) == (200, "Fine Thanks", b'{"ok": true}')
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers.getlist("Vary") == ["Accept", "Authorization"]  # repeated fields kept
    (request,) = seen
    assert (request["method"], request["path"]) == ("GET", "/api/v1/entities?q=%E4%B8%8A&limit=2")
    assert request["headers"]["X-Request-Id"] == "r-1"
    assert "Accept-Encoding" not in request["headers"]  # nothing compressed on loopback
    assert "Content-Type" not in request["headers"]


def test_bodies_go_out_exactly_without_expect_and_without_an_invented_content_type(recorder):
    url, seen = recorder
    exchange = CurlExchange(url)
    big = b'{"entities": [' + b",".join(b'{"name": "\xe4\xb8\x8a\xe6\xb5\xb7 %d"}' % n for n in range(50_000)) + b"]}"
    assert len(big) > 1 << 20  # where libcurl 8 would otherwise send Expect: 100-continue and wait for it
    assert send(exchange, "POST", "/api/v1/entities/batch", big, {"Content-Type": "application/json"}).status == 201
    send(exchange, "PATCH", "/x", b"{}", {"Content-Type": "application/merge-patch+json"})
    send(exchange, "PUT", "/x", b"raw")
    send(exchange, "DELETE", "/x")
    head = send(exchange, "HEAD", "/x")
    send(exchange, "GET", "/after")  # a handle that sent a body then a HEAD sends a plain GET again
    assert [(r["method"], r["body"]) for r in seen] == [
        ("POST", big),
        ("PATCH", b"{}"),
        ("PUT", b"raw"),
        ("DELETE", b""),
        ("HEAD", b""),
        ("GET", b""),
    ]
    assert (head.status, head.body) == (200, b"")
    assert all("Expect" not in r["headers"] for r in seen)
    assert seen[0]["headers"]["Content-Type"] == "application/json"
    assert seen[1]["headers"]["Content-Type"] == "application/merge-patch+json"
    assert "Content-Type" not in seen[2]["headers"]


def test_header_fields_and_bodies_go_out_byte_for_byte(recorder):
    # Cases from the schemathesis run: an empty If-Match (libcurl reads "If-Match:" as "leave it
    # out", so a DELETE went through unconditionally) and a body of one NUL byte (a 500).
    url, seen = recorder
    exchange = CurlExchange(url)
    send(exchange, "DELETE", "/entities/43", headers={"If-Match": ""})
    send(exchange, "PATCH", "/entities/34", b"\x00", {"Content-Type": "application/json"})
    latin1 = b"caf\xe9 \xe4".decode("latin-1")  # how werkzeug hands over a field's non-ASCII bytes
    send(exchange, "POST", "/entities/batch", b'{"a": "\x00"}', {"Idempotency-Key": latin1})
    assert "If-Match" in seen[0]["headers"]
    assert seen[0]["headers"]["If-Match"] == ""
    assert seen[1]["body"] == b"\x00"
    assert seen[2]["body"] == b'{"a": "\x00"}'
    assert seen[2]["headers"]["Idempotency-Key"] == latin1  # http.server decodes latin-1 too


def test_reads_reuse_a_kept_alive_connection_and_writes_go_on_a_fresh_one(recorder):
    url, seen = recorder
    exchange = CurlExchange(url)
    for _ in range(3):
        send(exchange, "GET", "/read")
    send(exchange, "POST", "/write", b"{}", {"Content-Type": "application/json"})
    send(exchange, "GET", "/read")
    ports = [r["port"] for r in seen]
    assert ports[0] == ports[1] == ports[2]
    assert ports[3] not in ports[:3]  # a POST never rides a connection the peer may have closed


def test_environment_proxies_are_ignored(recorder, monkeypatch):
    url, _ = recorder
    port = free_port()  # nothing listens there: a proxy that would be used fails the call
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{port}")
    assert send(CurlExchange(url), "GET", "/through-no-proxy").status == 200


class RawServer:
    """Accepts connections and hands each to ``behaviour(connection, number)`` on its own thread."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.connections = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self.held.append(connection)
            threading.Thread(target=self.behaviour, args=(connection, self.connections), daemon=True).start()

    def close(self):
        self.listener.close()
        for connection in self.held:
            connection.close()


def read_head(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"


def drop_first_then_answer(connection: socket.socket, number: int) -> None:
    read_head(connection)
    if number == 1:
        connection.close()  # took the request, said nothing
    else:
        connection.sendall(OK)


def test_a_dropped_connection_is_tried_once_more_for_a_read_never_for_a_write():
    server = RawServer(drop_first_then_answer)
    try:
        assert send(CurlExchange(server.url), "GET", "/x").status == 200
        assert server.connections == 2
    finally:
        server.close()
    server = RawServer(drop_first_then_answer)
    try:
        with pytest.raises(ExchangeFailed) as failed:
            send(CurlExchange(server.url), "POST", "/x", b"{}", {"Content-Type": "application/json"})
        assert failed.value.name == "ConnectionError"
        assert server.connections == 1  # the peer may have acted on it: never sent twice
    finally:
        server.close()


def answer_then_close(connection: socket.socket, number: int) -> None:
    read_head(connection)
    connection.sendall(OK)  # keep-alive, as far as the client knows
    connection.close()


def test_a_kept_alive_connection_the_peer_closed_is_not_an_error():
    server = RawServer(answer_then_close)
    try:
        exchange = CurlExchange(server.url)
        for _ in range(3):
            assert send(exchange, "GET", "/x").status == 200
            time.sleep(0.05)
        assert server.connections == 3
    finally:
        server.close()


def test_a_refused_connection_is_a_connection_error():
    port = free_port()
    with pytest.raises(ExchangeFailed) as failed:
        send(CurlExchange(f"http://127.0.0.1:{port}"), "POST", "/x", b"{}")
    assert failed.value.name == "ConnectionError"


def test_a_peer_that_never_answers_is_a_read_timeout_within_it_and_not_retried():
    server = RawServer(lambda connection, number: read_head(connection))  # reads, never answers
    try:
        started = time.monotonic()
        with pytest.raises(ExchangeFailed) as failed:
            send(CurlExchange(server.url), "GET", "/x", read=0.5)
        assert failed.value.name == "ReadTimeout"
        assert time.monotonic() - started < 2.0
        assert server.connections == 1
    finally:
        server.close()


def answer_once_then_hang(connection: socket.socket, number: int) -> None:
    read_head(connection)
    connection.sendall(OK)
    read_head(connection)  # the next request on the kept-alive connection: never answered


def test_a_peer_that_hangs_on_a_kept_alive_connection_is_a_read_timeout_and_not_retried():
    # The SIGSTOPped service: its first answer kept the connection alive, the next request waits.
    server = RawServer(answer_once_then_hang)
    try:
        exchange = CurlExchange(server.url)
        assert send(exchange, "GET", "/x").status == 200
        started = time.monotonic()
        with pytest.raises(ExchangeFailed) as failed:
            send(exchange, "GET", "/x", read=0.5)
        assert failed.value.name == "ReadTimeout"
        assert time.monotonic() - started < 0.9  # one timeout, not two
        assert server.connections == 1
    finally:
        server.close()


def test_a_peer_that_never_accepts_is_a_connect_timeout_tried_once_more():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    backlog = []
    for _ in range(4):  # fill the accept queue: the next SYN goes unanswered
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        backlog.append(filler)
    try:
        started = time.monotonic()
        with pytest.raises(ExchangeFailed) as failed:
            CurlExchange(f"http://127.0.0.1:{port}").send("GET", "/x", headers={}, body=None, connect=0.3, read=5)
        elapsed = time.monotonic() - started
        assert failed.value.name == "ConnectTimeout"
        assert 0.55 < elapsed < 2.0  # two connect bounds (nothing was sent, so it is tried again), not the read bound
    finally:
        for filler in backlog:
            filler.close()
        listener.close()


def test_handles_are_shared_by_threads_without_mixing_answers(recorder):
    url, seen = recorder
    exchange = CurlExchange(url)
    failures: list[str] = []

    def reader(number: int) -> None:
        for call in range(20):
            answer = send(exchange, "GET", f"/t{number}/{call}")
            if answer.status != 200 or answer.body != b'{"ok": true}':
                failures.append(f"{number}/{call}: {answer.status}")

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(r["path"] for r in seen) == sorted(f"/t{n}/{c}" for n in range(6) for c in range(20))
    assert len(exchange._idle) <= 6  # no more handles than calls ever in flight
