"""Reading and writing entity files."""

import csv
import json
from pathlib import Path

from ecoreg_client.files import read_entities, write_entities, write_report

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "entities.csv"


def test_the_sample_csv_reads_as_entities():
    rows = list(read_entities(SAMPLE))
    assert len(rows) == 25
    line, first = rows[0]
    assert line == 2
    assert first["clusters"] == ["health"]
    assert first["attributes"] == {"employees": 53}
    assert "established_on" in first
    tierless = rows[-1][1]
    assert "tier" not in tierless  # an empty cell is left out, not sent as ""


def test_a_report_can_be_imported_again(tmp_path):
    entity = {
        "kind": "lab",
        "name": "Lab, with a comma",
        "name_zh": "实验室",
        "clusters": ["space", "energy"],
        "tracks": ["deep_sea"],
        "external_id": "x-1",
        "attributes": {"a": 1},
    }
    report = tmp_path / "report.csv"
    write_report(report, [(7, entity, {"uscc": ["wrong check character"]})], jsonl=False)
    with report.open() as handle:
        row = next(csv.DictReader(handle))
    assert row["line"] == "7"
    assert row["errors"] == "uscc: wrong check character"
    [(_, again)] = list(read_entities(report))
    assert again == entity


def test_jsonl_round_trip(tmp_path):
    entities = [
        {"id": 1, "kind": "lab", "name": "L", "clusters": ["space"]},
        {"id": 2, "kind": "park", "name": "P", "clusters": ["energy"]},
    ]
    path = tmp_path / "out.jsonl"
    assert write_entities(path, entities, "jsonl") == 2
    assert [json.loads(line) for line in path.read_text().splitlines()] == entities
    assert [entity for _, entity in read_entities(path)] == entities
