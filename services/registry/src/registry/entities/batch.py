"""Batch upsert: up to 1,000 entities in one transaction, a few queries in all.

Each item is matched to a live entity by ``uscc``, else by the partner's
``external_id``; it then creates, updates or leaves that entity as it is.
A bad item is reported with its field errors and the good ones are written.
Matching, parent checks and writes are done for the whole batch at once
(``IN`` lookups and executemany), never a round trip per row. An item that
fails its schema is still checked against the rules with the fields that did
pass, so a partner sees every error of a row in one answer, not one per try.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from ecoreg_common.db import Database
from registry.clusters.service import reference
from registry.entities import matching, merge, parents, rules, store
from registry.entities.schemas import InvalidItem
from registry.entities.state import editable_part, merged_state, new_state
from registry.partner import Partner

MAX_ITEMS = 1000


def _result(index: int, status: str, state: dict | None = None, errors: dict | None = None) -> dict:
    result = {"index": index, "status": status, "id": state["id"] if state else None, "version": state["version"] if state else None}
    if errors:
        result["errors"] = errors
    return result


IDENTITY_MESSAGE = "a batch item needs a uscc or an external_id, so a repeated batch can match it"


def _prescreen(items: list) -> tuple[list[dict | None], list[tuple[int, dict]], list[tuple[int, dict]]]:
    """Schema failures and duplicates within the batch; the rest go on as (index, fields).

    The third list holds the items already in error here, with the fields whose
    rules are still to be judged, so that each gets all of its errors in one answer.
    """
    results: list[dict | None] = [None] * len(items)
    candidates: list[tuple[int, dict]] = []
    judged_later: list[tuple[int, dict]] = []
    first_with_code: dict[str, int] = {}
    first_with_external_id: dict[str, int] = {}
    for index, item in enumerate(items):
        if isinstance(item, InvalidItem):
            errors = dict(item.errors)
            identified = item.valid.get("uscc") or item.valid.get("external_id") or {"uscc", "external_id"} & set(errors)
            if not identified and (item.valid or set(errors) - {"_schema"}):  # an object, not e.g. a bare string
                errors.setdefault("_schema", []).append(IDENTITY_MESSAGE)
            results[index] = _result(index, "error", errors=errors)
            judged_later.append((index, item.valid))
            continue
        code, external_id = item.get("uscc"), item.get("external_id")
        if not code and not external_id:
            results[index] = _result(index, "error", errors={"_schema": [IDENTITY_MESSAGE]})
            judged_later.append((index, item))
            continue
        if code and code in first_with_code:
            results[index] = _result(index, "error", errors={"uscc": [f"the same code is in item {first_with_code[code]} of this batch"]})
            continue
        if external_id and external_id in first_with_external_id:
            results[index] = _result(
                index,
                "error",
                errors={"external_id": [f"the same external_id is in item {first_with_external_id[external_id]} of this batch"]},
            )
            continue
        if code:
            first_with_code[code] = index
        if external_id:
            first_with_external_id[external_id] = index
        candidates.append((index, item))
    return results, candidates, judged_later


def upsert_batch(db: Database, items: list, partner: Partner) -> dict:
    """Create or update each item in one transaction; the per-item answer (see ``batch_work``)."""
    work = batch_work(db, items, partner)
    return db.transact(lambda session: work(session, datetime.now(UTC)))


def batch_work(db: Database, items: list, partner: Partner, *, dry_run: bool = False) -> Callable[[Session, datetime], dict]:
    """The batch as one unit of work: items are screened now (no transaction needed), and the
    returned function applies them in the transaction it is given and returns the answer,
    ``{"summary": {created, updated, unchanged, error}, "items": [...]}`` (BatchResultSchema).

    ``dry_run``: judge every item exactly as the batch would, write nothing, and add to
    each item that is not an error its ``match`` (``matching.match_records``: look-alikes
    of a would-be create are possible duplicates); the answer says ``"dry_run": true``.
    """
    screened, candidates, judged_later = _prescreen(items)
    known = reference(db)

    def apply(session: Session, now: datetime) -> dict:
        results = list(screened)
        # Before any row lock (see parents.py); sees every item's parent at once.
        parent_check = parents.ParentCheck(session, [fields.get("parent_id") for _, fields in candidates], moves_existing=True)
        codes = [fields["uscc"] for _, fields in candidates + judged_later if fields.get("uscc")]
        external_ids = [fields["external_id"] for _, fields in candidates + judged_later if fields.get("external_id")]
        matches = store.live_matches(session, partner.name, codes, external_ids)
        by_code = {state["uscc"]: state for state in matches if state["uscc"]}
        by_external_id = {state["external_id"]: state for state in matches if state["source"] == partner.name and state["external_id"]}
        aliases = merge.resolve_aliases(session, partner.name, codes, external_ids, by_code, by_external_id)

        plan = store.Plan()
        created_index: list[int] = []
        updated_index: list[int] = []
        claimed: dict[int, int] = {}  # entity id -> the item that matched it first
        matched = [(index, fields, *_match(fields, by_code, by_external_id, partner, aliases)) for index, fields in candidates]
        # An entity's own row (matched by an identifier of its own) keeps it, wherever it stands in the
        # batch; a row that reaches it only through a merge is then the merged duplicate's old row.
        own_row: dict[int, int] = {}
        for index, fields, errors, current in matched:
            if current is not None and not errors and not _through_merge_only(fields, current, by_code, by_external_id, aliases):
                own_row.setdefault(current["id"], index)
        for index, fields, errors, current in matched:
            if current is not None and not errors and own_row.get(current["id"], index) != index:
                merged = merge.merged_keys(fields, current, aliases)
                errors = {
                    "_schema": [
                        f"the entity with this {' and '.join(merged)} was merged into entity {current['id']}, which item "
                        f"{own_row[current['id']]} of this batch matches by its own identifiers: this row is no longer needed "
                        "(remove it)"
                        if merged and _through_merge_only(fields, current, by_code, by_external_id, aliases)
                        else f"matches entity {current['id']}, as item {own_row[current['id']]} of this batch does"
                    ]
                }
            elif current is not None and current["id"] in claimed:
                errors = {"_schema": [f"matches entity {current['id']}, as item {claimed[current['id']]} of this batch does"]}
            if errors:
                results[index] = _result(index, "error", errors=errors)
                continue
            if current is not None:
                claimed[current["id"]] = index
                fields = merge.keep_survivor_keys(fields, current, aliases)
            state = merged_state(editable_part(current), fields) if current else new_state(fields)
            errors = rules.check(state, known)
            problems = parent_check.problems(state, current)
            if problems:
                errors.setdefault("parent_id", []).extend(problems)
            if errors:
                results[index] = _result(index, "error", errors=errors)
                continue
            parent_check.accept(state, current)
            if current is None:
                plan.creates.append(state)
                created_index.append(index)
            elif state == editable_part(current):
                results[index] = _result(index, "unchanged", current)
            else:
                plan.updates.append((current, state))
                updated_index.append(index)

        for index, fields in judged_later:
            _add_rule_errors(results[index]["errors"], fields, by_code, by_external_id, partner, known, aliases)

        if dry_run:
            # The entity as it is now for a would-be update, none for a would-be create.
            written = [None] * len(created_index) + [current for current, _ in plan.updates]
        else:
            written = store.write(session, plan, actor=partner.name, now=now)
        statuses = ["created"] * len(created_index) + ["updated"] * len(updated_index)
        for index, status, state in zip(created_index + updated_index, statuses, written, strict=True):
            results[index] = _result(index, status, state)
        summary = {status: 0 for status in ("created", "updated", "unchanged", "error")}
        for result in results:
            summary[result["status"]] += 1
        if not dry_run:
            return {"summary": summary, "items": results}
        judged = [(index, fields) for index, fields in candidates if results[index]["status"] != "error"]
        found = matching.match_records(session, [matching.record_from(fields) for _, fields in judged], partner=partner.name)
        for (index, _), match in zip(judged, found, strict=True):
            results[index]["match"] = {"chosen": match["chosen"], "candidates": match["candidates"]}
        return {"dry_run": True, "summary": summary, "items": results}

    return apply


def _through_merge_only(fields: dict, current: dict, by_code: dict, by_external_id: dict, aliases: dict) -> bool:
    """Whether every identifier of ``fields`` that led to ``current`` is a merged entity's
    (``merge.resolve_aliases``), so the row is the merged duplicate's, not ``current``'s own."""
    reached = aliases.get(current["id"], set())
    leading = [
        (key, fields[key])
        for key, found in (("uscc", by_code), ("external_id", by_external_id))
        if fields.get(key) and (found.get(fields[key]) or {}).get("id") == current["id"]
    ]
    return bool(leading) and all(pair in reached for pair in leading)


def _match(
    fields: dict, by_code: dict, by_external_id: dict, partner: Partner, aliases: dict | None = None
) -> tuple[dict | None, dict | None]:
    """(errors, the live entity this item updates or None for a new one).

    ``aliases`` (``merge.resolve_aliases``) says which identifiers reached their entity
    through a merge, so a refusal can say why another partner's entity was matched.
    """
    by_uscc = by_code.get(fields.get("uscc")) if fields.get("uscc") else None
    by_external = by_external_id.get(fields.get("external_id")) if fields.get("external_id") else None
    if by_uscc and by_external and by_uscc["id"] != by_external["id"]:
        return {"external_id": [f"belongs to entity {by_external['id']}, but the uscc is entity {by_uscc['id']}'s"]}, None
    current = by_uscc or by_external
    if current and not partner.may_change(current):
        owner = current["source"]
        merged = merge.merged_keys(fields, current, aliases or {})
        if merged:
            # An admin merged this partner's entity into another partner's: the row lands there, and may not change it.
            return {
                "_schema": [
                    f"the entity with this {' and '.join(merged)} was merged into entity {current['id']}, which partner {owner!r} "
                    f"registered; only it or an admin may change it (this row is no longer needed: remove it, or ask an administrator)"
                ]
            }, None
        return {"_schema": [f"entity {current['id']} was registered by partner {owner!r}; only it or an admin may change it"]}, None
    return None, current


def _add_rule_errors(
    errors: dict, fields: dict, by_code: dict, by_external_id: dict, partner: Partner, known, aliases: dict | None = None
) -> None:
    """Add to a schema-invalid item's ``errors`` what the rules say about its valid fields.

    The rules run on the state the item would give (merged into the entity it
    matches, if any); a field that already has a schema error keeps only that.
    Without a valid ``kind`` and ``clusters`` (for a new entity) no rule can be judged.
    """
    match_errors, current = _match(fields, by_code, by_external_id, partner, aliases)
    if match_errors:
        for field, messages in match_errors.items():
            errors.setdefault(field, []).extend(messages)
        return
    if current is not None:
        state = merged_state(editable_part(current), fields)
    elif "kind" in fields and "clusters" in fields:
        state = new_state({"name": "", **fields})
    else:
        return
    for field, messages in rules.check(state, known).items():
        errors.setdefault(field, messages)
