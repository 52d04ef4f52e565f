"""The ceiling for `gateway_polling.py`'s proxied entity read: a proxy with nothing but the exchange.

A Flask app under the gateway's gunicorn settings that forwards ``GET /api/v1/entities/<id>`` to
the registry (``BARE_PROXY_UPSTREAM``, with ``BARE_PROXY_TOKEN`` as the internal token) over
libcurl, one kept-alive handle per thread, and answers with the registry's status, Content-Type
and body. No keys, limits, breaker, bulkhead, request ids or security headers: what any proxy
written with Flask and gunicorn costs on this machine, measured beside the gateway in the same run.
"""

from __future__ import annotations

import os
import threading

import pycurl
from flask import Flask, Response, request

app = Flask(__name__)
UPSTREAM = os.environ.get("BARE_PROXY_UPSTREAM", "http://127.0.0.1:8081")
TOKEN_LINE = f"X-Internal-Token: {os.environ.get('BARE_PROXY_TOKEN', '')}".encode("latin-1")
_handles = threading.local()


@app.get("/readyz")
def ready():
    return {"status": "ready"}


@app.get("/api/v1/entities/<entity_id>")
def entity(entity_id: str):
    handle = getattr(_handles, "curl", None)
    if handle is None:
        handle = _handles.curl = pycurl.Curl()
        handle.setopt(pycurl.NOSIGNAL, 1)
    chunks: list[bytes] = []
    lines: list[bytes] = []
    handle.setopt(pycurl.URL, UPSTREAM + request.path)
    handle.setopt(pycurl.HTTPHEADER, [TOKEN_LINE])
    handle.setopt(pycurl.WRITEFUNCTION, chunks.append)
    handle.setopt(pycurl.HEADERFUNCTION, lines.append)
    handle.perform()
    content_type = next((line[13:].strip().decode("latin-1") for line in lines if line[:13].lower() == b"content-type:"), None)
    return Response(b"".join(chunks), status=handle.getinfo(pycurl.RESPONSE_CODE), content_type=content_type)
