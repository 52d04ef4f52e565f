"""Input rules every service's schemas share.

Text that PostgreSQL cannot store (NUL characters) or that is not valid Unicode
(lone surrogates from ``\\ud800`` escapes) is refused at the door as a field
error, instead of failing deep in the database with a 500.
"""

from __future__ import annotations

from collections.abc import Mapping

import marshmallow as ma

MAX_DEPTH = 32


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text (a lone surrogate)"
    return None


def unstorable_text(value: object, path: str = "", depth: int = 0) -> dict[str, list[str]]:
    """Field path -> messages for every string (or key) in ``value`` that cannot be stored."""
    if depth > MAX_DEPTH:
        return {path or "_schema": [f"is nested more than {MAX_DEPTH} levels deep"]}
    problems: dict[str, list[str]] = {}
    if isinstance(value, str):
        problem = _text_problem(value)
        if problem:
            problems[path or "_schema"] = [problem]
    elif isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            child = f"{path}.{key_text}" if path else key_text
            problem = _text_problem(key_text)
            if problem:
                problems.setdefault(path or "_schema", []).append(f"a key {problem}")
                continue
            problems.update(unstorable_text(item, child, depth + 1))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems.update(unstorable_text(item, f"{path}.{index}" if path else str(index), depth + 1))
    return problems


class InputSchema(ma.Schema):
    """Base for every request schema (bodies and query strings)."""

    @ma.pre_load
    def refuse_unstorable_text(self, data, **kwargs):
        if isinstance(data, Mapping):  # a JSON object, or webargs' view of a query string
            problems = unstorable_text(dict(data))
            if problems:
                raise ma.ValidationError(problems)
        return data
