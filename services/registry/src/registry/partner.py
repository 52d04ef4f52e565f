"""The calling partner: who a request comes from, as the gateway vouches for it."""

from __future__ import annotations

from dataclasses import dataclass

from ecoreg_common.errors import Forbidden


@dataclass(frozen=True)
class Partner:
    """A partner's name (an entity's ``source``, a change's ``actor``) and whether it holds the admin scope."""

    name: str
    admin: bool = False

    def may_change(self, entity: dict) -> bool:
        """True when this partner registered ``entity`` (its ``source``) or is an admin."""
        return self.admin or entity["source"] == self.name

    def require_may_change(self, entity: dict) -> None:
        """Raises Forbidden (403) unless this partner may change ``entity``."""
        if not self.may_change(entity):
            raise Forbidden(
                f"Entity {entity['id']} was registered by partner {entity['source']!r}; only that partner or an admin may change it."
            )
