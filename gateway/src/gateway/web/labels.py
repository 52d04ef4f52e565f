"""The dashboard's own words, in English and Chinese (the vocabulary's names are the registry's: web/vocabulary.py)."""

from __future__ import annotations

LANGUAGES = ("en", "zh")

TEXT = {
    "title": {"en": "Shanghai future industries", "zh": "上海未来产业"},
    "subtitle": {"en": "Registered players of the five clusters and the plan's targets", "zh": "五大未来产业集群的登记主体与行动方案目标"},
    "targets": {"en": "Headline targets", "zh": "主要目标"},
    "clusters": {"en": "Clusters", "zh": "产业集群"},
    "active": {"en": "active entities", "zh": "活跃主体"},
    "by_kind": {"en": "by kind", "zh": "按类型"},
    "by_tier": {"en": "by tier", "zh": "按级别"},
    "coverage": {"en": "Coverage of official totals", "zh": "官方总数覆盖率"},
    "trend": {"en": "last 90 days", "zh": "近90天"},
    "expected": {"en": "expected by today", "zh": "按期应达"},
    "deadline": {"en": "by", "zh": "截至"},
    "stale": {"en": "not current: a service did not answer", "zh": "数据未更新：部分服务暂无响应"},
    "tracks": {"en": "Tracks", "zh": "技术方向"},
    "latest": {"en": "Latest registered", "zh": "最新登记"},
    "back": {"en": "All clusters", "zh": "全部集群"},
    "as_of": {"en": "as of registry change", "zh": "截至登记变更"},
    "no_data": {"en": "no data", "zh": "暂无数据"},
    "switch": {"en": "中文", "zh": "English"},
}

STATUS = {
    "achieved": {"en": "achieved", "zh": "已实现"},
    "on_track": {"en": "on track", "zh": "进展顺利"},
    "acceleration_needed": {"en": "acceleration needed", "zh": "需加快"},
    "limited": {"en": "limited progress", "zh": "进展有限"},
    "deteriorating": {"en": "deteriorating", "zh": "倒退"},
    "no_data": {"en": "no data", "zh": "暂无数据"},
}

# The programme's headline targets, in the order the plan states them.
HEADLINE = (
    "future_industry_output",
    "pilot_zones",
    "innovation_centres",
    "future_technology_colleges",
    "hydrogen_stations",
    "fuel_cell_vehicles",
)


def words(lang: str, vocabulary: dict[str, dict[str, str]] | None = None) -> dict:
    """Everything the templates show, in ``lang``; the names of kinds, subtypes, tiers and
    entity statuses are the registry's (``vocabulary``, from web/vocabulary.in_language)."""
    pick = {key: value[lang] for key, value in TEXT.items()}
    pick["status"] = {key: value[lang] for key, value in STATUS.items()}
    for family in ("kinds", "subtypes", "tiers", "statuses"):
        pick[family] = dict((vocabulary or {}).get(family) or {})
    return pick
