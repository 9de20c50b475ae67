"""Alert to ticket (DESIGN "Alert to ticket"): the run loop that routes queued alerts key by key."""

# The run sorts out what must not become a ticket now (switched off, unmapped, blocked), refreshes
# the ticket states it needs in one call, then hands each aggregation key to a KeyWork
# (key_work.py), which creates or notes under the key's lease, never twice.

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from psabridge.connectors.errors import RateLimitedError
from psabridge.connectors.ports import TicketDesk
from psabridge.server.alerts.models import Alert, AlertState
from psabridge.server.core import connections, systems
from psabridge.server.core import events as event_service
from psabridge.server.core.models import Connection
from psabridge.server.mappings.models import Mapping
from psabridge.server.ticketing import blocking, closing, routing, ticket_states
from psabridge.server.ticketing.key_work import KeyWork
from psabridge.server.ticketing.models import TicketingSettings
from psabridge.server.ticketing.route_result import RouteResult

log = logging.getLogger(__name__)
KEY_BATCH = 2000  # aggregation keys per run; a run handles every queued alert of each key


def active_psa() -> str | None:
    """Return the PSA that tickets go to: the connected one with enabled ticketing settings,
    else one whose ticketing is still on though it is no longer connected (its alerts wait)."""
    enabled = list(TicketingSettings.objects.filter(enabled=True).values_list("system", flat=True))
    connected = set(Connection.objects.filter(system__in=enabled).values_list("system", flat=True))
    return next((s for s in enabled if s in connected), enabled[0] if enabled else None)


def route_queued(
    now: datetime | None = None,
    desk: TicketDesk | None = None,
    between_keys: Callable[[], None] | None = None,
) -> RouteResult:
    """Route every queued alert once, key by key; return counts and when to run again.

    `between_keys` is called after each key (the router renews its lease there).
    """
    now = now or timezone.now()
    result = RouteResult()
    queued = Alert.objects.filter(state=AlertState.QUEUED)
    if not queued.exists():
        return result
    system = active_psa()
    if system is None:
        queued.update(state=AlertState.RECEIVED, state_reason="ticketing is switched off")
        return result
    if not Connection.objects.filter(system=system).exists():
        # The PSA was replaced or removed: park, say it once; no call is tried (no log storm).
        reason = f"{systems.label(system)} is not connected"
        result.parked += queued.update(state=AlertState.PARKED_CONFIG, state_reason=reason)
        event_service.raise_event(
            "psa_not_connected",
            scope=system,
            message=f"Ticketing is on for {systems.label(system)}, which is not connected.",
            subject=systems.label(system),
        )
        return result
    event_service.close_events("psa_not_connected", scope=system)
    settings = routing.settings_for(system)
    if not settings.valid:
        reason = "; ".join(settings.problems)[:300]
        result.parked += queued.update(state=AlertState.PARKED_CONFIG, state_reason=reason)
        return result
    _sort_out(system, settings, result)
    keys = _queued_keys()
    if keys:
        desk = desk or connections.stored_desk(system)
        mappings = {m.company_id: m for m in Mapping.objects.filter(system=system, ticketing=True)}
        # A mapping removed since _sort_out leaves its alerts queued for the next run to sort.
        works = [
            KeyWork(system, settings, mappings[c], e, k, desk, now, result)
            for c, e, k in keys
            if c in mappings
        ]
        closing.retry_closes(system, settings, desk)
        try:
            ticket_states.refresh_states(system, keys, desk, now)
        except RateLimitedError as exc:
            # The PSA budget is spent: every alert waits, queued, until it frees up (R5.10).
            result.waiting += len(keys)
            result.again(exc.retry_after or 30)
            log.warning(
                "%s's rate limit is reached: alerts wait %.0f s before the next ticket or note",
                system,
                exc.retry_after or 30,
            )
            return result
        for work in works:
            work.run()
            if between_keys is not None:
                between_keys()
    if len(keys) == KEY_BATCH:
        result.again(0)
    return result


def _sort_out(system: str, settings: TicketingSettings, result: RouteResult) -> None:
    """Skip or park, in bulk, the queued alerts that must not become tickets now."""
    queued = Alert.objects.filter(state=AlertState.QUEUED)
    for kind, route in routing.routes_of(settings).items():
        for outcome, on in (("blocked", route.blocked), ("current", route.current)):
            if not on:
                result.skipped += queued.filter(kind=kind, outcome=outcome).update(
                    state=AlertState.SKIPPED,
                    state_reason=f"{outcome} alerts of this kind are switched off",
                )
    mapped = Mapping.objects.filter(system=system)
    for mapping in mapped.filter(ticketing=False):
        result.skipped += queued.filter(company_id=mapping.company_id).update(
            state=AlertState.SKIPPED, state_reason=f"ticketing is off for {mapping.psa_client_name}"
        )
    unmapped = queued.exclude(company_id__in=mapped.values("company_id"))
    for company_id, name in (
        unmapped.order_by().values_list("company_id", "company_name").distinct()
    ):
        named = name or _company_name(company_id) or company_id or "an unknown company"
        event_service.raise_event(
            "alerts_unmapped_company",
            scope=f"{system}:{company_id}",
            message=f"Alerts of {named} wait until it is mapped to a PSA client.",
            subject=named,
        )
    result.parked += unmapped.update(
        state=AlertState.PARKED_UNMAPPED, state_reason="the company is not mapped to a PSA client"
    )
    result.parked += blocking.park_blocked_companies(system, mapped.filter(ticketing=True))


def _queued_keys() -> list[tuple[str, str, str]]:
    """Return the distinct (company, endpoint, kind) keys of queued alerts."""
    rows = (
        Alert.objects.filter(state=AlertState.QUEUED)
        .order_by()
        .values_list("company_id", "endpoint_id", "endpoint_name", "kind")
        .distinct()[:KEY_BATCH]
    )
    return [(company, endpoint_id or name, kind) for company, endpoint_id, name, kind in rows]


def _company_name(company_id: str) -> str:
    """Return a GravityZone company's name as last read ("" when unknown)."""
    from psabridge.server.core.models import SecurityCompany

    found = SecurityCompany.objects.filter(company_id=company_id).values_list("name", flat=True)
    return str(found.first() or "")
