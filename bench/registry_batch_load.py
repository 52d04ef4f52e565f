"""Load 20,000 enterprises through the batch endpoint; compare with a raw Core bulk insert.

Both run in this process's run, against fresh PostgreSQL databases on the same
server: the baseline inserts the same entity rows with SQLAlchemy Core
executemany (no validation, no memberships, no change log, no HTTP); the
service path is the real one: HTTP to gunicorn, marshmallow, rules, matching,
entity rows, memberships and the change feed. Prints entities/s for both and
the ratio (goal: >= 0.25).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import requests
from processes import gunicorn, stop
from sqlalchemy import create_engine, insert

from ecoreg_common.testing import free_port, fresh_postgres_database
from registry import migrate, uscc
from registry.tables import entities

CLUSTER_TRACKS = [
    ("energy", "hydrogen"),
    ("health", "synthetic_biology"),
    ("intelligence", "general_ai"),
    ("materials", "graphene"),
    ("space", "deep_sea"),
]
DISTRICTS = ["pudong", "jiading", "minhang", "xuhui", "baoshan", "songjiang"]


def make_entities(count: int) -> list[dict]:
    items = []
    for n in range(count):
        cluster, track = CLUSTER_TRACKS[n % len(CLUSTER_TRACKS)]
        items.append(
            {
                "kind": "enterprise",
                "subtype": "high_tech",
                "name": f"Shanghai Bench Technology No. {n} Co., Ltd.",
                "name_zh": f"上海基准科技{n}号有限公司",
                "clusters": [cluster],
                "tracks": [track],
                "district": DISTRICTS[n % len(DISTRICTS)],
                "uscc": uscc.make("91310000", f"M{n:07d}"),
                "external_id": f"bench-{n}",
                "established_on": "2018-05-01",
                "attributes": {"employees": 50 + n % 500},
            }
        )
    return items


def raw_rows(items: list[dict]) -> list[dict]:
    now = datetime.now(UTC)
    rows = []
    for item in items:
        row = dict(item)
        row.update(
            tier="none",
            status="active",
            source="bench",
            version=1,
            created_at=now,
            updated_at=now,
            established_on=date.fromisoformat(item["established_on"]),
        )
        rows.append(row)
    return rows


def baseline(url: str, items: list[dict], chunk: int) -> float:
    rows = raw_rows(items)
    engine = create_engine(url)  # a plain engine, none of the service's settings
    started = time.perf_counter()
    for start in range(0, len(rows), chunk):
        with engine.begin() as connection:
            connection.execute(insert(entities), rows[start : start + chunk])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def load(endpoint: str, items: list[dict], chunk: int, expected: str, clients: int) -> float:
    """Seconds to send ``items`` in batches of ``chunk`` over ``clients`` parallel connections."""
    batches = [items[start : start + chunk] for start in range(0, len(items), chunk)]
    local = threading.local()

    def send(batch: list[dict]) -> None:
        if not hasattr(local, "http"):
            local.http = requests.Session()
        response = local.http.post(endpoint, json={"entities": batch}, headers={"X-Ecoreg-Partner": "bench"}, timeout=120)
        response.raise_for_status()
        summary = response.json()["summary"]
        if summary[expected] != len(batch):
            raise RuntimeError(f"unexpected batch answer: {summary}")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(send, batches))
    return time.perf_counter() - started


def through_service(url: str, items: list[dict], chunk: int, clients: int) -> tuple[float, float]:
    """(first load, repeated load) seconds through a registry with one worker per client."""
    port = free_port()
    process = gunicorn("registry:create_app()", port, {"REGISTRY_DATABASE_URL": url}, workers=clients)
    endpoint = f"http://127.0.0.1:{port}/api/v1/entities/batch"
    try:
        first = load(endpoint, items, chunk, "created", clients)
        repeat = load(endpoint, items, chunk, "unchanged", clients)
    finally:
        stop(process)
    return first, repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=1_000)
    args = parser.parse_args()
    base = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or "postgresql+psycopg://root@127.0.0.1:5432/test"
    items = make_entities(args.entities)

    with fresh_postgres_database(base, "ecoreg_bench_raw") as raw_url:
        migrate.upgrade(raw_url)
        raw_seconds = baseline(raw_url, items, args.chunk)
    results = {}
    for clients in (1, 2):
        with fresh_postgres_database(base, "ecoreg_bench_api") as api_url:
            migrate.upgrade(api_url)
            results[clients] = through_service(api_url, items, args.chunk, clients)

    raw_rate = args.entities / raw_seconds
    print(f"entities: {args.entities}, {args.chunk} per request / per insert transaction, PostgreSQL")
    print(f"raw Core bulk insert, 1 connection (entity rows only)   : {raw_rate:9,.0f} entities/s ({raw_seconds:.2f} s)")
    for clients, (first, repeat) in results.items():
        label = f"{clients} client{'s' if clients > 1 else ''}, {clients} worker{'s' if clients > 1 else ''}"
        print(f"batch endpoint, {label}, first load (created)  : {args.entities / first:9,.0f} entities/s ({first:.2f} s)")
        print(f"batch endpoint, {label}, repeat (unchanged)    : {args.entities / repeat:9,.0f} entities/s ({repeat:.2f} s)")
    sequential = args.entities / results[1][0]
    print(f"ratio first load / raw, like for like (1 client): {sequential / raw_rate:.2f}  (goal >= 0.25)")
    print(f"ratio first load / raw, 2 clients              : {args.entities / results[2][0] / raw_rate:.2f}")


if __name__ == "__main__":
    main()
