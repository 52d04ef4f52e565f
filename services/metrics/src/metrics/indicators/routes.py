"""Indicators and their observations, reported by statistics partners."""

from __future__ import annotations

from flask.views import MethodView

from ecoreg_common.api import Blueprint
from metrics.indicators import service
from metrics.indicators.schemas import (
    IndicatorListArgsSchema,
    IndicatorListSchema,
    IndicatorSchema,
    IndicatorWriteSchema,
    ObservationListArgsSchema,
    ObservationListSchema,
    ObservationSchema,
    ObservationScopeSchema,
    ObservationWriteSchema,
)
from metrics.request_context import conditional_answer, current_admin, current_db, current_partner

blp = Blueprint("indicators", __name__, url_prefix="/api/v1", description="Indicators and reported observations")

PERIOD = "<string(minlength=4,maxlength=10):period>"


@blp.route("/indicators")
class Indicators(MethodView):
    @blp.arguments(IndicatorListArgsSchema, location="query")
    @blp.response(200, IndicatorListSchema)
    def get(self, args):
        """Every indicator with its newest value"""
        return conditional_answer(service.list_indicators(current_db(), args["include_retired"]))


@blp.route("/indicators/<key:key>")
class IndicatorByKey(MethodView):
    @blp.arguments(IndicatorWriteSchema)
    @blp.response(200, IndicatorSchema)
    @blp.alt_response(201, schema=IndicatorSchema, description="Defined for the first time")
    def put(self, data, key):
        """Define or redefine an indicator (admins): English and Chinese title, unit, frequency"""
        current_admin()
        indicator, created = service.put_indicator(current_db(), key, data)
        return indicator, 201 if created else 200

    @blp.response(204)
    def delete(self, key):
        """Retire an indicator (admins): kept with its observations, no new targets on it"""
        current_admin()
        service.retire_indicator(current_db(), key)


@blp.route("/indicators/<key:key>/observations")
class Observations(MethodView):
    @blp.arguments(ObservationListArgsSchema, location="query")
    @blp.response(200, ObservationListSchema)
    def get(self, args, key):
        """The observations of one indicator, oldest first, a page at a time"""
        return conditional_answer(
            service.list_observations(
                current_db(),
                key,
                args.get("cluster"),
                limit=args["limit"],
                cursor=args.get("cursor"),
                include_retired=args["include_retired"],
            )
        )


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
