"""Starting the services as processes for benchmarks, as the Procfile starts them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], env: dict[str, str], ready_url: str | None = None, timeout: float = 30) -> subprocess.Popen:
    """Start a process; with ``ready_url``, wait until it answers 200 there."""
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if ready_url is None:
        return process
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(ready_url, timeout=5).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{ready_url} did not answer within {timeout} s")


def gunicorn(app: str, port: int, env: dict[str, str], workers: int = 1, threads: int = 0) -> subprocess.Popen:
    """As the Procfile starts it; ``threads`` > 0 uses the gthread worker (the gateway's: it mostly waits on upstreams)."""
    command = [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--no-control-socket",
        "--log-level",
        "warning",
    ]
    if threads:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    command.append(app)
    return start(command, {"LOG_LEVEL": "WARNING", **env}, f"http://127.0.0.1:{port}/readyz")


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)
