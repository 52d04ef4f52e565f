"""Metrics answers, memory per process and the write-to-count lag, at a small and at a large registry.

By default everything runs as processes (``processes.running_stack``: registry, metrics and
the follower as the Procfile runs them, on fresh PostgreSQL databases dropped after), and
entities (mixed kinds, tiers, statuses, districts, clusters; ``batches.make_entities``) are
loaded through the registry's batch endpoint, 1,000 per request: first ``--small`` of them,
then more up to ``--large``, in the same stack. At each size, once the follower has applied
every change written:

- the summary after each of ``--recompute`` single writes (the answer that computes the
  snapshot for the new data), then summary, counts by 3 dimensions and filtered counts,
  each GET over HTTP by one client for ``--answer-seconds`` (p50, p99);
- the peak and current RSS of every process (gunicorn masters and workers, the follower)
  and the size of each database;
- the lag: one entity written at a time at ``--rate`` for ``--seconds``, and how long each
  takes to show in the metrics checkpoint.

Then the ratios large / small: answers come from counter cells, bounded by the vocabularies,
so they should stay near 1, and so should every process's memory: only the databases grow.
``--analyze-seconds`` runs ``ANALYZE`` as autovacuum would (this machine's server has it off).

``--in-process``: the earlier measurement instead: two metrics databases filled directly
through the apply step (no registry, no HTTP), answers timed through the Flask app.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import threading
import time
from datetime import UTC, datetime

import requests
from batches import PARTNER, fill
from load import hammer, median_ms, spread
from processes import INTERNAL, Analyzer, memory_mb, postgres_base, running_stack, synthetic_entity, wait_until_caught_up
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from ecoreg_common.db import Database
from ecoreg_common.testing import fresh_postgres_database
from metrics import create_app
from metrics import migrate as metrics_migrate
from metrics.config import Settings
from metrics.readmodel.apply import apply_page
from metrics.readmodel.store import read_state

ANSWERS = {
    "summary": "/api/v1/metrics/summary",
    "counts, 3 dimensions": "/api/v1/metrics/counts?group_by=cluster,kind,tier",
    "counts, filtered": "/api/v1/metrics/counts?cluster=energy&kind=facility&status=active,building",
}


def synthetic_changes(count: int, start: int = 0) -> list[dict]:
    """Creates of entities ``start + 1`` to ``start + count`` (seq = entity id), as the feed has them."""
    return [
        {
            "seq": n + 1,
            "entity_id": n + 1,
            "op": "create",
            "version": 1,
            "at": "2026-01-01T00:00:00Z",
            "actor": "bench",
            "entity": synthetic_entity(n),
        }
        for n in range(start, start + count)
    ]


def answers_in_process(base: str, entities: int, repeat: int) -> dict[str, float]:
    """Median ms of each answer through the Flask app, on a metrics database filled through the apply step."""
    with fresh_postgres_database(base, "ecoreg_bench_metrics") as url:
        metrics_migrate.upgrade(url)
        app = create_app(Settings(database_url=url, log_level="WARNING"))
        db = app.extensions["metrics.db"]
        for start in range(0, entities, 5000):  # made a page at a time: this process's memory stays flat
            page = synthetic_changes(min(5000, entities - start), start)
            apply_page(db, page, registry_latest_seq=entities, now=datetime.now(UTC))
        client = app.test_client()
        for path in ANSWERS.values():
            client.get(path)  # warm up
        result = {label: median_ms(client, path, repeat) for label, path in ANSWERS.items()}
        db.dispose()
        return result


def in_process(args, base: str) -> None:
    small = answers_in_process(base, args.small, args.repeat)
    large = answers_in_process(base, args.large, args.repeat)
    print(f"metrics answers, median of {args.repeat} (PostgreSQL, through the Flask app, filled through the apply step)")
    print(f"{'answer':24} {args.small:>10,} entities {args.large:>10,} entities   ratio")
    for label in small:
        print(f"{label:24} {small[label]:13.2f} ms {large[label]:13.2f} ms   {large[label] / small[label]:5.2f}")
    print(f"this process's peak RSS (the metrics app, in process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def checkpoint(metrics_db: Database) -> int:
    """The last change the follower has applied (its checkpoint), read from the metrics database:
    not through the summary, which would compute the snapshot being timed."""
    with metrics_db.read() as session:
        return read_state(session).checkpoint


def lag_line(lags: list[float]) -> str:
    """``lags`` (ms, sorted) as count, p50, p95 and max."""
    return f"{len(lags)} writes, p50 {statistics.median(lags):.0f} ms, p95 {lags[max(0, int(len(lags) * 0.95) - 1)]:.0f} ms, max {lags[-1]:.0f} ms"


def write_lag(registry: str, metrics_db: Database, rate: float, seconds: float, tag: str) -> list[float]:
    """ms from each single-entity POST's answer until the metrics checkpoint covers its change;
    one write every 1/``rate`` s for ``seconds``. ``tag`` keeps the written entities' ids apart."""
    lags: list[float] = []
    http = requests.Session()
    pending: list[tuple[int, float]] = []
    lock = threading.Lock()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set() or pending:
            seq = checkpoint(metrics_db)
            now = time.perf_counter()
            with lock:
                for item in [p for p in pending if p[0] <= seq]:
                    lags.append((now - item[1]) * 1000)
                    pending.remove(item)
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    interval = 1 / rate
    deadline = time.perf_counter() + seconds
    n = 0
    try:
        while time.perf_counter() < deadline:
            n += 1
            seq, at = write_one(http, registry, f"lag-{tag}-{n}")
            with lock:
                pending.append((seq, at))
            time.sleep(max(0.0, interval - (time.perf_counter() - at)))
    finally:
        done.set()
        watcher.join(timeout=30)
    return sorted(lags)


