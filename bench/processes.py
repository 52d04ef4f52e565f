"""Starting the services as processes for benchmarks, as the Procfile starts them.

``running_stack`` is the one way a benchmark runs the whole stack (registry,
metrics, follower, one gateway or several) on fresh PostgreSQL databases of its
own, dropped afterwards; ``wait_until_caught_up`` waits for the follower;
``memory_mb`` reads a process's (or its gunicorn workers') peak and current RSS.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests
from sqlalchemy.engine import make_url

from ecoreg_common.testing import free_port, fresh_postgres_database, wait_until_ready

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def start(command: list[str], env: dict[str, str], ready_url: str | None = None, timeout: float = 30) -> subprocess.Popen:
    """Start a process; with ``ready_url``, wait until it answers 200 there."""
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if ready_url is not None:
        try:
            wait_until_ready(ready_url, process, timeout)
        except RuntimeError:
            process.kill()
            raise
    return process


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
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


TOKEN = "bench-internal-token"
ADMIN_KEY = "bench-admin-key"
INTERNAL = {"X-Internal-Token": TOKEN}
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def postgres_base() -> str:
    """The server the benchmarks create their databases on (BENCH_POSTGRES_URL, else TEST_POSTGRES_URL, else the local one)."""
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or "postgresql+psycopg://root@127.0.0.1:5432/test"


def memory_mb(process: subprocess.Popen, *, workers: bool = False) -> list[tuple[int, float, float]]:
    """``(pid, peak MB, current MB)`` (VmHWM, VmRSS from /proc) of ``process``, or with ``workers`` of
    each of its children (a gunicorn master's workers), in pid order. Linux only."""

    def read(pid: int) -> tuple[int, float, float]:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
        return pid, int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024

    if not workers:
        return [read(process.pid)]
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    return [read(int(child)) for child in sorted(children, key=int)]


@dataclass
class Stack:
    """A running stack: ``urls`` by name ("registry", "metrics" and each gateway's), ``env`` as the
    processes got it, ``processes`` by the same names plus "follower" (gunicorn masters for the services)."""

    urls: dict[str, str]
    env: dict[str, str]
    databases: dict[str, str]
    processes: dict[str, subprocess.Popen]


@contextmanager
def running_stack(
    prefix: str,
    *,
    gateways: dict[str, dict[str, str]] | None = None,
    env: dict[str, str] | None = None,
    seed: bool = False,
    service_workers: int = 1,
    gateway_workers: int = 2,
    base: str | None = None,
) -> Iterator[Stack]:
    """Registry, metrics and the follower, and a gateway per entry of ``gateways`` (name -> its own extra
    environment; default one named "gateway"), under gunicorn as the Procfile runs them (services 4
    threads, gateways 8), on fresh databases ``<prefix>_reg``, ``_met``, ``_gw`` (migrated, dropped after).

    ``env`` is added to every process's environment (after the defaults: the internal token, the admin
    key, a key limit no benchmark reaches); ``seed`` loads the registry's sample data first. The processes
    are stopped when the block ends, whatever happens in it.
    """
    from ecoreg_common.db import Database
    from gateway import migrate as gateway_migrate
    from metrics import migrate as metrics_migrate
    from registry import migrate as registry_migrate
    from registry import sample_data

    gateways = gateways if gateways is not None else {"gateway": {}}
    base = base or postgres_base()
    with ExitStack() as cleanup:
        databases = {
            name: cleanup.enter_context(fresh_postgres_database(base, f"{prefix}_{name[:3]}"))
            for name in ("registry", "metrics", "gateway")
        }
        registry_migrate.upgrade(databases["registry"])
        metrics_migrate.upgrade(databases["metrics"])
        gateway_migrate.upgrade(databases["gateway"])
        if seed:
            seeded = Database(databases["registry"])
            sample_data.load(seeded)
            seeded.dispose()
        ports = {name: free_port() for name in ("registry", "metrics", *gateways)}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        common = {
            "REGISTRY_DATABASE_URL": databases["registry"],
            "METRICS_DATABASE_URL": databases["metrics"],
            "GATEWAY_DATABASE_URL": databases["gateway"],
            "REGISTRY_URL": urls["registry"],
            "METRICS_URL": urls["metrics"],
            "INTERNAL_TOKEN": TOKEN,
            "GATEWAY_ADMIN_KEY": ADMIN_KEY,
            # Measure the services, not the limiter: a benchmark client is one key.
            "GATEWAY_KEY_LIMIT": "1000000/minute",
            **(env or {}),
        }
        processes: dict[str, subprocess.Popen] = {}
        cleanup.callback(lambda: stop(*processes.values()))
        processes["registry"] = gunicorn("registry:create_app()", ports["registry"], common, workers=service_workers, threads=4)
        processes["metrics"] = gunicorn("metrics:create_app()", ports["metrics"], common, workers=service_workers, threads=4)
        processes["follower"] = start([str(BIN / "ecoreg-metrics"), "follow"], common)
        for name, extra in gateways.items():
            processes[name] = gunicorn("gateway:create_app()", ports[name], {**common, **extra}, workers=gateway_workers, threads=8)
        yield Stack(urls, common, databases, processes)


def wait_until_caught_up(metrics_url: str, timeout: float = 60, seq: int | None = None) -> None:
    """Until metrics has applied the registry's feed (something applied, nothing behind; with ``seq``,
    at least up to that change, whatever the follower last saw). Raises RuntimeError at ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        summary = requests.get(f"{metrics_url}/api/v1/metrics/summary", headers=INTERNAL, timeout=10).json()
        if summary["as_of_seq"] and not summary["behind_changes"] and summary["as_of_seq"] >= (seq or 0):
            return
        if time.monotonic() > deadline:
            raise RuntimeError("the follower did not catch up")
        time.sleep(0.2)


# The synthetic entities the metrics benchmarks feed: (kind, subtype, tier), (clusters, tracks), districts.
KINDS = [
    ("enterprise", "high_tech", "none"),
    ("tech_centre", "enterprise_tech_centre", "national"),
    ("tech_centre", "enterprise_tech_centre", "municipal"),
    ("lab", "national_lab", "national"),
    ("facility", "hydrogen_station", "none"),
]
PLACES = [
    (["energy"], ["hydrogen"]),
    (["materials"], ["graphene", "composites"]),
    (["intelligence", "health"], ["general_ai"]),
    (["space"], ["deep_sea"]),
]
DISTRICTS = ["pudong", "jiading", "minhang", "xuhui", "baoshan", "songjiang", "yangpu", "jinshan"]
STATUSES = ["active", "active", "active", "building", "inactive"]


def synthetic_entity(n: int) -> dict:
    """What entity number ``n`` (from 0) counts as: kind, subtype, tier, status, district, clusters,
    tracks, cycling through the lists above."""
    kind, subtype, tier = KINDS[n % len(KINDS)]
    clusters, tracks = PLACES[n % len(PLACES)]
    # Status and district step with n // (the lists before them), so every kind has every status
    # (not kind i always status i) and the combinations repeat every 200 entities.
    return {
        "kind": kind,
        "subtype": subtype,
        "tier": tier,
        "status": STATUSES[n // len(KINDS) % len(STATUSES)],
        "district": DISTRICTS[n // (len(KINDS) * len(STATUSES)) % len(DISTRICTS)],
        "clusters": clusters,
        "tracks": tracks,
    }


class Analyzer:
    """``ANALYZE`` of each database every ``seconds``, in a thread, while the block runs.

    What autovacuum's autoanalyze does on a deployed server; this machine's server runs
    with ``autovacuum = off``, so a table loaded with 1,000,000 rows keeps the statistics
    of an empty one and lookups get plans for a tiny table (a full scan of the live-uscc
    index per batch: 585 ms at 1M rows instead of 7 ms). ``seconds`` 0: nothing runs.
    """

    def __init__(self, urls: list[str], seconds: float):
        self.urls = [make_url(url).set(drivername="postgresql").render_as_string(hide_password=False) for url in urls]
        self.seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def analyze(self) -> None:
        """One ``ANALYZE`` of each database now (a database gone or busy is skipped)."""
        for url in self.urls:
            try:
                with psycopg.connect(url, autocommit=True) as connection:
                    connection.execute("ANALYZE")
            except psycopg.Error:
                pass  # the database is gone (the run ended) or busy: next time

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            self.analyze()

    def __enter__(self) -> Analyzer:
        if self.seconds > 0:
            self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)
