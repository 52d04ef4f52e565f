from gateway.config import Settings


def test_defaults_and_overrides():
    assert Settings.from_env({}).port == 8080
    settings = Settings.from_env({"GATEWAY_PORT": "9090", "REDIS_URL": "redis://r:6379/0", "GATEWAY_KEY_LIMIT": "10/second"})
    assert (settings.port, settings.redis_url, settings.key_limit) == (9090, "redis://r:6379/0", "10/second")
    assert settings.admin_key is None  # no default secret
