"""Record every outbound call and keep each system's health (R7.2)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from psabridge.connectors.http import CallRecord
from psabridge.server.core.models import OutboundCall, SystemHealth

log = logging.getLogger(__name__)
AUDIT_RETENTION = timedelta(days=14)


def record_call(call: CallRecord) -> None:
    """Store one outbound attempt and update the system's health counters."""
    now = timezone.now()
    OutboundCall.objects.create(
        system=call.system,
        operation=call.operation[:80],
        method=call.method,
        path=call.path[:300],
        status=call.status,
        duration_ms=call.duration_ms,
        attempt=call.attempt,
        error_kind=call.error_kind or "",
        error=(call.error or "")[:300],
        at=now,
    )
    health, _ = SystemHealth.objects.get_or_create(system=call.system)
    failed = bool(call.error_kind)
    _log_state_change(call, health, failed)
    SystemHealth.objects.filter(pk=health.pk).update(**_health_update(call, failed, now))


def _health_update(call: CallRecord, failed: bool, now: object) -> dict[str, object]:
    update: dict[str, object] = {"calls_total": F("calls_total") + 1}
    if call.status == 429:
        update["last_rate_limited_at"] = now
    if failed:
        update.update(
            last_error_at=now,
            last_error=(call.error or call.error_kind or "")[:300],
            consecutive_failures=F("consecutive_failures") + 1,
        )
    else:
        update.update(last_success_at=now, consecutive_failures=0)
    return update


def _log_state_change(call: CallRecord, health: SystemHealth, failed: bool) -> None:
    # Log on state change only: the first failure, then the recovery.
    if failed and health.consecutive_failures == 0:
        log.warning("%s calls failing: %s (%s)", call.system, call.error_kind, call.operation)
    elif not failed and health.consecutive_failures > 0:
        log.info("%s recovered after %s failures", call.system, health.consecutive_failures)


def prune_audit() -> int:
    """Delete audit records older than the retention period; return how many."""
    deleted, _ = OutboundCall.objects.filter(at__lt=timezone.now() - AUDIT_RETENTION).delete()
    return deleted
