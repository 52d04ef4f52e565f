"""An entity list as a file: CSV (UTF-8 with a byte-order mark) or xlsx (openpyxl). Pure functions.

The columns are the registry's field names, with ``clusters`` and ``tracks``
as keys joined by ``;`` and ``attributes`` as a JSON object, the way the
``ecoreg`` command writes and reads them, so a downloaded list can be edited
and imported again. Times are as the registry gives them (ISO 8601, UTC).
"""

from __future__ import annotations

import csv
import io
import json

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

COLUMNS = (
    "id",
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
    "source",
    "version",
    "created_at",
    "updated_at",
)
LISTS = ("clusters", "tracks")
NUMBERS = ("id", "parent_id", "version")
# A cell starting with one of these is a formula to Excel when it opens a CSV
# (OWASP "CSV injection"); such a cell gets a leading apostrophe in the CSV.
# In the xlsx every text cell is typed as text, so nothing there is a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cells(entity: dict) -> list:
    """One entity as the row of a file: a value per column of COLUMNS (None where the field is empty)."""
    row: list = []
    for name in COLUMNS:
        value = entity.get(name)
        if value is None or value == [] or value == {}:
            row.append(None)
        elif name in LISTS:
            row.append(";".join(value))
        elif name == "attributes":
            row.append(json.dumps(value, ensure_ascii=False, sort_keys=True))
        elif name in NUMBERS:
            row.append(value)
        else:
            row.append(str(value))
    return row


def _csv_cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(FORMULA_STARTS) else text


def to_csv(entities: list[dict]) -> bytes:
    """The entities as CSV, UTF-8 with a BOM (so Excel reads Chinese names right), CRLF line ends (RFC 4180)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entity in entities:
        writer.writerow([_csv_cell(value) for value in cells(entity)])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def to_xlsx(entities: list[dict], sheet: str = "entities") -> bytes:
    """The entities as an xlsx workbook of one sheet (bold header row, frozen below it).

    Written in openpyxl's write-only mode, so memory grows with the rows once,
    not with a cell-object model. Text cells are typed as text: a name that
    starts with ``=`` stays a name.
    """
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(worksheet, value=name)
        cell.font = bold
        header.append(cell)
    worksheet.append(header)
    for entity in entities:
        row = []
        for value in cells(entity):
            if isinstance(value, str):
                # XML 1.0 has no place for most control characters; openpyxl would refuse the whole file.
                cell = WriteOnlyCell(worksheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
                cell.data_type = "s"
                row.append(cell)
            else:
                row.append(value)
        worksheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
