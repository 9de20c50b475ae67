"""A mapping's recurring invoice: adopt an existing one after confirmation, or look again (R4.7)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from psabridge.connectors.errors import ConnectorError
from psabridge.server.billing import invoices
from psabridge.server.billing.models import PsaInvoice
from psabridge.server.core import systems
from psabridge.server.mappings.models import Mapping


def invoice_context(mapping: Mapping) -> dict[str, Any]:
    """The invoice the mapping bills on and, while one waits for confirmation, the candidates."""
    record = PsaInvoice.objects.filter(mapping=mapping).first()
    context: dict[str, Any] = {"invoice": record, "candidates": [], "invoice_error": ""}
    other = any(i.get("code") == "other_invoice" for i in mapping.billing_issues or [])
    if record is None or (record.status != "proposed" and not other):
        return context
    try:
        found = invoices.candidates(invoices.billing_target(mapping.system), mapping)
    except ConnectorError as exc:
        context["invoice_error"] = f"The client's invoices cannot be read: {exc}"
        return context
    # While proposed, the proposed invoice is a candidate; else only the others are.
    proposed = record.status == "proposed"
    context["candidates"] = [c for c in found if proposed or c.invoice.id != record.invoice_id]
    return context


@require_POST
def invoice_adopt(request: HttpRequest, mapping_id: int) -> HttpResponse:
    """The admin confirms: bill on this existing invoice, taking over its lines of our items."""
    mapping = get_object_or_404(Mapping, pk=mapping_id)
    invoice_id = request.POST.get("invoice_id", "").strip()
    before = PsaInvoice.objects.filter(mapping=mapping, status="created").first()
    try:
        record = invoices.confirm_adoption(mapping, invoice_id)
    except (ConnectorError, ValueError) as exc:
        messages.error(request, f"Nothing adopted: {exc}.")
        return redirect("mapping_billing", mapping_id=mapping.pk)
    text = (
        f"{mapping.psa_client_name} is billed on recurring invoice {record.invoice_id} from the "
        "next push, which takes over its lines of the billed items (review it before pushing)."
    )
    if before is not None and before.invoice_id != record.invoice_id:
        text += (
            f" The invoice psabridge created, {before.invoice_id}, is no longer used: delete it "
            f"in {systems.label(mapping.system)} if nothing else is on it."
        )
    messages.success(request, text)
    return redirect("mapping_billing", mapping_id=mapping.pk)


@require_POST
def invoice_check(request: HttpRequest, mapping_id: int) -> HttpResponse:
    """Look at the client's invoices again (e.g. after removing Bitdefender lines in the PSA)."""
    mapping = get_object_or_404(Mapping, pk=mapping_id)
    try:
        record = invoices.check_again(mapping)
    except ConnectorError as exc:
        messages.error(request, f"The client's invoices cannot be read: {exc}.")
        return redirect("mapping_billing", mapping_id=mapping.pk)
    if record.status == "proposed":
        messages.warning(request, "An existing invoice still bills Bitdefender items.")
    else:
        messages.success(request, f"Billing on recurring invoice {record.invoice_id}.")
    return redirect("mapping_billing", mapping_id=mapping.pk)
