"""Districts, clusters, tracks and tiers written as names become the registry's keys."""

from ecoreg_client import values

VOCABULARY = {
    "districts": [
        {"key": "pudong", "name_en": "Pudong New Area", "name_zh": "浦东新区"},
        {"key": "minhang", "name_en": "Minhang", "name_zh": "闵行区"},
    ]
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
    assert not values.needs_names([{"district": "pudong", "clusters": ["energy"], "tier": "none"}])
