"""Client load for the benchmarks: threads GETting one URL for a fixed time (``hammer``), and the
median of an in-process app's answers (``median_ms``). No ecoreg imports, so a benchmark can run
them against another checkout's code."""

from __future__ import annotations

import statistics
import threading
import time

import requests


def hammer(url: str, headers: dict[str, str], clients: int, seconds: float) -> dict[str, float]:
    """Requests/s and latency percentiles of ``clients`` threads GETting ``url`` for ``seconds``."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        with requests.Session() as http:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                try:
                    status = http.get(url, headers=headers, timeout=10).status_code
                except requests.RequestException:
                    status = None  # a timeout or a cut connection: an error, and the client goes on
                mine.append(time.perf_counter() - started)
                if status not in (200, 304):
                    bad += 1
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        "errors": errors,
    }


def median_ms(client, path: str, repeat: int) -> float:
    """The median time in ms of ``repeat`` GETs of ``path`` through a Flask test ``client``; each must answer 200."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    return statistics.median(timings)
