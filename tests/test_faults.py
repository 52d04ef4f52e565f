"""Faults at the edges: a client that goes away half way through a batch."""

from __future__ import annotations

import contextlib
import json
import socket

import pytest
import requests

pytestmark = pytest.mark.slow
PARTNER = {"X-Ecoreg-Partner": "loader"}


def items(count: int) -> list[dict]:
    return [{"kind": "enterprise", "name": f"Cut {n}", "clusters": ["energy"], "external_id": f"cut-{n}"} for n in range(count)]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_batch_cut_off_half_way_writes_nothing(make_stack, backend):
    stack = make_stack(backend)
    stack.start("registry")
    body = json.dumps({"entities": items(800)}).encode()
    head = (
        f"POST /api/v1/entities/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"X-Ecoreg-Partner: loader\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    for cut in (len(body) // 3, len(body) // 2, len(body) - 1):
        with socket.create_connection(("127.0.0.1", stack.registry_port), timeout=10) as connection:
            connection.sendall(head + body[:cut])
            connection.shutdown(socket.SHUT_WR)  # the client goes away
            with contextlib.suppress(OSError):  # whatever the server answers, if anything
                connection.recv(4096)
    assert requests.get(f"{stack.registry_url}/api/v1/entities", timeout=10).json()["items"] == []
    assert requests.get(f"{stack.registry_url}/api/v1/changes", timeout=10).json()["changes"] == []

    # The same batch sent whole is written whole: every entity with its change.
    whole = requests.post(
        f"{stack.registry_url}/api/v1/entities/batch", data=body, headers={**PARTNER, "Content-Type": "application/json"}, timeout=60
    )
    assert whole.json()["summary"]["created"] == 800
    feed = requests.get(f"{stack.registry_url}/api/v1/changes", params={"limit": 1000}, timeout=10).json()["changes"]
    assert len(feed) == 800
    assert {change["entity_id"] for change in feed} == {item["id"] for item in whole.json()["items"]}
