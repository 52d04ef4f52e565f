"""A fast path for loading many items with a marshmallow schema, compiled from that schema.

marshmallow's ``Schema.load`` costs ~40 us per entity-sized item (error
stores, hooks, per-field bookkeeping), which was 40% of a 1,000-item batch.
``compile_loader`` reads a schema's declared fields once and builds plain
functions that do the same checks: the fields' own validators (the very
objects the schema holds, so the rules have one source: marshmallow's OneOf,
Length, Regexp and Range are read for their parameters and tested inline,
any other validator is called), the schema's
``pre_load`` hooks, required and unknown keys, and the type checks of the
common field classes. Any field class it has no shortcut for is loaded by the
field's own ``deserialize``.

The fast path only ever *accepts*: when an item passes every check it returns
what ``Schema.load`` would have returned; on the first doubt (a check fails,
a type is unusual) it returns ``None`` and the caller loads the item with
marshmallow, which then produces marshmallow's exact errors. So errors, the
OpenAPI document and the accepted set of inputs stay marshmallow's; a test
compares the two on generated inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate
from marshmallow.utils import missing

from ecoreg_common.validation import known_storable_now


class _Doubt(Exception):
    """The item is not plainly valid: let marshmallow judge it."""


Loader = Callable[[Any], Any]


def _check(validator, value_types: tuple[type, ...]) -> Callable[[Any], bool]:
    """``validator`` as a test that is True exactly when it accepts a value of one of ``value_types``.

    marshmallow's own OneOf, Length, Regexp and Range (exactly those classes) are read for
    their parameters and tested here without their call and message machinery; any other
    validator is called, a ``False`` result taken as a failure as marshmallow takes it (a
    ValidationError it raises ends the fast path the same way).
    """
    kind = type(validator)
    if kind is validate.OneOf and value_types and all(type(choice) in value_types for choice in validator.choices):
        # Values and choices of one hashable kind (str, int): membership is the same question.
        return frozenset(validator.choices).__contains__
    if kind is validate.Length:
        low, high, equal = validator.min, validator.max, validator.equal
        if equal is not None:
            return lambda value: len(value) == equal
        low = 0 if low is None else low
        if high is None:
            return lambda value: len(value) >= low
        return lambda value: low <= len(value) <= high
    if kind is validate.Regexp:
        match = validator.regex.match
        return lambda value: match(value) is not None
    if kind is validate.Range and value_types:
        low, high, low_in, high_in = validator.min, validator.max, validator.min_inclusive, validator.max_inclusive

        def within(value) -> bool:
            if low is not None and (value < low if low_in else value <= low):
                return False
            return not (high is not None and (value > high if high_in else value >= high))

        return within
    return lambda value: validator(value) is not False


def _field_loader(field: fields.Field) -> Loader:
    """One field: the loaded value, or _Doubt / ValidationError. One function per field, None and
    the type checked first, then the field's validators (``_check``) in order."""
    if getattr(field, "pre_load", None) or getattr(field, "post_load", None):
        return field.deserialize  # per-field processors: marshmallow's own order of steps
    allow_none = field.allow_none
    kind = type(field)
    value_types: tuple[type, ...] = {fields.String: (str,), fields.Integer: (int,), fields.Date: (date,)}.get(kind, ())
    checks = tuple(_check(validator, value_types) for validator in field.validators)

    def checked(value):
        for check in checks:
            if not check(value):
                raise _Doubt
        return value

    if kind is fields.String:

        def load(value):
            if type(value) is not str:
                if value is None and allow_none:
                    return None
                raise _Doubt
            for check in checks:
                if not check(value):
                    raise _Doubt
            return value

        return load

    if kind is fields.Integer:

        def load(value):
            if type(value) is not int:  # bool is not int here, as in marshmallow
                if value is None and allow_none:
                    return None
                raise _Doubt
            for check in checks:
                if not check(value):
                    raise _Doubt
            return value

        return load

    if kind is fields.Date and field.DESERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT):
        parse = field.DESERIALIZATION_FUNCS[field.format or field.DEFAULT_FORMAT]

        def parsed(value):
            if type(value) is not str:
                raise _Doubt
            try:
                return parse(value)
            except (TypeError, AttributeError, ValueError):
                raise _Doubt from None

    elif kind is fields.List and field.inner is not None:
        inner = _field_loader(field.inner)  # None and all, as for a field of its own

        def parsed(value):
            if type(value) is not list:
                raise _Doubt
            return [inner(item) for item in value]

    elif kind is fields.Dict and field.value_field is None and (field.key_field is None or type(field.key_field) is fields.String):
        key_checks = tuple(_check(validator, (str,)) for validator in field.key_field.validators) if field.key_field is not None else ()

        def parsed(value):
            if type(value) is not dict:
                raise _Doubt
            for key in value:
                if type(key) is not str:
                    raise _Doubt
                for check in key_checks:
                    if not check(key):
                        raise _Doubt
            return dict(value)

        # Mapping runs the field's validators on the result itself; so does checked.
    else:
        # No shortcut for this class: its own _deserialize (the method custom
        # fields override), then its validators, as Field.deserialize does for a
        # value that is present and not None.
        def parsed(value):
            return field._deserialize(value, None, None)

    def load(value):
        if value is None:
            if allow_none:
                return None
            raise _Doubt
        return checked(parsed(value))

    return load


def compile_loader(schema: ma.Schema) -> Callable[[Any], dict | None] | None:
    """A function item -> loaded dict, or None when marshmallow must judge the item.

    Returns None instead of a function when the schema uses something this
    module cannot reproduce exactly (post_load or validates hooks, partial or
    only/exclude options, an unknown policy other than RAISE, dump-only
    trickery); callers then always use ``schema.load``.
    """
    hooks = {tag for tag, registered in schema._hooks.items() if registered}
    if hooks - {"pre_load"} or schema.partial or schema.only is not None or schema.exclude:
        return None
    if (schema.unknown or schema.opts.unknown) != ma.RAISE:
        return None
    loaders: dict[str, tuple[str, Loader]] = {}
    required: list[str] = []
    defaults: list[tuple[str, Any]] = []
    for name, field in schema.load_fields.items():
        key = field.data_key if field.data_key is not None else name
        attribute = field.attribute or name
        loaders[key] = (attribute, _field_loader(field))
        if field.required:
            required.append(key)
        elif field.load_default is not missing:
            defaults.append((attribute, field.load_default))
    pre_load_hooks = schema._hooks.get("pre_load") or []
    pre_load = bool(pre_load_hooks)
    # Hooks that have nothing to do while a body known to be storable is loaded (the unstorable-text
    # walk): when they are the only ones, marshmallow's dispatch is not even entered then.
    skippable = all(getattr(getattr(schema, name), "skipped_when_known_storable", False) for name, _many, _kwargs in pre_load_hooks)

    def load(data: Any) -> dict | None:
        if type(data) is not dict:
            return None
        try:
            if pre_load and not (skippable and known_storable_now()):
                data = schema._invoke_load_processors("pre_load", data, many=False, original_data=data, partial=None, unknown=ma.RAISE)
                if type(data) is not dict:
                    return None
            for key in required:
                if key not in data:
                    return None
            out = {}
            for key, value in data.items():
                entry = loaders.get(key)
                if entry is None:
                    return None  # an unknown field: marshmallow says so
                out[entry[0]] = entry[1](value)
            for attribute, default in defaults:
                if attribute not in out:
                    out[attribute] = default() if callable(default) else default
            return out
        except (_Doubt, ma.ValidationError):
            return None

    return load
