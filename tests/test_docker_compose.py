"""docker-compose.yml checked without a Docker engine: against the Compose
Specification's schema, and against the code it deploys."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
# The Compose Specification's JSON schema (compose-spec/compose-spec, schema/compose-spec.json),
# kept in the repository so the check runs anywhere and reads nothing outside it.
SPEC = ROOT / "deploy" / "compose-spec.json"

# Compose service -> the Python package whose config.py it runs, and whether it serves HTTP with gunicorn.
APPS = {"registry": ("registry", True), "metrics": ("metrics", True), "follower": ("metrics", False), "gateway": ("gateway", True)}
# What each container cannot do without (the code's defaults are for a laptop, not a container).
REQUIRED = {
    "registry": {"REGISTRY_DATABASE_URL", "INTERNAL_TOKEN"},
    "metrics": {"METRICS_DATABASE_URL", "INTERNAL_TOKEN"},
    "follower": {"METRICS_DATABASE_URL", "REGISTRY_URL", "INTERNAL_TOKEN"},
    "gateway": {"GATEWAY_DATABASE_URL", "REGISTRY_URL", "METRICS_URL", "INTERNAL_TOKEN", "GATEWAY_ADMIN_KEY", "REDIS_URL"},
}
SECRETS = ("POSTGRES_PASSWORD", "INTERNAL_TOKEN", "GATEWAY_ADMIN_KEY")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def package_dir(package: str) -> str:
    """Where a package's project lives: the gateway at the top level, the domain services under services/."""
    return package if package == "gateway" else f"services/{package}"


def reads(package: str) -> set[str]:
    """The environment variables a service's config.py declares (ecoreg_common.config.setting)."""
    import importlib

    from ecoreg_common.config import variables

    return set(variables(importlib.import_module(f"{package}.config").Settings).values())


def port_of(url: str) -> int:
    return urlparse(url).port


def healthcheck_url(service: dict) -> str | None:
    command = " ".join(service["healthcheck"]["test"])
    found = re.search(r"http://127\.0\.0\.1:\d+/\w+", command)
    return found.group(0) if found else None


def test_the_compose_file_follows_the_compose_specification(compose):
    schema = json.loads(SPEC.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=str)
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_every_variable_set_is_read_and_every_needed_one_is_set(compose):
    for name, (package, web) in APPS.items():
        environment = set(compose["services"][name]["environment"])
        readable = reads(package) | ({"WEB_CONCURRENCY"} if web else set())  # gunicorn reads WEB_CONCURRENCY
        assert environment <= readable, f"{name} sets variables its code never reads: {sorted(environment - readable)}"
        assert REQUIRED[name] <= environment, f"{name} lacks {sorted(REQUIRED[name] - environment)}"
        assert REQUIRED[name] <= reads(package), f"the test names variables {package} no longer reads"


def test_ports_and_healthchecks_agree_with_the_services(compose):
    services = compose["services"]
    registry_port = int(services["registry"]["environment"]["REGISTRY_PORT"])
    metrics_port = int(services["metrics"]["environment"]["METRICS_PORT"])
    gateway_port = int(services["gateway"]["environment"]["GATEWAY_PORT"])
    assert port_of(healthcheck_url(services["registry"])) == registry_port
    assert port_of(healthcheck_url(services["metrics"])) == metrics_port
    assert port_of(healthcheck_url(services["gateway"])) == gateway_port
    for name in ("follower", "gateway"):
        assert urlparse(services[name]["environment"]["REGISTRY_URL"]) == urlparse(f"http://registry:{registry_port}")
    assert urlparse(services["gateway"]["environment"]["METRICS_URL"]) == urlparse(f"http://metrics:{metrics_port}")
    assert "ports" not in services["gateway"]  # reached through nginx only


NGINX_SITE = ROOT / "deploy" / "nginx" / "gateway.conf"


