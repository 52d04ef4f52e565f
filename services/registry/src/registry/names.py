"""One normalisation of organisation names, used by search, matching and duplicate hints.

Partners write the same name many ways: full- or half-width brackets and digits
(``（上海）`` / ``(上海)``), upper or lower case, with or without spaces and
punctuation, with or without the legal form (有限公司, Co., Ltd.), with the city
as a prefix (上海 / 上海市) or in brackets. Three forms are derived from a name:

``search_key``  every letter and digit, NFKC-folded and case-folded, nothing else
                (what ``q`` is looked up in: a substring of it matches).
``norm``        ``search_key`` without the trailing legal form, ``上海市`` read as ``上海``
                (two names that differ only in writing are equal here).
``core``        ``norm`` without the Shanghai / China place markers (a leading 上海,
                ``(上海)``, ``(中国)``, ``Shanghai``): the name the organisation is known by.

Sources: Unicode Standard Annex #15 (NFKC folds full-width forms to ASCII);
the legal forms of the PRC Company Law (有限责任公司, 股份有限公司) and their
customary English renderings.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

# Runs of letters and digits (any script); everything else separates them.
_TOKEN = re.compile(r"[^\W_]+")
# Spaces between two CJK characters mean nothing (华 域 视 觉 is 华域视觉).
_CJK_GAP = re.compile(r"(?<=[\u2e80-\u9fff\uf900-\ufaff])\s+(?=[\u2e80-\u9fff\uf900-\ufaff])")

# Chinese legal forms, longest first, stripped from the end of the last token.
_ZH_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "股份公司",
    "总公司",
    "集团",
    "公司",
)
# English legal forms as whole trailing tokens (after case folding).
_EN_FORMS = frozenset(
    {
        "co",
        "company",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "llc",
        "plc",
        "group",
        "gmbh",
        "ag",
        "holdings",
    }
)
# A whole token that is a legal form, in either language (one set lookup).
_WHOLE_FORMS = _EN_FORMS | frozenset(_ZH_FORMS)
# Place markers that are dropped for the core name when they stand as a token of their own
# (``(上海)``, ``Shanghai ... Co.``) or, for 上海, lead the first token.
_PLACE_TOKENS = frozenset({"上海", "上海市", "中国", "shanghai", "china"})
_CITY = "上海"
_CITY_FULL = "上海市"
# A core must say at least this much (see weight) to stand for the name.
_MIN_CORE_WEIGHT = 6


def fold(text: str) -> str:
    """NFKC then case folding: ``'（上海）ＡＢＣ'`` -> ``'(上海)abc'``."""
    return unicodedata.normalize("NFKC", text).casefold()


def tokens(text: str) -> list[str]:
    """The runs of letters and digits of the folded text, in order."""
    return list(_tokens(text))


# Every ASCII character but a letter or digit, as a space: on ASCII text ``_TOKEN``'s runs
# ([^\W_] is [0-9A-Za-z] there) are what ``split()`` leaves once these are spaces.
_ASCII_SEPARATORS = str.maketrans({chr(code): " " for code in range(128) if not chr(code).isalnum()})


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[str, ...]:
    # Cached: one write derives three forms from each name (search_text, norm, core).
    folded = fold(text)
    if folded.isascii():
        # No CJK gap to close, and a translate and split cost half of the regex's findall.
        return tuple(folded.translate(_ASCII_SEPARATORS).split())
    return tuple(_TOKEN.findall(_CJK_GAP.sub("", folded)))


def _canonical_city(token: str) -> str:
    # 上海市X and 上海X name the same thing; keep one spelling.
    return _CITY + token[len(_CITY_FULL) :] if token.startswith(_CITY_FULL) else token


def search_key(text: str | None) -> str:
    """Every letter and digit, folded: what ``q`` is matched against (``''`` for None).

    Nothing is dropped or rewritten, so any run of the name's letters is a substring.
    """
    if not text:
        return ""
    return "".join(tokens(text))


def _strip_forms(parts: list[str]) -> list[str]:
    """``parts`` without trailing legal forms; never strips everything."""
    parts = list(parts)
    while parts:
        last = parts[-1]
        if last in _WHOLE_FORMS:
            if len(parts) == 1:
                break
            parts.pop()
            continue
        if not last.endswith(_ZH_FORMS):  # one C call for the common case: no legal form left
            break
        for form in _ZH_FORMS:  # longest first: the first that ends it is the longest
            if last.endswith(form):
                parts[-1] = last[: -len(form)]
                break
    return parts


def weight(text: str) -> int:
    # How much a name says: a CJK character carries about as much as two Latin letters.
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ch > "\u2e80")


@lru_cache(maxsize=32768)
def norm(text: str | None) -> str:
    """The name without its legal form and with 上海市 read as 上海 (``''`` for None).

    ``'华域视觉科技（上海）有限公司'`` -> ``'华域视觉科技上海'``;
    ``'Huayu Vision Technology (Shanghai) Co., Ltd.'`` -> ``'huayuvisiontechnologyshanghai'``.
    """
    if not text:
        return ""
    parts = [_canonical_city(t) if i == 0 else t for i, t in enumerate(tokens(text))]
    return "".join(_strip_forms(parts))


@lru_cache(maxsize=32768)
def core(text: str | None) -> str:
    """``norm`` without Shanghai/China place markers (``''`` for None).

    ``'上海市华虹宏力半导体制造有限公司'`` and ``'华虹宏力半导体制造（上海）有限公司'``
    both give ``'华虹宏力半导体制造'``. When too little would be left (``'上海电气'`` would
    be ``'电气'``), the core is the ``norm``: a place that is part of the brand stays.
    """
    return _key_and_core(text)[1] if text else ""


def _key_and_core(text: str) -> tuple[str, str]:
    """(``search_key``, ``core``) of a non-empty name from one tokenisation; ``norm`` only
    when the core needs it (too little left without the places)."""
    found = _tokens(text)
    kept = [t for t in _strip_forms(found) if t not in _PLACE_TOKENS]
    if kept and kept[0].startswith(_CITY):
        kept[0] = kept[0][len(_CITY_FULL) :] if kept[0].startswith(_CITY_FULL) else kept[0][len(_CITY) :]
    result = "".join(_strip_forms([t for t in kept if t]))
    if len(result) < _MIN_CORE_WEIGHT and weight(result) < _MIN_CORE_WEIGHT:  # weight >= len: only short ones are counted
        result = norm(text)
    return "".join(found), result


def query_key(q: str) -> str:
    """What a ``q`` is looked for as: its ``search_key`` without a trailing legal form.

    So ``q='华域视觉科技有限公司'`` finds ``'华域视觉科技（上海）有限公司'`` (its key is a
    substring), as ``q='Huayu Vision Co Ltd'`` finds ``'Huayu Vision Technology ...'``.
    """
    parts = [_canonical_city(t) if i == 0 else t for i, t in enumerate(tokens(q))]
    return "".join(_strip_forms(parts))


def query_keys(q: str) -> tuple[str, ...]:
    """The keys a ``q`` is looked for as, any one of them a hit: ``query_key``, and when
    it starts with 上海, its 上海市 spelling too (``()`` when the key is empty).

    ``query_key`` reads a leading 上海市 as 上海 (as ``norm`` does), but the stored
    ``search_key`` keeps the name as written; so ``q='上海市华虹宏力'`` is looked for as
    ``'上海华虹宏力'`` and ``'上海市华虹宏力'``, and finds ``'上海市华虹宏力…有限公司'``
    (by itself, or written 上海华虹宏力) as well as ``'上海华虹宏力…'`` (issue #13).
    This also finds 上海市场… (market), whose 市 the canonical spelling drops.
    """
    key = query_key(q)
    if not key:
        return ()
    if key.startswith(_CITY) and len(key) > len(_CITY):
        return (key, _CITY_FULL + key[len(_CITY) :])
    return (key,)


def search_text(name: str | None, name_zh: str | None) -> str:
    """The stored search column: both names' keys, space-separated (keys have no spaces,
    so a ``q`` key never matches across the two names)."""
    return _search_column(search_key(name), search_key(name_zh))


def _search_column(*keys: str) -> str:
    return " ".join(key for key in keys if key)


def similarity(a: str, b: str, floor: float = 0.0) -> float:
    """0..1, how alike two normalised names are: the normalised Indel similarity,
    2 * LCS(a, b) / (len(a) + len(b)), LCS the longest common subsequence (RapidFuzz's
    ``fuzz.ratio`` / 100; difflib's Ratcliff/Obershelp ratio is the same formula with a
    greedy, never longer, match count, and was 20-40x slower here).

    Below ``floor`` the answer is 0.0: RapidFuzz stops as soon as the pair cannot reach
    it, which is all a caller that discards such pairs needs.
    """
    if not a or not b:
        return 0.0
    return fuzz.ratio(a, b, score_cutoff=floor * 100) / 100


def within_edits(a: str, b: str, limit: int = 2) -> bool:
    """Whether ``a`` becomes ``b`` by at most ``limit`` single-character insertions,
    deletions or substitutions (Levenshtein distance; RapidFuzz stops past ``limit``)."""
    return Levenshtein.distance(a, b, score_cutoff=limit) <= limit


def stored_forms(state: dict) -> dict[str, str | None]:
    """The normalised columns an entity row keeps next to its names (kept on every write)."""
    name, name_zh = state.get("name"), state.get("name_zh")
    key, name_core = _key_and_core(name) if name else ("", "")
    key_zh, name_zh_core = _key_and_core(name_zh) if name_zh else ("", "")
    return {
        "search_text": _search_column(key, key_zh),  # as search_text(name, name_zh) has it
        "name_core": name_core or None,
        "name_zh_core": name_zh_core or None,
    }
