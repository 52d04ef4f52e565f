"""A fast path for loading many items with a marshmallow schema, compiled from that schema.

marshmallow's ``Schema.load`` costs ~40 us per entity-sized item (error
stores, hooks, per-field bookkeeping), which was 40% of a 1,000-item batch.
``compile_loader`` reads a schema's declared fields once and builds plain
functions that do the same checks: the fields' own validators (the very
objects the schema holds, so the rules have one source), the schema's
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
from typing import Any

import marshmallow as ma
from marshmallow import fields
from marshmallow.utils import missing

from ecoreg_common.validation import known_storable_now


class _Doubt(Exception):
    """The item is not plainly valid: let marshmallow judge it."""


Loader = Callable[[Any], Any]


def _validated(loader: Loader, validators: tuple) -> Loader:
    if not validators:
        return loader

    def load(value):
        value = loader(value)
        for validator in validators:
            # marshmallow treats a validator returning False as a failure, like raising.
            if validator(value) is False:
                raise _Doubt
        return value

    return load


def _field_loader(field: fields.Field) -> Loader:
    """One field: the loaded value, or _Doubt / ValidationError."""
    if getattr(field, "pre_load", None) or getattr(field, "post_load", None):
        return field.deserialize  # per-field processors: marshmallow's own order of steps
    allow_none = field.allow_none
    validators = tuple(field.validators)
    kind = type(field)

    if kind is fields.String:

        def load(value):
            if type(value) is not str:
                raise _Doubt
            return value

    elif kind is fields.Integer:

        def load(value):
            if type(value) is not int:  # bool is not int here, as in marshmallow
                raise _Doubt
            return value

    elif kind is fields.Date and field.DESERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT):
        parse = field.DESERIALIZATION_FUNCS[field.format or field.DEFAULT_FORMAT]

        def load(value):
            if type(value) is not str:
                raise _Doubt
            try:
                return parse(value)
            except (TypeError, AttributeError, ValueError):
                raise _Doubt from None

    elif kind is fields.List and field.inner is not None:
        inner = _nullable(_field_loader(field.inner), field.inner.allow_none)

        def load(value):
            if type(value) is not list:
                raise _Doubt
            return [inner(item) for item in value]

    elif kind is fields.Dict and field.value_field is None and (field.key_field is None or type(field.key_field) is fields.String):
        key_validators = tuple(field.key_field.validators) if field.key_field is not None else ()

        def load(value):
            if type(value) is not dict:
                raise _Doubt
            for key in value:
                if type(key) is not str:
                    raise _Doubt
                for validator in key_validators:
                    if validator(key) is False:
                        raise _Doubt
            return dict(value)

        # Mapping runs the field's validators on the result itself; so does _validated.
    else:
        # No shortcut for this class: its own _deserialize (the method custom
        # fields override), then its validators, as Field.deserialize does for a
        # value that is present and not None.
        def load(value):
            return field._deserialize(value, None, None)

    return _nullable(_validated(load, validators), allow_none)


def _nullable(loader: Loader, allow_none: bool) -> Loader:
    def load(value):
        if value is None:
            if allow_none:
                return None
            raise _Doubt
        return loader(value)

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
