"""The Unified Social Credit Code 统一社会信用代码 (GB 32100-2015).

18 characters from a 31-character alphabet (digits and capitals without I, O,
S, V, Z). The 18th is a check character: with the first 17 weighted by
3**i mod 31, ``check = (31 - sum % 31) % 31``.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, ...
LENGTH = 18


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    if len(first17) != 17:
        raise ValueError("need exactly 17 characters")
    try:
        total = sum(map(int.__mul__, map(_VALUE.__getitem__, first17), WEIGHTS))
    except KeyError as error:
        raise ValueError(f"{error.args[0]!r} is not a USCC character") from None
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why ``code`` is not a valid USCC, or None when it is."""
    if len(code) != LENGTH:
        return f"must be {LENGTH} characters, got {len(code)}"
    bad = sorted(set(code) - _VALUE.keys())
    if bad:
        return f"contains characters outside the GB 32100 alphabet: {''.join(bad)}"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r} but GB 32100 gives {expected!r}"
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None


def complete(first17: str) -> str:
    """A full code from its first 17 characters (used to make sample data)."""
    return first17 + check_character(first17)
