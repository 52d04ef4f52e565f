"""Fixtures for cross-service tests: the services as real processes, started as `make run` starts them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from ecoreg_common.testing import TEST_POSTGRES_ENV, fresh_postgres_database, postgres_base_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before it was ready")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} was not ready within {timeout} s")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def registry_database_url(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('registry-process')}/registry.db"
        return
    base = postgres_base_url()
    if base is None:
        pytest.skip(f"{TEST_POSTGRES_ENV} is not set: the PostgreSQL variant of this test is skipped")
    with fresh_postgres_database(base, "ecoreg_process_test") as url:
        yield url


@pytest.fixture(scope="session")
def registry_url(registry_database_url) -> Iterator[str]:
    """A registry with sample data under gunicorn: the commands of `make run`."""
    port = free_port()
    env = {**os.environ, "REGISTRY_DATABASE_URL": registry_database_url, "REGISTRY_PORT": str(port), "LOG_LEVEL": "WARNING"}
    subprocess.run([BIN / "ecoreg-registry", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([BIN / "ecoreg-registry", "seed"], env=env, cwd=ROOT, check=True, capture_output=True)
    process = subprocess.Popen(
        [BIN / "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "registry:create_app()"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base}/readyz", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
