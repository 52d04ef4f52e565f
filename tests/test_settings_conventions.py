"""Every service's settings keep the one convention (ecoreg_common.config) and are all in the README.

Durations end in ``_SECONDS`` (no ``_S``, ``_MS``), sizes in ``_BYTES``; a field is named as its
variable without the service's prefix; the README's configuration table lists every variable.
"""

import dataclasses
import re
from pathlib import Path

import pytest

from gateway.config import Settings as GatewaySettings
from metrics.config import Settings as MetricsSettings
from registry.config import Settings as RegistrySettings

README = Path(__file__).resolve().parent.parent / "README.md"
SETTINGS = [RegistrySettings, MetricsSettings, GatewaySettings]
FIELDS = [(cls.__module__, field) for cls in SETTINGS for field in dataclasses.fields(cls)]


@pytest.mark.parametrize(("module", "field"), FIELDS, ids=[f"{module}.{field.name}" for module, field in FIELDS])
def test_a_setting_is_named_by_the_convention_and_documented(module, field):
    variable = field.metadata["variable"]
    assert variable.lower().endswith(field.name), f"{module}: field {field.name} reads {variable}"
    assert not re.search(r"_(S|MS|SECS?|MILLISECONDS|MINUTES)$", variable), f"{variable}: durations end in _SECONDS"
    if field.type in ("float", float):
        assert variable.endswith("_SECONDS"), f"{variable}: a number that is not a count is a duration in seconds"
    configuration = README.read_text(encoding="utf-8").split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert f"`{variable}`" in configuration, f"README.md's configuration table lacks {variable}"
