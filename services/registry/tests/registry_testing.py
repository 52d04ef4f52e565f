"""Helpers the registry's tests share: request headers and valid test entities."""

from __future__ import annotations

from ecoreg_common.partner import PARTNER_HEADER, SCOPES_HEADER
from registry import uscc


def as_partner(partner: str = "partner-a", *, admin: bool = False, **extra: str) -> dict[str, str]:
    headers = {PARTNER_HEADER: partner, **extra}
    if admin:
        headers[SCOPES_HEADER] = "admin entities:write"
    return headers


def code(serial: int) -> str:
    """A valid Unified Social Credit Code, different for each serial."""
    return uscc.make("91310000", f"MA{serial:06d}")


def enterprise(serial: int = 1, **overrides) -> dict:
    body = {
        "kind": "enterprise",
        "subtype": "high_tech",
        "name": f"Test Enterprise {serial}",
        "name_zh": f"测试企业{serial}",
        "clusters": ["energy"],
        "tracks": ["hydrogen"],
        "district": "jiading",
        "uscc": code(serial),
    }
    body.update(overrides)
    return body
