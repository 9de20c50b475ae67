"""REST API of alerts: list with filters, and one alert with its raw event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from psabridge.server.alerts.models import Alert
from psabridge.server.alerts.query import AlertFilters, FilterError, filter_alerts
from psabridge.server.alerts.redaction import redact_payload

router = Router(tags=["alerts"])
MAX_LIMIT = 500


class AlertOut(Schema):
    id: int
    kind: str
    outcome: str
    module: str
    company_id: str
    company_name: str
    endpoint_id: str
    endpoint_name: str
    endpoint_ip: str
    occurred_at: datetime
    title: str
    facts: list[list[str]]
    incident_id: str
    is_test: bool
    state: str
    state_reason: str
    psa_ticket_id: str
    processing: str


class AlertDetailOut(AlertOut):
    raw_event: dict[str, Any]


class AlertPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[AlertOut]


class AlertQuery(Schema):
    kind: str = ""
    outcome: str = ""
    company_id: str = ""
    endpoint_id: str = ""
    state: str = ""
    search: str = ""
    since: str = ""
    until: str = ""
    include_tests: str = "1"
    limit: int = 100
    offset: int = 0


def alert_out(alert: Alert) -> dict[str, Any]:
    """Return the API shape of an alert."""
    fields = {name: getattr(alert, name) for name in AlertOut.model_fields if hasattr(alert, name)}
    fields["processing"] = "test event" if alert.is_test else alert.get_state_display()
    return fields


@router.get("", response=AlertPage, summary="List received alerts, newest first")
def list_alerts(request: HttpRequest, query: Query[AlertQuery]) -> dict[str, Any]:
    params = query.dict()
    if not 1 <= query.limit <= MAX_LIMIT or query.offset < 0:
        raise HttpError(400, f"limit must be 1..{MAX_LIMIT} and offset >= 0")
    try:
        filters = AlertFilters.from_query({k: str(v) for k, v in params.items()}, strict=True)
    except FilterError as exc:
        raise HttpError(400, str(exc)) from None
    rows = filter_alerts(filters)
    page = rows[query.offset : query.offset + query.limit]
    return {
        "total": rows.count(),
        "limit": query.limit,
        "offset": query.offset,
        "items": [alert_out(a) for a in page],
    }


@router.get("/{alert_id}", response=AlertDetailOut, summary="One alert with its raw event")
def get_alert(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    alert = get_object_or_404(Alert.objects.select_related("event"), pk=alert_id)
    return {**alert_out(alert), "raw_event": redact_payload(alert.event.payload)}
