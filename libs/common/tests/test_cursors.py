import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoreg_common import cursors
from ecoreg_common.errors import ValidationFailed


@given(st.integers(min_value=0, max_value=2**62))
def test_round_trip(position):
    assert cursors.decode(cursors.encode({"id": position}), keys={"id": int}) == {"id": position}


def decode_or_errors(text):
    try:
        return cursors.decode(text, keys={"id": int})
    except ValidationFailed as error:
        return error.errors


@given(st.text(max_size=40))
def test_arbitrary_text_is_rejected_or_decodes_to_the_declared_shape(text):
    outcome = decode_or_errors(text)
    if "cursor" in outcome:
        assert outcome["cursor"][0].startswith("is not a cursor")
    else:
        assert set(outcome) == {"id"}
        assert isinstance(outcome["id"], int)


@pytest.mark.parametrize("cursor", ["", "!!!", cursors.encode({"id": "x"}), cursors.encode({"other": 1}), cursors.encode({"id": True})])
def test_bad_cursors_are_validation_errors(cursor):
    with pytest.raises(ValidationFailed):
        cursors.decode(cursor, keys={"id": int})
