"""Reading and writing entity files as partners have them: encodings, xlsx, Chinese headers, reports."""

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from ecoreg_client import files
from ecoreg_client.files import read_entities, write_entities

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "entities.csv"
PUBLISHED = "序号,企业名称,认定批次\n1,华域视觉科技（上海）有限公司,第30批\n2,上海蓝氢装备有限公司,第31批\n"


def rows_of(path, columns, maps=(), defaults=None, encoding=None):
    table = files.read_table(path, encoding, extra_headers=[c for c, _ in maps], columns=columns)
    plan = files.mapping(table.headers, maps, columns=columns)
    return table, plan, [(files.original_line(cells, plan, line), *files.to_entity(cells, plan, defaults)) for line, cells in table.rows]


def test_the_sample_csv_reads_as_entities(columns):
    rows = list(read_entities(SAMPLE, columns))
    assert len(rows) == 25
    line, first = rows[0]
    assert line == 2
    assert first["clusters"] == ["health"]
    assert first["attributes"] == {"employees": 53}
    assert "established_on" in first
    tierless = rows[-1][1]
    assert "tier" not in tierless  # an empty cell is left out, not sent as ""


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_csv_in_gbk_gb18030_and_utf8_with_or_without_bom_reads_the_same(tmp_path, encoding, columns):
    path = tmp_path / "list.csv"
    path.write_bytes(PUBLISHED.encode(encoding))
    table, _, rows = rows_of(path, columns)
    assert table.headers == ["序号", "企业名称", "认定批次"]
    assert [entity["name_zh"] for _, entity, _ in rows] == ["华域视觉科技（上海）有限公司", "上海蓝氢装备有限公司"]
    assert table.encoding == ("GB18030" if encoding.startswith("gb") else "UTF-8")


def test_an_undetectable_encoding_names_the_option(tmp_path, columns):
    path = tmp_path / "x.csv"
    path.write_bytes(b"name\n\xff\xfe\x00\x81\x30\n")
    with pytest.raises(files.FileError, match="not utf-8"):
        files.read_table(path, "utf-8", columns=columns)


def test_chinese_headers_map_and_an_extra_column_is_reported_not_fatal(tmp_path, columns):
    path = tmp_path / "list.csv"
    path.write_text(PUBLISHED, encoding="utf-8")
    _, plan, rows = rows_of(path, columns, defaults={"kind": "tech_centre", "tier": "national", "clusters": "intelligence;energy"})
    assert plan.unmapped == ["认定批次"]  # 序号 is ignored by the table, silently
    line, entity, errors = rows[0]
    assert (line, errors) == (2, {})
    assert entity == {
        "name_zh": "华域视觉科技（上海）有限公司",
        "name": "华域视觉科技（上海）有限公司",  # no English name: the Chinese one stands in
        "kind": "tech_centre",
        "tier": "national",
        "clusters": ["intelligence", "energy"],
    }


def test_map_adds_targets_and_attributes(tmp_path, columns):
    path = tmp_path / "list.csv"
    path.write_text(PUBLISHED, encoding="utf-8")
    _, plan, rows = rows_of(path, columns, maps=[("企业名称", "external_id"), ("认定批次", "attributes.batch")])
    assert plan.unmapped == []
    _, entity, _ = rows[1]
    assert entity["external_id"] == entity["name_zh"] == "上海蓝氢装备有限公司"
    assert entity["attributes"] == {"batch": "第31批"}
    with pytest.raises(ValueError, match="not a field"):
        files.mapping(["a"], [("a", "colour")], columns=columns)


def test_a_map_of_a_column_the_file_lacks_is_reported(tmp_path, columns):
    # A typo in --map (企业名 for 企业名称) must not pass in silence: the CLI warns of plan.absent.
    path = tmp_path / "list.csv"
    path.write_text(PUBLISHED, encoding="utf-8")
    _, plan, _ = rows_of(path, columns, maps=[("企业名", "external_id"), ("认定批次", "attributes.batch")])
    assert plan.absent == ["企业名"]
    assert plan.unmapped == []


def test_every_chinese_header_of_the_table_names_a_field(columns):
    assert all(target == files.IGNORE or target in columns.writable for target in files.HEADERS.values())
    plan = files.mapping(
        ["企业名称", "统一社会信用代码", "所属区", "成立日期", "英文名称", "类型", "层级", "集群", "方向"], columns=columns
    )
    assert [t for [t] in plan.targets] == ["name_zh", "uscc", "district", "established_on", "name", "kind", "tier", "clusters", "tracks"]


