"""``ecoreg``: import and export entities, read targets and the summary, manage keys.

Settings come from flags or the environment: ECOREG_URL (the gateway) and ECOREG_API_KEY.
Exit codes (README has the table): 0 done; 1 some rows have errors (a report was
written); 2 usage error; 3 the file cannot be read or has no rows to import; 4 the API refused the request
(a problem document: 401, 403, 413, 422, 429 ...); 5 the gateway cannot be reached,
timed out or kept failing (5xx).
"""

from __future__ import annotations

import json
import sys
import uuid
from enum import IntEnum
from pathlib import Path

import click

from ecoreg_client import files, values
from ecoreg_client.client import EcoregClient, EcoregError, EcoregUnreachable


class Exit(IntEnum):
    OK = 0
    ROWS_WITH_ERRORS = 1
    USAGE = 2
    UNREADABLE_FILE = 3
    REFUSED = 4
    UNAVAILABLE = 5


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 entity``, ``2 entities``, ``0 rows``."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


class _Commands(click.Group):
    """Turns API and network failures into one line on stderr and a documented exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EcoregUnreachable as error:
            click.echo(f"ecoreg: {error}", err=True)
            raise click.exceptions.Exit(Exit.UNAVAILABLE) from None
        except EcoregError as error:
            click.echo(f"ecoreg: the API answered {error}", err=True)
            raise click.exceptions.Exit(Exit.UNAVAILABLE if error.status >= 500 else Exit.REFUSED) from None


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


@click.group(cls=_Commands)
@click.option("--url", envvar="ECOREG_URL", default="http://127.0.0.1:8080", show_default=True, help="The ecoreg gateway (ECOREG_URL).")
@click.option("--api-key", envvar="ECOREG_API_KEY", default=None, help="Your API key (ECOREG_API_KEY).")
@click.pass_context
def cli(context: click.Context, url: str, api_key: str | None) -> None:
    """Work with the ecoreg registry of Shanghai's future-industry clusters."""
    context.obj = EcoregClient(url, api_key)
    context.call_on_close(context.obj.close)


def _unreadable(file: Path, error: Exception) -> click.exceptions.Exit:
    click.echo(f"ecoreg: {file} cannot be read: {error}", err=True)
    return click.exceptions.Exit(Exit.UNREADABLE_FILE)


def _rows(file: Path, encoding: str | None, maps: list[tuple[str, str]], defaults: dict[str, str], columns: files.Columns):
    """(rows as (line, entity, read errors, original cells), headers or None for JSON lines)."""
    if files.file_format(file) == "jsonl":
        rows = []
        for line, entity, written in files.read_jsonl_rows(file, columns):
            for name, text in defaults.items():
                entity.setdefault(name, files.value_of(name, text, columns))
            rows.append((line, entity, {}, written))
        return rows, None
    table = files.read_table(file, encoding, extra_headers=[column for column, _ in maps], columns=columns)
    plan = files.mapping(table.headers, maps, columns=columns)
    if table.encoding and table.encoding != "UTF-8":
        click.echo(f"{file.name}: read as {table.encoding}", err=True)
    for header in plan.unmapped:
        click.echo(
            f"warning: column {header!r} maps to no field and is ignored (it is kept in the error report); "
            f"--map '{header}=FIELD' uses it, --map '{header}=-' silences this",
            err=True,
        )
    for column in plan.absent:
        click.echo(
            f"warning: --map '{column}=...': {file.name} has no column {column!r}, so it feeds nothing "
            f"(its columns: {', '.join(h for h in table.headers if h)})",
            err=True,
        )
    rows = []
    for line, cells in table.rows:
        entity, errors = files.to_entity(cells, plan, defaults)
        rows.append((files.original_line(cells, plan, line), entity, errors, cells))
    return rows, table.headers


def _looks_alike(candidate: dict) -> bool:
    """Whether a dry run's candidate is worth showing as a look-alike of a would-be new row:
    the registry says so (``looks_alike``: its similar-name floor, no other USCC)."""
    return bool(candidate.get("looks_alike"))


