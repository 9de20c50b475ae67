"""Pages that look across every app: dashboard, events, status, health and metrics."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from psabridge.server.alerts.models import InboundEvent
from psabridge.server.core import events as event_service
from psabridge.server.core import systems
from psabridge.server.core.access import metrics_guard
from psabridge.server.core.models import EventState as IntegrationState
from psabridge.server.core.models import IntegrationEvent, SecurityCompany
from psabridge.server.dashboard import status as status_service


def dashboard(request: HttpRequest) -> HttpResponse:
    """Every system's state, the last day's alerts and tickets, billing, mappings, and what
    needs attention first, each linking to its page. A new install opens on the guide."""
    from psabridge.server.dashboard import morning, setup

    if not request.session.get("setup_skipped") and not setup.steps()[0].done:
        return redirect("setup")
    return render(request, "dashboard/dashboard.html", morning.context())


def setup_guide(request: HttpRequest) -> HttpResponse:
    """The first-run guide: six steps, each validated before the next, resumable."""
    from psabridge.server.dashboard import setup

    found = setup.steps()
    current = next((s for s in found if not s.done), None)
    context = {"steps": found, "current": current, "finished": current is None}
    return render(request, "dashboard/setup.html", context)


@require_POST
def setup_skip(request: HttpRequest) -> HttpResponse:
    """Skip the guide (for those who know the way); it stays one click away in the menu."""
    request.session["setup_skipped"] = True
    messages.info(request, "Guide skipped: it stays under Setup in the menu.")
    return redirect("dashboard")


def events(request: HttpRequest) -> HttpResponse:
    """List integration events, open ones first, filtered by state (R7.1)."""
    state = request.GET.get("state", "open")
    rows = IntegrationEvent.objects.order_by("-priority", "-last_seen")
    if state in IntegrationState.values:
        rows = rows.filter(state=state)
    shown = list(rows[:200])
    labels = scope_labels(shown)
    context = {
        "rows": [{"event": e, "scope": labels[e.scope]} for e in shown],
        "state": state,
        "states": IntegrationState.choices,
    }
    return render(request, "dashboard/events.html", context)


def scope_labels(events: list[IntegrationEvent]) -> dict[str, str]:
    """Say what each event scope is in words: "HaloPSA · Acme Ltd", not "halopsa:3f9a…"."""
    ids = {e.scope.split(":", 1)[1] for e in events if e.scope.count(":") == 1}
    names = dict(
        SecurityCompany.objects.filter(company_id__in=ids).values_list("company_id", "name")
    )
    return {e.scope: _scope_label(e.scope, names) for e in events}


def _scope_label(scope: str, names: dict[str, str]) -> str:
    if scope == "global":
        return "psabridge"
    system, _, rest = scope.partition(":")
    label = systems.label(system)
    if not rest:
        return label
    if rest.startswith("mapping:"):
        return f"{label} · mapping {rest.removeprefix('mapping:')}"
    return f"{label} · {names.get(rest, 'company ' + rest)}"


@require_POST
def event_ignore(request: HttpRequest, event_id: int) -> HttpResponse:
    """Ignore one event by hand."""
    event_service.set_state(event_id, IntegrationState.IGNORED)
    messages.success(request, "Event ignored.")
    return redirect("events")


# Where the fix of an event is done, for events psabridge cannot fix by itself.
FIX_PAGES = {
    "alerts_unmapped_company": "mappings",
    "alerts_blocked_company": "mappings",
    "psa_not_connected": "connections",
    "invalid_ticketing_configuration": "ticketing",
    "ticketing_closure_failure": "ticketing",
}


@require_POST
def event_resolve(request: HttpRequest, event_id: int) -> HttpResponse:
    """Apply an event's recommended fix where psabridge can (R7.1), else open the right page."""
    event = IntegrationEvent.objects.get(pk=event_id)
    if event.kind in FIX_PAGES:
        return redirect(FIX_PAGES[event.kind])
    outcome = status_service.resolve(event)
    messages.success(request, f"{event.title}: {outcome}")
    return redirect("events")


@require_POST
def events_recheck(request: HttpRequest) -> HttpResponse:
    """Re-run the checks that raise and close events."""
    outcome = status_service.recheck_all()
    messages.success(request, f"Events rechecked: {outcome}")
    return redirect("events")


def status(request: HttpRequest) -> HttpResponse:
    """Show each system's health, the push service, heartbeats and the last calls (R7.2)."""
    return render(request, "dashboard/status.html", status_service.status_context())


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and work moves; 503 with the problems when work is stuck.

    `?live=1` asks only whether this web process and its database answer (load balancers,
    `psabridge run` waiting for the web process): a stuck worker must not take the webhook down.
    """
    from psabridge.server.alerts import queue_health

    InboundEvent.objects.exists()
    if request.GET.get("live"):
        return JsonResponse({"status": "ok"})
    found = queue_health.problems()
    if found:
        return JsonResponse({"status": "degraded", "problems": found}, status=503)
    return JsonResponse({"status": "ok"})


@metrics_guard
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text metrics (R7.6): an API token (Bearer) or a login, unless made public."""
    body = status_service.prometheus_text()
    return HttpResponse(body, content_type="text/plain; version=0.0.4")
