"""Figures with their units, in the reader's language.

Targets and indicators carry an English unit (``billion CNY``, ``vehicles``...).
The Chinese page shows the unit a Chinese reader expects, which for money is a
different scale: 500 billion yuan is 5000 亿元 (1 亿 = 10^8, so 1 billion = 10 亿),
as the plan itself writes it ("5000亿元左右"). A unit we do not know is shown
as it came, unscaled.
"""

from __future__ import annotations

import math

# English unit -> (Chinese unit, factor from the English figure to the Chinese one)
CHINESE_UNITS: dict[str, tuple[str, float]] = {
    "billion CNY": ("亿元", 10.0),
    "million CNY": ("万元", 100.0),
    "CNY": ("元", 1.0),
    "vehicles": ("辆", 1.0),
    "stations": ("座", 1.0),
    "zones": ("个", 1.0),
    "centres": ("家", 1.0),
    "colleges": ("家", 1.0),
    "platforms": ("家", 1.0),
    "enterprises": ("家", 1.0),
    "entities": ("个", 1.0),
    "percent": ("%", 1.0),
}


def number(value: float | int | None) -> str:
    """A figure as people write it: ``8,234,567``, ``166.67``, ``0.5``; "—" when unknown or not finite.

    Whole numbers get thousands separators and no decimals; others at most two
    decimals with trailing zeros dropped (never exponent notation).
    """
    if value is None or isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def unit_in(unit: str | None, lang: str) -> tuple[str, float]:
    """(the unit as shown in ``lang``, the factor that converts the figure to it)."""
    if not unit:
        return "", 1.0
    if lang == "zh" and unit in CHINESE_UNITS:
        return CHINESE_UNITS[unit]
    return unit, 1.0


def figure(value: float | int | None, unit: str | None, lang: str) -> dict:
    """``{"number": "5,000", "unit": "亿元", "scale": 10.0}`` for 500 billion CNY on the Chinese page.

    ``scale`` is what the page's script multiplies a live value by, so the
    figure it writes is in the same unit as the one rendered on the server.
    """
    shown, scale = unit_in(unit, lang)
    scaled = None if value is None or isinstance(value, bool) or not isinstance(value, int | float) else value * scale
    return {"number": number(scaled), "unit": shown, "scale": scale}
