"""Reading settings from environment variables, the one way every service does it.

Each service declares its settings once, in its own ``config.py``: one
``setting(...)`` per field of a frozen dataclass names the variable, the default
and the lower bound; ``from_environment`` reads them all, parsing each by the
field's type. Conventions: durations end in ``_SECONDS`` (floats allowed),
sizes in ``_BYTES``.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the service must not start."""


def env_str(name: str, default: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    if value is None or value == "":
        return default
    return value


def env_int(name: str, default: int, environ: Mapping[str, str] | None = None, minimum: int | None = None) -> int:
    raw = env_str(name, None, environ)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def env_float(name: str, default: float, environ: Mapping[str, str] | None = None, minimum: float | None = None) -> float:
    """A finite number (durations in seconds, for instance)."""
    raw = env_str(name, None, environ)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"{name} must be a finite number, got {raw!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    raw = env_str(name, None, environ)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (true/false), got {raw!r}")


def setting(variable: str, default: Any, *, minimum: float | None = None) -> Any:
    """Declare a dataclass field read from the environment variable ``variable``.

    ``default`` applies when the variable is unset or empty; ``minimum`` bounds numbers.
    """
    return dataclasses.field(default=default, metadata={"variable": variable, "minimum": minimum})


def variables(cls: type) -> dict[str, str]:
    """field name -> environment variable, for every ``setting`` of the dataclass ``cls``."""
    return {f.name: f.metadata["variable"] for f in dataclasses.fields(cls) if "variable" in f.metadata}


def from_environment(cls: type[T], environ: Mapping[str, str] | None = None) -> T:
    """An instance of the settings dataclass ``cls`` with every ``setting`` read from ``environ``
    (the process environment by default); ConfigError names the variable that is malformed."""
    environ = os.environ if environ is None else environ
    hints = typing.get_type_hints(cls)
    values = {}
    for field in dataclasses.fields(cls):
        if "variable" not in field.metadata:
            continue
        name, minimum, kind = field.metadata["variable"], field.metadata["minimum"], hints[field.name]
        if kind is int:
            values[field.name] = env_int(name, field.default, environ, minimum=minimum)
        elif kind is float:
            values[field.name] = env_float(name, field.default, environ, minimum=minimum)
        elif kind is bool:
            values[field.name] = env_bool(name, field.default, environ)
        else:  # str, or str | None
            values[field.name] = env_str(name, field.default, environ)
    return cls(**values)
