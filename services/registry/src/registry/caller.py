"""Who is asking: the partner identity the gateway vouches for."""

from __future__ import annotations

from dataclasses import dataclass

from ecoreg_common.errors import Forbidden


@dataclass(frozen=True)
class Caller:
    partner: str
    admin: bool = False

    def may_change(self, entity: dict) -> bool:
        return self.admin or entity["source"] == self.partner

    def require_may_change(self, entity: dict) -> None:
        if not self.may_change(entity):
            raise Forbidden(
                f"Entity {entity['id']} was registered by partner {entity['source']!r}; only that partner or an admin may change it."
            )
