"""Entities in CSV, xlsx and JSON-lines files, as partners keep them.

Reading: CSV in UTF-8 (with or without a BOM) or GB18030/GBK (detected, or
named), xlsx (the first sheet), JSON lines. The header row may be English field
names or the Chinese headers of ``HEADERS``; ``--map`` adds more. In a cell,
``clusters`` and ``tracks`` hold keys separated by ``;``, ``attributes`` a JSON
object. Empty cells are left out.

Writing: CSV with a BOM (so Excel shows Chinese right) or xlsx. An export
carries ``id``, ``source`` and ``version``; those are the server's and are
ignored on import (rows are matched on ``uscc``, else ``external_id``), so an
export imports back unchanged. An error report keeps every original column and
the row's original ``line``; importing a report reads that ``line`` back, so a
report of a report still points into the original file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
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
# Set by the server; an export carries them, an import ignores them on purpose.
SERVER_FIELDS = ("id", "source", "version", "created_at", "updated_at")
# Written into error reports; read back (line) or dropped (errors) on import.
REPORT_COLUMNS = ("line", "errors")
IGNORE = "-"  # a column mapped to this is dropped without a warning

# Chinese headers of published lists and partners' spreadsheets -> field. README lists them.
HEADERS: dict[str, str] = {
    "序号": IGNORE,
    "企业名称": "name_zh",
    "单位名称": "name_zh",
    "机构名称": "name_zh",
    "中文名称": "name_zh",
    "名称": "name_zh",
    "英文名称": "name",
    "统一社会信用代码": "uscc",
    "社会信用代码": "uscc",
    "信用代码": "uscc",
    "所属区": "district",
    "所在区": "district",
    "区": "district",
    "成立日期": "established_on",
    "成立时间": "established_on",
    "类型": "kind",
    "子类型": "subtype",
    "层级": "tier",
    "级别": "tier",
    "集群": "clusters",
    "方向": "tracks",
    "赛道": "tracks",
    "状态": "status",
    "上级编号": "parent_id",
    "外部编号": "external_id",
    "属性": "attributes",
}


class FileError(ValueError):
    """The file as a whole cannot be read (encoding, format, no header)."""


def file_format(path: Path) -> str:
    """``csv``, ``xlsx`` or ``jsonl``, from the file name."""
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix in {".xlsx", ".xlsm"}:
        return "xlsx"
    return "csv"


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, the encoding used). UTF-8 (BOM or not) first, else GB18030 when it is a plausible reading.

    Detection uses charset-normalizer. Short Chinese text is ambiguous between
    GB18030, Big5 and Japanese encodings; ecoreg's files come from Shanghai,
    where Excel saves CSV as GBK, so GB18030 (a superset of GBK and GB2312) wins
    whenever the detector counts it among the readings that decode cleanly.
    Raises FileError naming ``--encoding`` when nothing reads the bytes.
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as error:
            raise FileError(f"it is not {encoding}: {error}") from None
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    readings = [match.encoding for match in from_bytes(data)]
    chinese = {"gb18030", "gbk", "gb2312", "hz"}
    if any(name in chinese for name in readings):
        return data.decode("gb18030"), "GB18030"
    if readings:
        return str(from_bytes(data).best()), readings[0]
    raise FileError("it is neither UTF-8 nor GB18030 and its encoding cannot be detected; name it with --encoding")


def _cell_text(value: object) -> str:
    """An xlsx cell as the text a CSV would hold (dates ISO, 12.0 as 12)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class Table:
    """A file's header and rows; each row with its line (CSV) or row number (xlsx) in the file."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str | None = None


def _known_header(cell: str) -> bool:
    return cell in FIELDS or cell in HEADERS or cell in SERVER_FIELDS or cell in REPORT_COLUMNS


def _table(numbered: Iterator[tuple[int, list[str]]], encoding: str | None, extra_headers: Iterable[str]) -> Table:
    """The header is the first row with a known column name (a published list may have a title row above)."""
    buffered: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    known = set(extra_headers)
    for number, cells in numbered:
        cells = [cell.strip() for cell in cells]
        if header is None:
            buffered.append((number, cells))
            if any(_known_header(cell) or cell in known for cell in cells):
                header = cells
                buffered = []
            elif len(buffered) >= 10:
                break
            continue
        if any(cells):
            buffered.append((number, cells))
    if header is None:
        if not buffered:
            raise FileError("it is empty")
        (_, header), buffered = buffered[0], [row for row in buffered[1:] if any(row[1])]
    width = len(header)
    rows = [(number, (cells + [""] * width)[:width]) for number, cells in buffered]
    return Table(header, rows, encoding)


def read_table(path: Path, encoding: str | None = None, extra_headers: Iterable[str] = ()) -> Table:
    """The header and rows of a CSV or xlsx file. Raises FileError."""
    if file_format(path) == "xlsx":
        from zipfile import BadZipFile

        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            workbook = load_workbook(path, read_only=False, data_only=True)
        except (InvalidFileException, BadZipFile, KeyError, ValueError, OSError) as error:
            raise FileError(f"it is not an xlsx workbook ({type(error).__name__}: {error})") from None
        sheet = workbook.worksheets[0]
        numbered = ((number, [_cell_text(v) for v in values]) for number, values in enumerate(sheet.iter_rows(values_only=True), 1))
        return _table(numbered, None, extra_headers)
    text, used = decode(path.read_bytes(), encoding)
    reader = csv.reader(io.StringIO(text, newline=""))

    def numbered() -> Iterator[tuple[int, list[str]]]:
        start = 1
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1  # a quoted cell may span lines: number rows by where they start

    try:
        return _table(numbered(), used, extra_headers)
    except csv.Error as error:
        raise FileError(f"it is not valid CSV: {error}") from None


@dataclass
class Mapping:
    """Which fields each column of a header feeds, and what is ignored."""

    targets: list[list[str]]
    unmapped: list[str] = field(default_factory=list)
    line_column: int | None = None


def parse_pairs(pairs: Iterable[str], option: str) -> list[tuple[str, str]]:
    """``["a=b", ...]`` -> ``[("a", "b"), ...]``; raises ValueError naming the option."""
    parsed = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"{option} wants NAME=VALUE, not {pair!r}")
        parsed.append((name.strip(), value.strip()))
    return parsed


def _valid_target(target: str) -> bool:
    return target == IGNORE or target in FIELDS or (target.startswith("attributes.") and len(target) > len("attributes."))


def mapping(headers: list[str], extra: Iterable[tuple[str, str]] = ()) -> Mapping:
    """Map each header to fields: field names as they are, ``HEADERS``, then ``extra`` (``--map``).

    ``extra`` adds a target to a column (``企业名称=external_id`` keeps name_zh
    too); ``col=-`` drops it. A target ``attributes.KEY`` puts the cell into
    ``attributes``. Raises ValueError for a target that is no field.
    """
    added: dict[str, list[str]] = {}
    for column, target in extra:
        if not _valid_target(target):
            raise ValueError(f"--map {column}={target}: {target!r} is not a field ({', '.join(FIELDS)}, attributes.KEY or -)")
        added.setdefault(column, []).append(target)
    result = Mapping([])
    for index, header in enumerate(headers):
        base = header if header in FIELDS else HEADERS.get(header)
        targets = [base] if base else []
        if header in SERVER_FIELDS or header == "errors":
            targets = [IGNORE]
        if header == "line":
            result.line_column, targets = index, [IGNORE]
        if header in added:
            targets = [] if IGNORE in added[header] else [t for t in targets if t != IGNORE] + added[header]
            targets = targets or [IGNORE]
        if not targets and header:
            result.unmapped.append(header)
        result.targets.append([t for t in targets if t != IGNORE])
    return result


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _value(name: str, text: str) -> object:
    """A cell's text as the field's value; raises ValueError with what is wrong."""
    if name in LISTS:
        return [part.strip() for part in re.split(r"[;；、]", text) if part.strip()]
    if name == "attributes":
        try:
            value = json.loads(text)
        except ValueError:
            raise ValueError("not a JSON object") from None
        if not isinstance(value, dict):
            raise ValueError("not a JSON object")
        return value
    if name == "parent_id":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{text!r} is not an entity id") from None
    if name == "established_on":
        found = _DATE.match(text)  # 2019/4/12 and 2019年4月12日 as Excel and lists write them
        return f"{found[1]}-{int(found[2]):02d}-{int(found[3]):02d}" if found else text
    return text


def to_entity(cells: list[str], plan: Mapping, defaults: dict[str, str] | None = None) -> tuple[dict, dict[str, list[str]]]:
    """(entity, field errors found while reading) for one row.

    ``defaults`` (``--set``) fill fields the row leaves empty. A row with a
    Chinese name and no English one uses the Chinese name as ``name`` (the
    registry needs one; an English name in a later file updates it).
    """
    entity: dict = {}
    errors: dict[str, list[str]] = {}
    for text, targets in zip(cells, plan.targets, strict=True):
        if not text.strip():
            continue
        for target in targets:
            if target.startswith("attributes."):
                entity.setdefault("attributes", {})[target.removeprefix("attributes.")] = text.strip()
                continue
            try:
                value = _value(target, text.strip())
            except ValueError as error:
                errors.setdefault(target, []).append(str(error))
                continue
            if target == "attributes" and isinstance(entity.get("attributes"), dict):
                value = {**value, **entity["attributes"]}
            entity[target] = value
    for name, text in (defaults or {}).items():
        if name not in entity and text:
            entity[name] = _value(name, text)
    if "name" not in entity and entity.get("name_zh"):
        entity["name"] = entity["name_zh"]
    return entity, errors


def original_line(cells: list[str], plan: Mapping, line: int) -> int:
    """The row's line in the original file: a report's ``line`` column, else where it is."""
    if plan.line_column is not None:
        text = cells[plan.line_column].strip()
        if text.isdigit():
            return int(text)
    return line


def read_jsonl_rows(path: Path) -> Iterator[tuple[int, dict, dict]]:
    """(line, entity, the object as written) for every line of a JSON-lines file.

    ``entity`` leaves out the server's fields (``id``, ``source``, ``version`` …) and a
    report's ``line`` and ``errors``; a report's ``line`` is read back. The object as
    written (less ``line`` and ``errors``) is what a report keeps, ``id`` included, so
    that an exported row stays recognisable as one.
    """
    text, _ = decode(path.read_bytes())
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            try:
                entity = json.loads(raw)
            except ValueError as error:
                raise FileError(f"line {number} is not JSON: {error}") from None
            if not isinstance(entity, dict):
                raise FileError(f"line {number} is not a JSON object")
            line = entity.get("line") if isinstance(entity.get("line"), int) else number
            written = {k: v for k, v in entity.items() if k not in REPORT_COLUMNS}
            yield line, {k: v for k, v in written.items() if k not in SERVER_FIELDS}, written


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line, entity) for every line of a JSON-lines file; a report's ``line`` is read back."""
    for line, entity, _ in read_jsonl_rows(path):
        yield line, entity


