"""The ticketing settings page (R5.1-R5.5), its type defaults, and test tickets (R5.11)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from psabridge.connectors.errors import ConnectorError
from psabridge.connectors.ports import Option
from psabridge.domain.alerts import AlertKind
from psabridge.server.core import systems
from psabridge.server.core.views import not_configured
from psabridge.server.mappings.models import Mapping
from psabridge.server.mappings.services import psa_system
from psabridge.server.ticketing import boards, forms, licence, profiles, routing, trial_ticket
from psabridge.server.ticketing.routing import Route


def _rows(
    profile: profiles.Profile,
    options: dict[str, list[Option]],
    routes: dict[str, Route],
    defaults: dict[str, str],
    fill: bool,
    mandatory: set[str],
) -> list[dict[str, Any]]:
    rows = []
    for kind in licence.offered_kinds():
        route = routes[kind.value]
        # A newly chosen ticket type brings its defaults; values it has no default for stay.
        values = {**route.values, **defaults} if fill else route.values
        cells = profiles.cells(profile, options, values, mandatory)
        rows.append({"kind": kind.value, "label": kind.label, "route": route, "cells": cells})
    return rows


def _context(
    system: str, values: dict[str, Any], routes: dict[str, Route], fill: bool
) -> dict[str, Any]:
    profile = profiles.for_system(system)
    options = routing.live_options(system, values.get("ticket_type_id", ""))
    type_info = next(iter(options.get("type_info") or []), None)
    defaults = routing.type_defaults(type_info, system) if type_info else {}
    mandatory = set(getattr(type_info, "mandatory_fields", ()) or ())
    return {
        "system": system,
        "psa_name": systems.label(system),
        "profile": profile,
        "values": values,
        "options": options,
        "type_info": type_info,
        "rows": _rows(profile, options, routes, defaults, fill, mandatory),
        "mandatory": mandatory,
        "mappings": Mapping.objects.filter(system=system, ticketing=True).order_by(
            "psa_client_name"
        ),
        "closed_statuses": [s for s in options.get("statuses", []) if s.extra.get("closed")],
        "closed_by_board": _closed_by_board(system, options, values, routes),
        "not_licensed": [k.label for k in AlertKind if k not in licence.offered_kinds()],
    }


def _closed_by_board(
    system: str,
    options: dict[str, list[Option]],
    values: dict[str, Any],
    routes: dict[str, Route],
) -> list[dict[str, Any]]:
    if not profiles.for_system(system).closes_by_board:
        return []
    used = sorted(routing.used_boards(system, values, routes))
    return boards.closed_by_board(profiles.for_system(system), options, used)


def _saved_values(system: str) -> tuple[dict[str, Any], dict[str, Route]]:
    saved = routing.settings_for(system)
    names = (
        "enabled",
        "ticket_type_id",
        "updates_visible",
        "auto_close_blocked",
        "asset_match_by",
        "asset_field",
        "asset_mode",
        "asset_case_sensitive",
    )
    values = {name: getattr(saved, name) for name in names}
    values.update(valid=saved.valid, problems=saved.problems, saved_at=saved.saved_at)
    return values, routing.routes_of(saved)


def ticketing_page(request: HttpRequest) -> HttpResponse:
    """Show the settings; with ?ticket_type_id= only the kinds table, filled with its defaults."""
    system = psa_system()
    if system is None:
        return not_configured(
            request,
            "Ticketing",
            "Alerts become PSA tickets once a PSA is connected. Until then every received alert "
            "is kept on the Alerts page and nothing is lost.",
            next_step_url=reverse("connections"),
            next_step_label="Open Connections",
        )
    values, routes = _saved_values(system)
    fill = "ticket_type_id" in request.GET
    if fill:
        values["ticket_type_id"] = request.GET["ticket_type_id"]
    try:
        context = _context(system, values, routes, fill or not values["ticket_type_id"])
    except ConnectorError as exc:
        return not_configured(
            request,
            "Ticketing",
            f"The PSA's options cannot be read: {exc}",
            next_step_url=reverse("connections"),
            next_step_label="Open Connections",
        )
    template = (
        "ticketing/_kinds.html" if request.headers.get("HX-Request") else "ticketing/settings.html"
    )
    return render(request, template, context)


@require_POST
def ticketing_save(request: HttpRequest) -> HttpResponse:
    """Check the settings against the PSA's live options; save only valid settings (R5.4)."""
    system = psa_system()
    if system is None:
        return redirect("ticketing")
    values = forms.settings_values(request.POST)
    routes = forms.routes(request.POST, profiles.for_system(system).route_names)
    offered = {k.value for k in licence.offered_kinds()}
    routes = {  # a kind the licence does not offer is never switched on
        kind: route if kind in offered else Route(kind, False, False, route.values)
        for kind, route in routes.items()
    }
    routing.forget_options()
    try:
        used = routing.used_boards(system, values, routes)
        options = routing.live_options(system, values["ticket_type_id"], boards=used)
    except ConnectorError as exc:
        messages.error(request, f"The PSA's options cannot be read, nothing was saved: {exc}")
        return redirect("ticketing")
    problems = routing.check(values, routes, options, system)
    if problems:
        context = _context(system, {**values, "problems": problems}, routes, fill=False)
        return render(request, "ticketing/settings.html", context, status=400)
    values["ticket_type_name"] = _name(options.get("ticket_types", []), values["ticket_type_id"])
    values["closed_status_id"] = _closed_status(options.get("statuses", []), system, values)
    routing.save(system, values, routes, problems)
    hint = _closing_hint(values, _closed_by_board(system, options, values, routes))
    messages.success(request, "Ticketing settings saved." + hint)
    return redirect("ticketing")


def _name(options: list[Option], option_id: str) -> str:
    return next((o.name for o in options if o.id == option_id), "")


def _closed_status(statuses: list[Option], system: str, values: dict[str, Any]) -> str:
    """R5.5: blocked-threat tickets are closed with the status named Closed.

    Where statuses belong to boards, the default board's Closed status is kept for reference;
    each ticket is closed with its own board's (closing.close_thread).
    """
    if profiles.for_system(system).closes_by_board:
        board = values["ticket_type_id"]
        statuses = [s for s in statuses if str(s.extra.get("board_id")) == board]
    ways = profiles.for_system(system)
    return next((s.id for s in statuses if ways.is_closed_status(s.name)), "")


def _closing_hint(values: dict[str, Any], by_board: list[dict[str, Any]]) -> str:
    if not values["auto_close_blocked"]:
        return ""
    if by_board:
        missing = [row["name"] for row in by_board if not row["closed_id"]]
        if missing:
            return (
                f" Warning: board {', '.join(missing)} has no Closed status, so its "
                "blocked-threat tickets stay open."
            )
        return ""
    if not values["closed_status_id"]:
        return " Warning: the PSA has no Closed status, so blocked-threat tickets stay open."
    return ""


@require_POST
def ticketing_test(request: HttpRequest, kind: str) -> HttpResponse:
    """Open a test ticket with the exact routing of one alert kind (R5.11)."""
    system = psa_system()
    if system is None or kind not in AlertKind._value2member_map_:
        return HttpResponse("Unknown alert kind or no PSA connected.", status=400)
    result = trial_ticket.send(
        system,
        kind,
        request.POST.get("mapping_id", ""),
        blocked=request.POST.get("outcome") != "current",
    )
    return render(request, "ticketing/_test_result.html", {"result": result})
