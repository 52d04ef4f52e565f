"""Entities in CSV and JSON-lines files, as partners keep them.

CSV columns are the entity's fields; ``clusters`` and ``tracks`` hold keys
separated by ``;``, ``attributes`` a JSON object. Empty cells are left out. The
columns ``line`` and ``errors`` (written into error reports) are ignored on
import, so a corrected report can be imported as it is.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

FIELDS = [
    "kind",
    "subtype",
    "tier",
    "name",
    "name_zh",
    "clusters",
    "tracks",
    "district",
    "status",
    "established_on",
    "parent_id",
    "uscc",
    "external_id",
    "attributes",
]
LISTS = ("clusters", "tracks")
REPORT_ONLY = ("line", "errors")


def is_jsonl(path: Path) -> bool:
    return path.suffix.lower() in {".jsonl", ".ndjson", ".json"}


def _from_cells(row: dict[str, str]) -> dict:
    entity: dict = {}
    for name, value in row.items():
        if name in REPORT_ONLY or name is None or value is None or value.strip() == "":
            continue
        value = value.strip()
        if name in LISTS:
            entity[name] = [part.strip() for part in value.split(";") if part.strip()]
        elif name == "attributes":
            entity[name] = json.loads(value)
        elif name == "parent_id":
            entity[name] = int(value)
        else:
            entity[name] = value
    return entity


def read_entities(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, entity) for every row of a CSV or JSON-lines file."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if is_jsonl(path):
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    entity = json.loads(line)
                    yield number, {k: v for k, v in entity.items() if k not in REPORT_ONLY}
        else:
            for number, row in enumerate(csv.DictReader(handle), start=2):  # line 1 is the header
                yield number, _from_cells(row)


def _to_cells(entity: dict) -> dict[str, str]:
    cells = {}
    for name in FIELDS:
        value = entity.get(name)
        if value is None:
            cells[name] = ""
        elif name in LISTS:
            cells[name] = ";".join(value)
        elif name == "attributes":
            cells[name] = json.dumps(value, ensure_ascii=False) if value else ""
        else:
            cells[name] = str(value)
    return cells


def write_entities(path: Path | None, entities: Iterable[dict], fmt: str, out=None) -> int:
    """Write entities as CSV or JSON lines to ``path`` (or ``out``); how many."""
    handle = path.open("w", encoding="utf-8", newline="") if path else out
    count = 0
    try:
        if fmt == "jsonl":
            for entity in entities:
                handle.write(json.dumps(entity, ensure_ascii=False) + "\n")
                count += 1
        else:
            writer = csv.DictWriter(handle, fieldnames=["id", *FIELDS, "source", "version"])
            writer.writeheader()
            for entity in entities:
                writer.writerow(
                    {"id": entity.get("id"), **_to_cells(entity), "source": entity.get("source"), "version": entity.get("version")}
                )
                count += 1
    finally:
        if path:
            handle.close()
    return count


def write_report(path: Path, failures: list[tuple[int, dict, dict]], jsonl: bool) -> None:
    """The rows that failed, as they were, with their line and errors, ready to fix and import again."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        if jsonl:
            for line, entity, errors in failures:
                handle.write(json.dumps({"line": line, "errors": errors, **entity}, ensure_ascii=False) + "\n")
            return
        writer = csv.DictWriter(handle, fieldnames=["line", "errors", *FIELDS])
        writer.writeheader()
        for line, entity, errors in failures:
            described = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
            writer.writerow({"line": line, "errors": described, **_to_cells(entity)})
