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
