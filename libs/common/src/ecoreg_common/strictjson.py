"""JSON as RFC 8259 defines it, for every request body every service reads.

Python's ``json`` accepts ``NaN``, ``Infinity`` and ``-Infinity``, and reads
``1e400`` as infinity; none of them is JSON, PostgreSQL's ``jsonb`` refuses them
(a 500) and SQLite stores them as text no JSON parser reads back. They are
refused here, at the request boundary, as invalid JSON. A number too long for
Python to read (over 4,300 digits) is refused the same way.
"""

from __future__ import annotations

import json
import math


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for a finite number")
    return value


def loads(text: str | bytes) -> object:
    """``json.loads`` refusing non-finite numbers; raises ``json.JSONDecodeError`` for any invalid input."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as error:  # our refusals, too-long integers, nesting too deep
        raise json.JSONDecodeError(str(error), text if isinstance(text, str) else "", 0) from None
