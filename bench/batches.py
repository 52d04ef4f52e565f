"""Generated entities and loading them through the registry's batch endpoint, for the benchmarks.

``make_entities`` makes the items (each its own uscc, external id and names); ``load`` times
sending a list of them over parallel connections; ``fill`` makes and sends them a request at a
time (the sender's memory stays flat however many are loaded). ``registry_batch_load.py``,
``follower_rate.py`` and ``metrics_scale.py`` load through these.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from processes import synthetic_entity

from registry import uscc

BATCH_PATH = "/api/v1/entities/batch"
PARTNER = {"X-Ecoreg-Partner": "bench"}

CLUSTER_TRACKS = [
    ("energy", "hydrogen"),
    ("health", "synthetic_biology"),
    ("intelligence", "general_ai"),
    ("materials", "graphene"),
    ("space", "deep_sea"),
]
DISTRICTS = ["pudong", "jiading", "minhang", "xuhui", "baoshan", "songjiang"]


def make_entities(count: int, start: int = 0, *, mixed: bool = False) -> list[dict]:
    """Entities number ``start`` to ``start + count - 1``, as batch items.

    By default all high-tech enterprises, one cluster and track each (the batch benchmark's
    rows); ``mixed``: kinds, tiers, statuses, districts, clusters and tracks cycling as
    ``processes.synthetic_entity`` gives them (what the metrics benchmarks count).
    """
    items = []
    for n in range(start, start + count):
        if mixed:
            counted = synthetic_entity(n)
        else:
            cluster, track = CLUSTER_TRACKS[n % len(CLUSTER_TRACKS)]
            counted = {
                "kind": "enterprise",
                "subtype": "high_tech",
                "clusters": [cluster],
                "tracks": [track],
                "district": DISTRICTS[n % len(DISTRICTS)],
            }
        items.append(
            {
                **counted,
                "name": f"Shanghai Bench Technology No. {n} Co., Ltd.",
                "name_zh": f"上海基准科技{n}号有限公司",
                "uscc": uscc.make("91310000", f"M{n:07d}"),
                "external_id": f"bench-{n}",
                "established_on": "2018-05-01",
                "attributes": {"employees": 50 + n % 500},
            }
        )
    return items


_sessions = threading.local()


def thread_session() -> requests.Session:
    """This thread's own Session (one kept-alive connection per loading thread)."""
    if not hasattr(_sessions, "http"):
        _sessions.http = requests.Session()
    return _sessions.http


def post_batch(http: requests.Session, endpoint: str, batch: list[dict], expected: str, headers: dict[str, str] | None = None) -> None:
    """POST one batch; raises on an error status or unless every item's result is ``expected``
    ("created", "updated", "unchanged")."""
    response = http.post(endpoint, json={"entities": batch}, headers={**PARTNER, **(headers or {})}, timeout=120)
    response.raise_for_status()
    summary = response.json()["summary"]
    if summary[expected] != len(batch):
        raise RuntimeError(f"unexpected batch answer: {summary}")


def load(endpoint: str, items: list[dict], chunk: int, expected: str, clients: int, headers: dict[str, str] | None = None) -> float:
    """Seconds to send ``items`` to ``endpoint`` in batches of ``chunk`` over ``clients`` parallel connections."""
    batches = [items[start : start + chunk] for start in range(0, len(items), chunk)]

    def send(batch: list[dict]) -> None:
        post_batch(thread_session(), endpoint, batch, expected, headers)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(send, batches))
    return time.perf_counter() - started


def fill(
    registry: str,
    count: int,
    chunk: int = 1000,
    *,
    updates: bool = True,
    start: int = 0,
    mixed: bool = False,
    headers: dict[str, str] | None = None,
    clients: int = 1,
) -> int:
    """Create entities ``start`` to ``start + count - 1`` through ``registry``'s batch endpoint, then
    (``updates``) change each once (status "building"); the number of changes written.

    The items are made a request at a time, by the ``clients`` threads that send them (each its
    own connection), so this process's memory does not grow with ``count``.
    """
    endpoint = f"{registry}{BATCH_PATH}"

    def send(first: int, expected: str) -> None:
        batch = make_entities(min(chunk, start + count - first), first, mixed=mixed)
        if expected == "updated":
            batch = [dict(item, status="building") for item in batch]
        post_batch(thread_session(), endpoint, batch, expected, headers)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        for expected in ("created", "updated") if updates else ("created",):
            list(pool.map(lambda first, expected=expected: send(first, expected), range(start, start + count, chunk)))
    return 2 * count if updates else count
