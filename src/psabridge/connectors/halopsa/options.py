"""Map HaloPSA configuration records to our Option, TicketTypeInfo and Asset values."""

from __future__ import annotations

from collections.abc import Iterable

from psabridge.connectors.halopsa import models
from psabridge.connectors.ports import Asset, Option, TicketTypeInfo

# Contract "Configuration endpoints": technew == 1 means "mandatory on a new ticket".
MANDATORY_ON_NEW = 1


def text_id(value: int | str | None) -> str | None:
    """Return an id as our string form (None stays None)."""
    return None if value is None else str(value)


def ticket_type_options(types: Iterable[models.TicketType]) -> list[Option]:
    return [Option(str(t.id), t.name, {"inactive": t.inactive}) for t in types]


def status_options(statuses: Iterable[models.Status], closed: set[str]) -> list[Option]:
    return [
        Option(str(s.id), s.name, {"closed": str(s.id) in closed, "type": s.type}) for s in statuses
    ]


def sla_options(slas: Iterable[models.Sla]) -> list[Option]:
    return [Option(str(s.id), s.name) for s in slas]


def priority_options(policies: Iterable[tuple[int, models.Policy]]) -> list[Option]:
    """Return one option per (SLA, priority): tickets carry `priorityid` (reference §3.4)."""
    return [
        Option(
            str(policy.priorityid),
            policy.name,
            {
                "sla_id": str(policy.slaid or sla_id),
                "policy_id": policy.id,
                "hidden": policy.ishidden,
            },
        )
        for sla_id, policy in policies
    ]


def category_options(categories: Iterable[models.Category]) -> list[Option]:
    """Return categories; tickets carry the text (`value`) in `category_1` (reference §3.4)."""
    return [Option(str(c.id), c.value, {"level": c.type_id}) for c in categories]


def team_options(teams: Iterable[models.Team]) -> list[Option]:
    """Return teams; tickets carry the team name in `team` (reference §3.1)."""
    return [Option(str(t.id), t.name, {"inactive": t.inactive}) for t in teams]


def lookup_options(values: Iterable[models.Lookup]) -> list[Option]:
    return [Option(str(v.id), v.name, {"inactive": v.inactive}) for v in values]


def outcome_options(outcomes: Iterable[models.Outcome]) -> list[Option]:
    """Return outcomes; `new_status_id` is the status an action moves to (0 on the wire: none)."""
    return [
        Option(str(o.id), o.outcome, {"hidden": o.hidden, "new_status_id": _new_status(o)})
        for o in outcomes
    ]


def _new_status(outcome: models.Outcome) -> str | None:
    return text_id(outcome.newstatus or None)


def client_options(clients: Iterable[models.Client]) -> list[Option]:
    return [
        Option(str(c.id), c.name, {"inactive": c.inactive, "main_site_id": text_id(c.main_site_id)})
        for c in clients
    ]


def ticket_type_info(model: models.TicketType) -> TicketTypeInfo:
    """Return a ticket type's defaults and the field names mandatory on a new ticket."""
    return TicketTypeInfo(
        id=str(model.id),
        name=model.name,
        initial_status_id=text_id(model.initial_status),
        default_sla_id=text_id(model.default_sla),
        default_priority_id=text_id(model.default_priority),
        default_team=model.default_team or None,
        default_category=model.default_category_1 or None,
        default_impact=text_id(model.default_impact),
        default_urgency=text_id(model.default_urgency),
        mandatory_fields=mandatory_fields(model),
    )


def mandatory_fields(model: models.TicketType) -> tuple[str, ...]:
    """Return the names of the fields with technew == 1, in order, without repeats."""
    names = [f.fieldname for f in model.fields or () if f.technew == MANDATORY_ON_NEW]
    return tuple(dict.fromkeys(name for name in names if name))


def asset_value(model: models.Asset) -> Asset:
    return Asset(
        id=str(model.id),
        company_id=text_id(model.client_id),
        inventory_number=model.inventory_number,
        key_field=model.key_field,
        key_field2=model.key_field2,
        key_field3=model.key_field3,
        site_id=text_id(model.site_id),
        asset_type=model.assettype_name,
        inactive=model.inactive,
    )


def choose_closed_status(statuses: Iterable[models.Status], closed: set[str]) -> str | None:
    """Return the closed status named "Closed" (lowest id if several), else None.

    No fallback to another closed status: closing an alert's ticket as "Rejected" would lie.
    """
    named = [s for s in statuses if str(s.id) in closed and s.name.strip().lower() == "closed"]
    best = min(named, key=lambda s: s.id, default=None)
    return None if best is None else str(best.id)


def choose_outcome(outcomes: list[models.Outcome], name: str) -> models.Outcome | None:
    """Return the outcome called `name`, else the first visible one that moves no status."""
    wanted = name.strip().lower()
    for outcome in outcomes:
        if wanted in (outcome.outcome.strip().lower(), (outcome.buttonname or "").strip().lower()):
            return outcome
    visible = [o for o in outcomes if not o.hidden]
    return next((o for o in visible if not o.newstatus), visible[0] if visible else None)
