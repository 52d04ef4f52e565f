import pytest

from ecoreg_common.config import ConfigError
from registry.config import DEFAULT_DATABASE_URL, Settings


def test_defaults():
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.port == 8081
    assert settings.internal_token is None


def test_environment_overrides():
    settings = Settings.from_env({"REGISTRY_PORT": "9000", "REGISTRY_DATABASE_URL": "postgresql+psycopg://x/y", "INTERNAL_TOKEN": "t"})
    assert (settings.port, settings.database_url, settings.internal_token) == (9000, "postgresql+psycopg://x/y", "t")


def test_bad_port_stops_the_start():
    with pytest.raises(ConfigError):
        Settings.from_env({"REGISTRY_PORT": "eighty"})