def _exported_id(cells: object, id_column: int | None) -> str:
    """The ``id`` an exported row carries ('' for none): a table's id cell, a JSON line's ``id``."""
    if isinstance(cells, dict):
        value = cells.get("id")
    else:
        value = cells[id_column] if id_column is not None and id_column < len(cells) else None
    return "" if value is None else str(value).strip()


def _flag_copies(api: EcoregClient, rows: list, id_column: int | None, batch_size: int) -> None:
    """Make an error of each exported row (an ``id`` cell, or ``id`` in a JSON line) that the import would create.

    Such a row is an entity registered by another partner without a USCC (its
    ``external_id`` is theirs, so nothing of the caller's matches it): importing it would
    register a copy as the caller's. The rows are judged by a dry run (one request per
    batch, nothing written) and those that would be created are not sent; clearing the
    ``id`` in the report registers the row on purpose.
    """
    exported = [row for row in rows if not row[2] and _exported_id(row[3], id_column)]
    for start in range(0, len(exported), batch_size):
        chunk = exported[start : start + batch_size]
        judged = api.upsert_batch([entity for _, entity, _, _ in chunk], dry_run=True)
        for (_, _, errors, cells), item in zip(chunk, judged["items"], strict=True):
            if item["status"] == "created":
                errors["id"] = [
                    f"entity {_exported_id(cells, id_column)} is registered already, by another partner and without a USCC: "
                    "importing this row would make a copy of it (clear the id to register it as yours)"
                ]


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--encoding", help="The CSV's encoding when detection gets it wrong (e.g. gb18030, utf-8).")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD", help="Also read COLUMN into FIELD (or attributes.KEY; - ignores it).")
@click.option(
    "--set", "sets", multiple=True, metavar="FIELD=VALUE", help="FIELD's value for rows that leave it empty (e.g. kind=tech_centre)."
)
@click.option("--dry-run", is_flag=True, help="Validate and match against the registry; write nothing there.")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 1000), help="Entities per request.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the rows that failed (default: FILE.errors.csv, .xlsx or .jsonl; never over an existing file; "
    "a dry run writes one only when this is given).",
)
@click.pass_obj
def import_(
    api: EcoregClient,
    file: Path,
    encoding: str | None,
    maps: tuple[str, ...],
    sets: tuple[str, ...],
    dry_run: bool,
    batch_size: int,
    report: Path | None,
) -> None:
    """Create or update the entities in a CSV, xlsx or JSON-lines FILE (re-importing creates no duplicates)."""
    try:
        column_maps = files.parse_pairs(maps, "--map")
        defaults = dict(files.parse_pairs(sets, "--set"))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    columns = api.entity_columns()  # the fields, and which are the server's: the API document's Entity schema
    try:
        unknown = [name for name in defaults if name not in columns.writable]
        if unknown:
            raise ValueError(f"--set {unknown[0]}: not a field ({', '.join(columns.writable)})")
        files.mapping([], column_maps, columns=columns)  # checks the targets before the file is read
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    try:
        rows, headers = _rows(file, encoding, column_maps, defaults, columns)
    except (files.FileError, OSError) as error:
        raise _unreadable(file, error) from None
    if not rows:
        # A header and no rows (or no JSON line): most likely the wrong file, or an export that
        # failed upstream. Said plainly, with the exit code of a file that cannot be used.
        click.echo(f"ecoreg: {file} has nothing to import: {'no JSON lines' if headers is None else 'a header and no rows'}", err=True)
        raise click.exceptions.Exit(Exit.UNREADABLE_FILE)

    if values.needs_names([entity for _, entity, _, _ in rows]):
        # Districts, clusters or tracks written as names (浦东新区, 未来能源): the registry's names give their keys.
        table = values.names(api.vocabulary(), api.clusters())
        rows = [(line, values.translate(entity, table), errors, cells) for line, entity, errors, cells in rows]
    unreadable = [(line, entity, errors, cells) for line, entity, errors, cells in rows if errors]
    if unreadable:
        # Cells the command could not read are not sent; the rest of each such row is judged
        # by a dry run, so the report has all of the row's errors at once (nothing is written).
        for start in range(0, len(unreadable), batch_size):
            chunk = unreadable[start : start + batch_size]
            judged = api.upsert_batch([entity for _, entity, _, _ in chunk], dry_run=True)
            for (_, _, errors, _), item in zip(chunk, judged["items"], strict=True):
                for name, messages in item.get("errors", {}).items():
                    errors.setdefault(name, messages)
    if headers is None or "id" in headers:
        _flag_copies(api, rows, None if headers is None else headers.index("id"), batch_size)
    failures: list[tuple[int, object, dict]] = [(line, cells, errors) for line, _, errors, cells in rows if errors]
    sendable = [(line, entity, cells) for line, entity, errors, cells in rows if not errors]
    totals = {"created": 0, "updated": 0, "unchanged": 0, "error": len(failures)}
    lookalikes: list[tuple[int, dict]] = []
    run = uuid.uuid4().hex[:12]
    label = f"checking {file.name}" if dry_run else f"importing {file.name}"
    with click.progressbar(length=len(sendable), label=label, file=sys.stderr) as progress:
        for start in range(0, len(sendable), batch_size):
            chunk = sendable[start : start + batch_size]
            # One key per batch of this run: a retry after a timeout is answered, not applied twice.
            try:
                answer = api.upsert_batch([entity for _, entity, _ in chunk], idempotency_key=f"import-{run}-{start}", dry_run=dry_run)
            except (EcoregError, EcoregUnreachable):
                if start:  # earlier batches went in; say so, then the one-line failure and its exit code
                    click.echo(
                        f"\nstopped at line {chunk[0][0]}: the {plural(start, 'row')} before it {'was' if start == 1 else 'were'} sent; "
                        "importing the file again is safe (rows are matched, nothing is applied twice)",
                        err=True,
                    )
                raise
            for (line, _, cells), item in zip(chunk, answer["items"], strict=True):
                totals[item["status"]] += 1
                if item["status"] == "error":
                    failures.append((line, cells, item.get("errors", {})))
                elif item["status"] == "created":
                    alike = [c for c in (item.get("match") or {}).get("candidates", []) if _looks_alike(c)]
                    if alike:
                        lookalikes.append((line, alike[0]))
            progress.update(len(chunk))
    failures.sort(key=lambda failure: failure[0])
    verbs = ("would be created", "would be updated", "would be unchanged") if dry_run else ("created", "updated", "unchanged")
    click.echo(
        f"{plural(len(rows), 'row')}{' (dry run: nothing written)' if dry_run else ''}: "
        f"{totals['created']} {verbs[0]}, {totals['updated']} {verbs[1]}, {totals['unchanged']} {verbs[2]}, "
        f"{totals['error']} with errors"
    )
    for line, candidate in lookalikes:
        entity = candidate.get("entity", {})
        shown = entity.get("name_zh") or entity.get("name") or ""
        click.echo(
            f"line {line}: new, but looks like entity {candidate['id']} {shown} "
            f"(score {candidate.get('score', 0):.2f}: {', '.join(candidate.get('reasons', []))})"
        )
    if failures:
        # A dry run writes no file unless asked (--report): it lists every row's errors instead.
        shown = failures if dry_run and report is None else failures[:5]
        for line, _, errors in shown:
            click.echo(f"line {line}: {files.describe(errors)}", err=True)
        if len(failures) > len(shown):
            click.echo(f"... and {plural(len(failures) - len(shown), 'more row')}", err=True)
        if dry_run and report is None:
            raise click.exceptions.Exit(Exit.ROWS_WITH_ERRORS)
        report = files.report_path(report) if report else files.default_report(file)
        if headers is None:
            files.write_jsonl_report(report, failures)
        else:
            files.write_table_report(report, headers, failures, "xlsx" if report.suffix.lower() == ".xlsx" else "csv")
        click.echo(
            f"the {plural(len(failures), 'row')} with errors {'is' if len(failures) == 1 else 'are'} in {report}: "
            f"fix {'it' if len(failures) == 1 else 'them'} there and import that file"
        )
        raise click.exceptions.Exit(Exit.ROWS_WITH_ERRORS)


