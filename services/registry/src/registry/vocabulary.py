"""The fixed vocabularies of the registry: kinds and their subtypes, tiers,
statuses and Shanghai's 16 districts, each with its English and Chinese name
(from the plan's report, as summarised in the project's domain notes).

The registry owns them; metrics and the gateway learn them from
``GET /api/v1/vocabulary`` rather than keeping copies. Clusters and tracks are
reference data too, but they live in the database (loaded by a migration) and
are served by ``GET /api/v1/clusters``.
"""

from __future__ import annotations

# kind -> the subtypes that refine it; an empty tuple means "no subtype".
KINDS: dict[str, tuple[str, ...]] = {
    "enterprise": ("leading", "high_tech", "ecosystem_leading", "startup"),
    "tech_centre": ("enterprise_tech_centre",),
    "lab": ("national_lab", "national_key_lab", "municipal_key_lab"),
    "pilot_zone": ("future_industry_pilot_zone",),
    "park": ("industrial_park", "science_city", "innovation_hub"),
    "innovation_centre": ("future_industry_innovation_centre",),
    "college": ("future_technology_college",),
    "platform": ("rnd_platform", "innovation_consortium", "public_service_platform"),
    "facility": ("hydrogen_station", "computing_centre", "test_site"),
    "scenario": ("future_community", "future_hospital", "future_commerce"),
}

TIERS = ("national", "municipal", "district", "none")

# Kinds whose tier is part of their identity: "93 national-level tech centres".
KINDS_REQUIRING_TIER = frozenset({"tech_centre"})

STATUSES = ("planned", "building", "active", "inactive", "closed")

# key -> (English, Chinese) for each vocabulary above; the dashboard shows these.
KIND_NAMES: dict[str, tuple[str, str]] = {
    "enterprise": ("enterprises", "企业"),
    "tech_centre": ("tech centres", "企业技术中心"),
    "lab": ("labs", "实验室"),
    "pilot_zone": ("pilot zones", "先导区"),
    "park": ("parks", "园区"),
    "innovation_centre": ("innovation centres", "创新中心"),
    "college": ("colleges", "未来技术学院"),
    "platform": ("platforms", "研发平台"),
    "facility": ("facilities", "设施"),
    "scenario": ("scenarios", "应用场景"),
}
SUBTYPE_NAMES: dict[str, tuple[str, str]] = {
    "leading": ("leading enterprise", "领军企业"),
    "high_tech": ("high-tech enterprise", "高新技术企业"),
    "ecosystem_leading": ("ecosystem-leading enterprise", "生态主导型企业"),
    "startup": ("start-up", "初创企业"),
    "enterprise_tech_centre": ("enterprise technology centre", "企业技术中心"),
    "national_lab": ("national laboratory", "国家实验室"),
    "national_key_lab": ("national key laboratory", "全国重点实验室"),
    "municipal_key_lab": ("municipal key laboratory", "市级重点实验室"),
    "future_industry_pilot_zone": ("future-industry pilot zone", "未来产业先导区"),
    "industrial_park": ("industrial park", "产业园区"),
    "science_city": ("science city", "科学城"),
    "innovation_hub": ("innovation hub", "创新集聚区"),
    "future_industry_innovation_centre": ("future-industry innovation centre", "未来产业创新中心"),
    "future_technology_college": ("future technology college", "未来技术学院"),
    "rnd_platform": ("innovation R&D platform", "创新研发平台"),
    "innovation_consortium": ("innovation consortium", "创新联合体"),
    "public_service_platform": ("public service platform", "公共服务平台"),
    "hydrogen_station": ("hydrogen refuelling station", "加氢站"),
    "computing_centre": ("computing centre", "算力中心"),
    "test_site": ("test site", "测试场"),
    "future_community": ("future community", "未来社区"),
    "future_hospital": ("future hospital", "未来医院"),
    "future_commerce": ("future commerce", "未来商业"),
}
TIER_NAMES: dict[str, tuple[str, str]] = {
    "national": ("national", "国家级"),
    "municipal": ("municipal", "市级"),
    "district": ("district", "区级"),
    "none": ("other", "其他"),
}
STATUS_NAMES: dict[str, tuple[str, str]] = {
    "planned": ("planned", "规划中"),
    "building": ("under construction", "建设中"),
    "active": ("active", "运营中"),
    "inactive": ("inactive", "停运"),
    "closed": ("closed", "已关闭"),
}

# key -> (English, Chinese)
DISTRICTS: dict[str, tuple[str, str]] = {
    "huangpu": ("Huangpu", "黄浦区"),
    "xuhui": ("Xuhui", "徐汇区"),
    "changning": ("Changning", "长宁区"),
    "jingan": ("Jing'an", "静安区"),
    "putuo": ("Putuo", "普陀区"),
    "hongkou": ("Hongkou", "虹口区"),
    "yangpu": ("Yangpu", "杨浦区"),
    "minhang": ("Minhang", "闵行区"),
    "baoshan": ("Baoshan", "宝山区"),
    "jiading": ("Jiading", "嘉定区"),
    "pudong": ("Pudong New Area", "浦东新区"),
    "jinshan": ("Jinshan", "金山区"),
    "songjiang": ("Songjiang", "松江区"),
    "qingpu": ("Qingpu", "青浦区"),
    "fengxian": ("Fengxian", "奉贤区"),
    "chongming": ("Chongming", "崇明区"),
}
