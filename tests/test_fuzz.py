"""schemathesis against the gateway's merged OpenAPI document: every check, every phase, both databases.

Every operation of the public API gets generated requests, valid and invalid,
through the gateway to live services, in every phase schemathesis has
(examples, coverage, fuzzing, and stateful sequences that follow the
document's links); the run fails on any server error, response that does not
match the document, invalid data accepted or valid data refused (beyond the
documented domain rules: schemathesis.toml), or wrong handling of undeclared
methods.

Two runs per backend, each with its own budget, so that no phase is starved:
the per-operation phases are bounded by examples (``--max-examples``; the
coverage phase generates what the schema defines), the stateful phase by time.
With ``--max-time`` schemathesis repeats the fuzzing pass until the time is
spent, so the first run takes its budget (each phase still has to finish once). The ndjson event stream
of each run (in the test's tmp dir) proves that every phase ran to its end; on
failure the test prints schemathesis's whole failure section, not a tail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
EXAMPLES_PER_OPERATION = 12
OPERATION_PHASES_SAFETY_SECONDS = 120
STATEFUL_SECONDS = 25


def schemathesis(stack, report_dir: Path, name: str, *arguments: str) -> list[dict]:
    """Run schemathesis against ``stack``'s gateway; its ndjson events (raises with the failures if it fails)."""
    events_path = report_dir / f"{name}.ndjson"
    done = stack.run_unchecked(
        "schemathesis",
        "run",
        f"{stack.gateway_url}/api/v1/openapi.json",
        "--url",
        stack.gateway_url,
        "--header",
        "Authorization: Bearer fuzz-admin-key",
        "--checks",
        "all",
        # One worker: with two, hypothesis describing a filter lambda (ast.parse of a
        # schemathesis module from two threads at once) failed the coverage phase with
        # "AST constructor recursion depth mismatch" (CPython 3.11).
        "--workers",
        "1",
        "--seed",
        "20261128",
        "--report",
        "ndjson,junit",
        "--report-ndjson-path",
        str(events_path),
        "--report-junit-path",
        str(report_dir / f"{name}.junit.xml"),
        *arguments,
    )
    (report_dir / f"{name}.out").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        # The failure section starts at "FAILURES"; keep all of it (the tail alone loses names).
        start = done.stdout.find("FAILURES")
        raise AssertionError(
            f"schemathesis ({name}) exited with {done.returncode}; full output in {report_dir / (name + '.out')}\n"
            + (done.stdout[start:] if start >= 0 else done.stdout[-8000:])
            + done.stderr[-2000:]
        )
    return [json.loads(line) for line in events_path.read_text().splitlines() if line.strip()]


def finished_phases(events: list[dict]) -> dict[str, str]:
    """Phase name -> status, from schemathesis's PhaseFinished events.

    With ``--max-time`` the fuzzing phase is run again and again until the time is spent,
    and the pass the clock cuts off reports ``skip``: a phase that finished with ``success``
    at least once and never otherwise than success or that trailing skip counts as ``success``.
    """
    seen: dict[str, list[str]] = {}
    for event in events:
        finished = event.get("PhaseFinished")
        if finished:
            seen.setdefault(finished["phase"]["name"], []).append(finished["status"])
    statuses = {}
    for name, passes in seen.items():
        repeated_then_cut = len(passes) > 1 and passes[-1] == "skip" and set(passes[:-1]) == {"success"}
        statuses[name] = "success" if repeated_then_cut else passes[-1]
    return statuses


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_public_api_survives_schemathesis(make_stack, backend, tmp_path):
    stack = make_stack(
        backend,
        GATEWAY_ADMIN_KEY="fuzz-admin-key",
        INTERNAL_TOKEN="fuzz-token",
        GATEWAY_KEY_LIMIT="1000000/minute",
        GATEWAY_ANONYMOUS_LIMIT="1000000/minute",
    )
    stack.cli("ecoreg-registry", "seed")
    for name in ("registry", "metrics", "follower", "gateway"):
        stack.start(name, tmp_path / f"{name}.log")  # kept: a failure names the test case, the log says why
    operations = schemathesis(
        stack,
        tmp_path,
        "operations",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--max-time",
        str(OPERATION_PHASES_SAFETY_SECONDS),
    )
    stateful = schemathesis(stack, tmp_path, "stateful", "--phases", "stateful", "--max-time", str(STATEFUL_SECONDS))
    ran = finished_phases(operations)
    ran["stateful"] = finished_phases(stateful).get("stateful")
    phases = ("examples", "coverage", "fuzzing", "stateful")
    assert {phase: ran.get(phase) for phase in phases} == dict.fromkeys(phases, "success"), ran
