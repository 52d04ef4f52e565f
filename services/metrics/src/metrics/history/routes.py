"""Daily series of a count or a target."""

from __future__ import annotations

from datetime import date, timedelta

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields, validate

from ecoreg_common.api import Blueprint
from ecoreg_common.formats import key_regex
from ecoreg_common.validation import date_range
from metrics import clock
from metrics.counts.schemas import CountFiltersSchema
from metrics.history import snapshots
from metrics.request_context import conditional_answer, current_db

blp = Blueprint("history", __name__, url_prefix="/api/v1/metrics", description="Daily history")

MAX_DAYS = 3660
# Days a series can cover; far enough either way that "90 days before to" stays a date.
DAYS = date_range(date(1900, 1, 1), date(2100, 12, 31))


class HistoryArgsSchema(CountFiltersSchema):
    metric = fields.String(
        required=True,
        validate=validate.Regexp(f"^(count|target:{key_regex(64)})$", error="must be count or target:<key>"),
        metadata={"description": "count (with the filters of /metrics/counts) or target:<key>"},
    )
    start = fields.Date(data_key="from", validate=DAYS, metadata={"description": "First day (default: 90 days before to)"})
    end = fields.Date(data_key="to", validate=DAYS, metadata={"description": "Last day (default: today)"})

    @ma.validates_schema
    def sensible_range(self, data, **kwargs):
        end = data.get("end") or clock.today()
        start = data.get("start") or end - timedelta(days=90)
        if start > end:
            raise ma.ValidationError("from must not be after to", "from")
        if (end - start).days > MAX_DAYS:
            raise ma.ValidationError(f"at most {MAX_DAYS} days at once", "from")
        if data["metric"].startswith("target:") and set(data) - {"metric", "start", "end"}:
            raise ma.ValidationError("filters apply to metric=count only", "metric")


class PointSchema(ma.Schema):
    day = fields.String(metadata={"format": "date"})
    value = fields.Float(allow_none=True)
    attainment = fields.Float(allow_none=True)
    status = fields.String()


class SeriesSchema(ma.Schema):
    metric = fields.String()
    points = fields.List(fields.Nested(PointSchema))


@blp.route("/history")
class History(MethodView):
    @blp.arguments(HistoryArgsSchema, location="query")
    @blp.response(200, SeriesSchema)
    def get(self, args):
        """A daily series: a count (end-of-day values) or a target's value, attainment and status"""
        metric = args.pop("metric")
        end = args.pop("end", None) or clock.today()
        start = args.pop("start", None) or end - timedelta(days=90)

        if metric == "count":
            found = snapshots.count_series(current_db(), args, start, end)
        else:
            found = snapshots.target_series(current_db(), metric.split(":", 1)[1], start, end)
        return conditional_answer(found.then(lambda points: {"metric": metric, "points": points}))