def write_one(http: requests.Session, registry: str, name: str) -> tuple[int, float]:
    """POST one enterprise named ``name`` (also its external id): the seq of its change (read from
    its history after) and the ``perf_counter`` when the POST was answered."""
    body = {"kind": "enterprise", "name": f"Bench {name}", "clusters": ["energy"], "external_id": name}
    written = http.post(f"{registry}/api/v1/entities", json=body, headers={**PARTNER, **INTERNAL}, timeout=10)
    written.raise_for_status()
    answered = time.perf_counter()
    history = http.get(f"{registry}/api/v1/entities/{written.json()['id']}/history", headers=INTERNAL, timeout=10)
    return history.json()["versions"][-1]["seq"], answered


def recomputed_summary_ms(registry: str, metrics: str, metrics_db: Database, times: int, tag: str) -> list[float]:
    """ms of the first summary after each of ``times`` single writes, once the follower has applied
    it: the answer that computes the snapshot for the new data (later ones serve it)."""
    http = requests.Session()
    timings = []
    for n in range(times):
        seq, _ = write_one(http, registry, f"recompute-{tag}-{n}")
        deadline = time.monotonic() + 30
        while True:
            if checkpoint(metrics_db) >= seq:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the follower did not apply a write within 30 s")
            time.sleep(0.02)
        started = time.perf_counter()
        http.get(f"{metrics}{ANSWERS['summary']}", headers=INTERNAL, timeout=60).raise_for_status()
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def latest_seq(registry: str) -> int:
    page = requests.get(f"{registry}/api/v1/changes", params={"after": 0, "limit": 1}, headers=INTERNAL, timeout=30).json()
    return page["latest_seq"]


def database_mb(urls: dict[str, str]) -> dict[str, float]:
    sizes = {}
    for name, url in urls.items():
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as connection:
            sizes[name] = connection.execute(text("SELECT pg_database_size(current_database())")).scalar() / 2**20
        engine.dispose()
    return sizes


def memory(stack) -> dict[str, list[tuple[int, float, float]]]:
    """Role -> [(pid, peak MB, current MB)] for every process of the stack."""
    out = {}
    for name in ("registry", "metrics"):
        out[f"{name} master"] = memory_mb(stack.processes[name])
        out[f"{name} worker"] = memory_mb(stack.processes[name], workers=True)
    out["follower"] = memory_mb(stack.processes["follower"])
    return out


def measure_size(stack, args, size: int, loaded: int, analyzer: Analyzer, metrics_db: Database) -> dict:
    """Load up to ``size`` entities (``loaded`` are there), wait for the follower, then measure."""
    registry, metrics = stack.urls["registry"], stack.urls["metrics"]
    started = time.perf_counter()
    fill(registry, size - loaded, args.chunk, updates=False, start=loaded, mixed=True, headers=INTERNAL, clients=args.clients)
    load_seconds = time.perf_counter() - started
    target = latest_seq(registry)
    wait_until_caught_up(metrics, timeout=max(120.0, size / 2000), seq=target)
    caught_up = time.perf_counter() - started - load_seconds
    analyzer.analyze()  # the statistics of the loaded tables, as the answers will be read
    recomputed = recomputed_summary_ms(registry, metrics, metrics_db, args.recompute, str(size))
    answers = {}
    for label, path in ANSWERS.items():
        requests.get(f"{metrics}{path}", headers=INTERNAL, timeout=60).raise_for_status()  # warm up
        answers[label] = hammer(f"{metrics}{path}", INTERNAL, 1, args.answer_seconds)
        if answers[label]["errors"]:
            raise RuntimeError(f"{label}: {answers[label]['errors']} errors")
    lags = write_lag(registry, metrics_db, args.rate, args.seconds, str(size))
    result = {
        "size": size,
        "load_seconds": load_seconds,
        "loaded": size - loaded,
        "changes": target,
        "caught_up_seconds": caught_up,
        "recomputed_ms": recomputed,
        "answers": answers,
        "lags": lags,
        "memory": memory(stack),
        "databases": database_mb(stack.databases),
    }
    report_size(result)
    return result


