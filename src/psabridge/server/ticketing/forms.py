"""Read the ticketing settings form (a row of values per alert kind) into settings and routes."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from psabridge.domain.alerts import AlertKind
from psabridge.domain.assets import MATCH_BY, MODES
from psabridge.server.ticketing.routing import Route

ASSET_FIELDS = ("inventory_number", "key_field", "key_field2", "key_field3")


def settings_values(data: QueryDict) -> dict[str, Any]:
    """Return the general settings from a POST; unknown choices fall back to safe values."""
    match_by = data.get("asset_match_by", "")
    return {
        "enabled": data.get("enabled") == "on",
        "ticket_type_id": data.get("ticket_type_id", "").strip(),
        "updates_visible": data.get("updates_visible") == "yes",
        "auto_close_blocked": data.get("auto_close_blocked") == "on",
        "asset_match_by": match_by if match_by in MATCH_BY else "",
        "asset_field": _choice(data.get("asset_field", ""), ASSET_FIELDS),
        "asset_mode": _choice(data.get("asset_mode", ""), MODES),
        "asset_case_sensitive": data.get("asset_case_sensitive") == "on",
    }


def _choice(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else allowed[0]


def routes(data: QueryDict, names: tuple[str, ...]) -> dict[str, Route]:
    """Return the route of every alert kind from a POST, with the PSA's routing fields."""
    return {
        kind.value: Route(
            kind.value,
            blocked=data.get(f"{kind.value}-blocked") == "on",
            current=data.get(f"{kind.value}-current") == "on",
            values={name: data.get(f"{kind.value}-{name}", "").strip() for name in names},
        )
        for kind in AlertKind
    }
