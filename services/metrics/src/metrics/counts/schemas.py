from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ecoreg_common.formats import key_pattern
from ecoreg_common.validation import InputSchema
from metrics.counts.service import GROUPABLE

SLUG = validate.Regexp(key_pattern(48), error="must be a lowercase key (a-z, 0-9, _)")


class CommaList(fields.String):
    """``a,b,c`` in a query string, as a list."""

    def __init__(self, item_validator=None, **kwargs):
        super().__init__(**kwargs)
        self.item_validator = item_validator

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        items = [item.strip() for item in text.split(",") if item.strip()]
        if not items:
            raise ma.ValidationError("give at least one value")
        if self.item_validator:
            for item in items:
                self.item_validator(item)
        return items


class CountFiltersSchema(InputSchema):
    cluster = fields.String(validate=SLUG)
    track = fields.String(validate=validate.Length(min=1, max=48))
    kind = fields.String(validate=SLUG)
    subtype = fields.String(validate=SLUG)
    tier = fields.String(validate=SLUG)
    district = fields.String(validate=SLUG)
    status = CommaList(
        item_validator=SLUG,
        metadata={"description": "One or more statuses (GET /api/v1/vocabulary), comma-separated; counts only active entities when absent"},
    )


class AsOfArgsSchema(InputSchema):
    as_of = fields.String(
        validate=validate.Length(min=10, max=40),
        metadata={"description": "A date (end of that day) or an ISO 8601 instant; Asia/Shanghai unless an offset is given"},
    )


class CountArgsSchema(CountFiltersSchema, AsOfArgsSchema):
    group_by = CommaList(
        item_validator=validate.OneOf(GROUPABLE),
        load_default=list,
        metadata={"description": f"Comma-separated, any of: {', '.join(GROUPABLE)}"},
    )

    @ma.validates("group_by")
    def no_repeats(self, value, **kwargs):
        if len(set(value)) != len(value):
            raise ma.ValidationError("name each dimension once")


class CountGroupSchema(ma.Schema):
    cluster = fields.String()
    track = fields.String()
    kind = fields.String()
    subtype = fields.String(allow_none=True)
    tier = fields.String()
    status = fields.String()
    district = fields.String(allow_none=True)
    count = fields.Integer()
    filter = fields.Dict(metadata={"description": "Every dimension this count is of, statuses spelt out"})
    entities = fields.String(metadata={"description": "The registry list returning exactly these entities (GET, page through it)"})


class CountsSchema(ma.Schema):
    as_of = fields.String(metadata={"description": "With ?as_of: the moment answered, in Asia/Shanghai"})
    links_as_of = fields.String(
        metadata={"description": "With ?as_of: what the entities links list (the registry as it is now, same filters)"}
    )
    as_of_seq = fields.Integer(metadata={"description": "The registry change this answer includes, and all before it"})
    group_by = fields.List(fields.String())
    groups = fields.List(fields.Nested(CountGroupSchema))
