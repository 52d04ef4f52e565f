"""Reference data: the five clusters with their tracks, and the fixed vocabularies."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from registry.clusters import service
from registry.clusters.schemas import ClusterListSchema, VocabularySchema
from registry.request_context import current_db
from registry.vocabulary import DISTRICTS, KIND_NAMES, KINDS, STATUS_NAMES, STATUSES, SUBTYPE_NAMES, TIER_NAMES, TIERS

blp = Blueprint("clusters", __name__, url_prefix="/api/v1", description="Reference data")


@blp.route("/clusters")
class Clusters(MethodView):
    @blp.response(200, ClusterListSchema)
    def get(self):
        """The five future-industry clusters and their tracks, in English and Chinese"""
        return {"clusters": service.list_clusters(current_db())}


@blp.route("/vocabulary")
class Vocabulary(MethodView):
    @blp.response(200, VocabularySchema)
    def get(self):
        """Kinds with their subtypes, tiers, statuses and Shanghai's 16 districts, with their English and Chinese names"""

        def named(table: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
            return {key: {"name_en": en, "name_zh": zh} for key, (en, zh) in table.items()}

        return {
            "kinds": {kind: list(subtypes) for kind, subtypes in KINDS.items()},
            "tiers": list(TIERS),
            "statuses": list(STATUSES),
            "districts": [{"key": key, "name_en": en, "name_zh": zh} for key, (en, zh) in DISTRICTS.items()],
            "names": {
                "kinds": named(KIND_NAMES),
                "subtypes": named(SUBTYPE_NAMES),
                "tiers": named(TIER_NAMES),
                "statuses": named(STATUS_NAMES),
            },
        }
