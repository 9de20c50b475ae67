"""A PSA's routing fields as the kinds table shows them: choices, cells, checks (R5.3, R5.4)."""

from __future__ import annotations

from dataclasses import dataclass

from psabridge.connectors.ports import Option
from psabridge.connectors.profile import RoutingField, TicketWays
from psabridge.server.core import systems

Profile = TicketWays  # the ticket ways of a PSA's profile (connectors/<psa>/profile.py)


def for_system(system: str) -> TicketWays:
    """Return the ticket ways of a PSA (the first PSA's for a kind that is not a PSA)."""
    kinds = systems.psa_kinds()
    return systems.psa(system if system in kinds else kinds[0]).ticket_ways


@dataclass(frozen=True)
class Choice:
    """One option of a kinds-table select."""

    value: str
    label: str
    selected: bool
    scope: str = ""


@dataclass(frozen=True)
class Cell:
    """One select of a kinds-table row."""

    column: RoutingField
    mandatory: bool
    choices: list[Choice]


def choosable(
    column: RoutingField, options: dict[str, list[Option]], values: dict[str, str]
) -> set[str]:
    """Return the values a route may hold in `column` (narrowed by its scope column)."""
    found = options.get(column.options, [])
    if column.scope:
        found = [o for o in found if str(o.extra.get("board_id")) == values.get(column.scope)]
    return {o.name if column.by == "name" else o.id for o in found}


def cells(
    profile: Profile, options: dict[str, list[Option]], values: dict[str, str], mandatory: set[str]
) -> list[Cell]:
    """Return the selects of one kinds-table row."""
    return [_cell(column, options, values, mandatory) for column in profile.shown]


def _cell(
    column: RoutingField,
    options: dict[str, list[Option]],
    values: dict[str, str],
    mandatory: set[str],
) -> Cell:
    current = values.get(column.name, "")
    scope_value = values.get(column.scope, "") if column.scope else ""
    choices = []
    for option in options.get(column.options, []):
        value = option.name if column.by == "name" else option.id
        scope = str(option.extra.get("board_id", "")) if column.scope else ""
        fits = not column.scope or scope == scope_value
        choices.append(Choice(value, option.name, fits and value == current, scope))
    return Cell(column, column.required or column.name in mandatory, choices)
