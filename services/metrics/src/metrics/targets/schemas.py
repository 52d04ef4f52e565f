from __future__ import annotations

from datetime import date

import marshmallow as ma
from marshmallow import fields, validate

from ecoreg_common.formats import key_pattern
from ecoreg_common.validation import InputSchema, JSONNumber, date_range, visible_text
from metrics.counts.schemas import AsOfArgsSchema
from metrics.counts.service import FILTERABLE
from metrics.targets.attainment import STATUSES

KEY = validate.Regexp(key_pattern(64), error="must be a lowercase key (a-z, 0-9, _)")
# Cluster keys are at most 32 characters (the clusters table); which exist is checked against it (service).
CLUSTER = validate.Regexp(key_pattern(32), error="must be a cluster key (a-z, 0-9, _; at most 32)")
# The plan's horizon with room either side; year 1 or 9999 is a slip, not a deadline.
PLAN_DATES = date_range(date(2000, 1, 1), date(2100, 12, 31))
TEXT = [validate.Length(min=1, max=200), visible_text]


def _count_filter(value: dict) -> None:
    unknown = sorted(set(value) - set(FILTERABLE))
    if unknown:
        raise ma.ValidationError(f"unknown filter key(s): {', '.join(unknown)}; allowed: {', '.join(FILTERABLE)}")
    for name, item in value.items():
        items = item if isinstance(item, list) else [item]
        if not items or not all(isinstance(i, str) and 0 < len(i) <= 48 for i in items):
            raise ma.ValidationError(f"{name} must be a key or a non-empty list of keys")
        # Values are the registry's vocabulary (GET /api/v1/vocabulary); the service refuses unknown ones.


class TargetWriteSchema(InputSchema):
    title_en = fields.String(required=True, validate=TEXT)
    title_zh = fields.String(required=True, validate=TEXT)
    cluster = fields.String(allow_none=True, validate=CLUSTER, metadata={"description": "A key from GET /api/v1/clusters"})
    measure = fields.String(required=True, validate=validate.OneOf(("count", "indicator")))
    filter = fields.Dict(
        keys=fields.String(),
        validate=_count_filter,
        metadata={"description": "For a count: kind, subtype, tier, cluster, track, district, status (a key or a list)"},
    )
    indicator_key = fields.String(allow_none=True, validate=KEY, metadata={"description": "For an indicator target"})
    target_value = JSONNumber(required=True, allow_nan=False, validate=validate.Range(min=-1e15, max=1e15))
    target_max = JSONNumber(
        allow_none=True,
        allow_nan=False,
        validate=validate.Range(min=-1e15, max=1e15),
        metadata={"description": "High end of a range; met at target_value"},
    )
    baseline_value = JSONNumber(allow_none=True, allow_nan=False, validate=validate.Range(min=-1e15, max=1e15))
    baseline_date = fields.Date(allow_none=True, validate=PLAN_DATES, metadata={"description": "From 2000-01-01 to 2100-12-31"})
    deadline = fields.Date(required=True, validate=PLAN_DATES, metadata={"description": "From 2000-01-01 to 2100-12-31"})
    unit = fields.String(required=True, validate=[validate.Length(min=1, max=32), visible_text])
    direction = fields.String(load_default="increase", validate=validate.OneOf(("increase", "decrease")))
    note = fields.String(allow_none=True, validate=validate.Length(max=300))
    headline = fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=100),
        metadata={
            "description": "Among the plan's headline targets (the dashboard's top row) at this position, 1 first; null or absent: not one"
        },
    )


class TargetCreateSchema(TargetWriteSchema):
    key = fields.String(required=True, validate=KEY)


class TargetListArgsSchema(AsOfArgsSchema):
    cluster = fields.String(validate=CLUSTER)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    cursor = fields.String(validate=validate.Length(max=200), metadata={"description": "next_cursor of the previous page"})


