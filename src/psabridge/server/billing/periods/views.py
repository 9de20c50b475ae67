"""Agreement billing pages: settings, preview, sync now, additions and the ledger (R4, R7.3)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from psabridge.connectors.errors import ConnectorError
from psabridge.domain.usage import Month
from psabridge.server.billing import collection
from psabridge.server.billing.models import (
    BillingRun,
    CwAddition,
    CwBillingSettings,
    UsageSnapshot,
)
from psabridge.server.billing.periods import setup as period_setup
from psabridge.server.billing.periods import sync as period_sync
from psabridge.server.billing.periods import text as period_text
from psabridge.server.billing.periods.setup import OPTIONAL_STATUSES, LiveLists
from psabridge.server.billing.views import collection_status
from psabridge.server.core import systems


def _month(request: HttpRequest) -> Month:
    try:
        return Month.parse(request.GET.get("month", ""))
    except ValueError:
        return collection.current_month()


def period_billing(request: HttpRequest) -> HttpResponse:
    """The agreement section lives on the one billing page."""
    return redirect(reverse("billing") + "#agreements")


def section() -> dict[str, Any]:
    """The agreement section of the billing page: settings (enabled once the connection
    validated), sync, the month's additions and the ledger."""
    settings = period_setup.load()
    return _context(settings, _values(settings))


@require_POST
def period_billing_save(request: HttpRequest) -> HttpResponse:
    """Save the settings after checking them against the PSA; bad input changes nothing."""
    values = period_setup.parse(request.POST)
    try:
        errors = period_setup.save(values)
    except ConnectorError as exc:
        errors = {"form": f"{period_setup.psa_name()}'s lists cannot be read: {exc}"}
    if errors:
        from psabridge.server.billing.views import render_overview

        return render_overview(request, _context(period_setup.load(), values, errors), 400)
    messages.success(request, f"{period_setup.psa_name()} billing settings saved.")
    return redirect(reverse("billing") + "#agreements")


def period_billing_preview(request: HttpRequest) -> HttpResponse:
    """The exact plan of a sync of the month, per company, writing nothing (htmx)."""
    month = _month(request)
    try:
        result = period_sync.sync(month, preview=True)
    except ConnectorError as exc:
        return _answer(request, f"The preview could not be made: {exc}")
    return render(request, "billing/periods_result.html", _result(result))


@require_POST
def period_billing_sync(request: HttpRequest) -> HttpResponse:
    """Sync the month from the usage last collected: first the exact writes, then (confirm=1)
    the sync itself. collect=1 collects the month from GravityZone in the background instead:
    reading every endpoint takes minutes, not a request."""
    month = _month(request)
    if request.POST.get("collect") == "1":
        from psabridge.server.billing.tasks import collect_usage_now

        collect_usage_now(str(month))
        return _answer(
            request,
            f"Collecting {month.label()} usage from GravityZone in the background. When it is "
            "done (Collected, above, changes on reload), Sync now shows the writes to confirm.",
            started=True,
        )
    confirmed = request.POST.get("confirm") == "1"
    try:
        # A page waits at most the interactive 30 s for the budget: a month-start sync beyond one
        # window stops with "syncing again resumes" (the 4-hourly job waits the windows out).
        result = period_sync.sync(month, preview=not confirmed, rate_wait=30.0)
    except ConnectorError as exc:
        return _answer(request, f"The sync stopped: {exc}. Syncing again resumes it.")
    return render(request, "billing/periods_result.html", _result(result))


def _result(result: period_sync.SyncResult) -> dict[str, Any]:
    rows = [
        {"name": p.mapping.psa_client_name, "action": p.action, "text": period_text.plan_text(p)}
        for p in result.plans
    ]
    counts = ", ".join(f"{n} {action}" for action, n in sorted(result.counts().items()))
    writes = period_text.planned_writes(result) if result.preview else 0
    return {"result": result, "rows": rows, "counts": counts, "writes": writes, **_words()}


def _answer(request: HttpRequest, text: str, started: bool = False) -> HttpResponse:
    # 200 on purpose: htmx swaps only successful answers, and the failure must be seen
    context = {"started": text} if started else {"failure": text}
    return render(request, "billing/periods_result.html", {**context, **_words()})


def _words() -> dict[str, object]:
    """The PSA's name and kind, for the pages' words and links."""
    kind = period_setup.psa_kind()
    words = systems.psa(kind).billing
    return {"psa_name": period_setup.psa_name(), "psa_kind": kind, "words": words}


def _values(settings: CwBillingSettings) -> dict[str, Any]:
    return {
        "agreement_type_id": settings.agreement_type_id,
        "product_id": settings.product_id,
        "covered": list(settings.covered),
        "service_desk": settings.service_desk,
        "service_board_id": settings.service_board_id,
        "service_priority_id": settings.service_priority_id,
    }


def _context(
    settings: CwBillingSettings, values: dict[str, Any], errors: dict[str, str] | None = None
) -> dict[str, Any]:
    blocked = period_setup.connection_problem()
    lists, read_error = LiveLists(), ""
    if not blocked:
        try:
            lists = period_setup.live_lists()
        except ConnectorError as exc:
            read_error = f"{period_setup.psa_name()}'s lists cannot be read: {exc}"
    month = collection.current_month()
    return {
        "settings": settings,
        "values": values,
        "errors": errors or {},
        **_words(),
        "blocked": blocked,
        "read_error": read_error,
        "lists": lists,
        "warnings": period_setup.warnings(settings, lists) if lists.types else [],
        "optional_statuses": OPTIONAL_STATUSES,
        "month": month,
        "additions": CwAddition.objects.filter(month=str(month))
        .select_related("mapping")
        .order_by("mapping__psa_client_name"),
        "runs": BillingRun.objects.filter(system=period_setup.psa_kind())[:10],
        **collection_status(month),
        "collected_at": UsageSnapshot.objects.filter(month=str(month))
        .order_by("-collected_at")
        .values_list("collected_at", flat=True)
        .first(),
    }
