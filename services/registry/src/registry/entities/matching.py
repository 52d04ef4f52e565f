"""Which live entities a submitted record may be: candidates, scores, reasons, and ``chosen``.

Used by POST /api/v1/entities/match, the batch's dry run and the duplicates report.
Candidates are found with indexed lookups for the whole request at once (same USCC,
same partner external_id, same core name: ``registry.names``), then, for records that
found nothing so, by pieces of the name (``search_text LIKE '%piece%'``, the pg_trgm
index on PostgreSQL): a single typo leaves one half of a name intact. Every candidate
is scored by the same Python function on both backends.

``chosen`` is given only when it is unambiguous: the best candidate shares the USCC or
the partner's external_id, or its name is the same once normalised (or a near-exact
typo of a Latin-letter name in the same district) with no contradicting USCC, district
or kind, and no other candidate comes within ``MARGIN`` of it. A Chinese name one
character from another is a candidate (reason ``typo``) but never chosen on its own:
one character is often another word (光学/光子, 医药/医疗: another company), and telling a
typo from it would need readings of the characters; a shared USCC or external_id
still chooses it (precision first, the lead's decision for #13). The labelled set in tests/ measures precision (floor
0.99) and recall of ``chosen``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from ecoreg_common.db import one_of
from registry import names
from registry.entities import search, store
from registry.tables import entities

CHOSEN_SCORE = 0.85  # a candidate below this is never chosen
MARGIN = 0.1  # the runner-up must be at least this much lower
SIMILAR_FLOOR = 0.75  # names less alike than this are no candidates
_PIECE_CANDIDATES = 50  # per record, from the name-piece lookup
_MIN_PIECE = 3  # trigram index needs 3 characters


@dataclass(frozen=True)
class Record:
    """What a partner knows of an organisation; any field may be missing."""

    name: str | None = None
    name_zh: str | None = None
    uscc: str | None = None
    district: str | None = None
    kind: str | None = None
    external_id: str | None = None

    def norms(self) -> set[str]:
        return {form for form in (names.norm(self.name), names.norm(self.name_zh)) if form}

    def cores(self) -> set[str]:
        return {form for form in (names.core(self.name), names.core(self.name_zh)) if form}


def record_from(fields: dict) -> Record:
    """A Record from request or batch-item fields (other keys ignored; USCC upper-cased)."""
    code = fields.get("uscc")
    return Record(
        name=fields.get("name"),
        name_zh=fields.get("name_zh"),
        uscc=code.strip().upper() if isinstance(code, str) and code.strip() else None,
        district=fields.get("district"),
        kind=fields.get("kind"),
        external_id=fields.get("external_id"),
    )


def _pieces(form: str) -> list[str]:
    """Two pieces of a normalised name, each long enough for the trigram index, that
    together cover it: a one-character typo leaves at least one of them intact (in a
    name of 6 or more characters; in a shorter one, a typo at either end)."""
    if len(form) < _MIN_PIECE + 1:
        return []
    half = max(_MIN_PIECE, len(form) // 2)
    return [form[:half], form[-max(_MIN_PIECE, len(form) - half) :]]


def _typo_edits(form: str) -> int:
    # 和辉光电 / 和辉电子 are two edits apart and two companies; a long English name with two
    # letters swapped is two edits from itself. Two characters of a Chinese name are a word:
    # 北京 for 上海, or 发展 added, is another company, never a typo (only Latin names get two).
    latin = names.weight(form) == len(form)
    return 2 if latin and len(form) >= 16 else 1


def _name_score(record: Record, entity: dict) -> tuple[float, str | None]:
    """(score, reason) for how alike the names are: 0.95 same, 0.9 same core, else by similarity."""
    pairs = [
        (mine, theirs, label)
        for mine in (record.name, record.name_zh)
        if mine
        for theirs, label in ((entity["name"], "same_name"), (entity.get("name_zh"), "same_name_zh"))
        if theirs
    ]
    best: tuple[float, str | None] = (0.0, None)
    for mine, theirs, label in pairs:
        if names.norm(mine) == names.norm(theirs):
            candidate = (0.95, label)
        elif names.core(mine) == names.core(theirs):
            candidate = (0.9, "same_core_name")
        else:
            alike = max(
                names.similarity(names.core(mine), names.core(theirs), SIMILAR_FLOOR),
                names.similarity(names.norm(mine), names.norm(theirs), SIMILAR_FLOOR),
            )
            if alike < SIMILAR_FLOOR:
                continue
            # Scored as alike as they are (below a same name). "typo": one edit (two in a long
            # name, so a swap of two letters) in a name of 5+ characters, which may be chosen;
            # "similar_name" never is.
            typo = any(
                len(x) >= 5 and names.within_edits(x, y, _typo_edits(x))
                for x, y in ((names.core(mine), names.core(theirs)), (names.norm(mine), names.norm(theirs)))
            )
            candidate = (min(alike, 0.89), "typo" if typo else "similar_name")
        if candidate[0] > best[0]:
            best = candidate
    return best


def score(record: Record, entity: dict, *, partner: str | None) -> tuple[float, list[str]]:
    """How likely ``record`` is ``entity``: (0..1, reasons). No candidate when 0."""
    reasons: list[str] = []
    value, name_reason = _name_score(record, entity)
    if name_reason:
        reasons.append(name_reason)
    if record.uscc and entity["uscc"]:
        if record.uscc == entity["uscc"]:
            value = 1.0
            reasons.insert(0, "same_uscc")
        else:
            # Two different codes are two different legal persons, whatever their names.
            value = min(value, 0.3)
            reasons.append("other_uscc")
    if record.external_id and partner and entity["source"] == partner and record.external_id == entity["external_id"]:
        value = 1.0
        reasons.insert(0, "same_external_id")
    if value <= 0:
        return 0.0, []
    if record.district and entity["district"]:
        if record.district == entity["district"]:
            value = min(1.0, value + 0.03)
            reasons.append("same_district")
        else:
            value -= 0.15
            reasons.append("other_district")
    if record.kind and record.kind != entity["kind"]:
        value -= 0.2
        reasons.append("other_kind")
    return round(max(value, 0.01), 3), reasons


def looks_alike(value: float, reasons: list[str]) -> bool:
    """Whether a candidate is worth showing as a possible duplicate of a record that would be new.

    Not when its USCC is another (two codes are two legal persons, whatever the names), nor when
    its score, lowered by another district or kind, is below the similar-name floor. The ``ecoreg``
    command's dry run lists these; it keeps no copy of the floor.
    """
    return value >= SIMILAR_FLOOR and "other_uscc" not in reasons


def _latin_typo(record: Record, entity: dict) -> bool:
    """Whether a Latin-letter name of the record is a typo of one of the entity's (the only
    typo that may be chosen: a Chinese name one character apart may be another company)."""
    mine = [n for n in (record.name, record.name_zh) if n]
    theirs = [n for n in (entity["name"], entity.get("name_zh")) if n]
    return any(
        len(x) >= 5 and names.weight(x) == len(x) and names.weight(y) == len(y) and names.within_edits(x, y, _typo_edits(x))
        for a in mine
        for b in theirs
        for x, y in ((names.core(a), names.core(b)), (names.norm(a), names.norm(b)))
    )


def _choose(record: Record, candidates: list[dict]) -> int | None:
    if not candidates:
        return None
    # A shared USCC or partner external_id decides, wherever its holder ranks: a same-name
    # entity in the record's district may score above the USCC's holder in another district,
    # and must not be chosen over it. Two holders of such keys are ambiguous.
    keyed = [c for c in candidates if {"same_uscc", "same_external_id"} & set(c["reasons"])]
    if keyed:
        return keyed[0]["id"] if len(keyed) == 1 else None
    best = candidates[0]
    runner_up = candidates[1]["score"] if len(candidates) > 1 else 0.0
    reasons = set(best["reasons"])
    if best["score"] < CHOSEN_SCORE or best["score"] - runner_up < MARGIN or {"other_uscc", "other_kind", "other_district"} & reasons:
        return None
    if "similar_name" in reasons or ("typo" in reasons and "same_district" not in reasons):
        return None  # a typo alone is a candidate; with the same district it may be chosen
    if "typo" in reasons and not _latin_typo(record, best["entity"]):
        return None  # a Chinese name one character apart: a candidate, never chosen alone
    return best["id"]


# What scoring reads of an entity; the whole state is read only for the candidates answered.
_SCORED = (
    entities.c.id,
    entities.c.kind,
    entities.c.name,
    entities.c.name_zh,
    entities.c.uscc,
    entities.c.district,
    entities.c.source,
    entities.c.external_id,
)
_RECORDS_PER_STATEMENT = 200  # piece look-ups sent in one statement (SQLite's compound-select limit is 500)


_SCORED_NAMES = [column.name for column in _SCORED]


def _live(session: Session, where) -> list[dict]:
    query = select(*_SCORED).where(entities.c.retired_at.is_(None), where)
    return [dict(zip(_SCORED_NAMES, row, strict=True)) for row in session.execute(query)]


def _chunks(values: Sequence, size: int = 900) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _keyed_candidates(session: Session, records: Sequence[Record], partner: str | None) -> dict[int, dict]:
    """Live entities sharing a USCC, a partner external_id or a core name with any record."""
    found: dict[int, dict] = {}
    codes = sorted({r.uscc for r in records if r.uscc})
    external_ids = sorted({r.external_id for r in records if r.external_id}) if partner else []
    cores = sorted({form for r in records for form in r.cores()})
    for chunk in _chunks(codes):
        found.update((s["id"], s) for s in _live(session, one_of(session, entities.c.uscc, chunk)))
    for chunk in _chunks(external_ids):
        found.update((s["id"], s) for s in _live(session, (entities.c.source == partner) & one_of(session, entities.c.external_id, chunk)))
    for chunk in _chunks(cores, 450):
        where = or_(one_of(session, entities.c.name_core, chunk), one_of(session, entities.c.name_zh_core, chunk))
        found.update((s["id"], s) for s in _live(session, where))
    return found


def _record_pieces(record: Record) -> list[str]:
    # Pieces of the core names (without 上海, which half of all names share); of the
    # full names only when a core is too short to give any.
    pieces = sorted({piece for form in record.cores() for piece in _pieces(form)})
    return pieces or sorted({piece for form in record.norms() for piece in _pieces(form)})


def _piece_candidates(session: Session, wanted: Sequence[tuple[int, Record]]) -> dict[int, list[dict]]:
    """For each (index, record): live entities whose search text holds one half of one of
    the record's core names, at most ``_PIECE_CANDIDATES`` each.

    One statement per ``_RECORDS_PER_STATEMENT`` records, a ``UNION ALL`` of one limited
    look-up per record (each planned with its own pieces, so each uses the trigram index
    on PostgreSQL): one round trip instead of one per record.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    sample = search.sample_for(session) if postgres else None
    looked_up = []
    for index, record in wanted:
        pieces = _record_pieces(record)
        # At scale a piece of common words (技术中心, biomedicaltechnology) finds any of thousands of
        # names, at the cost of reading them: when the record has another piece, only that one is asked.
        looked_up.append((index, [piece for piece in pieces if not search.is_common(piece, sample)] or pieces))
    looked_up = [(index, pieces) for index, pieces in looked_up if pieces]
    columns = ", ".join(_SCORED_NAMES)
    found: dict[int, list[dict]] = {}
    for chunk in _chunks(looked_up, _RECORDS_PER_STATEMENT):
        # Written as text: SQLAlchemy would compile a new 200-part statement every time
        # (its cache keys on structure), which cost more than the look-ups themselves.
        parts: list[str] = []
        params: dict[str, str] = {}

        def bind(value: str, params: dict[str, str] = params) -> str:
            name = f"p{len(params)}"
            params[name] = value
            return f":{name}"

        for index, pieces in chunk:
            holds = []
            for piece in pieces:
                if not postgres:
                    holds.append(f"instr(search_text, {bind(piece)}) > 0")
                    continue
                # As q does (search.contains_key): the piece's rare trigrams through the index, the piece rechecked.
                rare = search.rare_trigrams(piece, sample)
                if rare is None:
                    holds.append(f"search_text LIKE {bind(f'%{piece}%')}")
                else:
                    grams = " AND ".join(f"search_text LIKE {bind(f'%{gram}%')}" for gram in rare)
                    holds.append(f"({grams} AND strpos(search_text, {bind(piece)}) > 0)")
            # No ORDER BY: a piece common to many names must not cost a sort of all of them; the
            # first _PIECE_CANDIDATES found are scored (a typo of a very common name may be missed).
            where = " OR ".join(holds)
            part = f"SELECT {int(index)} AS wanted, {columns} FROM entities WHERE retired_at IS NULL AND ({where})"  # noqa: S608 - ints and bind names
            parts.append(f"SELECT * FROM ({part} LIMIT {_PIECE_CANDIDATES}) AS r{int(index)}")  # noqa: S608 - as above
        for wanted_index, *row in session.execute(text(" UNION ALL ".join(parts)), params):
            found.setdefault(wanted_index, []).append(dict(zip(_SCORED_NAMES, row, strict=True)))
    return found


