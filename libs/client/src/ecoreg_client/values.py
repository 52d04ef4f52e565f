"""Cell values as people write them -> the registry's keys (浦东新区 -> pudong, 未来能源 -> energy, 国家级 -> national, 企业 -> enterprise).

Published lists name districts, clusters, tracks, kinds, subtypes, tiers and
statuses in Chinese or English; the registry wants keys. The names come from the
registry itself, one source (``GET /api/v1/vocabulary`` for districts and the
``names`` of kinds, subtypes, tiers and statuses; ``GET /api/v1/clusters`` for
clusters and tracks), fetched only when a file holds a value that is not already
a key. Only the short forms people write (国家 for 国家级, 无, a singular English
kind) are derived here.
A value that matches no name is sent as it is, so the registry's error names
the allowed values.
"""

from __future__ import annotations

import re
import unicodedata

# How people write "no tier" besides the registry's own name for it (其他).
TIER_ALIASES = {"无": "none"}
TRANSLATED = ("district", "clusters", "tracks", "kind", "subtype", "tier", "status")
KEY = re.compile(r"^[a-z0-9_]+$")


def _fold(text: str) -> str:
    """Case, width (NFKC) and spaces do not matter when comparing names."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def needs_names(entities: list[dict]) -> bool:
    """Whether any district, cluster, track or tier in ``entities`` is not written as a key."""
    for entity in entities:
        for name in TRANSLATED:
            value = entity.get(name)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and not KEY.match(item):
                    return True
    return False


def names(vocabulary: dict, clusters: list[dict]) -> dict[str, dict[str, str]]:
    """field -> {folded name: key} from the registry's vocabulary and clusters answers."""
    table: dict[str, dict[str, str]] = {
        "district": {},
        "clusters": {},
        "tracks": {},
        "kind": {},
        "subtype": {},
        "tier": {_fold(k): v for k, v in TIER_ALIASES.items()},
        "status": {},
    }

    def add(field: str, key: str, *written: str | None) -> None:
        for text in written:
            if text:
                table[field].setdefault(_fold(text), key)

    for district in vocabulary.get("districts", []):
        if isinstance(district, dict) and "key" in district:
            zh, en = district.get("name_zh") or "", district.get("name_en") or ""
            # 浦东新区 is often written 浦东, 闵行区 as 闵行, "Pudong New Area" as Pudong.
            add("district", district["key"], zh, en, zh.removesuffix("新区").removesuffix("区"), en.removesuffix(" New Area"))
    named = vocabulary.get("names") or {}
    for key, written in named.get("tiers", {}).items():
        zh, en = written.get("name_zh") or "", written.get("name_en") or ""
        # 国家级 is often written 国家, 市级 as 市.
        add("tier", key, zh, en, zh.removesuffix("级"))
    for key, written in named.get("kinds", {}).items():
        en = written.get("name_en") or ""
        # The registry names kinds in the plural (enterprises, facilities); a cell says one.
        singular = en[:-3] + "y" if en.endswith("ies") else en.removesuffix("s")
        add("kind", key, written.get("name_zh"), en, singular)
    for field, section in (("subtype", "subtypes"), ("status", "statuses")):
        for key, written in named.get(section, {}).items():
            add(field, key, written.get("name_zh"), written.get("name_en"))
    for cluster in clusters:
        add("clusters", cluster["key"], cluster.get("name_zh"), cluster.get("name_en"))
        for track in cluster.get("tracks", []):
            add("tracks", track["key"], track.get("name_zh"), track.get("name_en"))
    return table


def translate(entity: dict, table: dict[str, dict[str, str]]) -> dict:
    """``entity`` with names in the translated fields replaced by their keys (others unchanged)."""
    out = dict(entity)
    for field in TRANSLATED:
        value = out.get(field)
        if isinstance(value, list):
            out[field] = [table[field].get(_fold(item), item) if not KEY.match(item) else item for item in value]
        elif isinstance(value, str) and not KEY.match(value):
            out[field] = table[field].get(_fold(value), value)
    return out
