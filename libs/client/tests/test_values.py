"""Districts, clusters, tracks and tiers written as names become the registry's keys."""

from ecoreg_client import values

VOCABULARY = {
    "districts": [
        {"key": "pudong", "name_en": "Pudong New Area", "name_zh": "浦东新区"},
        {"key": "minhang", "name_en": "Minhang", "name_zh": "闵行区"},
    ],
    # As GET /api/v1/vocabulary answers them (the registry's vocabulary.TIER_NAMES).
    "names": {
        "tiers": {
            "national": {"name_en": "national", "name_zh": "国家级"},
            "municipal": {"name_en": "municipal", "name_zh": "市级"},
            "none": {"name_en": "other", "name_zh": "其他"},
        }
    },
}
CLUSTERS = [
    {
        "key": "energy",
        "name_en": "Future energy",
        "name_zh": "未来能源",
        "tracks": [{"key": "hydrogen", "name_en": "Hydrogen", "name_zh": "氢能"}],
    }
]


def test_names_become_keys_and_keys_and_unknowns_stay():
    table = values.names(VOCABULARY, CLUSTERS)
    entity = {"district": "浦东", "clusters": ["未来能源"], "tracks": ["Hydrogen", "氢能"], "tier": "国家级", "name": "浦东新区"}
    assert values.needs_names([entity])
    assert values.translate(entity, table) == {
        "district": "pudong",
        "clusters": ["energy"],
        "tracks": ["hydrogen", "hydrogen"],
        "tier": "national",
        "name": "浦东新区",  # only the coded fields are translated
    }
    assert values.translate({"district": "闵行区", "clusters": ["energy", "月球"]}, table) == {
        "district": "minhang",
        "clusters": ["energy", "月球"],
    }
    assert values.translate({"district": "ＰＵＤＯＮＧ ＮＥＷ ＡＲＥＡ"}, table) == {"district": "pudong"}  # full-width, any case
    assert values.translate({"tier": "市"}, table) == {"tier": "municipal"}  # 市级 written short
    assert values.translate({"tier": "其他"}, table) == {"tier": "none"}
    assert values.translate({"tier": "无"}, table) == {"tier": "none"}
    assert values.translate({"tier": "区级"}, values.names({}, [])) == {"tier": "区级"}  # no names learnt: sent as written
    assert not values.needs_names([{"district": "pudong", "clusters": ["energy"], "tier": "none"}])


def test_kinds_subtypes_and_statuses_written_in_chinese_become_keys():
    # As GET /api/v1/vocabulary names them (the registry's vocabulary.KIND_NAMES, SUBTYPE_NAMES, STATUS_NAMES).
    vocabulary = {
        "names": {
            "kinds": {
                "enterprise": {"name_en": "enterprises", "name_zh": "企业"},
                "tech_centre": {"name_en": "tech centres", "name_zh": "企业技术中心"},
                "facility": {"name_en": "facilities", "name_zh": "设施"},
            },
            "subtypes": {
                "enterprise_tech_centre": {"name_en": "enterprise technology centre", "name_zh": "企业技术中心"},
                "high_tech": {"name_en": "high-tech enterprise", "name_zh": "高新技术企业"},
            },
            "tiers": {"national": {"name_en": "national", "name_zh": "国家级"}},
            "statuses": {"building": {"name_en": "under construction", "name_zh": "建设中"}},
        }
    }
    table = values.names(vocabulary, [])
    row = {"kind": "企业", "subtype": "高新技术企业", "tier": "国家级", "status": "建设中"}
    assert values.needs_names([row])
    assert values.translate(row, table) == {"kind": "enterprise", "subtype": "high_tech", "tier": "national", "status": "building"}
    # The same Chinese name as a kind and as a subtype: each field reads its own names.
    assert values.translate({"kind": "企业技术中心", "subtype": "企业技术中心"}, table) == {
        "kind": "tech_centre",
        "subtype": "enterprise_tech_centre",
    }
    assert values.translate({"kind": "Facility"}, table) == {"kind": "facility"}  # singular English, any case
    assert values.translate({"kind": "Enterprise"}, table) == {"kind": "enterprise"}
    assert values.translate({"kind": "公司"}, table) == {"kind": "公司"}  # unknown: sent as written, the registry says what is allowed
