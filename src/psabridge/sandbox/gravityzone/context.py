"""What a JSON-RPC method handler receives besides its params."""

from __future__ import annotations

from dataclasses import dataclass

from .clock import SimClock
from .errors import RpcError, invalid_params
from .generator import AlertGenerator
from .push import PushService
from .state import ApiKey, Company, World


@dataclass
class CallContext:
    """The simulator state and the calling key (its company is the default target)."""

    world: World
    clock: SimClock
    push: PushService
    generator: AlertGenerator
    key: ApiKey
    version: str

    def company(self, company_id: str | None) -> Company:
        """Return the target company (default: the key's own), which the key must see."""
        target = company_id or self.key.company_id
        if target not in self.world.companies or not self.world.visible(self.key, target):
            raise invalid_params(f"Company {target} was not found")
        return self.world.companies[target]

    def parent_company(self, parent_id: str | None) -> Company:
        """Return the parent for getCompaniesList, or raise "Invalid value for 'parentId'"."""
        target = parent_id or self.key.company_id
        company = self.world.companies.get(target)
        if company is None or not self.world.visible(self.key, target) or company.type != 0:
            raise RpcError(
                -32602, "Invalid value for 'parentId'", "parentId must be a partner company"
            )
        return company
