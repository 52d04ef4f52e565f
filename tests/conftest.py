"""Fixtures for cross-service tests: the services as real processes, started as `make run` starts them.

Commands come from the Procfile itself, so these tests exercise exactly what
`make run` runs (gunicorn for the web services, the follower CLI).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecoreg_common.testing import TEST_POSTGRES_ENV, free_port, fresh_postgres_database, postgres_base_url, wait_until_ready

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def procfile_command(name: str, env: dict[str, str]) -> list[str]:
    """The Procfile's command for ``name``, with its $VARIABLES taken from ``env``."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            command = re.sub(r"\$(\w+)", lambda m: env[m.group(1)], line.split(":", 1)[1].strip())
            return [str(BIN / Path(part).name) if part.startswith(".venv/bin/") else part for part in shlex.split(command)]
    raise KeyError(f"no {name} in the Procfile")


def database_url_for(backend: str, name: str, tmp_path_factory, stack, postgres_base: str | None = None) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp(name)}/{name}.db"
    base = postgres_base or postgres_base_url()
    if base is None:
        pytest.skip(f"{TEST_POSTGRES_ENV} is not set: the PostgreSQL variant of this test is skipped")
    return stack.enter_context(fresh_postgres_database(base, f"ecoreg_{name}_test"))


# Settings of ours that may be set in the calling environment (by `make`, or a developer's
# shell) and must not leak into a test's processes: each test states its own.
OUR_SETTINGS = re.compile(r"^(REGISTRY_|METRICS_|GATEWAY_|INTERNAL_TOKEN$|REDIS_URL$|WEB_CONCURRENCY$|LOG_LEVEL$)")


def hermetic_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not OUR_SETTINGS.match(name)}


class Stack:
    """Registry, metrics and the follower as processes, each startable, stoppable and killable."""

    def __init__(self, registry_db: str, metrics_db: str, gateway_db: str = "sqlite:///unused.db", **extra_env: str):
        self.registry_port, self.metrics_port, self.gateway_port = free_port(), free_port(), free_port()
        self.env = {
            **hermetic_environment(),
            "REGISTRY_DATABASE_URL": registry_db,
            "REGISTRY_PORT": str(self.registry_port),
            "METRICS_DATABASE_URL": metrics_db,
            "METRICS_PORT": str(self.metrics_port),
            "REGISTRY_URL": f"http://127.0.0.1:{self.registry_port}",
            "METRICS_URL": f"http://127.0.0.1:{self.metrics_port}",
            "GATEWAY_DATABASE_URL": gateway_db,
            "GATEWAY_PORT": str(self.gateway_port),
            "WEB_CONCURRENCY": "2",
            "GATEWAY_WORKERS": "2",
            "LOG_LEVEL": "WARNING",
            **extra_env,
        }
        self.processes: dict[str, subprocess.Popen] = {}
        self.registry_url = f"http://127.0.0.1:{self.registry_port}"
        self.metrics_url = f"http://127.0.0.1:{self.metrics_port}"
        self.gateway_url = f"http://127.0.0.1:{self.gateway_port}"

    @staticmethod
    def procfile_command(name: str, env: dict[str, str]) -> list[str]:
        """The Procfile's command for ``name`` with ``env`` (for a second instance of a process, say)."""
        return procfile_command(name, env)

    def cli(self, *command: str) -> str:
        """Run one of the project's commands with this stack's settings; its output."""
        done = subprocess.run([str(BIN / command[0]), *command[1:]], env=self.env, cwd=ROOT, check=True, capture_output=True, text=True)
        return done.stdout

    def run_unchecked(self, *command: str, timeout: float = 600) -> subprocess.CompletedProcess:
        """Run a tool of the virtualenv with this stack's settings; the finished process, whatever its exit code."""
        return subprocess.run(
            [str(BIN / command[0]), *command[1:]], env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )

    def run(self, *command: str, timeout: float = 600) -> str:
        """Run a tool of the virtualenv with this stack's settings; its output (raises if it fails)."""
        done = self.run_unchecked(*command, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"{command[0]} exited with {done.returncode}:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}")
        return done.stdout

    def start(self, name: str, log_path: Path | None = None) -> subprocess.Popen:
        """Start a Procfile process (and wait until it is ready); its output goes to ``log_path`` when given."""
        output = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 (the process keeps it)
        process = subprocess.Popen(procfile_command(name, self.env), env=self.env, cwd=ROOT, stdout=output, stderr=output)
        if log_path:
            output.close()
        self.processes[name] = process
        if name in ("registry", "metrics", "gateway"):
            wait_until_ready(f"{getattr(self, name + '_url')}/readyz", process)
        return process

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            process.send_signal(sig)
            process.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


