"""``ecoreg``: import and export entities, read targets and the summary, manage keys.

Settings come from flags or the environment: ECOREG_URL (the gateway) and ECOREG_API_KEY.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import click

from ecoreg_client.client import EcoregClient, EcoregError
from ecoreg_client.files import is_jsonl, read_entities, write_entities, write_report


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


@click.group()
@click.option("--url", envvar="ECOREG_URL", default="http://127.0.0.1:8080", show_default=True, help="The ecoreg gateway (ECOREG_URL).")
@click.option("--api-key", envvar="ECOREG_API_KEY", default=None, help="Your API key (ECOREG_API_KEY).")
@click.pass_context
def cli(context: click.Context, url: str, api_key: str | None) -> None:
    """Work with the ecoreg registry of Shanghai's future-industry clusters."""
    context.obj = EcoregClient(url, api_key)
    context.call_on_close(context.obj.close)


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 1000), help="Entities per request.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the rows that failed (default: FILE.errors.csv or .jsonl).",
)
@click.pass_obj
def import_(api: EcoregClient, file: Path, batch_size: int, report: Path | None) -> None:
    """Create or update the entities in a CSV or JSON-lines FILE (re-importing creates no duplicates)."""
    jsonl = is_jsonl(file)
    report = report or file.with_name(f"{file.stem}.errors{'.jsonl' if jsonl else '.csv'}")
    rows: list[tuple[int, dict]] = []
    failures: list[tuple[int, dict, dict]] = []
    try:
        for line, entity in read_entities(file):
            rows.append((line, entity))
    except (ValueError, KeyError) as error:
        raise click.ClickException(f"{file} cannot be read: {error}") from None
    totals = {"created": 0, "updated": 0, "unchanged": 0, "error": 0}
    run = uuid.uuid4().hex[:12]
    with click.progressbar(length=len(rows), label=f"importing {file.name}", file=sys.stderr) as progress:
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            try:
                # One key per batch of this run: a retry after a network error is answered, not applied twice.
                answer = api.upsert_batch([entity for _, entity in chunk], idempotency_key=f"import-{run}-{start}")
            except EcoregError as error:
                raise click.ClickException(f"the batch starting at line {chunk[0][0]} was refused: {error}") from None
            for (line, entity), item in zip(chunk, answer["items"], strict=True):
                totals[item["status"]] += 1
                if item["status"] == "error":
                    failures.append((line, entity, item.get("errors", {})))
            progress.update(len(chunk))
    click.echo(
        f"{len(rows)} rows: {totals['created']} created, {totals['updated']} updated, {totals['unchanged']} unchanged, {totals['error']} with errors"
    )
    if failures:
        write_report(report, failures, jsonl)
        click.echo(f"the rows with errors are in {report}: fix them there and import that file")
        raise SystemExit(1)


@cli.command()
@click.option("--kind")
@click.option("--subtype")
@click.option("--tier")
@click.option("--cluster")
@click.option("--track")
@click.option("--district")
@click.option("--status")
@click.option("--q", help="Part of the English or Chinese name.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="A file; standard output by default.")
@click.pass_obj
def export(api: EcoregClient, fmt: str, output: Path | None, **filters) -> None:
    """Write the live entities matching the filters as CSV or JSON lines."""
    try:
        count = write_entities(output, api.entities(**filters), fmt, out=sys.stdout)
    except EcoregError as error:
        raise click.ClickException(str(error)) from None
    if output:
        click.echo(f"{count} entities written to {output}")


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
    try:
        created = api.create_key(partner, list(scopes))
    except EcoregError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"key {created['id']} for {partner}:")
    click.echo(created["key"])


@keys.command("list")
@click.pass_obj
def keys_list(api: EcoregClient) -> None:
    """The keys you may see."""
    try:
        found = api.keys()
    except EcoregError as error:
        raise click.ClickException(str(error)) from None
    rows = [
        [k["id"], k["prefix"] + "…", k["partner"], ",".join(k["scopes"]) or "-", "revoked" if k["revoked"] else "active"] for k in found
    ]
    click.echo(_table(rows, ["id", "key", "partner", "scopes", "state"]))


@keys.command("revoke")
@click.argument("key_id", type=int)
@click.pass_obj
def keys_revoke(api: EcoregClient, key_id: int) -> None:
    """Revoke key KEY_ID."""
    try:
        api.revoke_key(key_id)
    except EcoregError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"key {key_id} revoked")
