"""Billing push pages: preview, review and confirm a push, the ledger, stale lines (R3.3-R3.8)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from psabridge.connectors.errors import ConnectorError
from psabridge.server.billing import collection, push
from psabridge.server.billing.models import BillingRun
from psabridge.server.billing.views import _month
from psabridge.server.mappings.models import Mapping
from psabridge.server.mappings.services import psa_system


def billing_preview(request: HttpRequest) -> HttpResponse:
    """The exact lines a push of the month would create, update or remove (R3.8)."""
    system, month = psa_system(), _month(request)
    if system is None:
        return HttpResponse("No PSA is connected.", status=409)
    try:
        plans = push.preview(system, month)
    except ConnectorError as exc:
        return HttpResponse(f"The PSA's invoices cannot be read: {exc}", status=502)
    return render(request, "billing/_preview.html", {"plans": plans, "month": month})


@require_POST
def billing_push(request: HttpRequest) -> HttpResponse:
    """Recalculate usage: push the month now (R3.4)."""
    system, month = psa_system(), _month(request)
    if system is None:
        return redirect("billing")
    try:
        run = push.push(system, month)
    except ConnectorError as exc:
        messages.error(request, f"The push stopped: {exc}. Pushing again resumes it.")
        return redirect("billing")
    messages.success(request, f"{month.label()} pushed: {run.writes} line write(s).")
    return redirect("billing_run", run_id=run.pk)


@require_POST
def billing_recalculate(request: HttpRequest) -> HttpResponse:
    """R3.4: collect last month's usage again and push it, in the background."""
    from psabridge.server.billing.tasks import recalculate

    month = collection.current_month().previous()
    recalculate(str(month))
    messages.success(request, f"Recalculating {month.label()}: the push appears in the ledger.")
    return redirect(f"{reverse('billing')}?month={month}")


def billing_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """One push and its ledger: before, after and the PSA's answer of every line."""
    run = get_object_or_404(BillingRun, pk=run_id)
    return render(request, "billing/run.html", {"run": run, "entries": run.entries.all()})


@require_POST
def stale_remove(request: HttpRequest, mapping_id: int) -> HttpResponse:
    """R3.6: remove the mapping's stale lines, on the admin's explicit request."""
    mapping = get_object_or_404(Mapping, pk=mapping_id)
    try:
        run = push.remove_stale_lines(mapping.system, _month(request), mapping)
    except ConnectorError as exc:
        messages.error(request, f"The stale lines were not removed: {exc}")
        return redirect("billing")
    messages.success(request, f"Stale lines of {mapping.psa_client_name} removed.")
    return redirect("billing_run", run_id=run.pk)
