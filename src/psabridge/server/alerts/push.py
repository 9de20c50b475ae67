"""GravityZone event push: our receiver, enabling push, noticing auto-disable (R6.1, R6.2)."""

from __future__ import annotations

import logging
from dataclasses import asdict, is_dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from psabridge.connectors.errors import ConnectorError
from psabridge.domain.alerts import ALERT_MODULES
from psabridge.server.alerts.models import PushReceiver, PushState, new_receiver_secret
from psabridge.server.alerts.receiver import forget_receivers
from psabridge.server.core import connections
from psabridge.server.core import events as event_service

log = logging.getLogger(__name__)


def receiver() -> PushReceiver:
    """Return our push receiver, creating it with a fresh secret the first time."""
    existing = PushReceiver.objects.order_by("pk").first()
    if existing is not None:
        return existing
    created = PushReceiver()
    created.set_authorization(new_receiver_secret())
    created.save()
    return created


def receiver_url(push_receiver: PushReceiver, base_url: str = "") -> str:
    """Return the absolute URL GravityZone must POST to."""
    base = (settings.PUBLIC_URL or base_url).rstrip("/")
    path = reverse("gravityzone_webhook", kwargs={"receiver_id": push_receiver.receiver_id})
    return base + path


def push_state() -> PushState:
    """Return the single push state row."""
    return PushState.objects.order_by("pk").first() or PushState.objects.create()


def enable_push(base_url: str = "") -> PushState:
    """Point GravityZone's push at our receiver with our secret and every alert module."""
    platform = connections.gravityzone_platform()
    target = receiver()
    url = receiver_url(target, base_url)
    platform.enable_push(
        url=url,
        authorization=target.authorization(),
        event_types=dict.fromkeys(ALERT_MODULES, True),
        companies=None,
    )
    state = push_state()
    state.enabled_by_us, state.enabled_at = True, timezone.now()
    state.status, state.url, state.points_here, state.service_type = 1, url, True, "jsonRPC"
    state.save()
    event_service.close_events("push_disabled")
    event_service.close_events("push_misconfigured")
    log.info("push enabled towards receiver %s", target.receiver_id)
    return state


def rotate_secret() -> PushReceiver:
    """Give the receiver a new secret; push must be enabled again to use it."""
    target = receiver()
    target.set_authorization(new_receiver_secret())
    target.rotated_at = timezone.now()
    target.save(update_fields=["authorization_encrypted", "rotated_at"])
    forget_receivers()
    return target


def check_push(base_url: str = "") -> PushState:
    """Read push settings and statistics; raise or close the push events they imply."""
    platform = connections.gravityzone_platform()
    settings_now = platform.push_settings()
    stats = platform.push_stats()
    with transaction.atomic():
        state = push_state()
        state.status, state.service_type = settings_now.status, settings_now.service_type or ""
        state.url = settings_now.url or ""
        state.points_here = bool(state.url) and state.url == receiver_url(receiver(), base_url)
        state.stats, state.checked_at, state.check_error = _plain(stats), timezone.now(), ""
        state.save()
        _raise_or_close(state)
    return state


def _raise_or_close(state: PushState) -> None:
    if not state.enabled_by_us:
        return
    if state.status != 1:
        event_service.raise_event(
            "push_disabled", message="GravityZone reports push status 0 (switched off)"
        )
    elif not state.points_here:
        event_service.raise_event("push_misconfigured", message=f"push goes to {state.url}")
    else:
        event_service.close_events("push_disabled")
        event_service.close_events("push_misconfigured")


def check_push_quietly() -> str:
    """Check push when GravityZone is connected; return a one-word outcome, never raise."""
    if connections.gravityzone_connection() is None:
        return "not connected"
    try:
        state = check_push()
    except ConnectorError as exc:
        state = push_state()
        state.check_error, state.checked_at = str(exc)[:300], timezone.now()
        state.save(update_fields=["check_error", "checked_at"])
        return "check failed"
    return "on" if state.status == 1 else "off"


def send_test_event(module: str) -> dict[str, Any]:
    """Ask GravityZone to push a test event of one module."""
    if module not in ALERT_MODULES:
        raise ValueError(f"{module!r} is not an alert module")
    result = connections.gravityzone_platform().send_test_event(module)
    return _plain(result)


def _plain(value: Any) -> dict[str, Any]:
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    return _jsonable(dict(value)) if isinstance(value, dict) else {"value": str(value)}


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
