"""Billing push pages: review a finished month's exact writes, confirm, the ledger (R3.3-R3.8).

Nothing is pushed from a page without the admin having seen the writes: the review page shows
them with the plan's fingerprint, and the push refuses when the plan changed meanwhile.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from psabridge.connectors.errors import ConnectorError
from psabridge.server.billing import collection, ledger, push
from psabridge.server.billing.models import BillingRun
from psabridge.server.billing.plans import CompanyPlan, fingerprint
from psabridge.server.billing.views import _month
from psabridge.server.core import systems
from psabridge.server.mappings.models import Mapping
from psabridge.server.mappings.services import psa_system


def billing_preview(request: HttpRequest) -> HttpResponse:
    """The exact lines a push of the month would create, update or remove (R3.8), as a part."""
    system, month = psa_system(), _month(request)
    if system is None:
        return HttpResponse("No PSA is connected.", status=409)
    try:
        plans = push.preview(system, month)
    except ConnectorError as exc:
        return HttpResponse(f"The PSA's invoices cannot be read: {exc}", status=502)
    return render(request, "billing/_preview.html", {"plans": plans, "month": month})


def billing_review(request: HttpRequest, note: str = "", status: int = 200) -> HttpResponse:
    """Every write a push of the month would make, and the button that confirms them."""
    system, month = psa_system(), _month(request)
    if system is None:
        return redirect("billing")
    context: dict[str, Any] = {"month": month, "note": note, "psa_name": systems.label(system)}
    try:
        push.check_month(month)
        plans = push.preview(system, month)
    except ConnectorError as exc:
        context["refused"] = str(exc)
        return render(request, "billing/review.html", context, status=status)
    context.update(_review_context(plans))
    return render(request, "billing/review.html", context, status=status)


def _review_context(plans: list[CompanyPlan]) -> dict[str, Any]:
    counts = {
        "create": sum(len(p.plan.creates) for p in plans),
        "update": sum(1 for p in plans for u in p.plan.updates if not u.adopted),
        "adopt": sum(1 for p in plans for u in p.plan.updates if u.adopted),
        "remove": sum(len(p.plan.removes) for p in plans),
    }
    return {
        "plans": plans,
        "writes": sum(counts.values()),
        "counts": counts,
        "fingerprint": fingerprint(plans),
        "blocked": [p for p in plans if p.problems],
    }


@require_POST
def billing_push(request: HttpRequest) -> HttpResponse:
    """Push the month as reviewed: refused, with the new plan shown, when it changed since."""
    system, month = psa_system(), _month(request)
    if system is None:
        return redirect("billing")
    confirmed = request.POST.get("fingerprint", "")
    if not confirmed:
        return billing_review(request, "Review the writes, then confirm them.", 400)
    try:
        run = push.push(system, month, confirmed=confirmed)
    except push.PlanChangedError as exc:
        return billing_review(request, f"Nothing was pushed: {exc}.", 409)
    except ConnectorError as exc:
        messages.error(request, f"The push stopped: {exc}. Pushing again resumes it.")
        return redirect(f"{reverse('billing')}?month={month}")
    messages.success(request, f"{month.label()} pushed: {run.writes} line write(s).")
    return redirect("billing_run", run_id=run.pk)


@require_POST
def billing_recalculate(request: HttpRequest) -> HttpResponse:
    """R3.4: collect last month's usage (final once it ended), then review its push."""
    from psabridge.server.billing.tasks import collect_usage_now

    month = collection.last_finished_month()
    collect_usage_now(str(month))
    messages.success(
        request,
        f"Collecting {month.label()} from GravityZone in the background (a final month is not "
        "read again). Review the writes below and push them; reload to see the latest.",
    )
    return redirect(f"{reverse('billing_review')}?month={month}")


def billing_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """One push and its ledger: before, after and the PSA's answer of every write."""
    run = get_object_or_404(BillingRun, pk=run_id)
    entries = [
        {"entry": entry, "state": ledger.STATE_TEXT.get(entry.state, entry.state)}
        for entry in run.entries.all()
    ]
    words = systems.psa(run.system).billing if run.system in systems.psa_kinds() else None
    context = {
        "run": run,
        "entries": entries,
        "running": run.finished_at is None,
        "verb": (words.push if words else "push").capitalize(),
        "record": (words.record if words else "line").capitalize(),
    }
    return render(request, "billing/run.html", context)


@require_POST
def stale_remove(request: HttpRequest, mapping_id: int) -> HttpResponse:
    """R3.6: remove the mapping's stale lines, on the admin's explicit request."""
    mapping = get_object_or_404(Mapping, pk=mapping_id)
    month = _month(request)
    try:
        run = push.remove_stale_lines(mapping.system, month, mapping)
    except ConnectorError as exc:
        messages.error(request, f"The stale lines were not removed: {exc}")
        return redirect(f"{reverse('billing')}?month={month}")
    messages.success(request, f"Stale lines of {mapping.psa_client_name} removed.")
    return redirect("billing_run", run_id=run.pk)
