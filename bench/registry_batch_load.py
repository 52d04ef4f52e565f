"""Load 20,000 enterprises through the batch endpoint; compare with a raw Core bulk insert.

Both run in this process's run, against fresh PostgreSQL databases on the same
server: the baseline inserts the same entity rows with SQLAlchemy Core
executemany (no validation, no memberships, no change log, no HTTP); the
service path is the real one: HTTP to gunicorn, marshmallow, rules, matching,
entity rows and the change feed. Prints entities/s for both and the ratios
(goals: first load >= 0.5 of raw, repeats no slower than first loads, 2
clients faster than 1), the workers' peak memory, and the CPU cost of item
validation with marshmallow and with the loader compiled from its schema.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, date, datetime

from batches import BATCH_PATH, load, make_entities
from load import spread
from processes import Analyzer, gunicorn, memory_mb, postgres_base, stop
from sqlalchemy import create_engine, insert

from ecoreg_common.testing import free_port, fresh_postgres_database
from registry import migrate
from registry.tables import entities

try:
    from registry.names import stored_forms
except ImportError:  # a registry from before the name columns
    stored_forms = None


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
        # The same row the service stores: with the derived name columns (and so the
        # same index entries), computed here before the clock starts.
        row.update(stored_forms(row) if stored_forms else {})
        rows.append(row)
    return rows


def baseline(url: str, items: list[dict], chunk: int, analyze_seconds: float = 0) -> float:
    rows = raw_rows(items)
    engine = create_engine(url)  # a plain engine, none of the service's settings
    started = time.perf_counter()
    with Analyzer([url], analyze_seconds):
        for start in range(0, len(rows), chunk):
            with engine.begin() as connection:
                connection.execute(insert(entities), rows[start : start + chunk])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def through_service(url: str, items: list[dict], chunk: int, clients: int, analyze_seconds: float = 0) -> tuple[float, float, float]:
    """(first load, repeated load) seconds through a registry with one worker per client, and the workers' peak MB."""
    port = free_port()
    process = gunicorn("registry:create_app()", port, {"REGISTRY_DATABASE_URL": url}, workers=clients)
    endpoint = f"http://127.0.0.1:{port}{BATCH_PATH}"
    try:
        with Analyzer([url], analyze_seconds):
            first = load(endpoint, items, chunk, "created", clients)
            repeat = load(endpoint, items, chunk, "unchanged", clients)
        memory = max(peak for _, peak, _ in memory_mb(process, workers=True))
    finally:
        stop(process)
    return first, repeat, memory


def validation_ms(items: list[dict]) -> tuple[float, float | None, float | None]:
    """CPU ms per 1,000 items: marshmallow's EntityCreateSchema.load, the loader compiled from it
    (None before it existed), and that loader as a request runs it: the body's bytes checked once
    (``storable_json``), the unstorable-text walk then skipped (None before session 6)."""
    from registry.entities.schemas import EntityCreateSchema

    schema = EntityCreateSchema()
    sample = items[:2000]

    def cpu(load, before=lambda: None) -> float:
        started = time.process_time()
        before()
        for item in sample:
            load(item)
        return (time.process_time() - started) * 1000 / len(sample) * 1000

    try:
        from ecoreg_common.fastload import compile_loader
    except ImportError:
        return cpu(schema.load), None, None
    fast = compile_loader(schema)
    try:
        from ecoreg_common.validation import known_storable, storable_json
    except ImportError:
        return cpu(schema.load), cpu(fast), None
    body = json.dumps({"entities": sample}).encode()  # as requests sends it (CJK as \u escapes)
    with known_storable(True):
        as_requested = cpu(fast, lambda: storable_json(body))
    return cpu(schema.load), cpu(fast), as_requested


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=1, help="repeat the whole measurement; figures as min / median / max")
    parser.add_argument("--clients", default="1,2", help="client counts to run, e.g. 1 for a big single run")
    parser.add_argument("--analyze-seconds", type=float, default=0, help="ANALYZE the databases this often, as autovacuum would")
    args = parser.parse_args()
    base = postgres_base()
    items = make_entities(args.entities)
    client_counts = [int(n) for n in args.clients.split(",")]

    first_ratio, repeat_ratio, scale = [], [], []
    print(f"entities: {args.entities:,}, {args.chunk} per request / per insert transaction, PostgreSQL")
    for round_number in range(1, args.rounds + 1):
        with fresh_postgres_database(base, "ecoreg_bench_raw") as raw_url:
            migrate.upgrade(raw_url)
            raw_seconds = baseline(raw_url, items, args.chunk, args.analyze_seconds)
        results = {}
        for clients in client_counts:
            with fresh_postgres_database(base, "ecoreg_bench_api") as api_url:
                migrate.upgrade(api_url)
                results[clients] = through_service(api_url, items, args.chunk, clients, args.analyze_seconds)
        raw_rate = args.entities / raw_seconds
        print(f"round {round_number}")
        print(f"  raw Core executemany, 1 connection (entity rows only)  : {raw_rate:9,.0f} entities/s ({raw_seconds:.2f} s)")
        for clients, (first, repeat, memory) in results.items():
            label = f"{clients} client{'s' if clients > 1 else ''}, {clients} worker{'s' if clients > 1 else ''}"
            print(f"  batch endpoint, {label}, first load (created) : {args.entities / first:9,.0f} entities/s ({first:.2f} s)")
            print(f"  batch endpoint, {label}, repeat (unchanged)   : {args.entities / repeat:9,.0f} entities/s ({repeat:.2f} s)")
            print(f"  registry worker peak RSS, {label}              : {memory:6.0f} MB")
        first, repeat, _ = results[client_counts[0]]
        first_ratio.append(args.entities / first / raw_rate)
        repeat_ratio.append(first / repeat)
        if len(client_counts) > 1:
            scale.append(results[client_counts[0]][0] / results[client_counts[-1]][0])
    marshmallow_ms, fast_ms, requested_ms = validation_ms(items)
    print(f"ratios over {args.rounds} round(s), min / median / max")
    print(f"first load / raw Core executemany ({client_counts[0]} client)  : {spread(first_ratio)}  (goal >= 0.5)")
    print(f"repeat rate / first-load rate ({client_counts[0]} client)        : {spread(repeat_ratio)}  (goal >= 1.0)")
    if scale:
        print(f"{client_counts[-1]} clients / {client_counts[0]} client, first load        : {spread(scale)}  (goal > 1)")
    fast = f"{fast_ms:.1f} ms (x{marshmallow_ms / fast_ms:.1f})" if fast_ms else "n/a"
    requested = f", in a request (body checked by storable_json, no walk) {requested_ms:.1f} ms" if requested_ms else ""
    print(f"item validation, CPU per 1,000 items: marshmallow {marshmallow_ms:.1f} ms, compiled loader {fast}{requested}")


if __name__ == "__main__":
    main()
