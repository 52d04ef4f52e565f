"""The registry's words for kinds, subtypes, tiers and statuses, as the pages show them.

The registry owns the vocabulary (GET /api/v1/vocabulary, its ``names``); the
gateway keeps no copy. Each process remembers the last answer for
``REMEMBER_SECONDS`` so a page costs no extra call, and a word the registry
gains appears within that time. When the registry cannot answer, the keys
themselves are shown (the template's ``.get(key, key)``).
"""

from __future__ import annotations

import threading
import time
import weakref

from gateway.compose.service import Part, fetch
from gateway.proxy.upstreams import Upstream

REMEMBER_SECONDS = 60.0
FAMILIES = ("kinds", "subtypes", "tiers", "statuses")

_lock = threading.Lock()
# Per upstream object, so two apps in one process (tests) never share what they learnt.
_remembered: weakref.WeakKeyDictionary[Upstream, tuple[float, dict]] = weakref.WeakKeyDictionary()


def names(registry: Upstream, timeout_seconds: float) -> dict[str, dict[str, dict[str, str]]]:
    """family -> key -> {name_en, name_zh}; empty families when the registry did not answer."""
    with _lock:
        cached = _remembered.get(registry)
    if cached is not None and time.monotonic() - cached[0] < REMEMBER_SECONDS:
        return cached[1]
    answer = fetch([Part("vocabulary", registry, "/api/v1/vocabulary")], timeout_seconds)["vocabulary"]
    if answer is None:
        return cached[1] if cached is not None else {family: {} for family in FAMILIES}
    found = {family: dict((answer.get("names") or {}).get(family) or {}) for family in FAMILIES}
    with _lock:
        _remembered[registry] = (time.monotonic(), found)
    return found


def in_language(found: dict[str, dict[str, dict[str, str]]], lang: str) -> dict[str, dict[str, str]]:
    """family -> key -> the name in ``lang`` ("en" or "zh")."""
    return {family: {key: name[f"name_{lang}"] for key, name in table.items()} for family, table in found.items()}
