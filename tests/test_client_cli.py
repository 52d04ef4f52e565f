"""The partner's `ecoreg` command end to end against the real stack, through the gateway."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from registry import uscc

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
ADMIN_KEY = "cli-admin-key"
ECOREG = str(Path(sys.executable).parent / "ecoreg")


def ecoreg(stack, *args: str, key: str = ADMIN_KEY) -> subprocess.CompletedProcess:
    env = {**stack.env, "ECOREG_URL": stack.gateway_url, "ECOREG_API_KEY": key}
    return subprocess.run([ECOREG, *args], env=env, capture_output=True, text=True, timeout=120)


def test_import_fix_reimport_export_and_read(make_stack, tmp_path):
    stack = make_stack("postgresql", GATEWAY_ADMIN_KEY=ADMIN_KEY, INTERNAL_TOKEN="cli-token", METRICS_FOLLOW_INTERVAL_MS="50")
    for name in ("registry", "metrics", "follower", "gateway"):
        stack.start(name)

    created = ecoreg(stack, "keys", "create", "sample-partner", "--scope", "entities:write")
    assert created.returncode == 0, created.stderr
    partner_key = created.stdout.strip().splitlines()[-1]

    sample = tmp_path / "entities.csv"
    shutil.copy(ROOT / "samples" / "entities.csv", sample)
    first = ecoreg(stack, "import", str(sample), "--batch-size", "10", key=partner_key)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "25 rows: 22 created, 0 updated, 0 unchanged, 3 with errors" in first.stdout
    report = tmp_path / "entities.errors.csv"
    with report.open(encoding="utf-8") as handle:
        failed = list(csv.DictReader(handle))
    assert [row["external_id"] for row in failed] == ["crm-bad-1", "crm-bad-2", "crm-bad-3"]
    assert "check character" in failed[0]["errors"]
    assert "tracks" in failed[1]["errors"]
    assert "district" in failed[2]["errors"]

    # The partner fixes the rows in the report and imports the report itself.
    failed[0]["uscc"] = uscc.complete(failed[0]["uscc"][:17])
    failed[1]["tracks"] = "gene_cell_therapy"
    failed[2]["tier"], failed[2]["district"] = "municipal", "baoshan"
    with report.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(failed[0]))
        writer.writeheader()
        writer.writerows(failed)
    fixed = ecoreg(stack, "import", str(report), key=partner_key)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "3 rows: 3 created" in fixed.stdout

    # Importing the original again creates nothing.
    again = ecoreg(stack, "import", str(sample), key=partner_key)
    assert "22 unchanged" in again.stdout
    listed = requests.get(f"{stack.gateway_url}/api/v1/entities", params={"limit": 500}, timeout=10).json()["items"]
    assert len(listed) == 25
    assert len({entity["external_id"] for entity in listed}) == 25

    exported = tmp_path / "energy.jsonl"
    out = ecoreg(stack, "export", "--cluster", "energy", "--format", "jsonl", "--output", str(exported))
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    energy = requests.get(f"{stack.gateway_url}/api/v1/entities", params={"cluster": "energy", "limit": 500}, timeout=10).json()["items"]
    assert lines == energy
    as_csv = ecoreg(stack, "export", "--kind", "facility")
    assert as_csv.stdout.count("hydrogen_station") == 2

    targets = ecoreg(stack, "targets", "--cluster", "energy")
    assert "hydrogen_stations" in targets.stdout
    summary = ecoreg(stack, "summary")
    assert "未来能源" in summary.stdout
    assert "National-level enterprise technology centres" in summary.stdout

    listed_keys = ecoreg(stack, "keys", "list")
    assert "sample-partner" in listed_keys.stdout
    key_id = created.stdout.split()[1]
    assert ecoreg(stack, "keys", "revoke", key_id).returncode == 0
    refused = ecoreg(stack, "import", str(sample), key=partner_key)
    assert refused.returncode != 0
    assert "401" in refused.stderr
