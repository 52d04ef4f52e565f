"""The calling partner, read the same way by every service."""

import pytest

from ecoreg_common.errors import BadHeader, Unauthorized
from ecoreg_common.partner import PARTNER_HEADER, partner_from, required_partner


def test_a_partner_name_is_read_an_absent_one_is_anonymous():
    assert partner_from({PARTNER_HEADER: " acme-ltd "}) == "acme-ltd"
    assert partner_from({}) is None
    assert partner_from({PARTNER_HEADER: ""}) is None


def test_the_same_fault_gets_the_same_answer_everywhere():
    for read in (partner_from, required_partner):
        with pytest.raises(BadHeader):
            read({PARTNER_HEADER: "Not A Partner!"})
    with pytest.raises(Unauthorized):
        required_partner({})
