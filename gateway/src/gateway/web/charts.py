"""Inline SVG for the dashboard, drawn by our own code (no library, no CDN). Pure functions.

Everything here returns numbers and strings for the templates; colours come
from CSS classes in the page's own (nonce'd) style, so the pages need no
``style`` attribute, which the Content-Security-Policy would refuse.
"""

from __future__ import annotations

import math


def _finite(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) else None


def progress(target: dict) -> dict:
    """The numbers a target's progress bar needs, as percentages of the target value (0 to 100).

    ``done`` is the current value, ``expected`` where a straight path from the
    baseline would be by today; None where unknown (or not a finite number).
    """
    value = _finite(target.get("target_value")) or 0.0
    current = _finite(target.get("current_value"))
    done = None if current is None or not value else max(0.0, min(100.0, current / value * 100))
    expected = None
    expected_progress = _finite(target.get("expected_progress"))
    if expected_progress is not None and value:
        baseline = _finite(target.get("baseline_value")) or 0.0
        expected = max(0.0, min(100.0, (baseline + expected_progress * (value - baseline)) / value * 100))
    return {"done": None if done is None else round(done, 1), "expected": None if expected is None else round(expected, 1)}


def share(part, whole) -> dict:
    """A share bar: ``{"percent": 14.3, "width": 14.3, "label": "14.3%"}`` for 3 of 21.

    ``width`` (0 to 100, the bar's length) is at least 0.5 when ``part`` is
    above 0, so 13 of 20,000 is still visible; the label is the true share,
    with enough decimals that a small one does not read as 0%. None when the
    whole is unknown or 0.
    """
    part, whole = _finite(part), _finite(whole)
    if part is None or not whole:
        return {"percent": None, "width": 0.0, "label": "—"}
    percent = part / whole * 100
    width = max(0.0, min(100.0, percent))
    if part > 0:
        width = max(width, 0.5)
    if percent == 0 or percent >= 10:
        label = f"{percent:.0f}%"
    elif percent >= 1:
        label = f"{percent:.1f}%"
    else:
        label = f"{percent:.2g}%"
    return {"percent": round(percent, 4), "width": round(width, 2), "label": label}


def trend(points: list[dict], width: int = 160, height: int = 36) -> dict:
    """A daily series (``[{"day": "2026-11-30", "value": 12}, ...]``) drawn as a sparkline.

    Renders from day one: one point is a dot with its value, two or more a line
    with a dot on the newest (at the right edge for a single point). Returns ``{"points": "x,y ...", "dot": (x, y) or
    None, "first": day, "last": day, "first_value", "last_value"}``; ``points``
    is "" for fewer than two points. Non-finite values are skipped.
    """
    usable = [(p.get("day"), _finite(p.get("value"))) for p in points or []]
    usable = [(day, value) for day, value in usable if value is not None]
    if not usable:
        return {"points": "", "dot": None, "first": None, "last": None, "first_value": None, "last_value": None}
    values = [value for _, value in usable]
    low, high = min(values), max(values)
    span = high - low
    # 4 units of margin either side, so the newest day's dot is not cut by the edge.
    step = (width - 8) / (len(values) - 1) if len(values) > 1 else 0.0

    def y(value: float) -> float:
        # A flat series sits in the middle, not on the floor.
        return height / 2 if not span else height - 3 - (value - low) / span * (height - 6)

    # One point sits at the right edge: the newest day, with the (empty) past to its left.
    coordinates = [(4 + i * step if len(values) > 1 else width - 4, y(v)) for i, v in enumerate(values)]
    return {
        "points": " ".join(f"{x:.1f},{y_:.1f}" for x, y_ in coordinates) if len(values) > 1 else "",
        "dot": (round(coordinates[-1][0], 1), round(coordinates[-1][1], 1)),
        "first": usable[0][0],
        "last": usable[-1][0],
        "first_value": values[0],
        "last_value": values[-1],
    }


# Shanghai's 16 districts on a tile grid (column, row), north up, each tile
# roughly where the district lies: Chongming the island in the north, Pudong
# east of the Huangpu river, the central districts together, Jinshan in the
# south-west. A tile map shows every district at the same size, so a small
# central district with many entities is as visible as a large outer one.
DISTRICT_TILES: dict[str, tuple[int, int]] = {
    "chongming": (4, 0),
    "jiading": (1, 1),
    "baoshan": (3, 1),
    "qingpu": (0, 2),
    "putuo": (1, 2),
    "jingan": (2, 2),
    "hongkou": (3, 2),
    "yangpu": (4, 2),
    "changning": (1, 3),
    "huangpu": (2, 3),
    "pudong": (3, 3),
    "songjiang": (0, 4),
    "minhang": (1, 4),
    "xuhui": (2, 4),
    "jinshan": (0, 5),
    "fengxian": (2, 5),
}
TILE = 64
GAP = 4
HEAT_STEPS = 5


def district_tiles(counts: dict[str, int], districts: list[dict], lang: str) -> dict:
    """The tiles of a district map: one per district, shaded by its count.

    ``counts`` is district key -> count (districts without entities may be
    absent); ``districts`` the vocabulary's ``[{"key", "name_en", "name_zh"}]``.
    Each tile: ``{"key", "x", "y", "size", "name", "full_name", "count",
    "heat"}`` where ``heat`` is 0 (none) to 5 (the largest count), by the share
    of the largest count. Returns ``{"tiles", "width", "height", "most"}``.
    """
    most = max([c for c in counts.values() if isinstance(c, int)] or [0])
    tiles = []
    places = []
    first_free = 1 + max((c for c, _ in DISTRICT_TILES.values()), default=-1)
    unplaced = 0
    for district in districts:
        key = district["key"]
        if key in DISTRICT_TILES:
            column, row = DISTRICT_TILES[key]
        else:
            # A district the registry gained and this map does not place yet: in the columns to the
            # east of the map, six to a column, so it is drawn (and counted) until it has its place.
            column, row = first_free + unplaced // 6, unplaced % 6
            unplaced += 1
        places.append((column, row))
        count = counts.get(key, 0) or 0
        heat = 0 if not count or not most else max(1, math.ceil(count / most * HEAT_STEPS))
        full = district["name_zh"] if lang == "zh" else district["name_en"]
        tiles.append(
            {
                "key": key,
                "x": column * (TILE + GAP),
                "y": row * (TILE + GAP),
                "size": TILE,
                "name": _short(full, lang),
                "full_name": full,
                "count": count,
                "heat": heat,
            }
        )
    columns = 1 + max((c for c, _ in [*DISTRICT_TILES.values(), *places]), default=0)
    rows = 1 + max((r for _, r in [*DISTRICT_TILES.values(), *places]), default=0)
    return {"tiles": tiles, "width": columns * (TILE + GAP) - GAP, "height": rows * (TILE + GAP) - GAP, "most": most}


def _short(name: str, lang: str) -> str:
    """The name that fits on a tile: 浦东新区 -> 浦东, 黄浦区 -> 黄浦, "Pudong New Area" -> "Pudong"."""
    if lang == "zh":
        for suffix in ("新区", "区"):
            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                return name[: -len(suffix)]
        return name
    return name.removesuffix(" New Area")
