"""Per-PSA routing profiles: the route columns of each PSA, their labels and option lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psabridge.connectors.ports import Option


@dataclass(frozen=True)
class Column:
    """One per-kind routing value, stored in the KindRoute column `name`.

    `options` is the key of the live options it draws from, `by` whether the Option's id or
    name is stored, `scope` a column whose value narrows the options (Option.extra board_id).
    """

    name: str
    label: str
    noun: str
    options: str
    by: str = "id"
    required: bool = True
    scope: str = ""


@dataclass(frozen=True)
class Profile:
    """What a PSA's ticketing settings look like and how a kind's route is checked."""

    system: str
    tickets: str  # what alerts become, as the page says it
    type_label: str
    type_noun: str
    type_hint: str
    kinds_hint: str
    columns: tuple[Column, ...]  # in checking order
    table: tuple[str, ...]  # the columns shown, in table order
    asset_fields: tuple[tuple[str, str], ...]
    defaults: Callable[[Any], dict[str, str]]
    closes_by_board: bool = False

    def column(self, name: str) -> Column:
        """Return the column stored in `name`."""
        return next(c for c in self.columns if c.name == name)

    @property
    def shown(self) -> list[Column]:
        """Return the columns of the kinds table, in order."""
        return [self.column(name) for name in self.table]


def _halo_defaults(type_info: Any) -> dict[str, str]:
    defaults = {
        "sla_id": type_info.default_sla_id,
        "category": type_info.default_category,
        "urgency": type_info.default_urgency,
        "impact": type_info.default_impact,
        "team": type_info.default_team,
        "priority_id": type_info.default_priority_id,
    }
    return {name: str(value) for name, value in defaults.items() if value not in (None, "")}


def _connectwise_defaults(type_info: Any) -> dict[str, str]:
    # The default board and the PSA's default priority; a type has no default (R5.1).
    defaults = {"team": type_info.id, "priority_id": type_info.default_priority_id}
    return {name: str(value) for name, value in defaults.items() if value not in (None, "")}


HALO = Profile(
    system="halopsa",
    tickets="halopsa tickets",
    type_label="Ticket type",
    type_noun="ticket type",
    type_hint="New tickets get the type's default initial status; changing the type fills each "
    "alert kind with the type's defaults.",
    kinds_hint="Each switched-on kind needs a valid SLA, Category, Urgency and Team (*).",
    columns=(
        Column("sla_id", "SLA", "SLA", "slas"),
        Column("category", "Category", "category", "categories", by="name"),
        Column("urgency", "Urgency", "urgency", "urgencies"),
        Column("team", "Team", "team", "teams", by="name"),
        Column("impact", "Impact", "impact", "impacts", required=False),
        Column("priority_id", "Priority", "priority", "priorities", required=False),
    ),
    table=("sla_id", "category", "urgency", "impact", "team"),
    asset_fields=tuple(
        (name, name) for name in ("inventory_number", "key_field", "key_field2", "key_field3")
    ),
    defaults=_halo_defaults,
)

# ConnectWise values live in the KindRoute columns (no migration): team = board id,
# category = service type id (of that board), priority_id = priority id, urgency = severity,
# impact = impact; sla_id stays empty.
CONNECTWISE = Profile(
    system="connectwise",
    tickets="ConnectWise PSA service tickets",
    type_label="Default board",
    type_noun="default board",
    type_hint="Each alert kind opens service tickets on its board (this one unless changed), "
    "with the board's default status; changing it fills each kind with it and the PSA's "
    "default priority.",
    kinds_hint="Each switched-on kind needs a valid Board, Type (of that board) and Priority (*).",
    columns=(
        Column("team", "Board", "board", "ticket_types"),
        Column("category", "Type", "type", "board_types", scope="team"),
        Column("priority_id", "Priority", "priority", "priorities"),
        Column("urgency", "Severity", "severity", "severities", required=False),
        Column("impact", "Impact", "impact", "impacts", required=False),
    ),
    table=("team", "category", "priority_id", "urgency", "impact"),
    asset_fields=(
        ("inventory_number", "configuration name"),
        ("key_field", "IP address"),
        ("key_field2", "MAC address"),
        ("key_field3", "serial number"),
    ),
    defaults=_connectwise_defaults,
    closes_by_board=True,
)

PROFILES = {profile.system: profile for profile in (HALO, CONNECTWISE)}


def for_system(system: str) -> Profile:
    """Return the routing profile of a PSA (HaloPSA's for anything unknown)."""
    return PROFILES.get(system, HALO)


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

    column: Column
    mandatory: bool
    choices: list[Choice]


def choosable(column: Column, options: dict[str, list[Option]], values: dict[str, str]) -> set[str]:
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
    column: Column, options: dict[str, list[Option]], values: dict[str, str], mandatory: set[str]
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