def test_nginx_fronts_the_gateway_as_the_code_expects(compose):
    services = compose["services"]
    nginx, gateway = services["nginx"], services["gateway"]
    site = NGINX_SITE.read_text()
    listen = int(re.search(r"^\s*listen (\d+);", site, re.M).group(1))
    assert nginx["ports"] == [f"${{GATEWAY_PUBLISH:-8080}}:{listen}"]
    assert port_of(healthcheck_url(nginx)) == listen
    upstream = re.search(r"^\s*server (\S+?)(?::(\d+))?[ ;]", site, re.M)
    assert upstream.group(1) == "gateway"
    assert int(upstream.group(2)) == int(gateway["environment"]["GATEWAY_PORT"])
    assert "./deploy/nginx/gateway.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]
    assert nginx["depends_on"] == {"gateway": {"condition": "service_healthy"}}
    # The gateway counts limits per the address nginx appends, and trusts exactly that one hop.
    assert gateway["environment"]["GATEWAY_PROXY_HOPS"] == "1"
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    for directive in ("proxy_request_buffering on;", "client_header_timeout", "client_body_timeout", "send_timeout"):
        assert directive in site, directive
    # nginx lets bodies through up to more than the gateway's limit, so the gateway answers 413 itself.
    allowed = re.search(r"client_max_body_size (\d+)m;", site).group(1)
    from gateway.config import Settings

    assert int(allowed) * 1024 * 1024 > Settings().max_body_bytes


def test_healthcheck_paths_are_served(compose, tmp_path):
    from gateway import create_app as gateway_app
    from gateway.config import Settings as GatewaySettings
    from metrics import create_app as metrics_app
    from metrics.config import Settings as MetricsSettings
    from registry import create_app as registry_app
    from registry.config import Settings as RegistrySettings

    for name, factory, settings in (
        ("registry", registry_app, RegistrySettings),
        ("metrics", metrics_app, MetricsSettings),
        ("gateway", gateway_app, GatewaySettings),
    ):
        app = factory(settings(database_url=f"sqlite:///{tmp_path}/{name}.db", log_level="WARNING"))
        served = {rule.rule for rule in app.url_map.iter_rules()}
        app.extensions[f"{name}.db"].dispose()
        path = urlparse(healthcheck_url(compose["services"][name])).path
        assert path in served, f"{name} does not serve {path}"


def test_only_nginx_publishes_a_port_and_everything_is_watched(compose):
    for name, service in compose["services"].items():
        assert ("ports" in service) == (name == "nginx"), name
        assert "healthcheck" in service, name
        assert service.get("restart") in {"unless-stopped", "always", "on-failure"}, name
        for dependency in service.get("depends_on", {}).values():
            assert dependency["condition"] == "service_healthy", name
    assert "pgdata" in compose["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]


def test_secrets_are_required_not_defaulted():
    text = COMPOSE.read_text()
    example = (ROOT / ".env.example").read_text()
    for secret in SECRETS:
        uses = re.findall(rf"\$\{{{secret}(:[?-][^}}]*)?\}}", text)
        assert uses, f"{secret} is not used"
        assert all(use.startswith(":?") for use in uses), f"{secret} has a default or no check: {uses}"
        assert re.search(rf"^{secret}=", example, re.M), f".env.example does not document {secret}"


def test_every_build_has_its_dockerfile_and_runs_the_right_app(compose):
    for name, (package, web) in APPS.items():
        build = compose["services"][name]["build"]
        dockerfile = ROOT / build["context"] / build["dockerfile"]
        assert dockerfile.exists(), f"{name}: no {dockerfile}"
        text = dockerfile.read_text()
        assert f"./{package_dir(package)}" in text
        assert f"ecoreg-{package} prestart" in text or f"ecoreg-{package} prestart" in " ".join(
            compose["services"][name].get("command", [])
        )
        if web:
            assert f"'{package}:create_app()'" in text
            assert re.search(r"^USER \d+", text, re.M), f"{dockerfile} does not drop root"
            assert "HEALTHCHECK" in text
