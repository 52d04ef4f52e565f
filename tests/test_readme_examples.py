"""The README's curl examples run as written against a registry started like `make run`."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

README = Path(__file__).resolve().parent.parent / "README.md"
pytestmark = pytest.mark.slow


def readme_examples() -> str:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- curl-examples:start -->\s*```sh\n(.*?)```\s*<!-- curl-examples:end -->", text, re.S)
    assert block, "README.md lost its curl examples block"
    return block.group(1)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_readme_curl_examples_work(registry_url):
    script = readme_examples().replace("http://127.0.0.1:8081", registry_url)
    # Any HTTP error fails the script, so an example that stops working fails this test.
    prelude = 'set -euo pipefail\ncurl() { command curl --fail-with-body --max-time 10 "$@"; }\n'
    for _ in range(2):  # as often as you like: the second run must work as well
        result = subprocess.run(["bash", "-c", prelude + script], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        assert '"status": "building"' in result.stdout or '"status":"building"' in result.stdout

    found = requests.get(f"{registry_url}/api/v1/entities", params={"q": "Demo Hydrogen Co"}, timeout=5).json()
    assert found["items"] == []  # the last example retired it
    station = requests.get(f"{registry_url}/api/v1/entities", params={"q": "Demo Hydrogen Refuelling"}, timeout=5).json()
    assert len(station["items"]) == 1


def test_sample_data_is_served(registry_url):
    zones = requests.get(f"{registry_url}/api/v1/entities", params={"kind": "pilot_zone"}, timeout=5).json()["items"]
    assert {zone["name_zh"] for zone in zones} == {"张江科学城", "临港新片区", "紫竹高新区"}
    assert requests.get(f"{registry_url}/api/v1/openapi.json", timeout=5).status_code == 200
