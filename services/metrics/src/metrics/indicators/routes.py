"""Indicators and their observations, reported by statistics partners."""

from __future__ import annotations

from flask.views import MethodView

from ecoreg_common.api import Blueprint
from metrics.indicators import service
from metrics.indicators.schemas import (
    IndicatorListSchema,
    ObservationListSchema,
    ObservationSchema,
    ObservationScopeSchema,
    ObservationWriteSchema,
)
from metrics.web import conditional, current_db, current_partner

blp = Blueprint("indicators", __name__, url_prefix="/api/v1", description="Indicators and reported observations")

PERIOD = "<string(minlength=4,maxlength=10):period>"


@blp.route("/indicators")
class Indicators(MethodView):
    @blp.response(200, IndicatorListSchema)
    def get(self):
        """Every indicator with its newest value"""
        return conditional(lambda: {"indicators": service.list_indicators(current_db())})


@blp.route("/indicators/<key:key>/observations")
class Observations(MethodView):
    @blp.arguments(ObservationScopeSchema, location="query")
    @blp.response(200, ObservationListSchema)
    def get(self, args, key):
        """The observations of one indicator, oldest first"""
        return conditional(lambda: service.list_observations(current_db(), key, args.get("cluster")))


@blp.route(f"/indicators/<key:key>/observations/{PERIOD}")
class ObservationByPeriod(MethodView):
    @blp.arguments(ObservationScopeSchema, location="query")
    @blp.arguments(ObservationWriteSchema)
    @blp.response(200, ObservationSchema)
    @blp.alt_response(201, schema=ObservationSchema, description="Recorded for the first time")
    def put(self, scope, data, key, period):
        """Report the value for a period (a year or a date); repeating it changes nothing"""
        observation, created = service.put_observation(current_db(), key, period, {**data, **scope}, current_partner())
        return observation, 201 if created else 200