def read_entities(path: Path, encoding: str | None = None) -> Iterator[tuple[int, dict]]:
    """(line, entity) for every row of a file, with the default header mapping (for code and tests)."""
    if file_format(path) == "jsonl":
        yield from read_jsonl(path)
        return
    table = read_table(path, encoding)
    plan = mapping(table.headers)
    for line, cells in table.rows:
        entity, _ = to_entity(cells, plan)
        yield original_line(cells, plan, line), entity


def _to_cells(entity: dict) -> list[str]:
    cells = []
    for name in FIELDS:
        value = entity.get(name)
        if value is None:
            cells.append("")
        elif name in LISTS:
            cells.append(";".join(value))
        elif name == "attributes":
            cells.append(json.dumps(value, ensure_ascii=False) if value else "")
        else:
            cells.append(str(value))
    return cells


def _write_rows(path: Path | None, headers: list[str], rows: Iterable[list[str]], fmt: str, out=None) -> int:
    """Write a header and rows as CSV (with a BOM) or xlsx; how many rows."""
    count = 0
    if fmt == "xlsx":
        from openpyxl import Workbook

        if path is None:
            raise FileError("xlsx needs a file: give --output")
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("entities")
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
            count += 1
        workbook.save(path)
        return count
    # utf-8-sig writes the BOM Excel needs to read the file as UTF-8, not as the locale's code page.
    handle = path.open("w", encoding="utf-8-sig", newline="") if path else out
    try:
        if path is None and not getattr(out, "isatty", lambda: False)():
            handle.write("\ufeff")
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(row)
            count += 1
    finally:
        if path:
            handle.close()
    return count


