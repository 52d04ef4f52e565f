import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry import uscc

first17 = st.text(alphabet=uscc.ALPHABET, min_size=17, max_size=17)


def test_example_from_the_standard_is_valid():
    assert uscc.is_valid("91350100M000100Y43")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y44", "check character"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100I43", "alphabet"),  # I is not in the GB 32100 alphabet
        ("91350100m000100Y43", "alphabet"),
    ],
)
def test_invalid_codes_say_why(code, reason):
    assert reason in uscc.problem(code)


@given(first17)
def test_completed_codes_are_valid(prefix):
    assert uscc.is_valid(uscc.complete(prefix))


@given(first17, st.integers(min_value=0, max_value=16), st.sampled_from(uscc.ALPHABET))
def test_changing_one_character_breaks_the_check(prefix, position, replacement):
    code = uscc.complete(prefix)
    changed = code[:position] + replacement + code[position + 1 :]
    # every weight is a unit modulo the prime 31, so any single substitution changes the sum
    assert uscc.is_valid(changed) == (changed == code)


@given(first17)
def test_check_character_matches_the_weighted_sum(prefix):
    total = sum(uscc.ALPHABET.index(char) * pow(3, i, 31) for i, char in enumerate(prefix))
    check = uscc.ALPHABET.index(uscc.check_character(prefix))
    assert (total + check) % 31 == 0
