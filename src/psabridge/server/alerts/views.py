"""Alerts pages and the push actions of the GravityZone connection page."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from psabridge.connectors.errors import ConnectorError
from psabridge.domain.alerts import ALERT_MODULES, AlertKind
from psabridge.server.alerts import push
from psabridge.server.alerts.models import Alert, EventState, InboundEvent
from psabridge.server.alerts.query import AlertFilters, filter_alerts
from psabridge.server.alerts.redaction import redact_payload

PAGE_SIZE = 50


def alert_list(request: HttpRequest) -> HttpResponse:
    """List received alerts with filters; htmx polls the table so new alerts appear."""
    filters = AlertFilters.from_query(request.GET)
    page = Paginator(filter_alerts(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "kinds": [(k.value, k.label) for k in AlertKind],
        "query": request.GET.urlencode(),
        "pending": InboundEvent.objects.filter(state=EventState.PENDING).count(),
        "ignored": InboundEvent.objects.filter(state=EventState.IGNORED).count(),
        "test_modules": ALERT_MODULES,
    }
    template = "alerts/_table.html" if request.headers.get("HX-Request") else "alerts/list.html"
    return render(request, template, context)


def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Show one alert: the normalized facts and the raw event, secrets redacted."""
    alert = get_object_or_404(Alert.objects.select_related("event"), pk=alert_id)
    raw = redact_payload(alert.event.payload)
    context = {
        "alert": alert,
        "raw_json": json.dumps(raw, indent=2, ensure_ascii=False, default=str),
    }
    return render(request, "alerts/detail.html", context)


def ignored_events(request: HttpRequest) -> HttpResponse:
    """List stored events that are not alerts, each with the reason."""
    rows = InboundEvent.objects.filter(state__in=[EventState.IGNORED, EventState.FAILED])
    page = Paginator(rows.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "alerts/ignored.html", {"page": page})


@require_POST
def push_enable(request: HttpRequest) -> HttpResponse:
    """Configure GravityZone push towards this server (also used to re-enable)."""
    try:
        push.enable_push(request.build_absolute_uri("/"))
        messages.success(request, "Event push enabled: GravityZone now sends alerts here.")
    except ConnectorError as exc:
        messages.error(request, f"Push could not be enabled: {exc}")
    return redirect("connection", system="gravityzone")


@require_POST
def push_check(request: HttpRequest) -> HttpResponse:
    """Read push settings and statistics now."""
    outcome = push.check_push_quietly()
    messages.success(request, f"Push checked: {outcome}.")
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("connection", system="gravityzone")


@require_POST
def push_test(request: HttpRequest) -> HttpResponse:
    """Ask GravityZone for a test event of one module."""
    module = request.POST.get("module", "av")
    try:
        push.send_test_event(module)
        messages.success(request, f"Test event '{module}' requested; it appears under Alerts.")
    except (ConnectorError, ValueError) as exc:
        messages.error(request, f"Test event failed: {exc}")
    return redirect("connection", system="gravityzone")


@require_POST
def push_rotate(request: HttpRequest) -> HttpResponse:
    """Replace the receiver secret and re-enable push with it."""
    push.rotate_secret()
    return push_enable(request)


def push_card_context(request: HttpRequest) -> dict[str, object]:
    """Return what the push card of the GravityZone connection page shows."""
    target = push.receiver()
    return {
        "push": push.push_state(),
        "receiver_url": push.receiver_url(target, request.build_absolute_uri("/")),
        "receiver_hint": target.authorization()[-4:],
        "test_modules": ALERT_MODULES,
    }
