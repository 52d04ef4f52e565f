"""registry.names: one normalisation for search, matching and duplicate hints."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry import names


@pytest.mark.parametrize(
    ("written", "other"),
    [
        ("华域视觉科技（上海）有限公司", "华域视觉科技(上海)有限公司"),
        ("ＳＨＡＮＧＨＡＩ　ＡＩ　ＬＡＢ", "Shanghai AI Lab"),
        ("Huayu Vision Technology (Shanghai) Co., Ltd.", "HUAYU VISION TECHNOLOGY (SHANGHAI) CO LTD"),
        ("上海市华虹宏力半导体制造有限公司", "上海华虹宏力半导体制造有限责任公司"),
        ("上海电气（集团）总公司", "上海电气"),
        ("Acme Limited", "acme inc."),
    ],
)
def test_writings_of_one_name_have_one_norm(written, other):
    assert names.norm(written) == names.norm(other)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("上海市华虹宏力半导体制造有限公司", "华虹宏力半导体制造（上海）有限公司"),
        ("西门子（中国）有限公司", "西门子有限公司"),
        ("Shanghai Huayu Vision Technology Co., Ltd.", "Huayu Vision Technology (Shanghai) Co., Ltd."),
    ],
)
def test_place_markers_fall_away_in_the_core(first, second):
    assert names.norm(first) != names.norm(second)
    assert names.core(first) == names.core(second)


def test_a_core_too_short_to_stand_alone_keeps_the_place():
    assert names.core("上海电气（集团）总公司") == "上海电气"
    assert names.core("上海有限公司") == "上海"


def test_a_branch_stays_apart_from_its_company():
    assert names.norm("上海华为技术有限公司浦东分公司") != names.norm("上海华为技术有限公司")


def test_the_search_key_keeps_every_letter_and_digit():
    assert names.search_key("华域视觉科技（上海）有限公司") == "华域视觉科技上海有限公司"
    assert names.search_key("6G Lab, No. 2") == "6glabno2"
    assert names.search_key(None) == ""


def test_a_query_drops_its_legal_form_and_punctuation():
    assert names.query_key("华域视觉科技(上海)") == "华域视觉科技上海"
    assert names.query_key("Huayu Vision Co., Ltd.") == "huayuvision"
    assert names.query_key("%_()") == ""


def test_a_query_starting_with_shanghai_is_looked_for_in_both_spellings():
    assert names.query_keys("上海市华虹宏力有限公司") == ("上海华虹宏力", "上海市华虹宏力")
    assert names.query_keys("上海华虹宏力") == ("上海华虹宏力", "上海市华虹宏力")
    assert names.query_keys("华域视觉科技(上海)") == ("华域视觉科技上海",)
    assert names.query_keys("上海市") == ("上海",)
    assert names.query_keys("%_()") == ()
    # Each stored spelling holds one of the keys.
    for stored in ("上海市华虹宏力有限公司", "上海华虹宏力有限公司"):
        assert any(key in names.search_key(stored) for key in names.query_keys(stored))


def test_the_search_text_never_joins_the_two_names():
    text = names.search_text("Abc", "定")
    assert text == "abc 定"
    assert "c定" not in text


def test_similarity_is_one_for_equal_names_and_lower_for_a_typo():
    assert names.similarity("huayuvision", "huayuvision") == 1
    assert 0.8 < names.similarity("huayuvision", "huayuvisoin") < 1
    assert names.similarity("", "x") == 0


@given(st.text(st.characters(max_codepoint=0x7F), max_size=60) | st.text(max_size=30))
def test_the_ascii_shortcut_finds_the_tokens_the_pattern_finds(text):
    # _tokens splits folded ASCII text without the regular expressions; anything else takes them.
    assert names.tokens(text) == names._TOKEN.findall(names._CJK_GAP.sub("", names.fold(text)))


@given(st.text(max_size=12))
def test_a_core_is_what_the_plain_weight_rule_gives(text):
    # Only names shorter than the minimum weight are weighed (weight is never below the length).
    found = names._tokens(text)
    kept = [t for t in names._strip_forms(found) if t not in names._PLACE_TOKENS]
    if kept and kept[0].startswith(names._CITY):
        kept[0] = kept[0][len(names._CITY_FULL) :] if kept[0].startswith(names._CITY_FULL) else kept[0][len(names._CITY) :]
    result = "".join(names._strip_forms([t for t in kept if t]))
    expected = names.norm(text) if names.weight(result) < names._MIN_CORE_WEIGHT else result
    assert names.core(text) == (expected if text else "")
