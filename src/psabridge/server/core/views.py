"""Pages of the core app: the connections list, and the pages yet to configure."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from psabridge.server.core import systems
from psabridge.server.core.models import Connection


def connections(request: HttpRequest) -> HttpResponse:
    """List the outside systems and the state of each connection."""
    stored = {c.system: c for c in Connection.objects.all()}
    rows = [
        {"system": s, "connection": stored.get(s.kind), "configurable": True}
        for s in systems.all_profiles()
    ]
    return render(request, "core/connections.html", {"rows": rows})


def not_configured(
    request: HttpRequest, title: str, explanation: str, **extra: object
) -> HttpResponse:
    """Render the page of a feature that waits for a prerequisite, saying which."""
    context = {"page_title": title, "explanation": explanation, "companies": None, **extra}
    return render(request, "core/not_configured.html", context)
