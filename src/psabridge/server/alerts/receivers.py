"""What alerts does when core signals: the push card of the GravityZone connection page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from psabridge.server.core import systems


def push_card(sender: Any, request: HttpRequest, system: str, **kwargs: Any) -> dict[str, object]:
    """Return the push card's context for the GravityZone connection page, else nothing."""
    if system != systems.GRAVITYZONE:
        return {}
    from psabridge.server.alerts.views import push_card_context

    return push_card_context(request)
