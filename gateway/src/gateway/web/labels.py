"""The dashboard's own words, in English and Chinese.

The vocabulary's names are the services' (web/vocabulary.py): kinds, subtypes,
tiers and entity statuses the registry's, target statuses metrics'. Which
targets are the headline ones the targets say (``headline``, metrics).
"""

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
    "districts": {"en": "By district", "zh": "按区分布"},
    "districts_note": {"en": "active entities; tiles placed roughly as the districts lie", "zh": "活跃主体；方块位置大致对应各区方位"},
    "no_district": {"en": "no district given", "zh": "未填写所在区"},
    "share": {"en": "registered of the official total", "zh": "已登记占官方总数"},
    "trend_since": {"en": "since", "zh": "起始"},
    "trend_one": {"en": "one day recorded so far", "zh": "目前仅有一天的记录"},
    "missed": {"en": "deadline passed, target not met", "zh": "已过期限，目标未达成"},
    "observations": {"en": "observations", "zh": "统计数据"},
    "freshness": {"en": "counts include registry changes up to", "zh": "统计已包含登记变更至"},
    "times_note": {"en": "times in Shanghai (UTC+8)", "zh": "时间为北京时间"},
    "registered_on": {"en": "registered", "zh": "登记日期"},
    "all_newest": {"en": "all, newest first", "zh": "全部（最新在前）"},
    "entities": {"en": "Entities", "zh": "主体列表"},
    "filters": {"en": "Filters", "zh": "筛选条件"},
    "no_filters": {"en": "none: every registered entity", "zh": "无：全部登记主体"},
    "remove": {"en": "remove", "zh": "移除"},
    "count_listed": {"en": "entities", "zh": "个主体"},
    "rows": {"en": "rows", "zh": "第"},
    "rows_suffix": {"en": "", "zh": "行"},
    "next": {"en": "Next page", "zh": "下一页"},
    "first": {"en": "First page", "zh": "第一页"},
    "download": {"en": "Download this list", "zh": "下载此列表"},
    "name": {"en": "Name", "zh": "名称"},
    "kind": {"en": "Kind", "zh": "类型"},
    "tier": {"en": "Tier", "zh": "级别"},
    "district": {"en": "District", "zh": "所在区"},
    "status_word": {"en": "Status", "zh": "状态"},
    "cluster_word": {"en": "Clusters", "zh": "集群"},
    "refused": {"en": "This list cannot be shown", "zh": "无法显示此列表"},
    "unavailable": {"en": "The registry is not answering; try again shortly.", "zh": "登记服务暂无响应，请稍后再试。"},
    "empty": {"en": "No entity matches these filters.", "zh": "没有符合筛选条件的主体。"},
    "none_value": {"en": "none", "zh": "无"},
    "observations_title": {"en": "Observations", "zh": "统计数据"},
    "observations_note": {
        "en": "each period's value is its latest report; every report is kept with its reporter and time",
        "zh": "每期数值取最新一次报送；每次报送均保留报送方与时间",
    },
    "period": {"en": "Period", "zh": "期间"},
    "scope": {"en": "Scope", "zh": "范围"},
    "value": {"en": "Value", "zh": "数值"},
    "reports": {"en": "Reports (oldest first)", "zh": "报送记录（按时间先后）"},
    "report_used": {"en": "in use", "zh": "采用"},
    "shanghai": {"en": "Shanghai", "zh": "全市"},
    "no_observations": {"en": "No observation reported yet.", "zh": "尚无报送数据。"},
    "metrics_unavailable": {"en": "The metrics service is not answering; try again shortly.", "zh": "指标服务暂无响应，请稍后再试。"},
    "coverage_note": {
        "en": "share = registered ÷ the official Shanghai-wide total",
        "zh": "占比 = 已登记数 ÷ 官方公布的全市总数",
    },
    "coverage_cluster_note": {
        "en": "share = registered in this cluster ÷ the official Shanghai-wide total (the official figures are not split by cluster)",
        "zh": "占比 = 本集群已登记数 ÷ 官方公布的全市总数（官方数字未按集群划分）",
    },
}

# The names of the registry list's filters, as the list page shows them.
FILTER_NAMES = {
    "cluster": {"en": "cluster", "zh": "集群"},
    "track": {"en": "track", "zh": "技术方向"},
    "kind": {"en": "kind", "zh": "类型"},
    "subtype": {"en": "subtype", "zh": "子类型"},
    "tier": {"en": "tier", "zh": "级别"},
    "district": {"en": "district", "zh": "所在区"},
    "status": {"en": "status", "zh": "状态"},
    "q": {"en": "name contains", "zh": "名称包含"},
    "updated_since": {"en": "updated since", "zh": "更新时间不早于"},
    "sort": {"en": "order", "zh": "排序"},
}


def words(lang: str, vocabulary: dict[str, dict[str, str]] | None = None) -> dict:
    """Everything the templates show, in ``lang``; the names of kinds, subtypes, tiers and
    entity statuses are the registry's, ``status`` (a target's) metrics' (``vocabulary``,
    from web/vocabulary.in_language)."""
    pick = {key: value[lang] for key, value in TEXT.items()}
    pick["status"] = dict((vocabulary or {}).get("target_statuses") or {})
    pick["filter_names"] = {key: value[lang] for key, value in FILTER_NAMES.items()}
    for family in ("kinds", "subtypes", "tiers", "statuses"):
        pick[family] = dict((vocabulary or {}).get(family) or {})
    return pick
