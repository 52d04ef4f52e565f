"""Entities in CSV, xlsx and JSON-lines files, as partners keep them: the one module of the entity file format.

The columns are not written here: they are the registry's ``Entity`` schema in
the OpenAPI document (``Columns.from_openapi``), its properties in order, the
``readOnly`` ones being the server's. The gateway's downloads (``/entities.csv``,
``/entities.xlsx``) and the ``ecoreg`` command both write with ``to_csv`` /
``to_xlsx`` / ``write_entities`` here, so a downloaded list and an export are
the same file and import back the same way.

Reading: CSV in UTF-8 (with or without a BOM) or GB18030/GBK (detected, or
named), xlsx (the first sheet), JSON lines. The header row may be English field
names or the Chinese headers of ``HEADERS``; ``--map`` adds more. In a cell,
``clusters`` and ``tracks`` hold keys separated by ``;``, ``attributes`` a JSON
object. Empty cells are left out.

Writing: CSV with a BOM (so Excel shows Chinese right) or xlsx. An export
carries every column of the schema, the server's too (``id``, ``source``,
``version``, ``created_at``, ``updated_at``); those are ignored on import (rows
are matched on ``uscc``, else ``external_id``), so an export imports back
unchanged. A CSV cell that Excel would take for a formula (``=``, ``+``, ``-``,
``@``, tab, CR first) is written after an apostrophe (OWASP "CSV injection")
and read back without it; in an xlsx every text cell is typed as text, and
characters XML cannot hold are replaced by U+FFFD. An error report keeps every original column and
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

# A cell starting with one of these is a formula to Excel when it opens a CSV
# (OWASP "CSV injection"); such a cell gets a leading apostrophe in the CSV.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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


@dataclass(frozen=True)
class Columns:
    """An entity file's columns, as the registry's OpenAPI document declares its ``Entity`` schema.

    ``names``: every property, in the document's order (the file's columns);
    ``writable``: those not ``readOnly`` (what an import reads; the rest are the
    server's, written by an export and ignored on import). A cell's encoding
    follows the property's type: an ``array`` holds keys joined by ``;``, an
    ``object`` a JSON object, an ``integer`` a number (a number cell in an xlsx),
    a ``date`` string is read from the ways lists write dates (2019/4/12, 2019年4月12日).
    """

    names: tuple[str, ...]
    writable: tuple[str, ...]
    lists: frozenset[str] = frozenset()
    objects: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()

    @property
    def server(self) -> tuple[str, ...]:
        return tuple(name for name in self.names if name not in self.writable)

    @classmethod
    def from_openapi(cls, document: dict, schema: str = "Entity") -> Columns:
        """The columns of ``schema`` in an OpenAPI 3 document (the registry's, or the gateway's merged one).

        Raises ValueError when the document has no such schema (the gateway's lacks it while the registry is down).
        """
        properties = ((document.get("components") or {}).get("schemas") or {}).get(schema, {}).get("properties")
        if not properties:
            raise ValueError(f"the API document has no {schema} schema")

        def typed(kind: str) -> frozenset[str]:
            return frozenset(name for name, prop in properties.items() if _type(prop) == kind)

        return cls(
            names=tuple(properties),
            writable=tuple(name for name, prop in properties.items() if not prop.get("readOnly")),
            lists=typed("array"),
            objects=typed("object"),
            numbers=typed("integer") | typed("number"),
            dates=frozenset(name for name, prop in properties.items() if prop.get("format") == "date"),
        )


def _type(prop: dict) -> str | None:
    """A property's JSON type; OpenAPI 3.1 may write ``["integer", "null"]``."""
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind


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


def _known_header(cell: str, columns: Columns) -> bool:
    return cell in columns.names or cell in HEADERS or cell in REPORT_COLUMNS


def _table(numbered: Iterator[tuple[int, list[str]]], encoding: str | None, extra_headers: Iterable[str], columns: Columns) -> Table:
    """The header is the first row with a known column name (a published list may have a title row above)."""
    buffered: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    known = set(extra_headers)
    for number, cells in numbered:
        cells = [cell.strip() for cell in cells]
        if header is None:
            buffered.append((number, cells))
            if any(_known_header(cell, columns) or cell in known for cell in cells):
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


def read_table(path: Path, encoding: str | None = None, extra_headers: Iterable[str] = (), *, columns: Columns) -> Table:
    """The header and rows of a CSV or xlsx file (a CSV cell's injection guard removed: ``unguarded``). Raises FileError."""
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
        return _table(numbered, None, extra_headers, columns)
    text, used = decode(path.read_bytes(), encoding)
    reader = csv.reader(io.StringIO(text, newline=""))

    def numbered() -> Iterator[tuple[int, list[str]]]:
        start = 1
        for cells in reader:
            yield start, [unguarded(cell) for cell in cells]
            start = reader.line_num + 1  # a quoted cell may span lines: number rows by where they start

    try:
        return _table(numbered(), used, extra_headers, columns)
    except csv.Error as error:
        raise FileError(f"it is not valid CSV: {error}") from None


@dataclass
class Mapping:
    """Which fields each column of a header feeds, and what is ignored."""

    targets: list[list[str]]
    columns: Columns
    unmapped: list[str] = field(default_factory=list)
    line_column: int | None = None
    absent: list[str] = field(default_factory=list)  # --map columns the header does not have (a typo, another file's layout)


def parse_pairs(pairs: Iterable[str], option: str) -> list[tuple[str, str]]:
    """``["a=b", ...]`` -> ``[("a", "b"), ...]``; raises ValueError naming the option."""
    parsed = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"{option} wants NAME=VALUE, not {pair!r}")
        parsed.append((name.strip(), value.strip()))
    return parsed


def _valid_target(target: str, columns: Columns) -> bool:
    """A writable field, ``OBJECT.KEY`` for a writable object field (``attributes.batch``), or ``-``."""
    head, dot, key = target.partition(".")
    if dot:
        return bool(key) and head in columns.objects and head in columns.writable
    return target == IGNORE or target in columns.writable


def mapping(headers: list[str], extra: Iterable[tuple[str, str]] = (), *, columns: Columns) -> Mapping:
    """Map each header to fields: field names as they are, ``HEADERS``, then ``extra`` (``--map``).

    ``extra`` adds a target to a column (``企业名称=external_id`` keeps name_zh
    too); ``col=-`` drops it. A target ``attributes.KEY`` puts the cell into
    ``attributes``. The server's columns (``columns.server``) are ignored.
    Raises ValueError for a target that is no writable field.
    """
    added: dict[str, list[str]] = {}
    for column, target in extra:
        if not _valid_target(target, columns):
            fields_named = ", ".join(columns.writable)
            raise ValueError(f"--map {column}={target}: {target!r} is not a field ({fields_named}, attributes.KEY or -)")
        added.setdefault(column, []).append(target)
    result = Mapping([], columns)
    for index, header in enumerate(headers):
        base = header if header in columns.writable else HEADERS.get(header)
        targets = [base] if base else []
        if header in columns.server or header == "errors":
            targets = [IGNORE]
        if header == "line":
            result.line_column, targets = index, [IGNORE]
        if header in added:
            targets = [] if IGNORE in added[header] else [t for t in targets if t != IGNORE] + added[header]
            targets = targets or [IGNORE]
        if not targets and header:
            result.unmapped.append(header)
        result.targets.append([t for t in targets if t != IGNORE])
    result.absent = [column for column in added if column not in headers]
    return result


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def value_of(name: str, text: str, columns: Columns) -> object:
    """A cell's text as the field's value, by the field's type in ``columns``; raises ValueError with what is wrong."""
    if name in columns.lists:
        return [part.strip() for part in re.split(r"[;；、]", text) if part.strip()]
    if name in columns.objects:
        try:
            value = json.loads(text)
        except ValueError:
            raise ValueError("not a JSON object") from None
        if not isinstance(value, dict):
            raise ValueError("not a JSON object")
        return value
    if name in columns.numbers:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{text!r} is not {'an entity id' if name.endswith('_id') else 'a whole number'}") from None
    if name in columns.dates:
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
            head, dot, key = target.partition(".")
            if dot:
                entity.setdefault(head, {})[key] = text.strip()
                continue
            try:
                value = value_of(target, text.strip(), plan.columns)
            except ValueError as error:
                errors.setdefault(target, []).append(str(error))
                continue
            if target in plan.columns.objects and isinstance(entity.get(target), dict):
                value = {**value, **entity[target]}
            entity[target] = value
    for name, text in (defaults or {}).items():
        if name not in entity and text:
            entity[name] = value_of(name, text, plan.columns)
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


def read_jsonl_rows(path: Path, columns: Columns) -> Iterator[tuple[int, dict, dict]]:
    """(line, entity, the object as written) for every line of a JSON-lines file.

    ``entity`` leaves out the server's fields (``id``, ``source``, ``version`` …) and a
    report's ``line`` and ``errors``; a report's ``line`` is read back. The object as
    written (less ``line`` and ``errors``) is what a report keeps, ``id`` included, so
    that an exported row stays recognisable as one (the import's copy guard).
    """
    text, _ = decode(path.read_bytes())
    server = set(columns.server)
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
            yield line, {k: v for k, v in written.items() if k not in server}, written


def read_jsonl(path: Path, columns: Columns) -> Iterator[tuple[int, dict]]:
    """(line, entity) for every line of a JSON-lines file, the server's fields dropped; a report's ``line`` is read back."""
    for line, entity, _ in read_jsonl_rows(path, columns):
        yield line, entity


def read_entities(path: Path, columns: Columns, encoding: str | None = None) -> Iterator[tuple[int, dict]]:
    """(line, entity) for every row of a file, with the default header mapping (for code and tests)."""
    if file_format(path) == "jsonl":
        yield from read_jsonl(path, columns)
        return
    table = read_table(path, encoding, columns=columns)
    plan = mapping(table.headers, columns=columns)
    for line, cells in table.rows:
        entity, _ = to_entity(cells, plan)
        yield original_line(cells, plan, line), entity


def cells(entity: dict, columns: Columns) -> list:
    """One entity as a file's row: a value per column (None where the field is empty or absent).

    Lists as keys joined by ``;``, objects as JSON (keys sorted), numbers as numbers, the rest as text.
    """
    row: list = []
    for name in columns.names:
        value = entity.get(name)
        if value is None or value == [] or value == {}:
            row.append(None)
        elif name in columns.lists:
            row.append(";".join(value))
        elif name in columns.objects:
            row.append(json.dumps(value, ensure_ascii=False, sort_keys=True))
        elif name in columns.numbers:
            row.append(value)
        else:
            row.append(str(value))
    return row


def guarded(value: object) -> str:
    """A value as a CSV cell Excel will not run: text that would be a formula gets a leading apostrophe.

    So that ``unguarded`` can undo it exactly, text that starts with apostrophes before
    a formula character gets one more. None is the empty cell.
    """
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def unguarded(text: str) -> str:
    """A CSV cell as it was before ``guarded`` (a partner's own cell without that shape is unchanged)."""
    if text.startswith("'") and text[1:].lstrip("'").startswith(FORMULA_STARTS):
        return text[1:]
    return text


def write_csv(handle, headers: Iterable[str], rows: Iterable[Iterable], *, bom: bool = True) -> int:
    """A header and rows as CSV into a text ``handle``: a BOM first (so Excel reads UTF-8, not the locale's
    code page), CRLF line ends (RFC 4180), every cell ``guarded``. How many rows."""
    if bom:
        handle.write("\ufeff")
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(list(headers))
    count = 0
    for row in rows:
        writer.writerow([guarded(value) for value in row])
        count += 1
    return count


def write_xlsx(target, headers: Iterable[str], rows: Iterable[Iterable], sheet: str = "entities") -> int:
    """A header and rows as an xlsx workbook of one sheet saved to ``target`` (a path or a binary file); how many rows.

    Bold header row, frozen below it. Written in openpyxl's write-only mode, so
    memory grows with the rows once, not with a cell-object model. Text cells
    are typed as text (a name that starts with ``=`` stays a name); characters
    XML 1.0 cannot hold become U+FFFD (openpyxl would refuse the whole file).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in headers:
        cell = WriteOnlyCell(worksheet, value=name)
        cell.font = bold
        header.append(cell)
    worksheet.append(header)
    count = 0
    for values in rows:
        row = []
        for value in values:
            if isinstance(value, str):
                cell = WriteOnlyCell(worksheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
                cell.data_type = "s"
                row.append(cell)
            else:
                row.append(value)
        worksheet.append(row)
        count += 1
    workbook.save(target)
    return count


def to_csv(entities: Iterable[dict], columns: Columns) -> bytes:
    """The entities as a CSV file's bytes (UTF-8 with a BOM; ``write_csv``)."""
    out = io.StringIO(newline="")
    write_csv(out, columns.names, (cells(entity, columns) for entity in entities))
    return out.getvalue().encode("utf-8")


def to_xlsx(entities: Iterable[dict], columns: Columns, sheet: str = "entities") -> bytes:
    """The entities as an xlsx file's bytes (``write_xlsx``)."""
    out = io.BytesIO()
    write_xlsx(out, columns.names, (cells(entity, columns) for entity in entities), sheet)
    return out.getvalue()


def _write_rows(path: Path | None, headers: list[str], rows: Iterable[list], fmt: str, out=None) -> int:
    """Write a header and rows as CSV (``write_csv``) or xlsx (``write_xlsx``) to ``path``, or CSV to ``out``; how many rows.

    CSV to a terminal gets no BOM (it would show as a stray character).
    """
    if fmt == "xlsx":
        if path is None:
            raise FileError("xlsx needs a file: give --output")
        return write_xlsx(path, headers, rows)
    if path is None:
        return write_csv(out, headers, rows, bom=not getattr(out, "isatty", lambda: False)())
    with path.open("w", encoding="utf-8", newline="") as handle:
        return write_csv(handle, headers, rows)


def write_entities(path: Path | None, entities: Iterable[dict], fmt: str, columns: Columns | None, out=None) -> int:
    """Write entities as CSV (BOM), xlsx or JSON lines to ``path`` (or ``out``); how many.

    CSV and xlsx have a column per ``columns.names``; JSON lines are the entities as answered (``columns`` unused).
    """
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
    if columns is None:
        raise ValueError("CSV and xlsx need the columns (Columns.from_openapi)")
    return _write_rows(path, list(columns.names), (cells(entity, columns) for entity in entities), fmt, out)


def describe(errors: dict[str, list[str]]) -> str:
    """``{"uscc": ["a", "b"]}`` -> ``"uscc: a b"``, fields separated by ``; ``. The errors of
    the row as a whole (the API's ``_schema``, marshmallow's name for them) carry no label."""
    return "; ".join(" ".join(messages) if name == "_schema" else f"{name}: {' '.join(messages)}" for name, messages in errors.items())


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
