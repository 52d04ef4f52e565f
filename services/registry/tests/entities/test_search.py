"""q on PostgreSQL by the key's rare trigrams, the whole key rechecked (entities/search.py)."""

from registry_testing import as_partner, enterprise

from registry.entities import search

TRADES = ["technology", "intelligenttechnology", "biomedicaltechnology"]


def test_the_rarest_trigrams_are_chosen_and_common_words_use_the_whole_key():
    texts = [f"shanghai{brand}{trade}coltd" for brand in ("alpha", "beta", "gamma", "delta") for trade in TRADES] * 50
    sample = search.sample_of(texts, total=1_000_000, now=0.0)
    chosen = search.rare_trigrams("huazhuohuabiomedicaltechnology", sample)
    assert chosen is not None
    assert all(sample.counts.get(gram, 0) == 0 for gram in chosen)  # never seen: rarer than every word the sample has
    assert len(chosen) == 2  # 1,000,000 x (0.5 / 600)^2 < 50 rows predicted
    assert search.rare_trigrams("biomedicaltechnology", sample) is None  # only common trigrams: the whole key
    assert search.rare_trigrams("huazhuohua", None) is None  # no sample yet
    assert search.rare_trigrams("hua", sample) is None  # one trigram: the whole key is no dearer
    # A piece of a name made of common words says little at this size (matching skips it when it has another).
    assert search.is_common("biomedicaltechnology", sample)
    assert not search.is_common("huazhuohua", sample)
    small = search.sample_of(texts[:20], total=20, now=0.0)
    assert not search.is_common("biomedicaltechnology", small)  # in a small registry nothing costs much


def test_q_finds_exactly_the_names_holding_the_key_whatever_trigrams_the_index_is_asked(client, database_url):
    names = [
        "Huazhuohua Biomedical Technology Co., Ltd.",
        "Zhuohua Biomedical Technology Co., Ltd.",  # holds every trigram of 'zhuohuabio' but not 'huazhuohuabio'
        "Biomedical Huazhuo Technology Ltd",  # the brand's trigrams, in another order
        "Shanghai Intelligent Technology Co., Ltd.",
    ]
    bodies = [enterprise(n, name=name, name_zh=None) for n, name in enumerate(names, 1)]
    answer = client.post("/api/v1/entities/batch", json={"entities": bodies}, headers=as_partner()).json
    assert answer["summary"]["created"] == 4, answer
    for q, expected in (
        ("huazhuohua biomedical", {names[0]}),
        ("HUAZHUO", {names[0], names[2]}),
        ("zhuohua biomedical", {names[0], names[1]}),
        ("technologyco", {names[0], names[1], names[3]}),  # one token: no legal form to strip
        ("huazhuohuabiomedicaltechnologyx", set()),
    ):
        found = {e["name"] for e in client.get("/api/v1/entities", query_string={"q": q}).json["items"]}
        assert found == expected, q
    if database_url.startswith("postgresql"):
        # The sample was taken from this table on the first q: the brand's trigrams are rare in it.
        sample = search._samples[next(iter(k for k in search._samples if k.endswith(database_url.rsplit("/", 1)[-1])))]
        assert search.rare_trigrams("huazhuohuabiomedical", sample) is not None


def test_trigrams_apart_from_each_other_come_before_overlapping_ones():
    # 'aoz' and 'ozi' are the rarest, but they overlap: found together, the second says little.
    texts = ["qiaozixxx"] * 2 + ["hanqiao"] * 40 + ["zihan"] * 40
    sample = search.sample_of(texts, total=1_000_000, now=0.0)
    ranked = search._ranked("qiaozihan", sample)
    assert ranked[:2] == ["aoz", "iha"]  # 'ozi' is as rare as 'aoz', but overlaps it
    assert ranked.index("ozi") > 1
