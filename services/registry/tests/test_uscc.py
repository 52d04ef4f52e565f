import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry import uscc

ORGANISATION_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 11714 characters that are also in the USCC alphabet
prefixes = st.sampled_from([authority + category for authority, categories in uscc.CATEGORIES.items() for category in categories]).flatmap(
    lambda head: st.sampled_from(sorted(uscc.PROVINCES)).map(lambda province: head + province)
)
divisions_tail = st.text(alphabet="0123456789", min_size=4, max_size=4)
bodies = st.text(alphabet=ORGANISATION_ALPHABET, min_size=8, max_size=8)


@given(prefixes, divisions_tail, bodies)
def test_codes_made_from_valid_parts_are_valid(head, tail, body):
    assert uscc.is_valid(uscc.make(head + tail, body))


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_published_examples_are_valid(code):
    # The first is GB 32100-2015's own example; the second python-stdnum's.
    assert uscc.is_valid(code)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("91 110000 600037341L", "91110000600037341L"),
        ("91110000-600037341L", "91110000600037341L"),
        ("91110000600037341l", "91110000600037341L"),
        (" 91110000600037341L ", "91110000600037341L"),
        ("９１１１００００６０００３７３４１Ｌ", "91110000600037341L"),  # full-width forms
        ("91110000\u3000600037341L", "91110000600037341L"),  # ideographic space
        ("91110000\uff0d600037341L", "91110000600037341L"),  # full-width hyphen
    ],
)
def test_compact_removes_separators_and_folds_forms(written, code):
    assert uscc.compact(written) == code
    assert uscc.is_valid(uscc.compact(written))


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y44", "check character is"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100I43", "alphabet"),  # I is not in the GB 32100 alphabet
        ("91350100m000100Y43", "alphabet"),  # problem() takes compacted codes
        ("91110000.600037341", "alphabet"),  # other punctuation is refused, not dropped
        (uscc.complete("B1110000600037341"), "registration authority"),
        (uscc.complete("94110000600037341"), "category"),
        (uscc.complete("Y2110000600037341"), "category"),
        (uscc.complete("911A0000600037341"), "administrative division"),
        (uscc.complete("91990000600037341"), "administrative division"),
        (uscc.complete("91110000600037342"), "organisation code"),
    ],
)
def test_invalid_codes_say_why(code, reason):
    assert reason in uscc.problem(code)


def test_organisation_check_character_examples():
    # 10 is written X, 11 is written 0 (GB 11714-1997).
    assert uscc.organisation_check_character("60003734") == "1"
    assert uscc.organisation_check_character("M000100Y") == "4"
    assert uscc.organisation_check_character("MA7C0006") == "X"
    assert uscc.organisation_check_character("MA7C0000") == "0"


@given(prefixes, divisions_tail, bodies, st.integers(min_value=0, max_value=17), st.sampled_from(uscc.ALPHABET))
def test_changing_one_character_makes_it_invalid(head, tail, body, position, replacement):
    code = uscc.make(head + tail, body)
    changed = code[:position] + replacement + code[position + 1 :]
    # every weight is a unit modulo the prime 31, so any single substitution breaks the final check
    assert uscc.is_valid(changed) == (changed == code)


@given(st.text(alphabet=uscc.ALPHABET, min_size=17, max_size=17))
def test_check_character_matches_the_weighted_sum(prefix):
    total = sum(uscc.ALPHABET.index(char) * pow(3, i, 31) for i, char in enumerate(prefix))
    check = uscc.ALPHABET.index(uscc.check_character(prefix))
    assert (total + check) % 31 == 0


@given(st.text(max_size=40))
def test_compact_is_nfkc_without_separators_upper_cased(code):
    import unicodedata

    assert uscc.compact(code) == unicodedata.normalize("NFKC", code).replace(" ", "").replace("-", "").upper()


@given(
    st.text(alphabet=uscc.ALPHABET, min_size=17, max_size=17),
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=8, max_size=8),
)
def test_check_characters_follow_the_standards_formulas(first17, first8):
    total = sum(uscc.ALPHABET.index(char) * pow(3, i, 31) for i, char in enumerate(first17))
    assert uscc.check_character(first17) == uscc.ALPHABET[(31 - total % 31) % 31]
    organisation = sum(int(char, 36) * weight for char, weight in zip(first8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    assert uscc.organisation_check_character(first8) == {10: "X", 11: "0"}.get(11 - organisation % 11, str(11 - organisation % 11))