def write_entities(path: Path | None, entities: Iterable[dict], fmt: str, out=None) -> int:
    """Write entities as CSV (BOM), xlsx or JSON lines to ``path`` (or ``out``); how many."""
    if fmt == "jsonl":
        handle = path.open("w", encoding="utf-8", newline="") if path else out
        count = 0
        try:
            for entity in entities:
                handle.write(json.dumps(entity, ensure_ascii=False) + "\n")
                count += 1
        finally:
            if path:
                handle.close()
        return count
    rows = (
        [str(entity.get("id", "")), *_to_cells(entity), entity.get("source") or "", str(entity.get("version", ""))] for entity in entities
    )
    return _write_rows(path, ["id", *FIELDS, "source", "version"], rows, fmt, out)


def describe(errors: dict[str, list[str]]) -> str:
    """``{"uscc": ["a", "b"]}`` -> ``"uscc: a b"``, fields separated by ``; ``."""
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())


def report_path(wanted: Path) -> Path:
    """``wanted``, or the next free ``NAME-2``, ``NAME-3`` … beside it: a report never overwrites another."""
    if not wanted.exists():
        return wanted
    stem = re.sub(r"-\d+$", "", wanted.stem)
    taken = [
        int(found[1])
        for p in wanted.parent.glob(f"{stem}-*{wanted.suffix}")
        if (found := re.fullmatch(rf"{re.escape(stem)}-(\d+)", p.stem))
    ]
    return wanted.with_name(f"{stem}-{max(taken, default=1) + 1}{wanted.suffix}")


