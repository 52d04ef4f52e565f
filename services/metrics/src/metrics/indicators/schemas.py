from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ecoreg_common.formats import key_pattern
from ecoreg_common.validation import InputSchema, JSONNumber

KEY = validate.Regexp(key_pattern(48), error="must be a lowercase key (a-z, 0-9, _)")


class ObservationWriteSchema(InputSchema):
    value = JSONNumber(required=True, allow_nan=False, validate=validate.Range(min=-1e15, max=1e15))


class ObservationScopeSchema(InputSchema):
    cluster = fields.String(validate=KEY, metadata={"description": "The cluster the value is for; absent for Shanghai as a whole"})


class ObservationListArgsSchema(ObservationScopeSchema):
    include_retired = fields.Boolean(
        load_default=False,
        metadata={"description": "Answer for a retired indicator too (its observations are kept; without this, 404 as after its DELETE)"},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    cursor = fields.String(validate=validate.Length(max=200), metadata={"description": "next_cursor of the previous page"})


class ReportSchema(ma.Schema):
    value = fields.Float()
    source = fields.String(metadata={"description": "Who reported it"})
    recorded_at = fields.String(metadata={"format": "date-time"})


class ObservationSchema(ma.Schema):
    class Meta:
        ordered = True

    indicator = fields.String()
    period = fields.String()
    period_end = fields.String(metadata={"format": "date"})
    cluster = fields.String(allow_none=True)
    value = fields.Float()
    source = fields.String(metadata={"description": "Who reported it"})
    recorded_at = fields.String(metadata={"format": "date-time"})
    reports = fields.List(
        fields.Nested(ReportSchema), metadata={"description": "Every report of this period, oldest first (in PUT answers)"}
    )


class ObservationListSchema(ma.Schema):
    indicator = fields.String()
    unit = fields.String()
    observations = fields.List(fields.Nested(ObservationSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "Pass as cursor for the next page; null on the last"})


class IndicatorSchema(ma.Schema):
    class Meta:
        ordered = True

    key = fields.String()
    title_en = fields.String()
    title_zh = fields.String()
    unit = fields.String()
    frequency = fields.String(metadata={"description": "annual, quarterly or monthly"})
    retired_at = fields.String(allow_none=True, metadata={"format": "date-time", "description": "Set when retired (no new targets)"})
    latest = fields.Nested(ObservationSchema, allow_none=True, metadata={"description": "The newest value reported, for any scope"})


FREQUENCIES = ("annual", "quarterly", "monthly")


class IndicatorWriteSchema(InputSchema):
    title_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title_zh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=32))
    frequency = fields.String(
        load_default="annual", validate=validate.OneOf(FREQUENCIES), metadata={"description": "How often it is reported"}
    )


class IndicatorListArgsSchema(InputSchema):
    include_retired = fields.Boolean(load_default=False, metadata={"description": "List retired indicators too"})


class IndicatorListSchema(ma.Schema):
    indicators = fields.List(fields.Nested(IndicatorSchema))