def test_xlsx_with_a_title_row_dates_and_numbers(tmp_path, columns):
    from datetime import datetime

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2023年国家企业技术中心名单"])
    sheet.append(["序号", "企业名称", "统一社会信用代码", "成立日期", "集群", "方向"])
    sheet.append([1, "上海蓝氢装备有限公司", "91310000MA7C00011D", datetime(2014, 3, 3), "energy", "hydrogen"])
    sheet.append([None, None, None, None, None, None])
    sheet.append([2.0, "上海液流储能有限公司", None, "2016/10/10", "energy", "energy_storage"])
    path = tmp_path / "list.xlsx"
    workbook.save(path)
    _, _, rows = rows_of(path, columns)
    assert [line for line, _, _ in rows] == [3, 5]  # rows of the sheet, as Excel numbers them
    assert rows[0][1]["established_on"] == "2014-03-03"
    assert rows[0][1]["uscc"] == "91310000MA7C00011D"
    assert rows[1][1]["established_on"] == "2016-10-10"
    assert rows[1][1]["tracks"] == ["energy_storage"]


def test_a_cell_that_cannot_be_read_is_a_row_error(tmp_path, columns):
    path = tmp_path / "bad.csv"
    path.write_text('name,clusters,attributes,parent_id\nX,energy,"[1]",abc\n', encoding="utf-8")
    _, _, [(_, entity, errors)] = rows_of(path, columns)
    assert errors == {"attributes": ["not a JSON object"], "parent_id": ["'abc' is not an entity id"]}
    assert entity == {"name": "X", "clusters": ["energy"]}


def test_a_report_keeps_every_column_and_the_original_line_and_imports_back(tmp_path, columns):
    source = tmp_path / "list.csv"
    source.write_text(PUBLISHED, encoding="utf-8")
    table, _, _ = rows_of(source, columns)
    report = files.default_report(source)
    assert report.name == "list.errors.csv"
    files.write_table_report(report, table.headers, [(3, table.rows[1][1], {"clusters": ["Missing data for required field."]})], "csv")
    assert report.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Excel shows the Chinese right
    with report.open(encoding="utf-8-sig") as handle:
        [row] = list(csv.DictReader(handle))
    assert row == {
        "line": "3",
        "errors": "clusters: Missing data for required field.",
        "序号": "2",
        "企业名称": "上海蓝氢装备有限公司",
        "认定批次": "第31批",
    }
    # Imported as it is, its rows say the original line, and a report of the report is neither
    # written over it nor named .errors.errors.
    again_table, again_plan, again = rows_of(report, columns)
    assert [(line, entity["name_zh"]) for line, entity, _ in again] == [(3, "上海蓝氢装备有限公司")]
    assert again_plan.unmapped == ["认定批次"]
    second = files.default_report(report)
    assert second.name == "list.errors-2.csv"
    files.write_table_report(second, again_table.headers, [(3, again_table.rows[0][1], {"x": ["y"]})], "csv")
    with second.open(encoding="utf-8-sig") as handle:
        assert next(csv.reader(handle)) == ["line", "errors", "序号", "企业名称", "认定批次"]
    assert files.default_report(source).name == "list.errors-3.csv"
    assert files.default_report(second).name == "list.errors-3.csv"


def test_export_csv_has_a_bom_and_reads_back_to_the_same_entities(tmp_path, columns):
    entities = [
        {
            "id": 7,
            "kind": "lab",
            "subtype": None,
            "tier": "national",
            "name": "Lab, with a comma",
            "name_zh": "实验室",
            "clusters": ["energy", "space"],
            "tracks": ["deep_sea"],
            "district": None,
            "status": "active",
            "established_on": "2020-01-02",
            "parent_id": 3,
            "uscc": None,
            "external_id": "x-1",
            "attributes": {"a": 1},
            "source": "p",
            "version": 4,
        }
    ]
    expected = {k: v for k, v in entities[0].items() if v is not None and k not in columns.server}
    for name in ("out.csv", "out.xlsx"):
        path = tmp_path / name
        assert write_entities(path, entities, files.file_format(path), columns) == 1
        [(_, again)] = list(read_entities(path, columns))
        assert again == expected  # id, source and version are the server's: ignored on import
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbfid,kind,")
    sheet = load_workbook(tmp_path / "out.xlsx").active
    assert [cell.value for cell in sheet[1]][:3] == ["id", "kind", "subtype"]


def test_jsonl_round_trip(tmp_path, columns):
    entities = [
        {"id": 1, "kind": "lab", "name": "L", "clusters": ["space"]},
        {"id": 2, "kind": "park", "name": "P", "clusters": ["energy"]},
    ]
    path = tmp_path / "out.jsonl"
    assert write_entities(path, entities, "jsonl", None) == 2
    assert [json.loads(line) for line in path.read_text().splitlines()] == entities
    assert [entity for _, entity in read_entities(path, columns)] == [{k: v for k, v in e.items() if k != "id"} for e in entities]