def default_report(source: Path) -> Path:
    """``my.csv`` -> ``my.errors.csv`` (a report of a report stays ``my.errors-N.csv``, never ``.errors.errors``)."""
    stem = re.sub(r"\.errors(-\d+)?$", "", source.stem)
    suffix = {"jsonl": ".jsonl", "xlsx": ".xlsx"}.get(file_format(source), ".csv")
    return report_path(source.with_name(f"{stem}.errors{suffix}"))


def write_table_report(path: Path, headers: list[str], failures: list[tuple[int, list[str], dict]], fmt: str) -> None:
    """The failed rows with every original column, their original ``line`` and ``errors``, ready to fix and import.

    ``headers`` are the file's; a report being re-imported already has ``line``
    and ``errors``, which are replaced rather than repeated.
    """
    keep = [index for index, header in enumerate(headers) if header not in REPORT_COLUMNS]
    rows = ([str(line), describe(errors), *(cells[index] for index in keep)] for line, cells, errors in failures)
    _write_rows(path, ["line", "errors", *(headers[index] for index in keep)], rows, fmt)


def write_jsonl_report(path: Path, failures: list[tuple[int, dict, dict]]) -> None:
    """JSON-lines rows that failed, as they were, with ``line`` and ``errors``."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        for line, entity, errors in failures:
            handle.write(json.dumps({"line": line, "errors": errors, **entity}, ensure_ascii=False) + "\n")
