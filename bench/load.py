"""Client load for the benchmarks: threads GETting one URL for a fixed time (``hammer``) or several
URLs taking turns (``hammer_alternating``), and the median of an in-process app's answers
(``median_ms``). No ecoreg imports, so a benchmark can run them against another checkout's code."""

from __future__ import annotations

import statistics
import threading
import time

import requests


def _answered(session: requests.Session, url: str, headers: dict[str, str]) -> bool:
    """One GET; True for a good answer (200/304). A timeout or a cut connection is an error, and the
    client goes on."""
    try:
        return session.get(url, headers=headers, timeout=10).status_code in (200, 304)
    except requests.RequestException:
        return False


def _figures(latencies: list[float], errors: int, rps: float) -> dict[str, float]:
    """``rps`` (good answers per second), p50 and p99 in ms of every request, the error count and
    ``answers`` (the good answers counted: what a server's CPU over the turn is divided by)."""
    taken = sorted(latencies)
    return {
        "rps": rps,
        "answers": len(latencies) - errors,
        "p50": statistics.median(taken) * 1000 if taken else float("nan"),
        "p99": taken[max(0, int(len(taken) * 0.99) - 1)] * 1000 if taken else float("nan"),
        "errors": errors,
    }


def hammer(url: str, headers: dict[str, str], clients: int, seconds: float) -> dict[str, float]:
    """Good answers (200/304) per second and latency percentiles (ms, of every request) of ``clients``
    threads GETting ``url`` for ``seconds``; ``errors`` counts the other answers and failures."""
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
                good = _answered(http, url, headers)
                mine.append(time.perf_counter() - started)
                bad += not good
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
    # Good answers only: a fast 503 is not throughput.
    return _figures(latencies, errors, (len(latencies) - errors) / elapsed)


def hammer_alternating(
    targets: list[tuple[str, dict[str, str]]],
    clients: int,
    seconds: float,
    slice_seconds: float = 1.0,
    meters: list | None = None,
) -> list[dict[str, float]]:
    """``hammer`` for several ``(url, headers)``, taking turns: every client thread GETs the first
    target for a slice of ``slice_seconds``, then the next, and so on for about ``seconds`` in all
    (whole rounds of the targets). A figure per target, as ``hammer`` gives it.

    Why: on a shared machine the load of other work drifts over seconds, so two targets measured one
    after the other differ by that drift as much as by their speed; taking turns every second exposes
    both to the same drift, and their ratio is what is left. At each turn every thread finishes its
    request and waits for the others (a barrier), so no request of one target ever queues behind the
    other's: at 64 clients the direct target would otherwise leave the service a backlog that the
    gateway's next requests wait behind. Each thread keeps one connection per target, so no turn pays
    for connecting. ``rps`` is good answers (200/304) per second of a closed loop of ``clients``
    threads: clients x good answers / the sum of all latencies (Little's law).

    ``meters``: one ``server_cpu.CpuMeter`` per target (or None), started when each of that
    target's turns begins and stopped when it ends (at the barrier, when no request is in flight),
    so each sums the CPU its processes spent over that target's turns only; divide by the target's
    ``answers``.
    """
    count = len(targets)
    latencies: list[list[float]] = [[] for _ in targets]
    errors = [0] * count
    lock = threading.Lock()
    turns = max(count, count * round(seconds / (slice_seconds * count)))
    state = {"turn": 0, "done": -1, "until": 0.0}  # the first barrier (all threads ready) starts turn 0

    def next_turn() -> None:  # run by one thread, once all have finished their request
        if meters and state["done"] >= 0:
            meters[state["turn"]].stop()
        state["done"] += 1
        state["turn"] = state["done"] % count
        if meters and state["done"] < turns:
            meters[state["turn"]].start()
        state["until"] = time.perf_counter() + slice_seconds

    barrier = threading.Barrier(clients, action=next_turn)

    def client() -> None:
        sessions = [requests.Session() for _ in targets]
        mine: list[list[float]] = [[] for _ in targets]
        bad = [0] * count
        try:
            barrier.wait()  # everyone starts the first turn together
            while state["done"] < turns:
                turn, until = state["turn"], state["until"]
                url, headers = targets[turn]
                while time.perf_counter() < until:
                    started = time.perf_counter()
                    good = _answered(sessions[turn], url, headers)
                    mine[turn].append(time.perf_counter() - started)
                    bad[turn] += not good
                barrier.wait()
        finally:
            for session in sessions:
                session.close()
        with lock:
            for turn in range(count):
                latencies[turn].extend(mine[turn])
                errors[turn] += bad[turn]

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [
        _figures(taken, wrong, clients * (len(taken) - wrong) / sum(taken) if taken else 0.0)
        for taken, wrong in zip(latencies, errors, strict=True)
    ]


def median_ms(client, path: str, repeat: int) -> float:
    """The median time in ms of ``repeat`` GETs of ``path`` through a Flask test ``client``; each must answer 200."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    return statistics.median(timings)


def spread(values, fmt: str = ".2f") -> str:
    """``values`` (numbers, any order) as ``"min / median / max"``, each formatted with ``fmt``."""
    ordered = sorted(values)
    return " / ".join(format(value, fmt) for value in (ordered[0], statistics.median(ordered), ordered[-1]))
