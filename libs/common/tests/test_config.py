import pytest

from ecoreg_common.config import ConfigError, env_bool, env_int, env_str


def test_defaults_apply_to_missing_and_empty_values():
    assert env_str("X", "d", {}) == "d"
    assert env_str("X", "d", {"X": ""}) == "d"
    assert env_int("N", 5, {}) == 5
    assert env_bool("B", True, {}) is True


def test_values_are_parsed():
    assert env_int("N", 5, {"N": "7"}) == 7
    assert env_bool("B", False, {"B": "yes"}) is True


@pytest.mark.parametrize(
    ("environ", "call"),
    [
        ({"N": "x"}, lambda e: env_int("N", 1, e)),
        ({"N": "0"}, lambda e: env_int("N", 1, e, minimum=1)),
        ({"B": "maybe"}, lambda e: env_bool("B", True, e)),
    ],
)
def test_malformed_values_stop_the_start(environ, call):
    with pytest.raises(ConfigError):
        call(environ)
