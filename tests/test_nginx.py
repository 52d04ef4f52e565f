"""nginx in front of the gateway (the deployed topology) holds against slow and lying clients."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import requests
from raw_http import MALFORMED, REFUSED_BY_NGINX, raw_request

pytestmark = pytest.mark.slow
TOKEN = "test-internal-token"


def slow_client(url_port: int, stop: threading.Event, *, body: bool) -> str:
    """Send one header line (or one body byte) every 5 s until stopped or cut off; how it ended."""
    connection = socket.create_connection(("127.0.0.1", url_port), timeout=30)
    try:
        if body:
            connection.sendall(
                b"POST /api/v1/entities HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            )
        else:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        n = 0
        while not stop.wait(5):
            n += 1
            connection.sendall(b"{" if body else f"X-Slow-{n}: {n}\r\n".encode())
        return "stopped"
    except OSError:
        return "cut off"
    finally:
        connection.close()


def test_slow_clients_do_not_take_the_gateway_threads(make_stack, start_nginx):
    stack = make_stack("sqlite", INTERNAL_TOKEN=TOKEN, GATEWAY_PROXY_HOPS="1")
    for name in ("registry", "gateway"):
        stack.start(name)
    nginx = start_nginx([stack.gateway_port])
    stop = threading.Event()
    # More slow sockets than the gateway has threads (2 processes x 8): without nginx, /healthz timed out.
    clients = [threading.Thread(target=slow_client, args=(nginx.port, stop), kwargs={"body": n % 2 == 0}) for n in range(40)]
    for client in clients:
        client.start()
    try:
        time.sleep(1)
        slowest = 0.0
        deadline = time.monotonic() + 12
        while time.monotonic() < deadline:
            started = time.monotonic()
            answer = requests.get(f"{nginx.url}/healthz", timeout=10)
            assert answer.status_code == 200
            slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.5)
        # Starved, /healthz waits for a slow client's next 5 s step or times out; the bound leaves room for a loaded machine.
        assert slowest < 3.0, f"/healthz took {slowest:.2f} s behind 40 slow clients"
        assert requests.get(f"{nginx.url}/api/v1/entities?limit=1", timeout=5).status_code == 200
        print(f"\n40 slow clients through nginx: /healthz <= {slowest * 1000:.0f} ms")
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=30)


def test_the_client_address_is_the_one_nginx_saw_not_a_claimed_one(make_stack, start_nginx):
    # One gateway process: its in-memory count is the whole count.
    stack = make_stack("sqlite", INTERNAL_TOKEN=TOKEN, GATEWAY_PROXY_HOPS="1", GATEWAY_WORKERS="1", GATEWAY_ANONYMOUS_LIMIT="5/minute")
    for name in ("registry", "gateway"):
        stack.start(name)
    nginx = start_nginx([stack.gateway_port])
    answers = [requests.get(f"{nginx.url}/api/v1/vocabulary", headers={"X-Forwarded-For": f"203.0.113.{n}"}, timeout=10) for n in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]  # a made-up X-Forwarded-For buys no new limit
    assert answers[-1].headers["Content-Type"] == "application/problem+json"


def test_nginx_answers_problems_when_the_gateway_is_gone(make_stack, start_nginx):
    stack = make_stack("sqlite", INTERNAL_TOKEN=TOKEN, GATEWAY_PROXY_HOPS="1")
    stack.start("gateway")
    nginx = start_nginx([stack.gateway_port])
    stack.stop("gateway")
    gone = requests.get(f"{nginx.url}/api/v1/entities", timeout=10)
    assert gone.status_code == 503
    assert gone.headers["Content-Type"] == "application/problem+json"
    assert gone.headers["Retry-After"] == "5"
    assert gone.json()["status"] == 503


def test_what_nginx_refuses_is_problem_json(make_stack, start_nginx):
    """Requests nginx refuses itself (not HTTP, too large for its buffers, broken framing) and those
    it passes on for the gateway's server to refuse are all answered as RFC 9457 problems."""
    stack = make_stack("sqlite", INTERNAL_TOKEN=TOKEN, GATEWAY_PROXY_HOPS="1")
    stack.start("gateway")
    nginx = start_nginx([stack.gateway_port])
    for name, request_bytes in {**MALFORMED, **REFUSED_BY_NGINX}.items():
        status, headers, body = raw_request(nginx.url, request_bytes)
        code = int(status.split()[1])
        assert 400 <= code < 600, (name, status)
        assert code != 500, (name, status)  # nginx's answer when an error page cannot be served
        assert headers["content-type"] == "application/problem+json", (name, status, headers, body[:200])
        problem = json.loads(body)
        assert problem["status"] == code, (name, problem)
        assert problem["title"], (name, problem)
        assert problem["type"].startswith("https://ecoreg.example/problems/"), (name, problem)
    # A refused request answered, nginx still serves the next client.
    assert requests.get(f"{nginx.url}/healthz", timeout=10).status_code == 200
