"""Requests no HTTP client library will send: bytes written to a socket, and the answer read back."""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

# What a server refuses before the application sees it; each answer must still be problem+json.
MALFORMED = {
    "NUL in a header value": b"GET /api/v1/entities HTTP/1.1\r\nHost: x\r\nX-Note: a\x00b\r\n\r\n",
    "NUL in a header name": b"GET /api/v1/entities HTTP/1.1\r\nHost: x\r\nX\x00Bad: 1\r\n\r\n",
    "request line over gunicorn's limit": b"GET /api/v1/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
}

# What the published port (nginx, deploy/nginx/gateway.conf) refuses itself, before the gateway sees it.
REFUSED_BY_NGINX = {
    "a request line that is not HTTP": b"HELLO THERE\r\n\r\n",
    "TLS bytes on the plain port": bytes.fromhex("16030100a5010000a10303") + b"\x00" * 32 + b"\r\n\r\n",
    "a method with a NUL": b"G\x00T / HTTP/1.1\r\nHost: x\r\n\r\n",
    "HTTP/1.1 without Host": b"GET /api/v1/entities HTTP/1.1\r\n\r\n",
    "a header line without a colon": b"GET /api/v1/entities HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
    "a request line over nginx's buffers (16k)": b"GET /api/v1/" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "a header over nginx's buffers (16k)": b"GET /api/v1/entities HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n",
    "an unsupported HTTP version": b"GET /api/v1/entities HTTP/3.0\r\nHost: x\r\n\r\n",
    "a transfer coding nginx does not implement": b"POST /api/v1/entities HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    "a chunk size that is not hex": b"POST /api/v1/entities HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "TRACE, which nginx answers itself": b"TRACE /api/v1/clusters HTTP/1.1\r\nHost: x\r\n\r\n",
    "an outside request for nginx's internal error pages": b"GET /.problems/400 HTTP/1.1\r\nHost: x\r\n\r\n",
}

# An open write (no key needed), so that the body is read before anything else refuses the request.
OPEN_CHUNKED_POST = (
    b"POST /api/v1/entities/match HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
)
# Bodies whose chunked framing gunicorn's parser refuses while the body is read (after the headers).
BROKEN_CHUNKS = {
    "a chunk without its CRLF": OPEN_CHUNKED_POST + b"2\r\n{}0\r\n\r\n",
    "a chunk size that is not hex": OPEN_CHUNKED_POST + b"zz\r\n{}\r\n0\r\n\r\n",
    "a NUL in a chunk extension": OPEN_CHUNKED_POST + b"2;\x00\r\n{}\r\n0\r\n\r\n",
}


def raw_request(url: str, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send ``request`` as it is to ``url``'s host and port; the answer's status line, its header
    fields (names lower-cased) and its body: Content-Length bytes of it, or all until the server
    closes when there is none (timeout 10 s). TimeoutError when no whole answer comes."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
                head, separator, body = answer.partition(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head) if separator else None
                if length and len(body) >= int(length.group(1)):
                    break  # a whole answer on a connection kept alive
        except ConnectionResetError:
            pass  # a server may reset after answering a request it will not read further
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return status, headers, body
