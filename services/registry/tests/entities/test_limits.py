"""The documented limits are consistent: a batch of 1,000 items, each at every field limit, fits the body limit."""

import functools
import json

from registry_testing import as_partner

from gateway.config import Settings as GatewaySettings
from registry import create_app
from registry.config import Settings as RegistrySettings
from registry.entities.schemas import MAX_ATTRIBUTES_BYTES, EntityCreateSchema, UsccField

WIDE = "\U00020000"  # 𠀀: 4 bytes in UTF-8, 12 as a \\u escape pair
CHINESE = "海"  # 3 bytes in UTF-8, 6 as a \\u escape


@functools.cache
def _attributes(char: str) -> dict:
    attributes, i = {}, 0
    while len(json.dumps(attributes, ensure_ascii=False).encode()) < MAX_ATTRIBUTES_BYTES - 200:
        attributes[f"{i:03d}" + "k" * 61] = char * 20
        i += 1
    return attributes


def largest_item(serial: int, char: str) -> dict:
    """An item at every length limit of EntityCreateSchema (names 300, external_id 128, 20 tracks of 48,
    5 clusters of 48, attributes near 4 KiB), free text made of ``char``."""
    slug = "s" * 48
    attributes = _attributes(char)
    return {
        "kind": "enterprise",
        "subtype": slug,
        "tier": "municipal",
        "name": char * 300,
        "name_zh": char * 300,
        "clusters": [f"{c}" * 48 for c in "abcde"],
        "tracks": [f"{n:02d}" + "t" * 46 for n in range(20)],
        "district": "huangpu",
        "status": "building",
        "established_on": "2020-01-01",
        "parent_id": 2**62,
        "uscc": "9" * (UsccField.MAX_WRITTEN - 6) + f"{serial:06d}",
        "external_id": char * 127 + f"{serial % 10}",
        "attributes": attributes,
    }


def test_a_batch_at_every_field_limit_fits_the_body_limits():
    # The worst case in UTF-8 (4-byte characters) and with \\u escapes for Chinese, as requests' json= sends.
    limits = {"registry": RegistrySettings(database_url="sqlite:///unused.db").max_body_bytes, "gateway": GatewaySettings().max_body_bytes}
    for char, ensure_ascii in ((WIDE, False), (CHINESE, True)):
        items = [largest_item(n, char) for n in range(1000)]
        body = json.dumps({"entities": items}, ensure_ascii=ensure_ascii, separators=(",", ":")).encode()
        for name, limit in limits.items():
            assert len(body) <= limit, (name, char, ensure_ascii, len(body), limit)
    # and each item is within the schema's own limits: refused only for rules (clusters and tracks that do not exist)
    errors = EntityCreateSchema().validate(largest_item(1, CHINESE) | {"uscc": None, "parent_id": None})
    assert errors == {}, errors


def test_the_body_limit_answers_413_above_it(database_url, db):
    app = create_app(RegistrySettings(database_url=database_url, max_body_bytes=64 * 1024))
    try:
        client = app.test_client()
        big = json.dumps({"entities": [largest_item(n, CHINESE) for n in range(20)]})
        assert client.post("/api/v1/entities/batch", data=big, content_type="application/json", headers=as_partner()).status_code == 413
    finally:
        app.extensions["registry.db"].dispose()
