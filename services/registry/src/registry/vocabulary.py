"""The fixed vocabularies of the registry: kinds and their subtypes, tiers,
statuses and Shanghai's 16 districts (from ../shared/DOMAIN.md).

Clusters and tracks are reference data too, but they live in the database
(loaded by a migration) and are served by ``GET /api/v1/clusters``.
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
