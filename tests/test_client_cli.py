"""The partner's `ecoreg` command end to end against the real stack, through the gateway.

The README's partner walkthrough runs as written; then the files partners have
(GBK CSV, xlsx, Chinese headers, an extra column), exports that import back,
report naming, and the gateway being down.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from openpyxl import Workbook

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
VENV = Path(sys.executable).parent.parent
ECOREG = str(VENV / "bin" / "ecoreg")
ADMIN_KEY = "local-admin-key"


def ecoreg(stack, *args: str, key: str = ADMIN_KEY, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**stack.env, "ECOREG_URL": stack.gateway_url, "ECOREG_API_KEY": key}
    return subprocess.run([ECOREG, *args], env=env, capture_output=True, text=True, timeout=120, cwd=cwd)


def walkthrough() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- partner-walkthrough:start -->\s*```sh\n(.*?)```\s*<!-- partner-walkthrough:end -->", text, re.S)
    assert block, "README.md lost its partner-walkthrough block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def fix_as_the_errors_say(report: Path) -> None:
    """What a person does with the report in a spreadsheet: each fix read off the row's errors."""
    with report.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    for row in rows:
        errors = row["errors"]
        if found := re.search(r"GB 32100 gives '(.)'", errors):
            row["uscc"] = row["uscc"][:17] + found[1]
        if found := re.search(r"belongs to cluster '(\w+)'", errors):
            row["clusters"] += f";{found[1]}"
        if found := re.search(r"district: Must be one of: (\w+)", errors):
            row["district"] = found[1]
        if "must have a tier" in errors:
            row["tier"] = "municipal"
    assert [bool(row["errors"]) for row in rows] == [True] * 3
    assert "tier" in rows[2]["errors"]  # both errors of the row, at once
    assert "district" in rows[2]["errors"]
    with report.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_the_readme_partner_walkthrough_works_as_written(make_stack, tmp_path):
    # As `make run`: sample data into the empty registry, a local admin key, the internal token.
    stack = make_stack(
        "postgresql", GATEWAY_ADMIN_KEY=ADMIN_KEY, INTERNAL_TOKEN="local-internal-token", METRICS_FOLLOW_INTERVAL_SECONDS="0.05"
    )
    assert "sample data loaded" in stack.cli("ecoreg-registry", "seed", "--if-empty")
    for name in ("registry", "metrics", "follower", "gateway"):
        stack.start(name)
    (tmp_path / "samples").symlink_to(ROOT / "samples")
    (tmp_path / ".venv").symlink_to(VENV)
    env = {**stack.env, "PATH": os.environ["PATH"]}
    for line in walkthrough():
        line = line.replace("http://127.0.0.1:8080", stack.gateway_url)
        if line.startswith("# fix"):
            fix_as_the_errors_say(tmp_path / "my-entities.errors.csv")
            continue
        command, _, claim = line.partition("  #")
        if command.startswith("export "):
            name = command.split()[1].split("=")[0]
            done = subprocess.run(["bash", "-c", f'{command}; printf %s "${name}"'], env=env, cwd=tmp_path, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            assert done.stdout, done.stderr
            env[name] = done.stdout
            continue
        done = subprocess.run(["bash", "-c", command], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        errors_claimed = re.search(r"[1-9]\d* with errors", claim)
        assert done.returncode == (1 if errors_claimed else 0), f"{command}\n{done.stdout}\n{done.stderr}"
        for said in re.findall(r"\d+ (?:would be created|created|unchanged|with errors)", claim):
            assert said in done.stdout, f"{command}: README says {said!r}, the command said:\n{done.stdout}"
        if "nothing written" in claim:
            assert "nothing written" in done.stdout
        for report in re.findall(r"-> (\S+)", claim):
            assert (tmp_path / report).exists(), done.stdout
            assert report in done.stdout

    # The second report points into the original file; the fixed first report was left alone.
    with (tmp_path / "my-entities.errors-2.csv").open(encoding="utf-8-sig") as handle:
        assert [row["line"] for row in csv.DictReader(handle)] == ["24", "25", "26"]
    with (tmp_path / "my-entities.errors.csv").open(encoding="utf-8-sig") as handle:
        assert "materials" in list(csv.DictReader(handle))[1]["clusters"]
    assert (tmp_path / "energy.xlsx").read_bytes().startswith(b"PK")
    # `make run` again: the registry is not empty, so the sample data is not loaded over the partner's work.
    assert "sample data not loaded" in stack.cli("ecoreg-registry", "seed", "--if-empty")
    mine = [e for e in requests.get(f"{stack.gateway_url}/api/v1/entities", params={"limit": 500}, timeout=10).json()["items"]]
    mine = [e for e in mine if e["source"] == "my-partner"]
    assert len(mine) == 25
    assert len({e["external_id"] for e in mine}) == 25


def test_partner_files_go_in_and_exports_come_back(make_stack, tmp_path):
    stack = make_stack("sqlite", GATEWAY_ADMIN_KEY=ADMIN_KEY, INTERNAL_TOKEN="cli-token")
    for name in ("registry", "gateway"):
        stack.start(name)
    created = ecoreg(stack, "keys", "create", "list-partner", "--scope", "entities:write")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]

    # A published list, saved as GBK by Excel: 序号 ignored, 认定批次 maps to nothing (warned, kept).
    published = tmp_path / "国家企业技术中心.csv"
    published.write_bytes("序号,企业名称,认定批次\n1,上海蓝氢装备有限公司,第30批\n2,华域视觉科技（上海）有限公司,第31批\n".encode("gbk"))
    as_is = ecoreg(stack, "import", str(published), key=key)
    assert as_is.returncode == 1
    assert "read as GB18030" in as_is.stderr
    assert "'认定批次' maps to no field" in as_is.stderr
    assert "2 rows: 0 created, 0 updated, 0 unchanged, 2 with errors" in as_is.stdout
    with (tmp_path / "国家企业技术中心.errors.csv").open(encoding="utf-8-sig") as handle:
        report = list(csv.DictReader(handle))
    assert [(row["line"], row["企业名称"], row["认定批次"]) for row in report] == [
        ("2", "上海蓝氢装备有限公司", "第30批"),
        ("3", "华域视觉科技（上海）有限公司", "第31批"),
    ]
    for row in report:  # every error of the row at once
        assert "kind: Missing data" in row["errors"]
        assert "clusters: Missing data" in row["errors"]
        assert "needs a uscc or an external_id" in row["errors"]
    listed = [
        "--set", "kind=tech_centre", "--set", "subtype=enterprise_tech_centre", "--set", "tier=national",
        "--set", "clusters=energy", "--map", "企业名称=external_id", "--map", "认定批次=attributes.batch",
    ]  # fmt: skip
    done = ecoreg(stack, "import", str(published), *listed, key=key)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 rows: 2 created" in done.stdout
    assert "maps to no field" not in done.stderr
    again = ecoreg(stack, "import", str(published), *listed, key=key)
    assert "2 unchanged" in again.stdout
    centres = requests.get(f"{stack.gateway_url}/api/v1/entities", params={"kind": "tech_centre"}, timeout=10).json()["items"]
    assert {(c["name_zh"], c["tier"], c["attributes"]["batch"]) for c in centres} == {
        ("上海蓝氢装备有限公司", "national", "第30批"),
        ("华域视觉科技（上海）有限公司", "national", "第31批"),
    }

    # A dry run of the press's spelling (half-width brackets) under a new identifier: nothing is
    # written, and the would-be new row is shown to look like the stored one.
    variant = tmp_path / "press.csv"
    variant.write_text("企业名称,外部编号\n华域视觉科技(上海)有限公司,press-1\n", encoding="utf-8")
    before = requests.get(f"{stack.gateway_url}/api/v1/changes", params={"after": 0, "limit": 1000}, timeout=10).json()["changes"]
    dry = ecoreg(stack, "import", str(variant), "--dry-run", *listed[:8], key=key)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "1 row (dry run: nothing written): 1 would be created" in dry.stdout
    [huayu] = [c for c in centres if c["name_zh"].startswith("华域")]
    assert f"line 2: new, but looks like entity {huayu['id']} 华域视觉科技（上海）有限公司" in dry.stdout
    after = requests.get(f"{stack.gateway_url}/api/v1/changes", params={"after": 0, "limit": 1000}, timeout=10).json()["changes"]
    assert after == before

    # A cell the command cannot read, and an error the registry finds, in one report row.
    mixed = tmp_path / "mixed.csv"
    mixed.write_text('name,kind,clusters,external_id,attributes\nM,lab,nowhere,m-1,"[1, 2]"\n', encoding="utf-8")
    both = ecoreg(stack, "import", str(mixed), key=key)
    assert both.returncode == 1
    with (tmp_path / "mixed.errors.csv").open(encoding="utf-8-sig") as handle:
        [row] = list(csv.DictReader(handle))
    assert "attributes: not a JSON object" in row["errors"]
    assert "clusters:" in row["errors"]
    assert "nowhere" in row["errors"]

    # An xlsx with Chinese headers, a title row and one row with an error.
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2024 年 企业名单"])
    sheet.append(["企业名称", "英文名称", "统一社会信用代码", "所属区", "成立日期", "类型", "集群", "方向", "外部编号", "备注"])
    # Names where the registry has keys: 金山区 -> jinshan, 未来能源 -> energy, 新型储能 -> energy_storage.
    sheet.append(
        [
            "上海液流储能有限公司",
            "Shanghai Flowcell Storage Co., Ltd.",
            "91310000MA7C00107L",
            "金山区",
            "2016-10-10",
            "enterprise",
            "未来能源",
            "新型储能",
            "x-1",
            "ok",
        ]
    )
    sheet.append(["上海错区有限公司", "Wrong District Co.", None, "atlantis", None, "enterprise", "energy", "hydrogen", "x-2", "?"])
    path = tmp_path / "名单.xlsx"
    workbook.save(path)
    from_excel = ecoreg(stack, "import", str(path), key=key)
    assert from_excel.returncode == 1
    assert "2 rows: 1 created, 0 updated, 0 unchanged, 1 with errors" in from_excel.stdout
    assert "the 1 row with errors is in" in from_excel.stdout
    assert "fix it there" in from_excel.stdout
    assert "'备注' maps to no field" in from_excel.stderr
    assert "line 4: district" in from_excel.stderr
    assert (tmp_path / "名单.errors.xlsx").exists()
    [stored] = requests.get(f"{stack.gateway_url}/api/v1/entities", params={"q": "液流储能"}, timeout=10).json()["items"]
    assert (stored["district"], stored["clusters"], stored["tracks"]) == ("jinshan", ["energy"], ["energy_storage"])

    # Exports: CSV with a BOM and xlsx, both import back unchanged (id, source and version ignored).
    out_csv, out_xlsx = tmp_path / "all.csv", tmp_path / "all.xlsx"
    assert "3 entities written" in ecoreg(stack, "export", "-o", str(out_csv)).stdout
    assert ecoreg(stack, "export", "-o", str(out_xlsx)).returncode == 0
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbfid,kind,")
    one = ecoreg(stack, "export", "--kind", "enterprise", "-o", str(tmp_path / "one.csv"))
    assert "1 entity written" in one.stdout
    for exported in (out_csv, out_xlsx):
        back = ecoreg(stack, "import", str(exported), key=key)
        assert back.returncode == 0, back.stdout + back.stderr
        assert "3 rows: 0 created, 0 updated, 3 unchanged, 0 with errors" in back.stdout
    # Another partner importing that export makes no copies: the tech centres (no USCC, the
    # first partner's external_ids) would be created, so they are errors of their rows.
    other = ecoreg(stack, "keys", "create", "other-partner", "--scope", "entities:write").stdout.strip().splitlines()[-1]
    before = requests.get(f"{stack.gateway_url}/api/v1/changes", params={"after": 0, "limit": 1000}, timeout=10).json()["changes"]
    theirs = ecoreg(stack, "import", str(out_csv), "--report", str(tmp_path / "theirs.csv"), key=other)
    assert theirs.returncode == 1, theirs.stdout + theirs.stderr
    assert "3 rows: 0 created, 0 updated, 0 unchanged, 3 with errors" in theirs.stdout
    assert theirs.stderr.count("would make a copy") == 2
    after = requests.get(f"{stack.gateway_url}/api/v1/changes", params={"after": 0, "limit": 1000}, timeout=10).json()["changes"]
    assert after == before
    to_stdout = ecoreg(stack, "export", "--kind", "facility")
    assert to_stdout.stdout.startswith("\ufeffid,kind")

    # The API refusing is one line and exit 4; a file that cannot be read, exit 3.
    refused = ecoreg(stack, "import", str(published), *listed, key="eco_not-a-key")
    assert refused.returncode == 4, refused.stderr
    assert [line for line in refused.stderr.splitlines() if line.startswith("ecoreg:")] == [
        "ecoreg: the API answered 401: This API key is not valid (unknown or revoked)."
    ]
    assert "Traceback" not in refused.stderr
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a workbook")
    unreadable = ecoreg(stack, "import", str(broken), key=key)
    assert unreadable.returncode == 3
    assert "cannot be read" in unreadable.stderr


def test_empty_files_json_line_exports_chinese_vocabulary_and_merged_rows(make_stack, tmp_path):
    stack = make_stack("sqlite", GATEWAY_ADMIN_KEY=ADMIN_KEY, INTERNAL_TOKEN="cli-token")
    for name in ("registry", "gateway"):
        stack.start(name)
    first = ecoreg(stack, "keys", "create", "first-partner", "--scope", "entities:write").stdout.strip().splitlines()[-1]
    second = ecoreg(stack, "keys", "create", "second-partner", "--scope", "entities:write").stdout.strip().splitlines()[-1]

    # A header and no rows: nothing to import, said plainly, exit 3 (as a file that cannot be used).
    for name, text in (("empty.csv", "企业名称,统一社会信用代码\n"), ("empty.jsonl", "\n")):
        (tmp_path / name).write_text(text, encoding="utf-8")
        empty = ecoreg(stack, "import", str(tmp_path / name), key=first)
        assert empty.returncode == 3, empty.stdout + empty.stderr
        assert f"{tmp_path / name} has nothing to import" in empty.stderr
        assert "0 rows" not in empty.stdout

    # Kinds, subtypes, tiers and statuses written as the registry names them in Chinese.
    listed = tmp_path / "centres.csv"
    listed.write_text(
        "企业名称,类型,子类型,级别,状态,集群,外部编号\n上海示例光学有限公司,企业技术中心,企业技术中心,国家级,建设中,未来智能,c-1\n",
        encoding="utf-8",
    )
    done = ecoreg(stack, "import", str(listed), key=first)
    assert done.returncode == 0, done.stdout + done.stderr
    [centre] = requests.get(f"{stack.gateway_url}/api/v1/entities", params={"q": "示例光学"}, timeout=10).json()["items"]
    assert (centre["kind"], centre["subtype"], centre["tier"], centre["status"]) == (
        "tech_centre",
        "enterprise_tech_centre",
        "national",
        "building",
    )

    # A JSON-lines export of the first partner's entity (no USCC) imported by another partner:
    # an error of its row (it would be a copy), nothing written; the report keeps the id.
    exported = tmp_path / "centres.jsonl"
    assert ecoreg(stack, "export", "-o", str(exported)).returncode == 0
    before = requests.get(f"{stack.gateway_url}/api/v1/changes", params={"after": 0, "limit": 1000}, timeout=10).json()["changes"]
    copied = ecoreg(stack, "import", str(exported), key=second)
    assert copied.returncode == 1, copied.stdout + copied.stderr
    assert "1 row: 0 created, 0 updated, 0 unchanged, 1 with errors" in copied.stdout
    assert "would make a copy" in copied.stderr
    after = requests.get(f"{stack.gateway_url}/api/v1/changes", params={"after": 0, "limit": 1000}, timeout=10).json()["changes"]
    assert after == before
    [reported] = [json.loads(line) for line in (tmp_path / "centres.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert reported["id"] == centre["id"]
    assert "would make a copy" in " ".join(reported["errors"]["id"])
    back = ecoreg(stack, "import", str(exported), key=first)  # the owner's export imports back unchanged
    assert "1 row: 0 created, 0 updated, 1 unchanged, 0 with errors" in back.stdout, back.stdout + back.stderr

    # An admin merges the first partner's entity into the second partner's duplicate; the first
    # partner's next import of its file says where the row went instead of a bare refusal.
    duplicate = tmp_path / "duplicate.csv"
    duplicate.write_text(
        "企业名称,类型,子类型,级别,集群,外部编号\n示例光学（上海）有限公司,tech_centre,enterprise_tech_centre,national,intelligence,d-1\n",
        encoding="utf-8",
    )
    assert ecoreg(stack, "import", str(duplicate), key=second).returncode == 0
    found = requests.get(f"{stack.gateway_url}/api/v1/entities", params={"q": "示例光学(上海)"}, timeout=10).json()["items"]
    [survivor] = [entity for entity in found if entity["external_id"] == "d-1"]
    merged = requests.post(
        f"{stack.gateway_url}/api/v1/entities/{centre['id']}/merge",
        json={"into": survivor["id"]},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        timeout=10,
    )
    assert merged.status_code == 200, merged.text
    again = ecoreg(stack, "import", str(listed), key=first)
    assert again.returncode == 1, again.stdout + again.stderr
    assert f"was merged into entity {survivor['id']}, which partner 'second-partner' registered" in again.stderr


def test_a_gateway_that_is_down_is_one_line_at_once(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sample = tmp_path / "entities.csv"
    shutil.copy(ROOT / "samples" / "entities.csv", sample)
    env = {**os.environ, "ECOREG_URL": f"http://127.0.0.1:{port}", "ECOREG_API_KEY": "eco_x"}
    for args in (["summary"], ["import", str(sample)], ["export"]):
        # The machine may be loaded: compare with the command's own start-up time, measured now.
        # Retrying would add at least 0.5 + 1 + 2 s of waiting.
        started = time.perf_counter()
        subprocess.run([ECOREG, "--help"], env=env, capture_output=True, timeout=60, check=True)
        startup = time.perf_counter() - started
        started = time.perf_counter()
        done = subprocess.run([ECOREG, *args], env=env, capture_output=True, text=True, timeout=60)
        elapsed = time.perf_counter() - started
        lines = [line for line in done.stderr.splitlines() if not line.startswith("importing")]
        assert done.returncode == 5, done.stderr
        assert lines == [
            f"ecoreg: cannot reach http://127.0.0.1:{port}: connection refused (is the gateway running? check --url or ECOREG_URL)"
        ]
        assert "Traceback" not in done.stderr
        assert elapsed < startup + 3, (elapsed, startup)
