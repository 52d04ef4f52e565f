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


def test_each_setting_is_declared_once_and_read_by_its_type():
    from dataclasses import dataclass

    from ecoreg_common.config import from_environment, setting, variables

    @dataclass(frozen=True)
    class Example:
        port: int = setting("EX_PORT", 80, minimum=1)
        wait_seconds: float = setting("EX_WAIT_SECONDS", 0.5, minimum=0)
        token: str | None = setting("EX_TOKEN", None)
        verbose: bool = setting("EX_VERBOSE", False)

    assert from_environment(Example, {}) == Example()
    assert from_environment(Example, {"EX_PORT": "81", "EX_WAIT_SECONDS": "1.5", "EX_TOKEN": "t", "EX_VERBOSE": "yes"}) == Example(
        81, 1.5, "t", True
    )
    assert variables(Example) == {"port": "EX_PORT", "wait_seconds": "EX_WAIT_SECONDS", "token": "EX_TOKEN", "verbose": "EX_VERBOSE"}
    for bad in ({"EX_PORT": "0"}, {"EX_WAIT_SECONDS": "nan"}, {"EX_VERBOSE": "maybe"}):
        with pytest.raises(ConfigError):
            from_environment(Example, bad)
