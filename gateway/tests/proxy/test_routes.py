import pytest

from ecoreg_common.errors import NotFound
from gateway.proxy.forward import upstream_for


@pytest.mark.parametrize(
    ("path", "upstream"),
    [
        ("/api/v1/entities", "registry"),
        ("/api/v1/entities/7/history", "registry"),
        ("/api/v1/changes", "registry"),
        ("/api/v1/clusters", "registry"),
        ("/api/v1/metrics/counts", "metrics"),
        ("/api/v1/targets/pilot_zones", "metrics"),
        ("/api/v1/indicators/x/observations/2025", "metrics"),
    ],
)
def test_paths_go_to_their_service(path, upstream):
    assert upstream_for(path) == upstream


def test_unknown_paths_and_lookalike_prefixes_are_404():
    for path in ("/api/v1/nothing", "/api/v1/entitiesx", "/api/v1/metricsfoo"):
        with pytest.raises(NotFound):
            upstream_for(path)
