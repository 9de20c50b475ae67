"""The alert kinds the partner's GravityZone licence offers (R5.3), read once in a while."""

from __future__ import annotations

import logging
import time

from psabridge.connectors.errors import ConnectorError
from psabridge.domain.alert_modules import AlertKind, licensed_kinds
from psabridge.server.core import connections

log = logging.getLogger(__name__)
TTL = 600.0  # seconds a read licence is trusted: add-ons change rarely
_cache: tuple[float, tuple[AlertKind, ...]] | None = None


def offered_kinds() -> tuple[AlertKind, ...]:
    """Return the kinds the partner's licence offers; every kind when it cannot be read (a
    licence that cannot be read never hides a kind)."""
    global _cache
    if _cache is not None and time.monotonic() - _cache[0] < TTL:
        return _cache[1]
    try:
        platform = connections.gravityzone_platform()
        partner = platform.license_info("")
    except ConnectorError as exc:
        log.info("the GravityZone licence could not be read, every alert kind is offered: %s", exc)
        return tuple(AlertKind)
    kinds = licensed_kinds(partner.addons)
    _cache = (time.monotonic(), kinds)
    return kinds


def forget() -> None:
    """Read the licence again next time (tests, and after the GravityZone connection changed)."""
    global _cache
    _cache = None
