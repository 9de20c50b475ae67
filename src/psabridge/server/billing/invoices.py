"""The one recurring invoice of a mapping: found and adopted, or created once (R3.2, R4.7).

Turning Billing on looks at the client's recurring invoices first. One that already carries a
line of the mapped items (or our marker) is proposed for adoption: shown with its lines, and
nothing is pushed for the client until the admin confirms. Only a client with no such invoice
gets a new one, named after it. psabridge never creates a second invoice for one client.
"""

from __future__ import annotations

from dataclasses import dataclass

from psabridge.connectors.ports_billing import BillingTarget
from psabridge.domain.billing import is_ours
from psabridge.domain.psa_billing import BillingInvoice, UsageLine
from psabridge.server.billing.models import PsaInvoice
from psabridge.server.billing.plans import item_map, items_for
from psabridge.server.core import connections
from psabridge.server.mappings.models import Mapping


def billing_target(system: str) -> BillingTarget:
    """Return the billing side of the stored PSA connection (one per process and connection)."""
    return connections.stored_invoice_billing(system)


def enable_billing(mapping: Mapping, target: BillingTarget | None = None) -> PsaInvoice:
    """Billing on: adopt (after confirmation) the client's invoice of Bitdefender items, else
    create the invoice named after the client, once (R3.2, R4.7)."""
    existing = PsaInvoice.objects.filter(mapping=mapping).first()
    if existing is not None:
        return existing
    target = target or billing_target(mapping.system)
    found = candidates(target, mapping)
    if found:
        first = found[0].invoice
        return PsaInvoice.objects.create(
            mapping=mapping, invoice_id=first.id, name=first.name, status="proposed"
        )
    invoice = target.find_or_create_invoice(mapping.psa_client_id, mapping.psa_client_name)
    return PsaInvoice.objects.create(mapping=mapping, invoice_id=invoice.id, name=invoice.name)


@dataclass(frozen=True)
class Candidate:
    """An existing invoice of the client and what adopting it does to each of its lines."""

    invoice: BillingInvoice
    taken_over: tuple[UsageLine, ...]  # lines of the billed items: psabridge bills them from now
    untouched: tuple[UsageLine, ...]  # every other line: never written


def candidates(target: BillingTarget, mapping: Mapping) -> list[Candidate]:
    """Return the client's recurring invoices that bill what psabridge bills, most lines first."""
    item_ids = set(items_for(mapping, item_map(mapping.system)).values())
    found = []
    for invoice in target.invoices_with_lines([mapping.psa_client_id]):
        lines = invoice.lines or ()
        taken = _taken_over(lines, item_ids)
        if taken and not invoice.disabled:
            rest = tuple(line for line in lines if line not in taken)
            found.append(Candidate(invoice, taken, rest))
    return sorted(found, key=lambda c: (-len(c.taken_over), int(c.invoice.id)))


def _taken_over(lines: tuple[UsageLine, ...], item_ids: set[str]) -> tuple[UsageLine, ...]:
    """The lines a push takes over, as `domain.billing.plan` picks them: ours, and per billed
    item without one of ours the lowest unmarked line of that item."""
    ours = [line for line in lines if is_ours(line.marker)]
    covered = {line.item_id for line in ours}
    taken = list(ours)
    for item in sorted(item_ids - covered):
        same = [line for line in lines if line.marker is None and line.item_id == item]
        if same:
            taken.append(min(same, key=lambda line: int(line.line_id or 0)))
    return tuple(sorted(taken, key=lambda line: int(line.line_id or 0)))


def confirm_adoption(
    mapping: Mapping, invoice_id: str, target: BillingTarget | None = None
) -> PsaInvoice:
    """The admin confirmed: the next push bills on this invoice, taking over its item lines."""
    target = target or billing_target(mapping.system)
    chosen = next((c for c in candidates(target, mapping) if c.invoice.id == invoice_id), None)
    if chosen is None:
        raise ValueError(
            f"recurring invoice {invoice_id} no longer bills Bitdefender items for "
            f"{mapping.psa_client_name}: check again"
        )
    record, _ = PsaInvoice.objects.update_or_create(
        mapping=mapping,
        defaults={
            "invoice_id": chosen.invoice.id,
            "name": chosen.invoice.name,
            "status": "adopting",
        },
    )
    return record


def check_again(mapping: Mapping, target: BillingTarget | None = None) -> PsaInvoice:
    """Look for an invoice to adopt again (e.g. after its lines were removed in the PSA)."""
    PsaInvoice.objects.filter(mapping=mapping, status="proposed").delete()
    return enable_billing(mapping, target)
