"""Uncached `GET /api/v1/metrics/summary` against a hello-world Flask app, in one run.

Both run as processes under gunicorn with the same settings (workers, gthread
threads, as `gateway_polling.py` runs the metrics service); the metrics
database (PostgreSQL) is filled through the real apply path with `--entities`
synthetic entities. Client threads GET without validators, so every request
gets a full 200 answer (no 304, no gateway cache). Prints requests/s with p50
and p99 for each, and the ratio summary / hello per round; `--rounds N` gives
min / median / max. Goal (issue #14): the ratio at least 10x what it was at
2b38dc3 (155 req/s against 7,600 hello on a quiet machine, ~0.02).

`--source DIR` runs the services from another checkout (its `libs/common/src`
and `services/metrics/src` put first on PYTHONPATH), to measure the code of
another commit in the same conditions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--source", help="another checkout whose metrics code the services run")
    args = parser.parse_args()
    source_path = ""
    if args.source:
        root = Path(args.source).resolve()
        source_path = os.pathsep.join(str(root / part) for part in ("libs/common/src", "services/metrics/src", "services/registry/src"))
        sys.path[:0] = source_path.split(os.pathsep)
    # Imported after --source: the setup (migrations, apply) is then that checkout's too.
    from load import hammer
    from metrics_scale import synthetic_changes
    from processes import gunicorn

    import metrics
    from ecoreg_common.db import Database
    from ecoreg_common.testing import free_port, fresh_postgres_database
    from metrics import migrate as metrics_migrate
    from metrics.readmodel.apply import apply_page

    print(f"metrics code from {Path(metrics.__file__).resolve().parent}")
    base = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or "postgresql+psycopg://root@127.0.0.1:5432/test"
    with fresh_postgres_database(base, "ecoreg_bench_summary") as url:
        metrics_migrate.upgrade(url)
        db = Database(url)
        changes = synthetic_changes(args.entities)
        for start in range(0, len(changes), 5000):
            apply_page(db, changes[start : start + 5000], registry_latest_seq=args.entities, now=datetime.now(UTC))
        db.dispose()
        ports = {"metrics": free_port(), "hello": free_port()}
        env = {"METRICS_DATABASE_URL": url, "INTERNAL_TOKEN": "bench-internal-token"}
        pythonpath = os.pathsep.join(p for p in (source_path, str(HERE), os.environ.get("PYTHONPATH", "")) if p)
        env["PYTHONPATH"] = pythonpath
        processes = [
            gunicorn("metrics:create_app()", ports["metrics"], env, workers=args.workers, threads=args.threads),
            gunicorn("hello_app:app", ports["hello"], env, workers=args.workers, threads=args.threads),
        ]
        headers = {"X-Internal-Token": "bench-internal-token"}
        summary_url = f"http://127.0.0.1:{ports['metrics']}/api/v1/metrics/summary"
        hello_url = f"http://127.0.0.1:{ports['hello']}/hello"
        print(
            f"{args.entities} entities, {args.clients} client threads, {args.seconds:g} s per case, "
            f"{args.workers} gunicorn workers x {args.threads} threads, PostgreSQL"
        )
        ratios = []
        try:
            import requests

            assert requests.get(summary_url, headers=headers, timeout=30).status_code == 200
            for round_ in range(1, args.rounds + 1):
                hello = hammer(hello_url, headers, args.clients, args.seconds)
                summary = hammer(summary_url, headers, args.clients, args.seconds)
                ratio = summary["rps"] / hello["rps"]
                ratios.append(ratio)
                for label, result in (("hello", hello), ("summary", summary)):
                    print(
                        f"round {round_} {label:8s} {result['rps']:8.0f} req/s  p50 {result['p50']:7.1f} ms  "
                        f"p99 {result['p99']:7.1f} ms  errors {result['errors']}"
                    )
                print(f"round {round_} ratio summary / hello: {ratio:.4f}")
                time.sleep(0.5)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
    print(f"ratio summary / hello, min / median / max: {min(ratios):.4f} / {statistics.median(ratios):.4f} / {max(ratios):.4f}")


if __name__ == "__main__":
    main()
