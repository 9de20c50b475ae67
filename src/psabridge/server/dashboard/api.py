"""REST API of integration events: list, filter, ignore, recheck (R7.1, R7.4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from psabridge.server.core import events as event_service
from psabridge.server.core.models import EventState, IntegrationEvent
from psabridge.server.dashboard import status as status_service

router = Router(tags=["events"])


class EventOut(Schema):
    id: int
    kind: str
    scope: str
    priority: int
    title: str
    message: str
    action: str
    state: str
    first_seen: datetime
    last_seen: datetime
    count: int


@router.get("", response=list[EventOut], summary="Integration events, most urgent first")
def list_events(request: HttpRequest, state: str = "open") -> Any:
    try:
        return event_service.listed(state)
    except ValueError as exc:
        raise HttpError(400, f"state {exc}") from None


@router.post("/{event_id}/ignore", response=EventOut, summary="Ignore one event")
def ignore(request: HttpRequest, event_id: int) -> Any:
    get_object_or_404(IntegrationEvent, pk=event_id)
    return event_service.set_state(event_id, EventState.IGNORED)


@router.post("/recheck", response=dict[str, str], summary="Re-run the checks that raise events")
def recheck(request: HttpRequest) -> dict[str, str]:
    return {"result": status_service.recheck_all()}


class ResolveOut(Schema):
    outcome: str
    page: str | None  # where the admin fixes it, when psabridge cannot fix it by itself


@router.post("/{event_id}/resolve", response=ResolveOut, summary="Apply an event's fix (R7.1)")
def resolve(request: HttpRequest, event_id: int) -> dict[str, Any]:
    from django.urls import reverse

    from psabridge.server.dashboard.views import FIX_PAGES

    event = get_object_or_404(IntegrationEvent, pk=event_id)
    if event.kind in FIX_PAGES:
        page = reverse(FIX_PAGES[event.kind])
        return {"outcome": f"fixed on the page {page}", "page": page}
    return {"outcome": status_service.resolve(event), "page": None}
