"""How ``q`` is looked up on PostgreSQL: a few rare trigrams of its key through the index,
the whole key checked on the rows they find. No Flask in here.

``search_text LIKE '%key%'`` with the pg_trgm GIN index costs, per query, about the
number of rows holding the key's *rarest* trigram times the number of the key's
trigrams: GIN finds the rarest one's rows, then advances every other trigram's
posting list past each of them. A Chinese key's trigrams are rare (thousands of
characters); an English one's are not: ``huazhuohuabiomedicaltechnology`` has 28
trigrams, most of them in every other name (``tec``, ``log``, ``edi``). Measured at
1,000,000 entities (EXPLAIN ANALYZE, bench/README.md): 2,326 index pages and 37 ms for
the whole key, 14 pages and 2.7 ms for two rare trigrams of it with the whole key
rechecked on the rows they find.

Which trigrams are rare is read off a sample of the stored search texts (up to
``SAMPLE_ROWS``, ``TABLESAMPLE SYSTEM``), taken per process and database when a ``q``
first comes and again after ``REFRESH_SECONDS``. The rarest trigrams of the key are
used until the sample predicts fewer than ``ENOUGH_ROWS`` rows hold them all (at most
``MOST_TRIGRAMS``); when it cannot (a key of common words only, or no sample yet), the
whole key goes through the index as before. Which trigrams are used never changes the
answer, only its cost: the whole key is always checked (``strpos``).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, func, text

from registry.tables import entities

SAMPLE_ROWS = 2_000
REFRESH_SECONDS = 600
ENOUGH_ROWS = 50  # predicted rows holding the chosen trigrams; more: add a trigram
MOST_TRIGRAMS = 6


@dataclass(frozen=True)
class Sample:
    """Document frequencies of trigrams in a sample of ``rows`` search texts of a table of about ``total`` rows."""

    rows: int
    total: float
    counts: Counter
    taken_at: float


_samples: dict[str, Sample] = {}
_lock = threading.Lock()


def trigrams(key: str) -> list[str]:
    """The key's trigrams in order, as pg_trgm takes them from a LIKE pattern's run of letters and digits."""
    return [key[start : start + 3] for start in range(len(key) - 2)]


def sample_of(texts: list[str], total: float, now: float) -> Sample:
    """A Sample of these search texts (each name's key counted once per trigram; keys are space-separated)."""
    counts: Counter = Counter()
    for stored in texts:
        counts.update({gram for key in stored.split() for gram in trigrams(key)})
    return Sample(rows=len(texts), total=max(total, float(len(texts))), counts=counts, taken_at=now)


def _database_key(bind) -> str:
    return bind.url.render_as_string(hide_password=True)


def refresh(db) -> None:
    """Take this process's sample of ``db``'s search texts if it has none or it is older than REFRESH_SECONDS.

    Two one-statement reads (the table's size estimate, then the sample) in a read
    transaction of their own, before the list's one-statement read. PostgreSQL only.
    """
    if db.is_sqlite:
        return
    key = _database_key(db.engine)
    now = time.monotonic()
    current = _samples.get(key)
    if current is not None and now - current.taken_at < REFRESH_SECONDS:
        return
    with _lock:
        current = _samples.get(key)
        if current is not None and now - current.taken_at < REFRESH_SECONDS:
            return
        with db.read() as session:
            total = session.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'entities'::regclass")).scalar() or 0.0
            # Twice the rows wanted, as a share of the table's pages: SYSTEM sampling takes whole pages.
            percent = 100.0 if total <= 2 * SAMPLE_ROWS else max(0.001, 100.0 * 2 * SAMPLE_ROWS / total)
            texts = list(
                session.scalars(
                    text("SELECT search_text FROM entities TABLESAMPLE SYSTEM (:percent) WHERE retired_at IS NULL LIMIT :rows"),
                    {"percent": percent, "rows": SAMPLE_ROWS},
                )
            )
        _samples[key] = sample_of(texts, float(total), now)


def _ranked(key: str, sample: Sample) -> list[str]:
    """The key's distinct trigrams, rarest first, those overlapping a rarer one pushed back.

    Overlapping trigrams share two characters, so they are found together (``aoz``,
    ``ozi``): a second one says little more than the first. Trigrams apart from each
    other come first, each the rarest left that overlaps none taken.
    """
    positions: dict[str, list[int]] = {}
    for start, gram in enumerate(trigrams(key)):
        positions.setdefault(gram, []).append(start)
    rarest = sorted(positions, key=lambda gram: (sample.counts.get(gram, 0), positions[gram][0]))
    apart: list[str] = []
    taken: list[int] = []
    for gram in rarest:
        if all(abs(start - other) >= 3 for start in positions[gram] for other in taken):
            apart.append(gram)
            taken.extend(positions[gram])
    return apart + [gram for gram in rarest if gram not in apart]


def rare_trigrams(key: str, sample: Sample | None) -> list[str] | None:
    """The key's trigrams to look up through the index, rarest first; None: use the whole key.

    A trigram the sample never saw is taken to be in half a sampled row's share of the
    table. Trigrams (apart from each other first: ``_ranked``) are added until the table
    is predicted to hold fewer than ENOUGH_ROWS rows with all of them (their shares
    multiplied: independence assumed, which overlapping trigrams are not).
    """
    if sample is None or sample.rows == 0 or len(set(trigrams(key))) <= 2:
        return None
    chosen: list[str] = []
    predicted = sample.total
    for gram in _ranked(key, sample)[:MOST_TRIGRAMS]:
        chosen.append(gram)
        predicted *= max(sample.counts.get(gram, 0), 0.5) / sample.rows
        if predicted < ENOUGH_ROWS:
            return chosen
    return None


def sample_for(session) -> Sample | None:
    """This process's sample of the session's database, if one was taken (``refresh``)."""
    return _samples.get(_database_key(session.get_bind()))


def is_common(key: str, sample: Sample | None) -> bool:
    """Whether the sample predicts ENOUGH_ROWS or more rows holding all of the key's
    MOST_TRIGRAMS rarest trigrams: a piece of a name that says little (技术中心, technology)."""
    if sample is None or sample.rows == 0 or len(set(trigrams(key))) <= 2:
        return False
    return rare_trigrams(key, sample) is None


def contains_key(session, key: str):
    """The WHERE condition for "the search text holds ``key``" on PostgreSQL (key: letters and digits only)."""
    chosen = rare_trigrams(key, sample_for(session))
    if chosen is None:
        return entities.c.search_text.like(f"%{key}%")
    # The chosen trigrams through the index; strpos, which no index answers, checks the whole key on what they find.
    return and_(*(entities.c.search_text.like(f"%{gram}%") for gram in chosen), func.strpos(entities.c.search_text, key) > 0)
