"""The README's dependency table names every package the projects declare (one place says why each is there)."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = ["libs/common", "libs/client", "services/registry", "services/metrics", "gateway"]
OURS = {"ecoreg-common", "ecoreg-client"}


def _name(requirement: str) -> str:
    """A requirement's distribution name, normalised as PEP 503 does (``prometheus_client`` == ``prometheus-client``)."""
    name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1)
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> dict[str, str]:
    """Every dependency of the projects and of requirements-dev.txt -> where it is declared."""
    found = {}
    for project in PROJECTS:
        for requirement in tomllib.loads((ROOT / project / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]:
            found.setdefault(_name(requirement), f"{project}/pyproject.toml")
    for line in (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            found.setdefault(_name(line), "requirements-dev.txt")
    return {name: where for name, where in found.items() if name not in OURS}


def documented() -> set[str]:
    """The package names in the first column of the README's table (``a (with b, c)``, ``a, b`` count each)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Dependencies, and why each is there", 1)[1].split("\n## ", 1)[0]
    names = set()
    for row in re.findall(r"^\| *([^|]+?) *\| *[^|]*\S[^|]*\|$", table, re.M):
        for word in re.findall(r"[A-Za-z][A-Za-z0-9._-]*", row.replace("'s", "")):
            names.add(_name(word))
    return names


def test_every_declared_dependency_has_a_row_in_the_readme():
    missing = {name: where for name, where in declared().items() if name not in documented()}
    assert not missing, f"README.md's dependency table lacks (package: declared in): {missing}"
