"""What keeps a client's invoice from being billed, as words and as mapping issues (R2.4).

Each push (and preview) states every billed mapping's issues afresh: an existing invoice waiting
for the admin's confirmation, another invoice already billing the same items, stale lines.
"""

from __future__ import annotations

from collections.abc import Iterable

from psabridge.domain.billing import CurrentLine, is_ours
from psabridge.domain.psa_billing import BillingInvoice, UsageLine
from psabridge.server.mappings.models import Mapping

PROPOSED = (
    "an existing recurring invoice already bills Bitdefender items: confirm adopting it on the "
    "mapping's Billing page (nothing is pushed for this client until then)"
)
CODES = ("invoice_to_confirm", "other_invoice", "stale_lines")


def other_invoices_billing(
    invoices: Iterable[BillingInvoice], ours: str, item_ids: set[str]
) -> str:
    """Return why another invoice of the client would double-bill, or "" when none does."""
    found = []
    for invoice in invoices:
        if invoice.id == ours or invoice.disabled:
            continue
        billed = sorted({_name(line) for line in invoice.lines or () if bills(line, item_ids)})
        if billed:
            named = f" {invoice.name!r}" if invoice.name else ""
            found.append(f"recurring invoice {invoice.id}{named} ({', '.join(billed)})")
    if not found:
        return ""
    return (
        f"the client's {'; '.join(found)} already bills what psabridge bills: nothing is pushed "
        "for this client until one invoice carries it (adopt that invoice on the mapping's "
        "Billing page, or remove those lines in the PSA)"
    )


def bills(line: UsageLine, item_ids: set[str]) -> bool:
    """Return whether a line bills what psabridge bills: our marker, or one of the items."""
    return is_ours(line.marker) or (bool(line.item_id) and line.item_id in item_ids)


def _name(line: UsageLine) -> str:
    return f"{line.description or 'item ' + line.item_id} x {line.quantity:g}"


def issues_of(problems: list[str], stale: Iterable[CurrentLine]) -> list[dict[str, str]]:
    """Return the mapping issues (R2.4) the plan of one mapping raises."""
    issues = []
    if PROPOSED in problems:
        issues.append(
            {
                "code": "invoice_to_confirm",
                "text": "An existing recurring invoice of this client already bills Bitdefender "
                "items: psabridge waits for you to confirm adopting it.",
                "action": "Open the mapping's Billing page, check its lines and confirm.",
            }
        )
    other = next((p for p in problems if p.startswith("the client's recurring invoice")), "")
    if other:
        issues.append(
            {
                "code": "other_invoice",
                "text": f"Billing stopped: {other}.",
                "action": "Adopt that invoice on the mapping's Billing page, or remove those "
                "lines from it in the PSA.",
            }
        )
    lines = [f"{x.description or 'item ' + str(x.item_id)} x {x.quantity:g}" for x in stale]
    if lines:
        issues.append(
            {
                "code": "stale_lines",
                "text": f"Stale lines kept on the invoice: {'; '.join(lines)}.",
                "action": "They are no longer billed by psabridge (the product's item changed, "
                "or the product is no longer used): remove them with Remove stale lines.",
            }
        )
    return issues


def store(mapping: Mapping, problems: list[str], stale: Iterable[CurrentLine]) -> None:
    """Save the mapping's billing issues when they changed."""
    issues = issues_of(problems, stale)
    if mapping.billing_issues != issues:
        mapping.billing_issues = issues
        Mapping.objects.filter(pk=mapping.pk).update(billing_issues=issues)
