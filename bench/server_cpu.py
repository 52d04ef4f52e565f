"""CPU seconds that processes spend over a span of a benchmark, from /proc (Linux only).

Why: on this machine's 2 cores one Python ``requests`` client tops out around 440-1,100 req/s
against a hello-world app, so a rate measured through it is bounded by the client, and a
ratio of two rates is pulled toward 1 whatever the servers cost. The CPU a server's
processes spend per answered request is not bounded by the client: it is what the server
costs, however fast the client asks. ``CpuMeter`` measures it over a measured turn; the
benchmarks print it beside the rates.

No ecoreg imports (as ``load.py``), so a benchmark can use it against another checkout's code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")  # clock ticks per second, the unit of /proc/<pid>/stat's times

PidSource = Callable[[], Iterable[int]]


def tree(pid: int) -> PidSource:
    """A source of ``pid`` and all its descendants (a gunicorn master and its workers), read from
    /proc each time it is called, so a worker that started during a span is found at its end."""

    def pids() -> list[int]:
        found, pending = [], [pid]
        while pending:
            current = pending.pop()
            found.append(current)
            for task in Path(f"/proc/{current}/task").glob("*"):
                with suppress(OSError):  # the thread or the process ended meanwhile
                    pending.extend(int(child) for child in (task / "children").read_text().split())
        return found

    return pids


def only(*pids: int) -> PidSource:
    """A source of exactly these processes (not their children): e.g. the benchmark's own process,
    whose children are the servers it measures."""
    return lambda: pids


def postgres_backends(connection, database: str) -> PidSource:
    """A source of the PostgreSQL server processes connected to ``database`` (from pg_stat_activity,
    through ``connection``, a psycopg connection in autocommit mode, itself left out): the database's
    share of a request's cost, which a server's own tree does not hold. Only meaningful when
    PostgreSQL runs on this machine (its processes are then readable in /proc)."""

    def pids() -> list[int]:
        rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchall()
        return [pid for (pid,) in rows]

    return pids


def snapshot(pids: Iterable[int]) -> dict[tuple[int, int], float]:
    """``{(pid, start time in ticks): utime + stime in seconds}`` of each process still running
    (every thread of it: /proc/<pid>/stat sums them). Keyed by the start time too, so a pid reused
    by a new process is not taken for the old one. A process gone already is left out."""
    taken = {}
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        # Fields after the command (which may hold spaces and parentheses): state is field 3, so
        # utime (14) and stime (15) are at 11 and 12 of what follows the last ")", starttime (22) at 19.
        fields = text[text.rindex(")") + 2 :].split()
        taken[(pid, int(fields[19]))] = (int(fields[11]) + int(fields[12])) / TICK
    return taken


class CpuMeter:
    """CPU seconds (user + system) of named groups of processes over a ``with`` block, or summed over
    several spans between ``start`` and ``stop`` (the turns of one target in ``hammer_alternating``).

    ``CpuMeter(server=tree(master.pid), client=only(os.getpid()))``; after the block,
    ``meter.seconds`` is ``{"server": s, "client": s}`` and ``meter.per_request(name, answers)``
    the ms of CPU per answer. A process found at the end of a span but not at its start (a worker
    started meanwhile) counts all its CPU; one gone by the end loses what it spent during the span,
    and ``meter.lost`` counts such processes per group (0 in a normal run; gunicorn workers live
    on). The readings cost ~50 us a process: cheap beside a turn of a second or more, so the
    measured span is the turn itself.
    """

    def __init__(self, **groups: PidSource):
        self.groups = groups
        self.seconds: dict[str, float] = dict.fromkeys(groups, 0.0)
        self.lost: dict[str, int] = dict.fromkeys(groups, 0)
        self._before: dict[str, dict[tuple[int, int], float]] = {}

    def start(self) -> None:
        """Take the readings a span starts from (``with`` calls it)."""
        self._before = {name: snapshot(source()) for name, source in self.groups.items()}

    def stop(self) -> dict[str, float]:
        """Take the readings the span ends at and add each group's CPU since ``start`` to ``seconds``
        (returned)."""
        for name, source in self.groups.items():
            before, after = self._before[name], snapshot(source())
            self.seconds[name] += sum(spent - before.get(key, 0.0) for key, spent in after.items())
            self.lost[name] += len(before.keys() - after.keys())
        return self.seconds

    def total(self, *names: str) -> float:
        """The CPU seconds of these groups together (all of them without names)."""
        return sum(self.seconds[name] for name in names or self.seconds)

    def per_request(self, name: str, answers: int) -> float:
        """Group ``name``'s CPU in ms per answer (``answers`` counted in the spans); NaN for none."""
        return self.seconds[name] * 1000 / answers if answers else float("nan")

    def __enter__(self) -> CpuMeter:
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()
