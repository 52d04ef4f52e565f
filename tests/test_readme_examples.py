"""The README's curl examples run as written against the services started like `make run`."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

README = Path(__file__).resolve().parent.parent / "README.md"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")]
# Any HTTP error fails the script, so an example that stops working fails the test.
PRELUDE = 'set -euo pipefail\ncurl() { command curl --fail-with-body --max-time 10 "$@"; }\n'


def examples(name: str) -> str:
    text = README.read_text(encoding="utf-8")
    block = re.search(rf"<!-- {name}:start -->\s*```sh\n(.*?)```\s*<!-- {name}:end -->", text, re.S)
    assert block, f"README.md lost its {name} block"
    return block.group(1)


def run(script: str) -> subprocess.CompletedProcess:
    result = subprocess.run(["bash", "-c", PRELUDE + script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_readme_curl_examples_work(make_stack, backend):
    # As `make run` sets them: a local admin key, and the internal token between the services.
    stack = make_stack(backend, GATEWAY_ADMIN_KEY="local-admin-key", INTERNAL_TOKEN="local-internal-token")
    stack.cli("ecoreg-registry", "seed")
    for name in ("registry", "metrics", "follower", "gateway"):
        stack.start(name)
    registry_script = examples("curl-examples").replace("http://127.0.0.1:8080", stack.gateway_url)
    for _ in range(2):  # as often as you like: the second run must work as well
        result = run(registry_script)
        assert '"status":"building"' in result.stdout.replace(" ", "")
    found = requests.get(f"{stack.gateway_url}/api/v1/entities", params={"q": "Shanghai Demo Hydrogen Co., Ltd."}, timeout=5).json()
    assert found["items"] == []  # the last example retired it
    station = requests.get(f"{stack.gateway_url}/api/v1/entities", params={"q": "Demo Hydrogen Refuelling"}, timeout=5).json()
    assert len(station["items"]) == 1

    result = run(examples("metrics-examples").replace("http://127.0.0.1:8080", stack.gateway_url))
    assert '"current_value":8200' in result.stdout.replace(" ", "")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sample_data_is_served(make_stack, backend):
    stack = make_stack(backend)
    stack.cli("ecoreg-registry", "seed")
    stack.start("registry")
    zones = requests.get(f"{stack.registry_url}/api/v1/entities", params={"kind": "pilot_zone"}, timeout=5).json()["items"]
    assert {zone["name_zh"] for zone in zones} == {"张江科学城", "临港新片区", "紫竹高新区"}
