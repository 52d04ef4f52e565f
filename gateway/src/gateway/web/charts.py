"""Inline SVG for the dashboard, drawn by our own code (no library, no CDN). Pure functions."""

from __future__ import annotations


def progress(target: dict) -> dict:
    """The numbers a target's progress bar needs, as percentages of the target value (0 to 100).

    ``done`` is the current value, ``expected`` where a straight path from the
    baseline would be by today; None where unknown.
    """
    value = target.get("target_value") or 0
    current = target.get("current_value")
    done = None if current is None or not value else max(0.0, min(100.0, current / value * 100))
    expected = None
    if target.get("expected_progress") is not None and value:
        baseline = target.get("baseline_value") or 0.0
        expected = max(0.0, min(100.0, (baseline + target["expected_progress"] * (value - baseline)) / value * 100))
    return {"done": None if done is None else round(done, 1), "expected": None if expected is None else round(expected, 1)}


def sparkline(values: list[float], width: int = 160, height: int = 36) -> str:
    """SVG polyline points for a series, scaled to the box; "" for fewer than two points."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in enumerate(values))
