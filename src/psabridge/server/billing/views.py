"""Billing pages: counted usage, product mapping, preview, push and the ledger (R3, R7.3)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from psabridge.connectors.errors import ConnectorError
from psabridge.domain.usage import PRODUCT_KEYS, Month
from psabridge.server.billing import collection, push
from psabridge.server.billing.models import (
    BillingRun,
    CustomProduct,
    ProductMapping,
    UsageSnapshot,
)
from psabridge.server.billing.plans import item_map
from psabridge.server.mappings.models import Mapping
from psabridge.server.mappings.services import psa_system


def _month(request: HttpRequest) -> Month:
    try:
        return Month.parse(request.GET.get("month", ""))
    except ValueError:
        return collection.current_month()


def usage_overview(request: HttpRequest) -> HttpResponse:
    """A month's usage of every mapped company, the product mapping and the last pushes."""
    month = _month(request)
    system = psa_system()
    context = {
        "month": month,
        "previous": month.previous(),
        "next": month.next(),
        "snapshots": UsageSnapshot.objects.filter(month=str(month)).order_by("company_name"),
        "psa": system,
        "mapped": len(collection.companies_to_collect()),
        "runs": BillingRun.objects.filter(push=True)[:5],
        "products": _product_rows(system),
        "last_month": collection.current_month().previous(),
    }
    return render(request, "billing/overview.html", context)


def _product_rows(system: str | None) -> list[dict[str, object]]:
    if system is None or system == "connectwise":  # ConnectWise bills one product: cw_views
        return []
    items = psa_items(system)
    chosen = item_map(system)
    return [{"key": key, "item": chosen.get(key, ""), "items": items} for key in products_in_use()]


_items_cache: dict[str, tuple[float, list[Any]]] = {}


def psa_items(system: str) -> list[Any]:
    """Return the PSA's billable items, read at most once a minute per process."""
    cached = _items_cache.get(system)
    if cached and time.monotonic() - cached[0] < 60:
        return cached[1]
    try:
        items = push.billing_target(system).billable_items()
    except ConnectorError:
        return []
    _items_cache[system] = (time.monotonic(), items)
    return items


def products_in_use() -> list[str]:
    """R3.1: the usage products the partner's companies actually have (seats always)."""
    keys = {"seats"}
    for lines in UsageSnapshot.objects.values_list("lines", flat=True):
        keys.update(line["product_key"] for line in lines)
    return [key for key in PRODUCT_KEYS if key in keys]


def usage_company(request: HttpRequest, company_id: str, month: str) -> HttpResponse:
    """One company's month: the quantity per product and every endpoint with why it counted."""
    snapshot = get_object_or_404(UsageSnapshot, company_id=company_id, month=month)
    context = {
        "snapshot": snapshot,
        "evidence": snapshot.evidence.all(),
        "chart": seat_chart(company_id, Month.parse(month)),
    }
    return render(request, "billing/company.html", context)


def seat_chart(company_id: str, last: Month) -> list[dict[str, object]]:
    """Return the seats of the 12 months up to `last`, with bar geometry for an inline SVG."""
    months = [last]
    while len(months) < 12:
        months.insert(0, months[0].previous())
    found = dict(
        UsageSnapshot.objects.filter(
            company_id=company_id, month__in=[str(m) for m in months]
        ).values_list("month", "lines")
    )
    seats = [
        next((ln["quantity"] for ln in found.get(str(m), []) if ln["product_key"] == "seats"), 0)
        for m in months
    ]
    top = max(seats) or 1
    bars = []
    for i, (m, q) in enumerate(zip(months, seats, strict=True)):
        height = max(2, round(150 * q / top))  # a sliver marks a month with no seats or no data
        bars.append(
            {
                "month": str(m),
                "label": m.label(),
                "seats": q,
                "collected": str(m) in found,
                "x": 10 + i * 48,
                "height": height,
                "y": 170 - height,
            }
        )
    return bars


@require_POST
def usage_collect(request: HttpRequest) -> HttpResponse:
    """Queue a collection of the running month now."""
    from psabridge.server.billing.tasks import collect_usage_now

    collect_usage_now()
    messages.success(request, "Usage collection started; this page fills as companies are read.")
    return redirect("billing")


@require_POST
def product_mapping_save(request: HttpRequest) -> HttpResponse:
    """Save the global product -> PSA item mapping (R3.1)."""
    system = psa_system()
    if system is None:
        return redirect("billing")
    for key in PRODUCT_KEYS:
        item = request.POST.get(f"item_{key}", "").strip()
        if item:
            ProductMapping.objects.update_or_create(
                system=system, product_key=key, defaults={"item_id": item}
            )
        else:
            ProductMapping.objects.filter(system=system, product_key=key).delete()
    messages.success(request, "Product mapping saved.")
    return redirect("billing")


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


def custom_billing(request: HttpRequest, mapping_id: int) -> HttpResponse:
    """A mapping's own product items (R3.5): only the licences this company actually has."""
    mapping = get_object_or_404(Mapping, pk=mapping_id)
    if request.method == "POST":
        _save_custom(mapping, request)
        messages.success(request, f"Billing of {mapping.psa_client_name} saved.")
        return redirect("mappings")
    snapshot = (
        UsageSnapshot.objects.filter(company_id=mapping.company_id).order_by("-month").first()
    )
    chosen = dict(
        CustomProduct.objects.filter(mapping=mapping).values_list("product_key", "item_id")
    )
    items = psa_items(mapping.system)
    rows = [
        {
            "key": line["product_key"],
            "description": line["description"],
            "item": chosen.get(line["product_key"], ""),
        }
        for line in (snapshot.lines if snapshot else [])
    ]
    context = {"mapping": mapping, "rows": rows, "items": items, "snapshot": snapshot}
    return render(request, "billing/custom.html", context)


def _save_custom(mapping: Mapping, request: HttpRequest) -> None:
    mapping.custom_billing = request.POST.get("custom_billing") == "on"
    mapping.save(update_fields=["custom_billing"])
    for key in PRODUCT_KEYS:
        item = request.POST.get(f"item_{key}", "").strip()
        if item:
            CustomProduct.objects.update_or_create(
                mapping=mapping, product_key=key, defaults={"item_id": item}
            )
        else:
            CustomProduct.objects.filter(mapping=mapping, product_key=key).delete()


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
