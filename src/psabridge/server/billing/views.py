"""Billing pages: each company's counted usage for a month, and the endpoints behind it (R7.3)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from psabridge.domain.usage import Month
from psabridge.server.billing import collection
from psabridge.server.billing.models import UsageSnapshot
from psabridge.server.mappings.services import psa_system


def _month(request: HttpRequest) -> Month:
    try:
        return Month.parse(request.GET.get("month", ""))
    except ValueError:
        return collection.current_month()


def usage_overview(request: HttpRequest) -> HttpResponse:
    """A month's usage of every mapped company, as last collected."""
    month = _month(request)
    snapshots = UsageSnapshot.objects.filter(month=str(month)).order_by("company_name")
    context = {
        "month": month,
        "previous": month.previous(),
        "next": month.next(),
        "snapshots": snapshots,
        "psa": psa_system(),
        "mapped": len(collection.companies_to_collect()),
    }
    return render(request, "billing/overview.html", context)


def usage_company(request: HttpRequest, company_id: str, month: str) -> HttpResponse:
    """One company's month: the quantity per product and every endpoint with why it counted."""
    snapshot = get_object_or_404(UsageSnapshot, company_id=company_id, month=month)
    return render(
        request, "billing/company.html", {"snapshot": snapshot, "evidence": snapshot.evidence.all()}
    )


@require_POST
def usage_collect(request: HttpRequest) -> HttpResponse:
    """Queue a collection of the running month now."""
    from psabridge.server.billing.tasks import collect_usage_now

    collect_usage_now()
    messages.success(request, "Usage collection started; this page fills as companies are read.")
    return redirect("billing")
