"""Billing pages: counted usage, product mapping, preview, push and the ledger (R3, R7.3)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from psabridge.connectors.errors import ConnectorError
from psabridge.connectors.ports import Option
from psabridge.domain.evidence import VERDICTS, EndpointRecord
from psabridge.domain.usage import PRODUCT_KEYS, PRODUCT_LABELS, Month, billing_run_date
from psabridge.server.billing import collection, invoices
from psabridge.server.billing.invoice_views import invoice_context
from psabridge.server.billing.models import (
    BillingRun,
    CustomProduct,
    ProductMapping,
    UsageSnapshot,
)
from psabridge.server.billing.plans import item_map
from psabridge.server.billing.snapshots import seats
from psabridge.server.billing.usage_report import company_month
from psabridge.server.core import systems
from psabridge.server.mappings.models import Mapping
from psabridge.server.mappings.services import psa_system


def _month(request: HttpRequest) -> Month:
    """The month asked for, else the month the PSA bills: the last finished one for invoice
    lines (R3.3), the running one for period quantities (R4.4)."""
    try:
        return Month.parse(request.GET.get("month", ""))
    except ValueError:
        return collection.month_to_bill(psa_system())


def usage_overview(request: HttpRequest) -> HttpResponse:
    """The one billing page of every PSA: a month's usage of every mapped company, then the
    billing of the PSA's style (invoice push and product mapping, or agreement additions)."""
    return render_overview(request)


def render_overview(
    request: HttpRequest, period: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """Render the billing page; `period` replaces the agreement section (a refused save)."""
    month = _month(request)
    system = psa_system()
    running = collection.current_month()
    style = systems.psa(system).billing_style if system else ""
    if style == "period_quantities" and period is None:
        from psabridge.server.billing.periods.views import section

        period = section()
    context = {
        "month": month,
        "previous": month.previous(),
        "next": month.next() if month < running else None,
        "running": running,
        "in_progress": month == running,
        "rows": overview_rows(month),
        "psa": system,
        "psa_name": systems.label(system) if system else "",
        "style": style,
        "period": period,
        "mapped": len(collection.companies_to_collect()),
        "runs": BillingRun.objects.filter(push=True)[:5],
        "products": _product_rows(system),
        "last_month": collection.last_finished_month(),
        "push_date": billing_run_date(month, collection.msp_zone()),
        "stale": _with_stale_lines(system),
        **collection_status(month),
    }
    return render(request, "billing/overview.html", context, status=status)


STALLED = timedelta(minutes=10)  # a running collection silent this long has stopped


def collection_status(month: Month) -> dict[str, Any]:
    """The month's latest collection for the pages: running (with its progress), or done."""
    latest = collection.latest_collection(month)
    stalled = bool(
        latest and not latest.finished_at and timezone.now() - latest.updated_at > STALLED
    )
    return {"collection": latest, "collection_stalled": stalled, "collection_month": month}


def _with_stale_lines(system: str | None) -> list[tuple[Mapping, str]]:
    """Return the mappings whose invoice keeps stale lines (R3.6), with what they are."""
    found = []
    for mapping in Mapping.objects.filter(system=system or "", billing=True):
        for issue in mapping.billing_issues or []:
            if issue.get("code") == "stale_lines":
                found.append((mapping, issue.get("text", "")))
    return found


def overview_rows(month: Month) -> list[dict[str, Any]]:
    """Return each company's month with its seats the month before (one query per month)."""
    before = {
        s.company_id: seats(s) for s in UsageSnapshot.objects.filter(month=str(month.previous()))
    }
    rows = []
    for snapshot in UsageSnapshot.objects.filter(month=str(month)).order_by("company_name"):
        now, earlier = seats(snapshot), before.get(snapshot.company_id)
        rows.append(
            {
                "snapshot": snapshot,
                "seats": now,
                "delta": None if earlier is None else now - earlier,
            }
        )
    return rows


def _product_rows(system: str | None) -> list[dict[str, object]]:
    # A PSA billed by period quantities bills one product, chosen on its agreements page.
    if system is None or systems.psa(system).billing_style != "invoice_lines":
        return []
    items = psa_items(system)
    chosen = item_map(system)
    return [
        {"key": key, "label": PRODUCT_LABELS[key], "item": chosen.get(key, ""), "items": items}
        for key in products_in_use()
    ]


_items_cache: dict[str, tuple[float, list[Option]]] = {}


def psa_items(system: str) -> list[Option]:
    """Return the PSA's billable items, read at most once a minute per process."""
    cached = _items_cache.get(system)
    if cached and time.monotonic() - cached[0] < 60:
        return cached[1]
    try:
        items = invoices.billing_target(system).billable_items()
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
    """One company's month: quantities, finality, the evidence and the change from last month."""
    snapshot = get_object_or_404(UsageSnapshot, company_id=company_id, month=month)
    report = company_month(snapshot)
    context = {
        "snapshot": snapshot,
        "report": report,
        "evidence": sorted(report.records, key=_evidence_order),
        "chart": seat_chart(company_id, Month.parse(month)),
        "month": Month.parse(month),
        "previous": Month.parse(month).previous(),
        "change_rows": [
            {"label": PRODUCT_LABELS.get(key, key), "before": before, "after": after}
            for key, (before, after) in sorted(
                report.change.quantities.items(), key=lambda kv: _product_order(kv[0])
            )
        ],
    }
    return render(request, "billing/company.html", context)


def _product_order(key: str) -> int:
    return PRODUCT_KEYS.index(key) if key in PRODUCT_KEYS else len(PRODUCT_KEYS)


def _evidence_order(record: EndpointRecord) -> tuple[int, str]:
    return (VERDICTS.index(record.verdict), record.name.casefold())


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
    """Queue a collection of the month shown now (a final month is not read again)."""
    from psabridge.server.billing.tasks import collect_usage_now

    month = _month(request)
    if month > collection.current_month():
        messages.error(request, f"{month.label()} has not started yet: nothing to collect.")
    else:
        collect_usage_now(str(month))
        messages.success(
            request, f"Collecting {month.label()}: this page fills as companies are read."
        )
    return redirect(f"{reverse('billing')}?month={month}")


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
    context = {
        "mapping": mapping,
        "rows": rows,
        "items": items,
        "snapshot": snapshot,
        "month": collection.last_finished_month(),
        "psa_name": systems.label(mapping.system),
        **invoice_context(mapping),
    }
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
