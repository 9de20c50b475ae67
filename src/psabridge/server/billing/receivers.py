"""What billing does when mappings signal: start a client's invoice once Billing is on."""

from __future__ import annotations

from typing import Any

from psabridge.server.core import systems
from psabridge.server.mappings.models import Mapping
from psabridge.server.mappings.signals import MappingChange


def start_billing(sender: Any, mapping: Mapping, change: str, **kwargs: Any) -> None:
    """Billing switched on: adopt or create the client's invoice (R3.2) where billing is by
    invoice lines; by period quantities the next sync does the rest (R4.4)."""
    if change != MappingChange.BILLING_ON:
        return
    if systems.psa(mapping.system).billing_style != "invoice_lines":
        return
    from psabridge.server.billing.invoices import enable_billing

    enable_billing(mapping)
