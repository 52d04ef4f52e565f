"""Which requests need which scope."""

import pytest

from ecoreg_common.errors import Forbidden, Unauthorized
from gateway.auth.keys import ANONYMOUS, Identity
from gateway.auth.policy import authorise, required_scope

PARTNER = Identity(key_id=1, partner="acme", scopes=frozenset({"entities:write"}))
REPORTER = Identity(key_id=2, partner="stats", scopes=frozenset({"indicators:write"}))
ADMIN = Identity(key_id=3, partner="ops", scopes=frozenset({"admin"}))


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/api/v1/entities", None),
        ("GET", "/api/v1/metrics/summary", None),
        ("POST", "/api/v1/entities", "entities:write"),
        ("PATCH", "/api/v1/entities/4", "entities:write"),
        ("DELETE", "/api/v1/entities/4", "entities:write"),
        ("POST", "/api/v1/entities/batch", "entities:write"),
        ("PUT", "/api/v1/indicators/fuel_cell_vehicles/observations/2025", "indicators:write"),
        ("PUT", "/api/v1/targets/pilot_zones", "admin"),
        ("POST", "/api/v1/targets", "admin"),
        ("POST", "/api/v1/keys", "admin"),
        ("GET", "/api/v1/keys", "key"),
        ("DELETE", "/api/v1/keys/3", "key"),
        ("POST", "/api/v1/anything-else", "admin"),
    ],
)
def test_required_scopes(method, path, scope):
    assert required_scope(method, path) == scope


def test_anonymous_reads_but_does_not_write():
    authorise(ANONYMOUS, "GET", "/api/v1/entities")
    with pytest.raises(Unauthorized):
        authorise(ANONYMOUS, "POST", "/api/v1/entities")


def test_scopes_are_checked_and_admin_may_do_anything():
    authorise(PARTNER, "POST", "/api/v1/entities")
    with pytest.raises(Forbidden):
        authorise(REPORTER, "POST", "/api/v1/entities")
    with pytest.raises(Forbidden):
        authorise(PARTNER, "PUT", "/api/v1/targets/pilot_zones")
    for method, path in (("POST", "/api/v1/entities"), ("PUT", "/api/v1/targets/x"), ("POST", "/api/v1/keys")):
        authorise(ADMIN, method, path)