def report_size(r: dict) -> None:
    rate = r["loaded"] / r["load_seconds"] if r["load_seconds"] else 0.0
    print(
        f"\n{r['size']:,} entities: {r['loaded']:,} loaded through the batch endpoint in {r['load_seconds']:.1f} s ({rate:,.0f}/s); "
        f"follower caught up {r['caught_up_seconds']:.1f} s after the last batch (feed at {r['changes']:,} changes)"
    )
    print(f"  summary after a write (computes the snapshot), ms, min / median / max: {spread(r['recomputed_ms'], '.1f')}")
    for label, a in r["answers"].items():
        print(f"  {label:22} p50 {a['p50']:7.2f} ms  p99 {a['p99']:7.2f} ms  {a['rps']:6.0f} req/s")
    print(f"  lag write -> count: {lag_line(r['lags'])}")
    for role, rows in r["memory"].items():
        for pid, peak, current in rows:
            print(f"  {role:16} pid {pid:7}  peak {peak:6.1f} MB  current {current:6.1f} MB")
    print("  databases: " + ", ".join(f"{name} {mb:,.0f} MB" for name, mb in r["databases"].items()))


def report_ratios(small: dict, large: dict) -> None:
    s, g = f"{small['size']:,}", f"{large['size']:,}"
    print(f"\nlarge / small ({g} / {s} entities), over HTTP, 1 client")
    print(f"{'answer':24} {s + ' p50/p99 ms':>22} {g + ' p50/p99 ms':>24}   ratio p50  ratio p99")
    for label in ANSWERS:
        a, b = small["answers"][label], large["answers"][label]
        print(
            f"{label:24} {a['p50']:10.2f} / {a['p99']:7.2f} {b['p50']:12.2f} / {b['p99']:7.2f}   {b['p50'] / a['p50']:9.2f}  {b['p99'] / a['p99']:9.2f}"
        )
    recomputed = [statistics.median(r["recomputed_ms"]) for r in (small, large)]
    print(
        f"{'summary after a write':24} {recomputed[0]:20.2f} {recomputed[1]:24.2f}   {recomputed[1] / recomputed[0]:9.2f}   (median; computes the snapshot)"
    )
    print(f"\nmemory per process, MB, peak / current         {s:>18} {g:>18}   ratio current")
    for role, rows in large["memory"].items():
        before = small["memory"][role]
        for (pid, peak_a, cur_a), (pid_b, peak_b, cur_b) in zip(before, rows, strict=False):
            restarted = "" if pid_b == pid else f"  (pid {pid_b} at {g}: restarted)"
            print(
                f"{role:16} pid {pid:7}                {peak_a:8.1f} / {cur_a:6.1f} {peak_b:9.1f} / {cur_b:6.1f}   {cur_b / cur_a:9.2f}{restarted}"
            )
    print(
        "databases, MB                                   "
        + "   ".join(f"{name} {small['databases'][name]:,.0f} -> {large['databases'][name]:,.0f}" for name in large["databases"])
    )
    for r in (small, large):
        print(f"lag at {r['size']:>10,}: {lag_line(r['lags'])}")


def through_api(args, base: str) -> None:
    print(
        f"registry, metrics ({args.workers} gunicorn worker(s) x 4 threads each) and the follower as processes, PostgreSQL; "
        f"{args.chunk} per batch, {args.clients} loading client(s); ANALYZE every {args.analyze_seconds:g} s while loading"
    )
    with running_stack(args.prefix, gateways={}, base=base, service_workers=args.workers) as stack:
        analyzer = Analyzer(list(stack.databases.values()), args.analyze_seconds)
        metrics_db = Database(stack.databases["metrics"])
        try:
            with analyzer:
                small = measure_size(stack, args, args.small, 0, analyzer, metrics_db)
                # The single writes of the small size are entities too: the large one has them on top.
                large = measure_size(stack, args, args.large, args.small, analyzer, metrics_db)
        finally:
            metrics_db.dispose()
    report_ratios(small, large)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000, help="1,000,000 for the issue #14 run")
    parser.add_argument("--chunk", type=int, default=1_000, help="entities per batch request")
    parser.add_argument("--clients", type=int, default=1, help="connections loading batches at once")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers of the registry and of metrics")
    parser.add_argument("--answer-seconds", type=float, default=5.0, help="how long one client GETs each answer")
    parser.add_argument("--rate", type=float, default=20.0, help="writes per second for the lag")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long the lag's writes go on")
    parser.add_argument("--recompute", type=int, default=5, help="single writes after which the summary is timed")
    parser.add_argument("--analyze-seconds", type=float, default=30.0, help="ANALYZE the databases this often while loading")
    parser.add_argument("--prefix", default="ecoreg_bench_scale", help="the run's databases are named <prefix>_reg, _met, _gat")
    parser.add_argument("--in-process", action="store_true", help="the apply-step fill and in-process answers instead")
    parser.add_argument("--repeat", type=int, default=30, help="--in-process: calls per answer")
    args = parser.parse_args()
    base = postgres_base()
    if args.in_process:
        in_process(args, base)
    else:
        through_api(args, base)


if __name__ == "__main__":
    main()