@pytest.fixture
def make_stack(tmp_path_factory) -> Iterator:
    """Build a Stack on fresh databases of the given backend; everything stops at the end."""
    from contextlib import ExitStack

    stacks: list[Stack] = []
    with ExitStack() as resources:

        def make(backend: str, postgres_base: str | None = None, **extra_env: str) -> Stack:
            stack = Stack(
                database_url_for(backend, "registry", tmp_path_factory, resources, postgres_base),
                database_url_for(backend, "metrics", tmp_path_factory, resources, postgres_base),
                database_url_for(backend, "gateway", tmp_path_factory, resources, postgres_base),
                **extra_env,
            )
            stacks.append(stack)
            # What each container runs before it serves: wait for the database, migrate it.
            for command in ("ecoreg-registry", "ecoreg-metrics", "ecoreg-gateway"):
                stack.cli(command, "prestart")
            return stack

        try:
            yield make
        finally:
            for stack in stacks:
                stack.stop_all()


TEST_REDIS_ENV = "TEST_REDIS_URL"


@pytest.fixture
def shared_redis() -> Iterator[dict[str, str]]:
    """Settings for a stack whose gateways share a Redis, under a key prefix of this test's own.

    Other runs (and a developer's own data) may live in the same Redis database: this
    test writes only keys under its prefix and, at the end, deletes only those. It
    never flushes. The Redis is ``TEST_REDIS_URL`` (default 127.0.0.1:6379, database 0).
    """
    import redis

    url = os.environ.get(TEST_REDIS_ENV) or "redis://127.0.0.1:6379/0"
    prefix = f"ecoreg-test-{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        pytest.skip(f"no Redis at {url} ({error}): set {TEST_REDIS_ENV} to run this test")
    try:
        yield {"REDIS_URL": url, "GATEWAY_REDIS_KEY_PREFIX": prefix}
    finally:
        # Rate-limit keys embed the prefix after limits' own ("LIMITS:LIMITER/<prefix>/..."), the answer cache's start with it.
        mine = list(client.scan_iter(match=f"*{prefix}*", count=1000))
        if mine:
            client.delete(*mine)
        client.close()


# A PostgreSQL server of a test's own, so the test may stop and restart it.
def as_postgres(*command: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, timeout=120)


class PrivatePostgres:
    """initdb into a temporary directory, served on a port of its own (loopback only)."""

    def __init__(self):
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="ecoreg-pg-"))
        shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"
        as_postgres("initdb", "--pgdata", str(self.data), "--username", "root", "--auth", "trust", "--no-sync")
        self.url = f"postgresql+psycopg://root@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        as_postgres("pg_ctl", "--pgdata", str(self.data), "--options", options, "--wait", "--log", str(self.directory / "log"), "start")

    def stop(self) -> None:
        as_postgres("pg_ctl", "--pgdata", str(self.data), "--mode", "fast", "--wait", "stop")

    def destroy(self) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", "pg_ctl", "--pgdata", str(self.data), "--mode", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_postgres():
    if os.geteuid() != 0 or not all(shutil.which(tool) for tool in ("runuser", "initdb", "pg_ctl")):
        pytest.skip("a private PostgreSQL server needs root, runuser, initdb and pg_ctl")
    server = PrivatePostgres()
    server.start()
    yield server
    server.destroy()


NGINX_SITE = ROOT / "deploy" / "nginx" / "gateway.conf"


class Nginx:
    """Debian's nginx as a process, running deploy/nginx/gateway.conf in front of local gateway ports."""

    def __init__(self, directory: Path, gateway_ports: list[int]):

        binary = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
        if binary is None:
            pytest.skip("nginx is not installed (.ci/run installs Debian's nginx-light): the nginx topology is not tested here")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        site = NGINX_SITE.read_text()
        servers = "".join(f"    server 127.0.0.1:{port} max_fails=0;\n" for port in gateway_ports)
        site = re.sub(r"^    server gateway:\d+[^\n]*\n", servers, site, count=1, flags=re.M)
        site = re.sub(r"^    listen \d+;", f"    listen 127.0.0.1:{self.port};", site, count=1, flags=re.M)
        assert servers in site, "deploy/nginx/gateway.conf changed shape (its upstream server line)"
        assert f"127.0.0.1:{self.port};" in site, "deploy/nginx/gateway.conf changed shape (its listen line)"
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        (directory / "site.conf").write_text(site)
        (directory / "nginx.conf").write_text(
            f"""daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/site.conf;
}}
"""
        )
        self.command = [binary, "-c", str(directory / "nginx.conf"), "-p", str(directory), "-e", str(directory / "error.log")]
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_ready(f"{self.url}/healthz", self.process)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def start_nginx(tmp_path_factory) -> Iterator:
    """Start nginx (deploy/nginx/gateway.conf) in front of the given gateway ports; stopped at the end."""
    started: list[Nginx] = []

    def start(gateway_ports: list[int]) -> Nginx:
        nginx = Nginx(tmp_path_factory.mktemp("nginx"), gateway_ports)
        started.append(nginx)
        return nginx

    yield start
    for nginx in started:
        nginx.stop()