class TargetSchema(ma.Schema):
    class Meta:
        ordered = True

    key = fields.String()
    title_en = fields.String()
    title_zh = fields.String()
    cluster = fields.String(allow_none=True)
    measure = fields.String()
    filter = fields.Dict()
    indicator_key = fields.String(allow_none=True)
    target_value = fields.Float()
    target_max = fields.Float(allow_none=True)
    baseline_value = JSONNumber(allow_none=True)
    baseline_date = fields.String(allow_none=True, metadata={"format": "date"})
    deadline = fields.String(metadata={"format": "date"})
    unit = fields.String()
    direction = fields.String()
    note = fields.String(allow_none=True)
    headline = fields.Integer(
        allow_none=True, metadata={"description": "Position among the plan's headline targets, 1 first; null: not one"}
    )
    updated_at = fields.String(metadata={"format": "date-time"})
    method = fields.String(metadata={"description": "open_sdg_cagr (indicator targets) or linear_path (count targets); see the README"})
    status = fields.String(metadata={"description": f"One of {', '.join(STATUSES)}; not_achieved: the deadline passed unmet"})
    current_value = fields.Float(allow_none=True)
    current_date = fields.String(
        allow_none=True, metadata={"format": "date", "description": "The latest observation's period end; for a count the day assessed"}
    )
    base_value = fields.Float(
        allow_none=True, metadata={"description": "Where the rates start from (the baseline, or the earliest observation)"}
    )
    base_date = fields.String(allow_none=True, metadata={"format": "date"})
    as_of = fields.String(metadata={"description": "With ?as_of: the moment answered, in Asia/Shanghai"})
    assessed_on = fields.String(metadata={"format": "date", "description": "The day the status is for"})
    links_as_of = fields.String(
        metadata={"description": "With ?as_of: what the entities links list (the registry as it is now, same filters)"}
    )
    required_rate = fields.Float(
        allow_none=True, metadata={"description": "CAGR (fraction per year) or units per year needed from base to target"}
    )
    observed_rate = fields.Float(
        allow_none=True, metadata={"description": "CAGR (fraction per year) or units per year observed from base to current"}
    )
    ratio = fields.Float(allow_none=True, metadata={"description": "observed_rate / required_rate, compared with the thresholds"})
    thresholds = fields.Dict(
        keys=fields.String(),
        values=fields.Float(),
        metadata={"description": "Open SDG method 2: on_track 0.95, acceleration_needed 0.6, limited 0"},
    )
    attainment = fields.Float(allow_none=True, metadata={"description": "current / target (target / current when decreasing)"})
    progress = fields.Float(allow_none=True, metadata={"description": "Share of the way from base to target covered"})
    expected_progress = fields.Float(
        allow_none=True, metadata={"description": "linear_path: share of the time from base date to deadline elapsed"}
    )
    deadline_passed = fields.Boolean()
    entities = fields.String(allow_none=True, metadata={"description": "Count targets: the registry list of the entities counted"})
    observations = fields.String(allow_none=True, metadata={"description": "Indicator targets: the observations the value comes from"})


class TargetListSchema(ma.Schema):
    as_of = fields.String(metadata={"description": "With ?as_of: the moment answered, in Asia/Shanghai"})
    links_as_of = fields.String(
        metadata={"description": "With ?as_of: what the entities links list (the registry as it is now, same filters)"}
    )
    targets = fields.List(fields.Nested(TargetSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "Pass as cursor for the next page; null on the last"})


class NameSchema(ma.Schema):
    class Meta:
        ordered = True

    name_en = fields.String()
    name_zh = fields.String()


class MetricsVocabularySchema(ma.Schema):
    class Meta:
        ordered = True

    target_statuses = fields.List(fields.String(), metadata={"description": "Every status a target can have, best first"})
    names = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Nested(NameSchema)),
        metadata={
            "description": "target_statuses: each status's name in English and Chinese (as GET /api/v1/vocabulary names the registry's)"
        },
    )
