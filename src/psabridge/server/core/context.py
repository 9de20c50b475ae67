"""Template context: the navigation and the open-event counter shown in the menu."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

NAVIGATION = [
    ("dashboard", "Dashboard"),
    ("connections", "Connections"),
    ("mappings", "Mappings"),
    ("ticketing", "Ticketing"),
    ("billing", "Billing"),
    ("alerts", "Alerts"),
    ("events", "Events"),
    ("status", "Status"),
    ("setup", "Setup"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Return the menu entries, the current one marked, and the open event count."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    from psabridge.server.core.models import IntegrationEvent

    current = (request.resolver_match.url_name or "") if request.resolver_match else ""
    items = [
        {
            "name": name,
            "label": label,
            "url": reverse(name),
            "active": current.startswith(name.rstrip("s")),
        }
        for name, label in NAVIGATION
    ]
    return {"nav_items": items, "open_event_count": IntegrationEvent.objects.open().count()}
