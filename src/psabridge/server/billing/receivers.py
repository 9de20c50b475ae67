"""What billing does when mappings signal: start a client's invoice once Billing is on."""

from __future__ import annotations

from typing import Any

from psabridge.server.core.models import System
from psabridge.server.mappings.models import Mapping
from psabridge.server.mappings.signals import MappingChange


def start_billing(sender: Any, mapping: Mapping, change: str, **kwargs: Any) -> None:
    """Billing switched on: adopt or create the client's invoice (R3.2), unless ConnectWise."""
    if change != MappingChange.BILLING_ON:
        return
    # ConnectWise billing on only sets the flag: the agreement sync does the rest (R4.4).
    if mapping.system == System.CONNECTWISE:
        return
    from psabridge.server.billing.invoices import enable_billing

    enable_billing(mapping)
