"""Starting the services as processes for benchmarks, as the Procfile starts them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ecoreg_common.testing import wait_until_ready

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
        process.wait(timeout=30)


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
