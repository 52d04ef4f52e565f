"""The services' words, as the pages show them: the registry's for kinds, subtypes, tiers and
entity statuses, metrics' for target statuses.

The registry owns the entity vocabulary (GET /api/v1/vocabulary, its ``names``),
metrics the target statuses of its assessment (GET /api/v1/metrics/vocabulary);
the gateway keeps no copy. Each process remembers the last answer of each for
``REMEMBER_SECONDS`` so a page costs no extra call, and a word a service gains
appears within that time. When a service cannot answer, the keys themselves are
shown (the template's ``.get(key, key)``).
"""

from __future__ import annotations

import threading
import time
import weakref

from gateway.compose.service import Part, fetch
from gateway.proxy.upstreams import Upstream

REMEMBER_SECONDS = 60.0
FAMILIES = ("kinds", "subtypes", "tiers", "statuses")
METRICS_FAMILIES = ("target_statuses",)

_lock = threading.Lock()
# Per upstream object, so two apps in one process (tests) never share what they learnt.
_remembered: weakref.WeakKeyDictionary[Upstream, tuple[float, dict]] = weakref.WeakKeyDictionary()


def _names_of(service: Upstream, path: str, families: tuple[str, ...], timeout_seconds: float) -> dict[str, dict[str, dict[str, str]]]:
    """family -> key -> {name_en, name_zh} from ``path``'s ``names``; the last answer, or empty families, when it does not answer."""
    with _lock:
        cached = _remembered.get(service)
    if cached is not None and time.monotonic() - cached[0] < REMEMBER_SECONDS:
        return cached[1]
    answer = fetch([Part("vocabulary", service, path)], timeout_seconds)["vocabulary"]
    if answer is None:
        return cached[1] if cached is not None else {family: {} for family in families}
    found = {family: dict((answer.get("names") or {}).get(family) or {}) for family in families}
    with _lock:
        _remembered[service] = (time.monotonic(), found)
    return found


def names(registry: Upstream, timeout_seconds: float) -> dict[str, dict[str, dict[str, str]]]:
    """The registry's: kinds, subtypes, tiers, statuses -> key -> {name_en, name_zh}."""
    return _names_of(registry, "/api/v1/vocabulary", FAMILIES, timeout_seconds)


def metrics_names(metrics: Upstream, timeout_seconds: float) -> dict[str, dict[str, dict[str, str]]]:
    """Metrics': target_statuses -> key -> {name_en, name_zh}."""
    return _names_of(metrics, "/api/v1/metrics/vocabulary", METRICS_FAMILIES, timeout_seconds)


def in_language(found: dict[str, dict[str, dict[str, str]]], lang: str) -> dict[str, dict[str, str]]:
    """family -> key -> the name in ``lang`` ("en" or "zh")."""
    return {family: {key: name[f"name_{lang}"] for key, name in table.items()} for family, table in found.items()}
