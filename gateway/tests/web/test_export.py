"""An entity list as CSV (UTF-8 with BOM, for Excel) and xlsx: the same rows, Chinese intact, no formulas."""

import csv
import io

from openpyxl import load_workbook

from gateway.web.export import COLUMNS, to_csv, to_xlsx

ENTITIES = [
    {
        "id": 7,
        "kind": "facility",
        "subtype": "hydrogen_station",
        "tier": "none",
        "name": "Anting Hydrogen Station",
        "name_zh": "安亭加氢站",
        "clusters": ["energy"],
        "tracks": ["hydrogen"],
        "district": "jiading",
        "status": "active",
        "attributes": {"capacity_kg": 500},
        "source": "seed",
        "version": 1,
        "created_at": "2026-12-02T01:00:00Z",
    },
    {"id": 8, "kind": "enterprise", "name": '=HYPERLINK("http://x")', "name_zh": None, "clusters": [], "tracks": [], "status": "active"},
]


def test_csv_starts_with_a_bom_and_reads_back_row_for_row():
    data = to_csv(ENTITIES)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == 2
    assert rows[0]["name_zh"] == "安亭加氢站"
    assert rows[0]["clusters"] == "energy"
    assert rows[0]["attributes"] == '{"capacity_kg": 500}'
    assert rows[1]["name_zh"] == ""
    assert rows[1]["clusters"] == ""


def test_a_csv_cell_that_would_be_a_formula_is_not_one():
    rows = list(csv.DictReader(io.StringIO(to_csv(ENTITIES).decode("utf-8-sig"))))
    assert rows[1]["name"] == '\'=HYPERLINK("http://x")'


def test_xlsx_has_the_same_rows_with_text_as_text():
    sheet = load_workbook(io.BytesIO(to_xlsx(ENTITIES))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert len(rows) == 3
    assert rows[1][COLUMNS.index("name_zh")] == "安亭加氢站"
    assert rows[1][COLUMNS.index("id")] == 7
    cell = sheet.cell(row=3, column=COLUMNS.index("name") + 1)
    assert cell.value == '=HYPERLINK("http://x")'
    assert cell.data_type == "s"


def test_control_characters_do_not_break_the_workbook():
    sheet = load_workbook(io.BytesIO(to_xlsx([{"id": 1, "name": "bad\x01name"}]))).active
    assert sheet.cell(row=2, column=COLUMNS.index("name") + 1).value == "bad\ufffdname"


def test_an_empty_list_is_a_header_only():
    assert to_csv([]).decode("utf-8-sig").strip() == ",".join(COLUMNS)
    assert list(load_workbook(io.BytesIO(to_xlsx([]))).active.iter_rows(values_only=True)) == [COLUMNS]