def _full_states(session: Session, ids: set[int]) -> dict[int, dict]:
    found: dict[int, dict] = {}
    for chunk in _chunks(sorted(ids)):
        found.update((s["id"], s) for s in store.states_from(session, select(entities).where(one_of(session, entities.c.id, chunk))))
    return found


def match_records(session: Session, records: Sequence[Record], *, partner: str | None, limit: int = 3) -> list[dict]:
    """For each record (in order): ``{"index", "chosen", "candidates": [{"id", "score", "reasons", "looks_alike", "entity"}]}``.

    ``partner`` is the caller (external ids are compared with its own entities only).
    Candidates are best first, at most ``limit``; ``chosen`` is an entity id or None.
    Reads: the keyed look-ups for all records, one piece look-up per 200 records that
    found nothing so, and the whole states of the candidates answered.
    """
    keyed = _keyed_candidates(session, records, partner)
    by_code: dict[str, list[dict]] = {}
    by_core: dict[str, list[dict]] = {}
    by_external: dict[str, list[dict]] = {}
    for state in keyed.values():
        if state["uscc"]:
            by_code.setdefault(state["uscc"], []).append(state)
        if partner and state["source"] == partner and state["external_id"]:
            by_external.setdefault(state["external_id"], []).append(state)
        for form in {names.core(state["name"]), names.core(state.get("name_zh"))} - {""}:
            by_core.setdefault(form, []).append(state)
    pools: list[dict[int, dict]] = []
    for record in records:
        pool: dict[int, dict] = {}
        for state in by_code.get(record.uscc or "", []) + by_external.get(record.external_id or "", []):
            pool[state["id"]] = state
        for form in record.cores():
            pool.update((s["id"], s) for s in by_core.get(form, []))
        pools.append(pool)
    by_pieces = _piece_candidates(session, [(index, record) for index, record in enumerate(records) if not pools[index]])
    for index, found in by_pieces.items():
        pools[index].update((s["id"], s) for s in found)
    results = []
    for index, (record, pool) in enumerate(zip(records, pools, strict=True)):
        candidates = []
        for state in pool.values():
            value, reasons = score(record, state, partner=partner)
            if value > 0:
                candidates.append(
                    {"id": state["id"], "score": value, "reasons": reasons, "looks_alike": looks_alike(value, reasons), "entity": state}
                )
        candidates.sort(key=lambda c: (-c["score"], c["id"]))
        results.append({"index": index, "chosen": _choose(record, candidates), "candidates": candidates[:limit]})
    answered = _full_states(session, {c["id"] for result in results for c in result["candidates"]})
    for result in results:
        for candidate in result["candidates"]:
            candidate["entity"] = answered[candidate["id"]]
    return results


def match(db, records: list[dict], *, partner: str | None, limit: int = 3) -> dict:
    """POST /entities/match: ``{"results": [...]}`` as ``match_records`` gives them (one read transaction)."""
    search.refresh(db)  # which trigrams are rare (PostgreSQL; a sample, at most every 10 minutes)
    with db.read() as session:
        return {"results": match_records(session, [record_from(r) for r in records], partner=partner, limit=limit)}
