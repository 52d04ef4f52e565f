"""Which requests need which scope."""

import pytest

from ecoreg_common.errors import Forbidden, Unauthorized
from gateway.auth.keys import ANONYMOUS, Partner
from gateway.auth.policy import authorise
from gateway.public_routes import ANY_KEY, OPEN, access_for, scope

PARTNER = Partner(key_id=1, name="acme", scopes=frozenset({"entities:write"}))
REPORTER = Partner(key_id=2, name="stats", scopes=frozenset({"indicators:write"}))
ADMIN = Partner(key_id=3, name="ops", scopes=frozenset({"admin"}))


@pytest.mark.parametrize(
    ("method", "path", "access"),
    [
        ("GET", "/api/v1/entities", OPEN),
        ("GET", "/api/v1/metrics/summary", OPEN),
        ("POST", "/api/v1/entities", scope("entities:write")),
        ("PATCH", "/api/v1/entities/4", scope("entities:write")),
        ("DELETE", "/api/v1/entities/4", scope("entities:write")),
        ("POST", "/api/v1/entities/batch", scope("entities:write")),
        ("POST", "/api/v1/entities/match", OPEN),
        ("POST", "/api/v1/entities/4/merge", scope("entities:write")),
        ("GET", "/api/v1/entities/duplicates", scope("admin")),
        ("PUT", "/api/v1/indicators/fuel_cell_vehicles/observations/2025", scope("indicators:write")),
        ("PUT", "/api/v1/targets/pilot_zones", scope("admin")),
        ("POST", "/api/v1/targets", scope("admin")),
        ("POST", "/api/v1/keys", scope("admin")),
        ("GET", "/api/v1/keys", ANY_KEY),
        ("DELETE", "/api/v1/keys/3", ANY_KEY),
        ("POST", "/api/v1/anything-else", scope("admin")),
        ("GET", "/api/v1/anything-else", OPEN),
        ("PUT", "/api/v1/indicators/fuel_cell_vehicles", scope("admin")),
        ("GET", "/api/v1/clusters/energy/overview", OPEN),
        ("POST", "/api/v1/clusters/energy/overview", scope("admin")),
    ],
)
def test_what_each_request_must_present(method, path, access):
    assert access_for(method, path) == access


def test_any_key_is_not_a_scope():
    assert ANY_KEY.key
    assert ANY_KEY.scope is None
    authorise(PARTNER, "GET", "/api/v1/keys")  # a key without any particular scope
    with pytest.raises(Unauthorized):
        authorise(ANONYMOUS, "GET", "/api/v1/keys")


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
