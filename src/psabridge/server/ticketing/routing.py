"""Ticketing settings: load, check against the PSA's live options, save (R5.1-R5.5)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from psabridge.connectors.ports import Option
from psabridge.domain.alerts import AlertKind
from psabridge.server.core import connections
from psabridge.server.core import events as event_service
from psabridge.server.ticketing import boards as board_cache
from psabridge.server.ticketing import profiles
from psabridge.server.ticketing.models import KindRoute, TicketingSettings

OPTIONS_TTL = 60.0
_options_cache: dict[tuple[str, str], tuple[float, dict[str, list[Option]]]] = {}


@dataclass(frozen=True)
class Route:
    """The routing of one alert kind, as saved."""

    kind: str
    blocked: bool
    current: bool
    values: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.blocked or self.current


def settings_for(system: str) -> TicketingSettings:
    """Return the ticketing settings of a PSA, created empty the first time."""
    found, _ = TicketingSettings.objects.get_or_create(system=system)
    return found


def routes_of(settings: TicketingSettings) -> dict[str, Route]:
    """Return the saved route of every alert kind (kinds never saved are switched off)."""
    saved = {r.kind: r for r in settings.routes.all()}
    names = profiles.for_system(settings.system).route_names
    routes = {}
    for kind in AlertKind:
        row = saved.get(kind.value)
        values = {name: str(row.values.get(name, "")) for name in names} if row else {}
        routes[kind.value] = Route(
            kind.value, bool(row and row.blocked), bool(row and row.current), values
        )
    return routes


def live_options(
    system: str, ticket_type_id: str, boards: Iterable[str] | None = None
) -> dict[str, list[Option]]:
    """Return the PSA's choosable values for a ticket type, cached for a minute.

    A routing field scoped by another (a service type of a board) gets its options for the
    scope values `boards` (every type when None), each tagged with its scope value.
    """
    cached = _options_cache.get((system, ticket_type_id))
    if cached and time.monotonic() - cached[0] < OPTIONS_TTL:
        options = cached[1]
    else:
        desk = connections.stored_desk(system)
        options = dict(desk.ticket_options())
        if ticket_type_id:
            options["categories"] = desk.categories(ticket_type_id)
            # The type's defaults ride in the same cached entry as the option lists.
            options["type_info"] = [desk.ticket_type(ticket_type_id)]  # type: ignore[list-item]
        _options_cache[(system, ticket_type_id)] = (time.monotonic(), options)
    for scoped, scope in profiles.for_system(system).scopes():
        wanted = [o.id for o in options.get(scope.options, [])] if boards is None else boards
        options = {**options, scoped.options: board_cache.types_of(system, wanted)}
    return options


def used_boards(system: str, settings_values: dict[str, Any], routes: dict[str, Route]) -> set[str]:
    """Return the values the scoped routing fields depend on (a board, an issue type) across the
    switched-on kinds, with the site's type when the scope is the per-kind type field."""
    ways = profiles.for_system(system)
    names = {scope.name for _, scope in ways.scopes()} | {ways.type_field}
    used = {
        route.values.get(name, "") for route in routes.values() if route.active for name in names
    }
    return {b for b in {*used, settings_values.get("ticket_type_id", "")} if b}


def forget_options() -> None:
    """Drop cached PSA options (after the PSA connection changed, and in tests)."""
    _options_cache.clear()
    board_cache.forget()
    from psabridge.server.ticketing import licence

    licence.forget()


def type_defaults(type_info: Any, system: str) -> dict[str, str]:
    """Return the per-kind values a ticket type (or default board) gives (R5.4)."""
    return profiles.for_system(system).defaults(type_info)


def check(
    settings_values: dict[str, Any],
    routes: dict[str, Route],
    options: dict[str, list[Option]],
    system: str,
) -> list[str]:
    """Return every problem of these settings against the PSA's options; [] means valid."""
    profile = profiles.for_system(system)
    ticket_types = {o.id for o in options.get("ticket_types", [])}
    if settings_values.get("ticket_type_id") not in ticket_types:
        return [f"Choose a {profile.type_noun} that exists in the PSA."]
    type_info = next(iter(options.get("type_info") or []), None)
    mandatory = set(getattr(type_info, "mandatory_fields", ()) or ())
    problems = []
    for route in routes.values():
        if route.active:
            problems += _route_problems(profile, route, options, mandatory)
    if not any(route.active for route in routes.values()):
        problems.append("Switch on at least one alert kind.")
    return problems


def _route_problems(
    profile: profiles.Profile,
    route: Route,
    options: dict[str, list[Option]],
    mandatory: set[str],
) -> list[str]:
    label = AlertKind(route.kind).label
    values = route.values
    problems = []
    for column in profile.routing:
        value = values.get(column.name, "")
        if (column.required or value) and value not in profiles.choosable(column, options, values):
            scope = f" of its {profile.field(column.scope).noun}" if column.scope else ""
            problems.append(f"{label}: choose a valid {column.noun}{scope}.")
    problems += [
        f"{label}: {column.noun} is mandatory for this ticket type."
        for column in profile.routing
        if not column.required and column.name in mandatory and not values.get(column.name)
    ]
    return problems


@transaction.atomic
def save(
    system: str, settings_values: dict[str, Any], routes: dict[str, Route], problems: list[str]
) -> TicketingSettings:
    """Store settings and routes; valid settings replay parked alerts and close the event."""
    settings = settings_for(system)
    for name, value in settings_values.items():
        setattr(settings, name, value)
    settings.valid, settings.problems, settings.saved_at = not problems, problems, timezone.now()
    settings.save()
    for route in routes.values():
        KindRoute.objects.update_or_create(
            settings=settings,
            kind=route.kind,
            defaults={
                "blocked": route.blocked,
                "current": route.current,
                "values": {k: v for k, v in route.values.items() if v},
            },
        )
    if not problems:
        event_service.close_events("invalid_ticketing_configuration", scope=system)
        _replay(system)
    return settings


def _replay(system: str) -> None:
    from psabridge.server.ticketing import replay

    replay.replay_parked(system, reason="configuration")


def mark_invalid(system: str, problem: str) -> None:
    """The PSA refused a ticket: park further alerts until the admin fixes the settings."""
    settings = settings_for(system)
    settings.valid, settings.problems = False, [problem]
    settings.save(update_fields=["valid", "problems"])
    event_service.raise_event("invalid_ticketing_configuration", scope=system, message=problem)