def test_an_xlsx_report_imports_back_with_its_original_lines(tmp_path, columns):
    source = tmp_path / "list.xlsx"
    workbook = Workbook()
    workbook.active.append(["企业名称", "集群", "备注"])
    workbook.active.append(["上海蓝氢装备有限公司", "nowhere", "x"])
    workbook.save(source)
    table, _, _ = rows_of(source, columns)
    report = files.default_report(source)
    assert report.name == "list.errors.xlsx"
    files.write_table_report(report, table.headers, [(2, table.rows[0][1], {"clusters": ["unknown"]})], "xlsx")
    again_table, plan, rows = rows_of(report, columns)
    assert again_table.headers == ["line", "errors", "企业名称", "集群", "备注"]
    assert [(line, entity["clusters"]) for line, entity, _ in rows] == [(2, ["nowhere"])]
    assert plan.unmapped == ["备注"]


STATION = {
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
}
FORMULA = {
    "id": 8,
    "kind": "enterprise",
    "name": '=HYPERLINK("http://x")',
    "name_zh": None,
    "clusters": [],
    "tracks": [],
    "status": "active",
}


def test_the_columns_are_the_registry_s_entity_schema_with_the_server_s_fields_read_only(columns):
    from registry.entities.state import EDITABLE

    assert columns.names == ("id", *EDITABLE, "source", "version", "created_at", "updated_at")
    assert columns.writable == EDITABLE
    assert columns.server == ("id", "source", "version", "created_at", "updated_at")
    assert (columns.lists, columns.objects, columns.dates) == ({"clusters", "tracks"}, {"attributes"}, {"established_on"})
    assert columns.numbers == {"id", "parent_id", "version"}
    with pytest.raises(ValueError, match="no Entity schema"):
        files.Columns.from_openapi({"components": {"schemas": {}}})


def test_csv_starts_with_a_bom_and_reads_back_row_for_row(columns):
    data = files.to_csv([STATION, FORMULA], columns)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(columns.names)
    assert len(rows) == 2
    assert rows[0]["name_zh"] == "安亭加氢站"
    assert rows[0]["clusters"] == "energy"
    assert rows[0]["attributes"] == '{"capacity_kg": 500}'
    assert rows[1]["name_zh"] == ""
    assert rows[1]["clusters"] == ""


def test_a_csv_cell_that_would_be_a_formula_is_not_one_and_imports_back_as_it_was(tmp_path, columns):
    rows = list(csv.DictReader(io.StringIO(files.to_csv([FORMULA], columns).decode("utf-8-sig"))))
    assert rows[0]["name"] == '\'=HYPERLINK("http://x")'
    names = ["=1+1", "-5", "@x", "'=already", "''-two", "'plain", "it's", "+86 21"]
    path = tmp_path / "guarded.csv"
    path.write_bytes(files.to_csv([{**FORMULA, "name": name} for name in names], columns))
    assert [entity["name"] for _, entity in read_entities(path, columns)] == names


def test_xlsx_has_the_same_rows_with_text_as_text(columns):
    names = list(columns.names)
    sheet = load_workbook(io.BytesIO(files.to_xlsx([STATION, FORMULA], columns))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == columns.names
    assert len(rows) == 3
    assert rows[1][names.index("name_zh")] == "安亭加氢站"
    assert rows[1][names.index("id")] == 7
    cell = sheet.cell(row=3, column=names.index("name") + 1)
    assert cell.value == '=HYPERLINK("http://x")'
    assert cell.data_type == "s"
    assert sheet[1][0].font.bold
    assert sheet.freeze_panes == "A2"


def test_control_characters_do_not_break_the_workbook(columns):
    sheet = load_workbook(io.BytesIO(files.to_xlsx([{"id": 1, "name": "bad\x01name"}], columns))).active
    assert sheet.cell(row=2, column=list(columns.names).index("name") + 1).value == "bad\ufffdname"


def test_an_empty_list_is_a_header_only(columns):
    assert files.to_csv([], columns).decode("utf-8-sig").strip() == ",".join(columns.names)
    assert list(load_workbook(io.BytesIO(files.to_xlsx([], columns))).active.iter_rows(values_only=True)) == [columns.names]


def test_errors_of_the_row_as_a_whole_are_described_without_the_api_s_label():
    described = files.describe({"kind": ["Missing data for required field."], "_schema": ["a batch item needs a uscc"]})
    assert described == "kind: Missing data for required field.; a batch item needs a uscc"
