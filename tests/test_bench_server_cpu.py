"""bench/server_cpu.py: the CPU a process tree spends over a span, as the benchmarks divide it by answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from server_cpu import CpuMeter, only, tree

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")

# A child that burns as much CPU as it is told when told, then waits to be killed, and a parent
# that starts it and waits: the CPU is a grandchild's of the test, as a gunicorn worker is the
# master's child (both inherit the test's pipes).
CHILD = """
import sys, time
print("ready", flush=True)
sys.stdin.readline()
until = time.process_time() + float(sys.argv[1])
while time.process_time() < until:
    pass
print("done", flush=True)
time.sleep(60)
"""
PARENT = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {CHILD!r}, sys.argv[1]]).wait()"


def test_the_tree_s_cpu_over_a_span_counts_a_grandchild_and_only_that_span():
    parent = subprocess.Popen([sys.executable, "-c", PARENT, "0.4"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    children: list[int] = []
    try:
        assert parent.stdout.readline() == "ready\n"
        children = tree(parent.pid)()[1:]
        assert len(children) == 1
        idle = CpuMeter(server=tree(parent.pid))
        with idle:
            time.sleep(0.3)  # nothing burns: the span sees (almost) nothing
        busy = CpuMeter(server=tree(parent.pid), parent=only(parent.pid))
        with busy:
            parent.stdin.write("go\n")
            parent.stdin.flush()
            assert parent.stdout.readline() == "done\n"
        assert idle.seconds["server"] < 0.05
        assert 0.35 <= busy.seconds["server"] <= 0.6  # the child's 0.4 s, in 10 ms ticks
        assert busy.seconds["parent"] < 0.05  # only() is the process itself, not its child
        assert busy.lost == {"server": 0, "parent": 0}
        assert busy.per_request("server", 4) == pytest.approx(busy.seconds["server"] * 1000 / 4)
        # A second span adds to the first (hammer_alternating's turns), it does not replace it.
        busy.start()
        busy.stop()
        assert 0.35 <= busy.seconds["server"] <= 0.65
    finally:
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        parent.kill()
        parent.wait()
        parent.stdin.close()
        parent.stdout.close()