@cli.command()
@click.option("--kind")
@click.option("--subtype")
@click.option("--tier")
@click.option("--cluster")
@click.option("--track")
@click.option("--district")
@click.option("--status")
@click.option("--q", help="Part of the English or Chinese name.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "jsonl"]),
    help="csv (UTF-8 with a BOM, for Excel), xlsx or jsonl; default: from --output's name, else csv.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="A file; standard output by default.")
@click.pass_obj
def export(api: EcoregClient, fmt: str | None, output: Path | None, **filters) -> None:
    """Write the live entities matching the filters as CSV, xlsx or JSON lines (they import back unchanged)."""
    fmt = fmt or (files.file_format(output) if output else "csv")
    if fmt == "xlsx" and output is None:
        raise click.UsageError("xlsx needs a file: give --output NAME.xlsx")
    columns = api.entity_columns() if fmt != "jsonl" else None
    count = files.write_entities(output, api.entities(**filters), fmt, columns, out=sys.stdout)
    if output:
        click.echo(f"{plural(count, 'entity', 'entities')} written to {output}")


@cli.command()
@click.option("--cluster", help="Only this cluster's targets.")
@click.option("--json", "as_json", is_flag=True, help="The API's answer instead of a table.")
@click.pass_obj
def targets(api: EcoregClient, cluster: str | None, as_json: bool) -> None:
    """Every target with its current value, attainment and status."""
    found = api.targets(cluster)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    rows = [
        [
            t["key"],
            # A deadline passed unmet is final: say so plainly.
            "MISSED (not_achieved)" if t["status"] == "not_achieved" else t["status"],
            "-" if t["current_value"] is None else f"{t['current_value']:g}",
            f"{t['target_value']:g} {t['unit']}",
            _percent(t["attainment"]),
            _percent(t["expected_progress"]),
            t["deadline"],
        ]
        for t in found
    ]
    click.echo(_table(rows, ["target", "status", "now", "target", "attained", "expected by now", "deadline"]))


@cli.command()
@click.pass_obj
def summary(api: EcoregClient) -> None:
    """Active entities per cluster, coverage of the official totals, and freshness."""
    answer = api.summary()
    rows = [
        [c["key"], c["name_zh"], c["active_entities"], ", ".join(f"{k} {n}" for k, n in sorted(c["by_kind"].items()))]
        for c in answer["clusters"]
    ]
    click.echo(_table(rows, ["cluster", "名称", "active", "by kind"]))
    click.echo("")
    cover = [[c["title_en"], f"{c['registered']} / {c['official']:g}", _percent(c["ratio"])] for c in answer["coverage"]]
    click.echo(_table(cover, ["coverage", "registered / official", "share"]))
    click.echo(f"\nas of change {answer['as_of_seq']}, {answer['behind_changes']} behind the registry")


@cli.group()
def keys() -> None:
    """API keys (creating keys needs an admin key)."""


@keys.command("create")
@click.argument("partner")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(["entities:write", "indicators:write", "admin"]))
@click.pass_obj
def keys_create(api: EcoregClient, partner: str, scopes: tuple[str, ...]) -> None:
    """Create a key for PARTNER; the key is printed this once only."""
    created = api.create_key(partner, list(scopes))
    click.echo(f"key {created['id']} for {partner}:")
    click.echo(created["key"])


@keys.command("list")
@click.pass_obj
def keys_list(api: EcoregClient) -> None:
    """The keys you may see."""
    found = api.keys()
    rows = [
        [k["id"], k["prefix"] + "…", k["partner"], ",".join(k["scopes"]) or "-", "revoked" if k["revoked"] else "active"] for k in found
    ]
    click.echo(_table(rows, ["id", "key", "partner", "scopes", "state"]))


@keys.command("revoke")
@click.argument("key_id", type=int)
@click.pass_obj
def keys_revoke(api: EcoregClient, key_id: int) -> None:
    """Revoke key KEY_ID."""
    api.revoke_key(key_id)
    click.echo(f"key {key_id} revoked")
