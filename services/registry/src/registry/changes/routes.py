"""The change feed that followers (the metrics service) poll."""

from __future__ import annotations

from flask.views import MethodView

from ecoreg_common.api import Blueprint
from registry.changes import feed
from registry.changes.schemas import FeedArgsSchema, FeedSchema
from registry.request_context import current_db

blp = Blueprint("changes", __name__, url_prefix="/api/v1", description="The change feed, in commit order")


@blp.route("/changes")
class Changes(MethodView):
    @blp.arguments(FeedArgsSchema, location="query")
    @blp.response(200, FeedSchema)
    def get(self, args):
        """Changes after a sequence number, oldest first; resume from next_after"""
        return feed.read(current_db(), args["after"], args["limit"])
