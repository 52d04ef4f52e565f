"""gunicorn's own error answers as problem+json, like every other answer.

gunicorn refuses some requests before the application sees them: a NUL or other
invalid character in a header, a request line or header section over its
limits, a malformed chunk. It answers those with a small HTML page written by
``gunicorn.util.write_error``. ``install`` replaces that function, in the worker
process the app is created in, with one writing the same status as RFC 9457
problem+json. gunicorn calls it as ``util.write_error(...)`` from its worker
base class (gunicorn 23), so the replacement is all it takes; without gunicorn
(tests, the Flask dev server) nothing happens.
"""

from __future__ import annotations

import json

from ecoreg_common.problems import PROBLEM_JSON, TYPE_BASE

# The types the rest of the API uses for these statuses (problems._DOMAIN_KINDS), so one type has one title.
_SLUGS = {400: "bad-request", 403: "forbidden", 500: "500"}


def _write_problem(sock, status_int: int, reason: str, mesg: str) -> None:
    from gunicorn import util

    problem = {"type": TYPE_BASE + _SLUGS.get(status_int, str(status_int)), "title": reason, "status": status_int}
    if mesg:
        problem["detail"] = mesg
    body = json.dumps(problem, ensure_ascii=True).encode("ascii")
    head = f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: {PROBLEM_JSON}\r\nContent-Length: {len(body)}\r\n\r\n"
    util.write_nonblock(sock, head.encode("latin-1") + body)


_write_problem.ecoreg = True


def install() -> None:
    """Make gunicorn's early error answers problem+json in this process (idempotent)."""
    try:
        from gunicorn import util
    except ImportError:  # not installed: not served by gunicorn either
        return
    if not getattr(util.write_error, "ecoreg", False):
        util.write_error = _write_problem
